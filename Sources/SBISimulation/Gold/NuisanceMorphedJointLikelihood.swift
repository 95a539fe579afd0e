#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SBICore

/// The joint likelihood of weighted events whose weights also depend on nuisance parameters ν through
/// MadMiner's exponential nuisance morphing, over the parameters (θ, ν).
///
/// Each event row holds its benchmark weights and its morphing coefficients, [W_e1 … W_eB, a_e1 … a_eK,
/// b_e1 … b_eK] (`rows(benchmarkWeights:nuisance:)`); then
/// ```
/// f_e(ν)      = exp[Σ_k a_ek ν_k + b_ek ν_k²]
/// w_e(θ, ν)   = Σ_b w_b(θ) W_eb · f_e(ν)
/// σ(θ, ν)     = Σ_b w_b(θ) S_b(ν),     S_b(ν) = (1/N) Σ_{e'} W_e'b f_e'(ν)   (all N events of the sample)
/// log p(z_e|θ, ν) = log w_e(θ, ν) − log σ(θ, ν)
/// ∇θ log p    = ∇θ w_e(θ, 0)/w_e(θ, 0) − Σ_b ∇w_b(θ) S_b(ν)/σ
/// ∂ν_k log p  = a_ek + 2 b_ek ν_k − Σ_b w_b(θ) S'_bk(ν)/σ,   S'_bk = (1/N) Σ_e' W_e'b f_e'(ν)(a_e'k + 2 b_e'k ν_k)
/// ```
/// At ν = 0 it is `MorphedJointLikelihood.sampleMean` with zero ν scores shifted by the sample's mean a.
/// σ(θ, ν) costs one pass over the sample per point (θ, ν); augmentation asks for at most a few
/// thousand distinct points.
///
/// Shapes: `events` `[nEvents, nBenchmarks + 2·nNuisance]`; gradient `[nEvents, nParameters + nNuisance]`.
///
/// [1] J. Brehmer, F. Kling, I. Espejo, K. Cranmer, arXiv:1907.10621 §3 (nuisance morphing, the joint
///     score's nuisance components); [2] arXiv:1805.00020 §III (morphing).
public struct NuisanceMorphedJointLikelihood: JointLikelihood {
    /// The morphing over the benchmarks of θ.
    public let morpher: Morpher
    /// W of every event of the sample, `[N, nBenchmarks]`, for S_b(ν).
    public let benchmarkWeights: Matrix<Double>
    /// a, b of every event of the sample.
    public let nuisance: NuisanceMorphing

    /// - Throws: `SBIError.data` (field `nuisance`) unless the weights and the nuisance morphing are for
    ///   the same events and the weights have one column per basis point.
    public init(morpher: Morpher, benchmarkWeights: Matrix<Double>, nuisance: NuisanceMorphing) throws {
        guard benchmarkWeights.columns == morpher.benchmarkCount, benchmarkWeights.rows == nuisance.eventCount,
              benchmarkWeights.rows > 0 else {
            throw SBIError.data("weights [\(benchmarkWeights.rows), \(benchmarkWeights.columns)] for \(morpher.benchmarkCount) benchmarks "
                                + "and nuisance morphing of \(nuisance.eventCount) events", field: "nuisance")
        }
        self.morpher = morpher
        self.benchmarkWeights = benchmarkWeights
        self.nuisance = nuisance
    }

    /// Event rows [W | a | b] for this likelihood, `[nEvents, nBenchmarks + 2·nNuisance]`.
    public static func rows(benchmarkWeights: Matrix<Double>, nuisance: NuisanceMorphing) -> Matrix<Double> {
        let nb = benchmarkWeights.columns, k = nuisance.count
        return Matrix(rows: benchmarkWeights.rows, columns: nb + 2 * k) { e, c in
            c < nb ? benchmarkWeights[e, c] : c < nb + k ? nuisance.linear[e, c - nb] : nuisance.quadratic[e, c - nb - k]
        }
    }

    /// Parameters of θ plus nuisance parameters.
    public var parameterCount: Int { morpher.parameterCount + nuisance.count }

