import CGSL
import SBICore
import SBIEstimators
import SBISimulation

/// The inference methods that turn data into a likelihood on a θ grid.
public enum InferenceMode: String, CaseIterable, Sendable {
    /// Exact likelihood of an `ExactLikelihoodSimulator`.
    case truth
    /// Counts only: log Pois(n|ν(θ)).
    case rate
    /// Histogram of chosen observables.
    case histogram
    /// Any `LogRatioEstimator` (CARL, ALICES, …).
    case ml
    /// Histogram of the estimated score t̂(x) of a `ScoreEstimator`.
    case sally
    /// The estimated score projected on θ − θ_ref, a 1-D histogram per point (`SALLINOLikelihood`).
    case sallino

    /// Parses a user-supplied name.
    /// - Throws: `SBIError.data` listing the valid names.
    public static func parse(_ text: String, field: String = "mode") throws -> InferenceMode {
        guard let mode = InferenceMode(rawValue: text) else {
            throw SBIError.data("unknown mode \"\(text)\"; expected one of \(allCases.map(\.rawValue).joined(separator: ", "))", field: field)
        }
        return mode
    }
}

/// A log-likelihood on a parameter grid with its test statistic, p-values and best fit.
///
/// ```
/// q(θ) = −2 [log L(θ) − max log L],   p(θ) = Q_χ²(q(θ); k = number of parameters)
/// ```
/// max log L is the maximum of the quadratic interpolant around the best grid point (so that a
/// best fit between grid points is not penalised); q is clamped at 0.
/// Shapes: `logLikelihood`, `q`, `pValues` `[nPoints]` in the grid's order.
///
/// [1] S. S. Wilks, Ann. Math. Statist. 9 (1938) 60; [2] arXiv:1805.00020 §5.
public struct LikelihoodScanResult: Sendable {
    /// The grid the likelihood was evaluated on.
    public let grid: ParameterGrid
    /// log L(θ_j) up to a θ-independent constant.
    public let logLikelihood: [Double]
    /// Index of the grid point with the largest log L.
    public let bestIndex: Int
    /// Best-fit point, refined between grid points on a regular grid.
    public let bestFit: [Double]
    /// max log L used in q (refined).
    public let maxLogLikelihood: Double
    /// q(θ_j) = −2 [log L(θ_j) − max log L] ≥ 0.
    public let q: [Double]
    /// p(θ_j) = gsl_cdf_chisq_Q(q, k).
    public let pValues: [Double]

    /// Builds q, p and the refined best fit from log L on `grid`.
    /// - Throws: `SBIError.numerical` if log L is NaN somewhere or nowhere finite.
    public init(grid: ParameterGrid, logLikelihood: [Double]) throws {
        precondition(logLikelihood.count == grid.count, "LikelihoodScanResult: \(logLikelihood.count) values for \(grid.count) grid points")
        if let bad = logLikelihood.firstIndex(where: { $0.isNaN }) {
            throw SBIError.numerical("log L is NaN at grid point \(bad) (θ = \(grid.point(bad)))", field: "logLikelihood")
        }
        var best = -1
        for j in 0..<logLikelihood.count where logLikelihood[j].isFinite && (best < 0 || logLikelihood[j] > logLikelihood[best]) { best = j }
        guard best >= 0 else { throw SBIError.numerical("log L is not finite at any grid point", field: "logLikelihood") }
        let (fit, peak) = Self.refine(grid: grid, logLikelihood: logLikelihood, best: best)
        let k = Double(grid.parameterCount)
        self.grid = grid
        self.logLikelihood = logLikelihood
        self.bestIndex = best
        self.bestFit = fit
        self.maxLogLikelihood = peak
        self.q = logLikelihood.map { $0.isFinite ? max(0, -2 * ($0 - peak)) : .infinity }
        self.pValues = q.map { $0.isFinite ? gsl_cdf_chisq_Q($0, k) : 0 }
    }

