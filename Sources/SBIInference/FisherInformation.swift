import CGSL
import SBICore
import SBIEstimators
import SBISimulation

/// A Fisher information matrix I_ij(θ) with the names of its parameters.
///
/// ```
/// I_ij(θ) = ν(θ)·E_{p(x|θ)}[t_i t_j] + ∂_iν ∂_jν / ν     (t = ∇_θ log p, rate term optional)
/// truth:     t = t(x,z|θ), the joint score (an upper bound on the x-level information)
/// exact:     t = ∇_θ log p(x|θ) of an ExactLikelihoodSimulator (central differences)
/// sally:     t = t̂(x) of a ScoreEstimator
/// ml:        t = ∇_θ log r̂(x|θ, θ_ref) of a LogRatioEstimator (central differences)
/// rate:      ∂_iν ∂_jν / ν only
/// histogram: Σ_b ∂_iν_b ∂_jν_b / ν_b,  ν_b = ν p_b,  ∂_i p_b = E[1_b (t_i(x,z) − t̄_i)]
/// ```
/// Shapes: `matrix` `[nParameters, nParameters]`, symmetric.
///
/// [1] J. Brehmer, K. Cranmer, F. Kling, T. Plehn, arXiv:1612.05261 (Fisher information in
///     EFT measurements); [2] J. Brehmer et al., arXiv:1805.00020 §4 (SALLY, joint score bound).
public struct FisherInformation: Sendable, Equatable {
    /// Parameter names, one per row.
    public let names: [String]
    /// I, `[n, n]`, symmetric positive semi-definite.
    public let matrix: Matrix<Double>

    /// - Precondition: `matrix` is square with one row per name.
    public init(names: [String], matrix: Matrix<Double>) {
        precondition(matrix.rows == names.count && matrix.columns == names.count,
                     "FisherInformation: matrix [\(matrix.rows), \(matrix.columns)] for \(names.count) names")
        // Symmetrise: (I + Iᵀ)/2 removes rounding asymmetry of the accumulated outer products.
        self.names = names
        self.matrix = Matrix(rows: names.count, columns: names.count) { i, j in 0.5 * (matrix[i, j] + matrix[j, i]) }
    }

    /// Number of parameters.
    public var count: Int { names.count }

    /// N·E[t tᵀ] from per-event scores `[nEvents, nParameters]` (optionally weighted).
    static func outerProductMean(_ t: Matrix<Double>, weights: [Double]? = nil, events: Double) -> Matrix<Double> {
        var weighted = t
        var total = Double(t.rows)
        if let weights {
            total = weights.reduce(0, +)
            weighted = Matrix(rows: t.rows, columns: t.columns) { i, a in t[i, a] * weights[i] }
        }
        var m = Matrix<Double>.product(weighted, transposeA: true, t)
        m.scale(by: events / total)
        return m
    }

    /// Adds ∂_iν ∂_jν / ν, or with a profiled normalisation uncertainty κ, ∂_iν ∂_jν / (ν(1 + κ²ν))
    /// (`ProfiledNormalization`).
    static func addRateTerm(_ m: inout Matrix<Double>, rate: EventRate, at theta: [Double]) throws {
        let nu = try rate.expectedEvents(at: theta)
        let g = try rate.gradient(at: theta)
        let kappa = rate.normalizationLogWidth
        let denominator = nu * (1 + kappa * kappa * nu)
        for i in 0..<g.count { for j in 0..<g.count { m[i, j] += g[i] * g[j] / denominator } }
    }

    /// Events N: ν(θ) from `rate`, or the given count.
    static func eventCount(rate: EventRate?, events: Double?, at theta: [Double]) throws -> Double {
        if let rate { return try rate.expectedEvents(at: theta) }
        guard let events, events.isFinite, events > 0 else {
            throw SBIError.data("need a luminosity or a positive number of events", field: "events")
        }
        return events
    }

    /// `truth`: joint-score information from `sampleSize` events simulated at θ.
    /// - Throws: `SBIError.data` for an invalid θ or sample size.
    public static func truth(simulator: any Simulator, at theta: [Double], events: Double? = nil, rate: EventRate? = nil,
                             sampleSize: Int = 100_000, seed: UInt64 = 1) throws -> FisherInformation {
        let batch = try simulator.simulate(at: theta, count: sampleSize, random: SeededRandom(seed: seed))
        var gradient: Matrix<Double>? = Matrix(rows: 0, columns: 0)
        _ = try simulator.jointLogLikelihood(latent: batch.latent, at: theta, gradient: &gradient)
        guard let t = gradient, t.rows == batch.count, t.columns == theta.count else {
            throw SBIError(.internal, field: "jointLogLikelihood", "simulator returned no joint score of shape [\(batch.count), \(theta.count)]")
        }
        var m = outerProductMean(t, events: try eventCount(rate: rate, events: events, at: theta))
        if let rate { try addRateTerm(&m, rate: rate, at: theta) }
        return FisherInformation(names: simulator.parameterSpace.names, matrix: m)
    }

    /// Exact x-level information of an `ExactLikelihoodSimulator`; the score by central differences
    /// (`ExactScore`: step 1e-4·max(1,|θ_i|), error O(h²) relative).
    public static func exact(simulator: any ExactLikelihoodSimulator, at theta: [Double], events: Double? = nil,
                             rate: EventRate? = nil, sampleSize: Int = 100_000, seed: UInt64 = 1) throws -> FisherInformation {
        let batch = try simulator.simulate(at: theta, count: sampleSize, random: SeededRandom(seed: seed))
        let t = try ExactScore(simulator: simulator, reference: theta).score(x: batch.observables)
        var m = outerProductMean(t, events: try eventCount(rate: rate, events: events, at: theta))
        if let rate { try addRateTerm(&m, rate: rate, at: theta) }
        return FisherInformation(names: simulator.parameterSpace.names, matrix: m)
    }

