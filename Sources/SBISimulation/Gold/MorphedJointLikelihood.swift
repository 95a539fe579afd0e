#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SBICore

/// The joint likelihood of weighted events, from their morphed weights.
///
/// Each event carries its weights W[e, b] = w_e(θ_b) at the morphing basis; then
/// ```
/// w_e(θ) = Σ_b w_b(θ) W[e, b],        σ(θ) = Σ_b w_b(θ) σ_b
/// p(z_e|θ) = w_e(θ) q(z_e) / σ(θ)     (q: the proposal density, θ-independent)
/// log p(z_e|θ) = log w_e(θ) − log σ(θ) + const
/// t(x,z|θ) = ∇w_e(θ)/w_e(θ) − ∇σ(θ)/σ(θ)
/// r(x,z|θ0,θ1) = [w_e(θ0)/σ(θ0)] / [w_e(θ1)/σ(θ1)]
/// ```
/// σ_b is either the simulator's exact cross section at θ_b (`exact`) or the sample mean of
/// the events' weights there (`sampleMean`, MadMiner's convention σ(θ) = Σ_e w_e(θ) up to the
/// θ-independent factor 1/n, which cancels in r and t).
///
/// Shapes: `events` = benchmark weights `[nEvents, nBenchmarks]`.
///
/// [1] J. Brehmer, K. Cranmer, G. Louppe, J. Pavez, arXiv:1805.00020, §III–IV.
public struct MorphedJointLikelihood: JointLikelihood {
    /// The morphing set-up whose basis the weights refer to.
    public let morpher: Morpher
    /// σ_b, one per benchmark.
    public let benchmarkCrossSections: [Double]

    /// The joint likelihood for the given morphing set-up and benchmark cross sections σ_b.
    /// - Throws: `SBIError.data` (field `crossSections`) unless there is one finite σ_b per benchmark.
    public init(morpher: Morpher, benchmarkCrossSections: [Double]) throws {
        guard benchmarkCrossSections.count == morpher.benchmarkCount else {
            throw SBIError.data("\(benchmarkCrossSections.count) cross sections for \(morpher.benchmarkCount) benchmarks",
                                field: "crossSections")
        }
        for (b, s) in benchmarkCrossSections.enumerated() where !s.isFinite {
            throw SBIError.data("cross section \(s) is not finite", field: "crossSections[\(b)]")
        }
        self.morpher = morpher
        self.benchmarkCrossSections = benchmarkCrossSections
    }

    /// σ_b from the simulator's exact `crossSection(at:)` at every basis point.
    public static func exact(simulator: any WeightedSimulator, morpher: Morpher) throws -> MorphedJointLikelihood {
        let sigmas = try (0..<morpher.benchmarkCount).map { try simulator.crossSection(at: morpher.basis.row($0)) }
        return try MorphedJointLikelihood(morpher: morpher, benchmarkCrossSections: sigmas)
    }

    /// σ_b = (1/n) Σ_e W[e, b], the sample estimate.
    public static func sampleMean(benchmarkWeights: Matrix<Double>, morpher: Morpher) throws -> MorphedJointLikelihood {
        precondition(benchmarkWeights.columns == morpher.benchmarkCount,
                     "sampleMean: weights [\(benchmarkWeights.rows), \(benchmarkWeights.columns)], basis has \(morpher.benchmarkCount) points")
        var sums = [Double](repeating: 0, count: morpher.benchmarkCount)
        let ones = [Double](repeating: 1.0 / Double(max(benchmarkWeights.rows, 1)), count: benchmarkWeights.rows)
        Matrix.gemv(benchmarkWeights, transpose: true, ones, into: &sums)
        return try MorphedJointLikelihood(morpher: morpher, benchmarkCrossSections: sums)
    }

    /// Number of parameters of the morphing set-up.
    public var parameterCount: Int { morpher.parameterCount }

    /// σ(θ) = Σ_b w_b(θ) σ_b.
    public func crossSection(at theta: [Double]) -> Double {
        zip(morpher.weights(at: theta), benchmarkCrossSections).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// log w_e(θ) − log σ(θ) per event and, if requested, ∇w_e/w_e − ∇σ/σ.
    /// - Throws: `SBIError.numerical` naming the event if a morphed weight or σ(θ) is not positive
    ///   (the log likelihood would be undefined).
    public func logLikelihood(_ events: Matrix<Double>, at theta: [Double], gradient: inout Matrix<Double>?) throws -> [Double] {
        precondition(events.columns == morpher.benchmarkCount,
                     "MorphedJointLikelihood: events [\(events.rows), \(events.columns)], basis has \(morpher.benchmarkCount) points")
        precondition(theta.count == parameterCount, "MorphedJointLikelihood: θ has \(theta.count) entries, need \(parameterCount)")
        let w = morpher.eventWeights(benchmarkWeights: events, at: theta)
        let sigma = crossSection(at: theta)
        guard sigma > 0, sigma.isFinite else {
            throw SBIError.numerical("the morphed cross section at θ = \(theta) is \(sigma); expected a positive number", field: "theta")
        }
        var out = w
        for e in 0..<w.count {
            guard w[e] > 0, w[e].isFinite else {
                throw SBIError.numerical("morphed weight \(w[e]) at θ = \(theta) is not positive", field: "event \(e)")
            }
            out[e] = log(w[e]) - log(sigma)
        }
        if gradient != nil {
            var g = morpher.eventWeightGradients(benchmarkWeights: events, at: theta)
            let dw = morpher.weightGradients(at: theta)
            let np = parameterCount
            var dSigmaOverSigma = [Double](repeating: 0, count: np)
            for i in 0..<np {
                var s = 0.0
                for b in 0..<morpher.benchmarkCount { s += dw[i, b] * benchmarkCrossSections[b] }
                dSigmaOverSigma[i] = s / sigma
            }
            g.withUnsafeMutableBufferPointer { gp in
                for e in 0..<w.count {
                    let inv = 1 / w[e]
                    for i in 0..<np { gp[e * np + i] = gp[e * np + i] * inv - dSigmaOverSigma[i] }
                }
            }
            gradient = g
        }
        return out
    }
}