    /// Per-axis parabola through the best point and its two neighbours:
    /// ```
    /// δ = (h/2)(L₋ − L₊)/(L₋ − 2L₀ + L₊),   peak gain = (L₋ − L₊)²/(8(2L₀ − L₋ − L₊))
    /// ```
    /// δ is clamped to one grid step; skipped at the grid edge or where the curvature is not negative.
    static func refine(grid: ParameterGrid, logLikelihood l: [Double], best: Int) -> ([Double], Double) {
        var fit = grid.point(best)
        var peak = l[best]
        guard let axes = grid.axes else { return (fit, peak) }
        let shape = axes.map(\.count)
        var stride = [Int](repeating: 1, count: shape.count)
        for i in stride.indices.reversed().dropFirst() { stride[i] = stride[i + 1] * shape[i + 1] }
        for i in 0..<shape.count {
            let k = (best / stride[i]) % shape[i]
            guard k > 0, k < shape[i] - 1 else { continue }
            let lm = l[best - stride[i]], l0 = l[best], lp = l[best + stride[i]]
            let curvature = lm - 2 * l0 + lp
            guard lm.isFinite, lp.isFinite, curvature < 0 else { continue }
            let v = axes[i].values
            let hm = v[k] - v[k - 1], hp = v[k + 1] - v[k]
            let h = 0.5 * (hm + hp)
            let delta = max(-hm, min(hp, 0.5 * h * (lm - lp) / curvature))
            fit[i] = v[k] + delta
            peak += (lm - lp) * (lm - lp) / (-8 * curvature)
        }
        return (fit, peak)
    }
}

/// Likelihood scans on a parameter grid for the modes that take per-event log ratios.
///
/// ```
/// log L(θ) = log Pois(n|ν(θ)) + Σ_i log r̂(x_i|θ, θ_ref)        (observed)
/// log L(θ) = log Pois(N|ν(θ)) + N·(1/M) Σ_m log r̂(x_m|θ, θ_ref)  (Asimov, x_m ~ θ_true)
/// ```
/// The rate term is left out when `rate` is nil (shape-only models).
///
/// [1] J. Brehmer, K. Cranmer, G. Louppe, J. Pavez, arXiv:1805.00020 eq. (8) and §5.
public enum LikelihoodScan {
    /// Events handed to the estimator at once.
    static let eventChunk = 4096
    /// Grid points handed to the estimator at once: with `eventChunk` events the `[points, events]`
    /// buffer of log r̂ stays at 16 MiB however large the grid (10⁷ points would need 330 GB at once).
    /// Below glibc's largest mmap threshold (32 MiB) the allocator reuses one freed buffer for the next
    /// block; at 64 MiB every block was a fresh mapping, and a 25³-point truth scan spent 3 of its 5 s
    /// in the kernel faulting its pages in.
    static let thetaBlock = 512

    /// `ml` mode: log L from any ratio estimator.
    /// - Throws: `SBIError.data` if the estimator's parameter or observable count does not match
    ///   the grid or the data; errors from the estimator and the rate.
    public static func ml(estimator: any LogRatioEstimator, data: ScanData, grid: ParameterGrid,
                          rate: EventRate? = nil) throws -> LikelihoodScanResult {
        try LikelihoodScanResult(grid: grid, logLikelihood: try mlLogLikelihood(estimator: estimator, data: data, grid: grid, rate: rate))
    }

    /// `ml` mode's log L at every point of `grid`, without q or a best fit (`grid` may be a block of a
    /// larger grid's points: each point's value is the same whatever block it is in).
    /// - Throws: as `ml`.
    /// `progress` receives the fraction of the event sums done, after every chunk of events (`eventSums`).
    public static func mlLogLikelihood(estimator: any LogRatioEstimator, data: ScanData, grid: ParameterGrid,
                                       rate: EventRate? = nil, progress: ((Double) -> Void)? = nil) throws -> [Double] {
        guard estimator.parameterCount == grid.parameterCount else {
            throw SBIError.data("the model has \(estimator.parameterCount) parameters, the grid \(grid.parameterCount)", field: "model")
        }
        guard estimator.observableCount == data.x.columns else {
            throw SBIError.data("the model expects \(estimator.observableCount) observables, the data have \(data.x.columns)", field: "model")
        }
        var logL = try eventSums(estimator: estimator, data: data, grid: grid, progress: progress)
        if let rate { try addRateTerm(&logL, rate: rate, observed: data.eventCount, grid: grid) }
        return logL
    }