    /// `sally`: information of the estimated score t̂ on a sample `x` drawn at θ (= the estimator's θ_ref).
    /// - Throws: `SBIError.data` when the estimator's observable count does not match `x`.
    public static func sally(estimator: any ScoreEstimator, names: [String], sample x: Matrix<Double>, at theta: [Double],
                             events: Double? = nil, rate: EventRate? = nil) throws -> FisherInformation {
        guard estimator.observableCount == x.columns else {
            throw SBIError.data("the model expects \(estimator.observableCount) observables, the data have \(x.columns)", field: "model")
        }
        guard estimator.parameterCount == names.count else {
            throw SBIError.data("the model has \(estimator.parameterCount) parameters, expected \(names.count)", field: "model")
        }
        let t = try estimator.score(x: x)
        var m = outerProductMean(t, events: try eventCount(rate: rate, events: events, at: theta))
        if let rate { try addRateTerm(&m, rate: rate, at: theta) }
        return FisherInformation(names: names, matrix: m)
    }

    /// `ml`: information of the score of a ratio estimator, t̂(x|θ) = ∇_θ log r̂(x|θ, θ_ref), by central
    /// differences (step h_i = 1e-3·max(1, |θ_i|): the estimator is smooth in θ, and a larger step keeps
    /// Float32 network noise from dominating), on a sample `x` drawn at θ.
    /// ```
    /// t̂_i(x) = [log r̂(x|θ + h_i e_i) − log r̂(x|θ − h_i e_i)] / (2h_i),   I = N·E[t̂ t̂ᵀ] (+ rate term)
    /// ```
    /// - Throws: `SBIError.data` when the estimator's parameter or observable count does not match.
    public static func ml(estimator: any LogRatioEstimator, names: [String], sample x: Matrix<Double>, at theta: [Double],
                          events: Double? = nil, rate: EventRate? = nil) throws -> FisherInformation {
        guard estimator.observableCount == x.columns else {
            throw SBIError.data("the model expects \(estimator.observableCount) observables, the data have \(x.columns)", field: "model")
        }
        guard estimator.parameterCount == names.count, theta.count == names.count else {
            throw SBIError.data("the model has \(estimator.parameterCount) parameters, expected \(names.count)", field: "model")
        }
        let difference = CentralDifference(at: theta, relativeStep: 1e-3)
        let t = difference.gradient(from: try estimator.logRatio(x: x, thetas: difference.points))
        var m = outerProductMean(t, events: try eventCount(rate: rate, events: events, at: theta))
        if let rate { try addRateTerm(&m, rate: rate, at: theta) }
        return FisherInformation(names: names, matrix: m)
    }

    /// `rate`: ∂_iν ∂_jν / ν.
    public static func rate(_ rate: EventRate, names: [String], at theta: [Double]) throws -> FisherInformation {
        var m = Matrix<Double>(rows: theta.count, columns: theta.count)
        try addRateTerm(&m, rate: rate, at: theta)
        return FisherInformation(names: names, matrix: m)
    }

    /// `histogram`: binned information Σ_b ∂ν_b∂ν_bᵀ/ν_b with ∂p_b from joint scores of a sample at θ.
    public static func histogram(_ histogram: Histogram, features: HistogramFeatures, simulator: any Simulator,
                                 at theta: [Double], events: Double? = nil, rate: EventRate? = nil,
                                 sampleSize: Int = 100_000, seed: UInt64 = 1) throws -> FisherInformation {
        let batch = try simulator.simulate(at: theta, count: sampleSize, random: SeededRandom(seed: seed))
        var gradient: Matrix<Double>? = Matrix(rows: 0, columns: 0)
        _ = try simulator.jointLogLikelihood(latent: batch.latent, at: theta, gradient: &gradient)
        guard let t = gradient, t.rows == batch.count, t.columns == theta.count else {
            throw SBIError(.internal, field: "jointLogLikelihood", "simulator returned no joint score")
        }
        let f = try features.evaluate(batch.observables)
        guard f.columns == histogram.axisCount else {
            throw SBIError.data("\(f.columns) features for a \(histogram.axisCount)-D histogram", field: "histogram")
        }
        let d = theta.count, nb = histogram.binCount, n = Double(batch.count)
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<batch.count { for a in 0..<d { mean[a] += t[i, a] / n } }
        var p = [Double](repeating: 0, count: nb)
        var dp = [Double](repeating: 0, count: nb * d)
        f.withUnsafeBufferPointer { fp in
            for i in 0..<batch.count {
                let b = histogram.binIndex(fp, row: i)
                p[b] += 1 / n
                for a in 0..<d { dp[b * d + a] += (t[i, a] - mean[a]) / n }
            }
        }
        let nu = try eventCount(rate: rate, events: events, at: theta)
        var m = Matrix<Double>(rows: d, columns: d)
        for b in 0..<nb where p[b] > 0 {
            for i in 0..<d { for j in 0..<d { m[i, j] += nu * dp[b * d + i] * dp[b * d + j] / p[b] } }
        }
        if let rate { try addRateTerm(&m, rate: rate, at: theta) }
        return FisherInformation(names: simulator.parameterSpace.names, matrix: m)
    }
}