    /// S_b(ν) `[nBenchmarks]` and S'_bk(ν) `[nNuisance][nBenchmarks]`.
    func benchmarkSums(at nu: [Double]) throws -> (values: [Double], gradients: [[Double]]) {
        let n = benchmarkWeights.rows, nb = morpher.benchmarkCount
        var f = try nuisance.logFactors(at: nu)
        for e in 0..<n { f[e] = exp(f[e]) / Double(n) }
        var values = [Double](repeating: 0, count: nb)
        Matrix.gemv(benchmarkWeights, transpose: true, f, into: &values)
        let g = try nuisance.logFactorGradients(at: nu)
        let gradients = (0..<nuisance.count).map { k -> [Double] in
            var out = [Double](repeating: 0, count: nb)
            Matrix.gemv(benchmarkWeights, transpose: true, (0..<n).map { f[$0] * g[$0, k] }, into: &out)
            return out
        }
        return (values, gradients)
    }

    /// σ(θ, ν) in the units of W (the mean over events).
    /// - Throws: `SBIError.data` for a point of the wrong length.
    public func crossSection(at point: [Double]) throws -> Double {
        let np = morpher.parameterCount
        guard point.count == parameterCount else {
            throw SBIError.data("expected \(parameterCount) values (θ and ν), got \(point.count)", field: "theta")
        }
        let s = try benchmarkSums(at: Array(point.suffix(nuisance.count)))
        return zip(morpher.weights(at: Array(point.prefix(np))), s.values).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// log w_e(θ, ν) − log σ(θ, ν) per event and, if requested, the gradient in (θ, ν) (formulas above).
    /// - Throws: `SBIError.numerical` naming the event if a morphed weight or σ(θ, ν) is not positive;
    ///   `SBIError.data` for a point or event rows of the wrong shape.
    public func logLikelihood(_ events: Matrix<Double>, at point: [Double], gradient: inout Matrix<Double>?) throws -> [Double] {
        let np = morpher.parameterCount, nb = morpher.benchmarkCount, k = nuisance.count
        guard point.count == np + k, events.columns == nb + 2 * k else {
            throw SBIError.data("point of \(point.count) values and events of \(events.columns) columns; expected \(np + k) and \(nb + 2 * k)",
                                field: "theta")
        }
        let theta = Array(point.prefix(np)), nu = Array(point.suffix(k))
        let w = morpher.weights(at: theta)
        let sums = try benchmarkSums(at: nu)
        let sigma = zip(w, sums.values).reduce(0) { $0 + $1.0 * $1.1 }
        guard sigma > 0, sigma.isFinite else {
            throw SBIError.numerical("the morphed cross section at (θ, ν) = \(point) is \(sigma); expected a positive number", field: "theta")
        }
        let n = events.rows
        var out = [Double](repeating: 0, count: n)
        var nominal = [Double](repeating: 0, count: n)
        for e in 0..<n {
            var we = 0.0, logF = 0.0
            for b in 0..<nb { we += w[b] * events[e, b] }
            for j in 0..<k { logF += events[e, nb + j] * nu[j] + events[e, nb + k + j] * nu[j] * nu[j] }
            guard we > 0, we.isFinite, logF.isFinite else {
                throw SBIError.numerical("morphed weight \(we)·exp(\(logF)) at (θ, ν) = \(point) is not positive", field: "event \(e)")
            }
            nominal[e] = we
            out[e] = log(we) + logF - log(sigma)
        }
        if gradient != nil {
            let dw = morpher.weightGradients(at: theta)   // [np, nb]
            var g = Matrix<Double>(rows: n, columns: np + k)
            for i in 0..<np {
                var dSigma = 0.0
                for b in 0..<nb { dSigma += dw[i, b] * sums.values[b] }
                for e in 0..<n {
                    var dWe = 0.0
                    for b in 0..<nb { dWe += dw[i, b] * events[e, b] }
                    g[e, i] = dWe / nominal[e] - dSigma / sigma
                }
            }
            for j in 0..<k {
                let dSigma = zip(w, sums.gradients[j]).reduce(0) { $0 + $1.0 * $1.1 }
                for e in 0..<n { g[e, np + j] = events[e, nb + j] + 2 * events[e, nb + k + j] * nu[j] - dSigma / sigma }
            }
            gradient = g
        }
        return out
    }
}