    /// `truth` mode: the exact likelihood ratio against `reference` (default: the grid's first point).
    public static func truth(simulator: any ExactLikelihoodSimulator, data: ScanData, grid: ParameterGrid,
                             rate: EventRate? = nil, reference: [Double]? = nil) throws -> LikelihoodScanResult {
        try grid.validate(against: simulator.parameterSpace)
        let estimator = try ExactLogRatio(simulator: simulator, reference: reference ?? grid.point(0))
        return try ml(estimator: estimator, data: data, grid: grid, rate: rate)
    }

    /// `rate` mode: log L(θ) = log Pois(n|ν(θ)) only.
    public static func rateOnly(rate: EventRate, observedEvents n: Double, grid: ParameterGrid) throws -> LikelihoodScanResult {
        guard n.isFinite, n >= 0 else { throw SBIError.data("observed events \(n); expected a finite number ≥ 0", field: "n") }
        var logL = [Double](repeating: 0, count: grid.count)
        try addRateTerm(&logL, rate: rate, observed: n, grid: grid)
        return try LikelihoodScanResult(grid: grid, logLikelihood: logL)
    }

    /// Σ_i w_i·log r̂(x_i|θ_j) for every grid point, in blocks of grid points and event chunks;
    /// w_i = `data.rowWeights` or `data.rowWeight`. Each point's sum runs chunk by chunk, events in
    /// order, whatever the block size, so equal inputs give equal bits. After every chunk `progress` receives
    /// the fraction of the (grid point, event) pairs summed so far, reaching 1 at the end.
    public static func eventSums(estimator: any LogRatioEstimator, data: ScanData, grid: ParameterGrid,
                                 progress: ((Double) -> Void)? = nil) throws -> [Double] {
        var sums = [Double](repeating: 0, count: grid.count)
        let n = data.x.rows
        var blockStart = 0
        while blockStart < grid.count {
            let blockEnd = min(grid.count, blockStart + thetaBlock)
            let thetas = blockStart == 0 && blockEnd == grid.count ? grid.points : grid.points.rows(blockStart..<blockEnd)
            var start = 0
            while start < n {
                let end = min(n, start + eventChunk)
                let chunk = data.x.rows(start..<end)
                let r = try estimator.logRatio(x: chunk, thetas: thetas)
                guard r.rows == thetas.rows, r.columns == end - start else {
                    throw SBIError(.internal, field: "logRatio", "estimator returned [\(r.rows), \(r.columns)]; expected [\(thetas.rows), \(end - start)]")
                }
                r.withUnsafeBufferPointer { rp in
                    let m = end - start
                    for j in 0..<thetas.rows {
                        var s = 0.0
                        if let weights = data.rowWeights {
                            for i in 0..<m { s += weights[start + i] * rp[j * m + i] }
                        } else {
                            for i in 0..<m { s += rp[j * m + i] }
                        }
                        sums[blockStart + j] += s
                    }
                }
                start = end
                progress?((Double(blockStart) * Double(n) + Double(blockEnd - blockStart) * Double(end)) / (Double(grid.count) * Double(n)))
            }
            blockStart = blockEnd
        }
        let w = data.rowWeights == nil ? data.rowWeight : 1
        if data.kind == .asimov {
            for j in sums.indices { sums[j] = sums[j] * w + data.controlVariateTerm(at: grid.point(j)) }
        }
        return sums
    }

    /// Adds log Pois(n|ν(θ_j)) to every entry.
    public static func addRateTerm(_ logL: inout [Double], rate: EventRate, observed n: Double, grid: ParameterGrid) throws {
        for j in 0..<grid.count { logL[j] += try rate.logPoisson(observed: n, at: grid.point(j)) }
    }
}
