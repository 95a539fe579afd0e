import Foundation
import SBICore
import SBIEstimators
import SBISimulation

/// `sallino` mode: the likelihood ratio of the estimated score projected on the direction of each
/// grid point, in one dimension.
///
/// ```
/// h_θ(x) = t̂(x|θ_ref) · (θ − θ_ref)                        (a scalar per event and point)
/// log r(θ) = Σ_b n_b(h_θ) [log p_b(θ) − log p_b(θ_ref)]     (+ log Pois(n|ν(θ)) with a rate)
/// ```
/// per grid point: adaptive bins of h_θ on the data, p_b from one expectation sample reweighted to θ
/// and to θ_ref (with the ε pseudo-count of `HistogramLikelihood`), n_b the data's counts (for Asimov
/// data with `asimovTheta`, N·p_b(θ_true)); log r(θ_ref) = 0. Near θ_ref h_θ is the locally sufficient
/// statistic, and the one-dimensional density needs far fewer events than SALLY's k-dimensional
/// histogram; with one parameter h_θ is a monotone map of t̂ and the scan is SALLY's. A score over
/// (θ, ν) is projected with its θ components (the leading ones).
///
/// [1] J. Brehmer, K. Cranmer, G. Louppe, J. Pavez, arXiv:1805.00020 §III.B (SALLINO);
///     arXiv:1805.12244 §2 (the score as locally sufficient statistic).
public struct SALLINOLikelihood {
    public let score: any ScoreEstimator
    /// θ_ref, where the score was estimated.
    public let reference: [Double]
    /// Bins of h_θ.
    public let bins: Int
    /// Where p_b(θ) comes from: a weighted or joint-reweighted sample (`BinExpectation.sample`).
    public let expectation: BinExpectation

    public init(score: any ScoreEstimator, reference: [Double], bins: Int, expectation: BinExpectation) {
        self.score = score
        self.reference = reference
        self.bins = bins
        self.expectation = expectation
    }

    /// log r(θ) at every point of `grid`.
    /// - Throws: `SBIError.data` naming `model` for a score of another dimension or observable count,
    ///   `histogram` for a simulated (not reweighted) expectation or too few data events for the bins;
    ///   `.numerical` for non-finite scores or an expectation without weight at a point.
    public func scan(data: ScanData, grid: ParameterGrid, rate: EventRate? = nil, asimovTheta: [Double]? = nil) throws -> LikelihoodScanResult {
        try LikelihoodScanResult(grid: grid, logLikelihood: try logLikelihood(data: data, grid: grid, rate: rate, asimovTheta: asimovTheta))
    }

    /// The values `scan` turns into a result, for the points of `grid` (any block of a larger grid).
    public func logLikelihood(data: ScanData, grid: ParameterGrid, rate: EventRate? = nil, asimovTheta: [Double]? = nil) throws -> [Double] {
        let k = reference.count
        guard score.parameterCount >= k, grid.parameterCount == k, score.observableCount == data.x.columns else {
            throw SBIError.data("the score has \(score.parameterCount) components and takes \(score.observableCount) observables; expected "
                                + "at least the grid's \(grid.parameterCount) parameters (θ_ref has \(k)) and the data's \(data.x.columns) observables",
                                field: "model")
        }
        guard bins >= 1, data.x.rows >= bins else {
            throw SBIError.data("\(data.x.rows) data events for \(bins) adaptive bins; expected at least as many events as bins", field: "histogram")
        }
        let sample: EventBatch
        switch expectation {
        case .reweighted(_, let s), .jointReweighted(_, let s, _): sample = s
        default: throw SBIError.data("sallino needs a reweighted expectation sample (BinExpectation.sample)", field: "histogram")
        }
        let tData = try finite(score.score(x: data.x)), tSample = try finite(score.score(x: sample.observables))
        var base: [Double] = []
        if case .jointReweighted(let simulator, let sample, let drawnAt) = expectation {
            var none: Matrix<Double>? = nil
            base = try simulator.jointLogLikelihood(latent: sample.latent, at: drawnAt, gradient: &none)
        }
        func weights(at theta: [Double]) throws -> [Double] { try self.weights(at: theta, base: base) }
        let referenceWeights = try weights(at: reference)
        let trueWeights = try asimovTheta.flatMap { data.kind == .asimov ? try weights(at: $0) : nil }
        var logL = [Double](repeating: 0, count: grid.count)
        for j in 0..<grid.count {
            let theta = grid.point(j)
            let direction = zip(theta, reference).map { $0 - $1 }
            guard direction.contains(where: { $0 != 0 }) else { continue }
            let hData = project(tData, direction), hSample = project(tSample, direction)
            let histogram = try Histogram.adaptive(sample: hData, bins: [bins])
            let indices = histogram.binIndices(hSample)
            func probabilities(_ w: [Double], at point: [Double]) throws -> [Double] {
                var counts = [Double](repeating: 0, count: histogram.binCount)
                for m in indices.indices { counts[indices[m]] += w[m] }
                let total = counts.reduce(0, +)
                guard total.isFinite, total > 0 else {
                    throw SBIError.numerical("the expectation sample has total weight \(total) at θ = \(point); narrow the grid", field: "histogram")
                }
                return HistogramLikelihood.normalise(counts, events: indices.count)
            }
            let p = try probabilities(try weights(at: theta), at: theta), q = try probabilities(referenceWeights, at: reference)
            var n: [Double]
            if let trueWeights, let t = asimovTheta {
                n = try probabilities(trueWeights, at: t).map { $0 * data.eventCount }
            } else {
                n = histogram.fill(hData, weights: data.rowWeights)
                if data.kind == .asimov, data.rowWeights == nil { n = n.map { $0 * data.rowWeight } }
            }
            var s = 0.0
            for b in n.indices where n[b] > 0 { s += n[b] * (log(p[b]) - log(q[b])) }
            logL[j] = s
        }
        if let rate { try LikelihoodScan.addRateTerm(&logL, rate: rate, observed: data.eventCount, grid: grid) }
        return logL
    }

    /// The expectation sample's weights at θ (joint-reweighted: relative to `base`, log p(z|θ_drawn)).
    private func weights(at theta: [Double], base: [Double]) throws -> [Double] {
        switch expectation {
        case .reweighted(let simulator, let sample):
            return try simulator.weights(latent: sample.latent, at: theta)
        case .jointReweighted(let simulator, let sample, _):
            var none: Matrix<Double>? = nil
            let at = try simulator.jointLogLikelihood(latent: sample.latent, at: theta, gradient: &none)
            return zip(at, base).map { exp($0 - $1) }
        default:
            throw SBIError.data("sallino needs a reweighted expectation sample (BinExpectation.sample)", field: "histogram")
        }
    }

    private func project(_ t: Matrix<Double>, _ direction: [Double]) -> Matrix<Double> {
        Matrix(rows: t.rows, columns: 1) { i, _ in
            var s = 0.0
            for c in direction.indices { s += t[i, c] * direction[c] }
            return s
        }
    }

    private func finite(_ t: Matrix<Double>) throws -> Matrix<Double> {
        if let bad = t.storage.firstIndex(where: { !$0.isFinite }) {
            throw SBIError.numerical("estimated score of event \(bad / max(1, t.columns)) is not finite", field: "histogram")
        }
        return t
    }
}
