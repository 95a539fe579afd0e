import CGSL
import SBICore

/// MadMiner's one-parameter Gaussian test model, whose every likelihood is known in closed form.
///
/// ```
/// z ~ N(θ, 2²),   x ~ N(z, 1²)
/// log p(z|θ) = −(z−θ)²/8 − log(2√(2π)),      ∇θ log p(z|θ) = (z−θ)/4
/// p(x|θ)     = N(x; θ, 5),                   t(x|θ) = ∇θ log p(x|θ) = (x−θ)/5
/// ```
/// Shapes: θ `[1]` (`theta` in [−10, 10]); latent `[n, 1]` (`z`); observables `[n, 1]` (`x`).
///
/// Because E[z|x,θ] = θ + (4/5)(x−θ), the joint score (z−θ)/4 averages to (x−θ)/5 in every
/// bin of x: the unbiasedness of the "gold" can be checked exactly.
///
/// [1] J. Brehmer, G. Louppe, J. Pavez, K. Cranmer, arXiv:1805.12244 (the Gaussian toy
///     used to validate the estimators).
public struct GaussianSimulator: ExactLikelihoodSimulator, Sendable {
    /// Standard deviation of z around θ.
    public static let latentStandardDeviation = 2.0
    /// Standard deviation of the smearing x around z.
    public static let smearingStandardDeviation = 1.0

    public let name = "gaussian"
    public let parameterSpace = ParameterSpace(names: ["theta"], ranges: [-10.0...10.0], latexLabels: [#"\theta"#])
    public let observableNames = ["x"]
    public let latentNames = ["z"]

    /// The model with the fixed widths 2 (latent) and 1 (smearing).
    public init() {}

    /// Draws `count` events: for each, z = θ + 2ε₁ then x = z + ε₂ (ε standard normal, ziggurat).
    /// - Throws: `SBIError.data` naming `theta` or `count`.
    /// - Complexity: O(count), no allocation per event.
    public func simulate(at theta: [Double], count: Int, random: SeededRandom) throws -> EventBatch {
        try parameterSpace.validate(theta)
        try SimulatorInput.checkCount(count)
        var x = Matrix<Double>(rows: count, columns: 1)
        var z = Matrix<Double>(rows: count, columns: 1)
        let mean = theta[0]
        let sz = Self.latentStandardDeviation, sx = Self.smearingStandardDeviation
        x.withUnsafeMutableBufferPointer { xp in
            z.withUnsafeMutableBufferPointer { zp in
                random.withGSLGenerator { rng in
                    for i in 0..<count {
                        let zi = mean + gsl_ran_gaussian_ziggurat(rng, sz)
                        zp[i] = zi
                        xp[i] = zi + gsl_ran_gaussian_ziggurat(rng, sx)
                    }
                }
            }
        }
        return EventBatch(observables: x, latent: z)
    }

    /// log p(z|θ) = log N(z; θ, 4) per row, and ∇θ = (z−θ)/4 into `gradient` `[n, 1]` when non-nil.
    /// - Throws: `SBIError.data` naming `theta` or `latent`.
    public func jointLogLikelihood(latent: Matrix<Double>, at theta: [Double], gradient: inout Matrix<Double>?) throws -> [Double] {
        try parameterSpace.validate(theta)
        try SimulatorInput.checkMatrix(latent, columns: 1, names: latentNames, field: "latent")
        let n = latent.rows, mean = theta[0]
        let variance = Self.latentStandardDeviation * Self.latentStandardDeviation
        let logNorm = -0.5 * log(2 * Double.pi * variance)
        var out = [Double](repeating: 0, count: n)
        let wantGradient = gradient != nil
        var g = Matrix<Double>(rows: wantGradient ? n : 0, columns: 1)
        latent.withUnsafeBufferPointer { zp in
            out.withUnsafeMutableBufferPointer { op in
                g.withUnsafeMutableBufferPointer { gp in
                    for i in 0..<n {
                        let d = zp[i] - mean
                        op[i] = logNorm - 0.5 * d * d / variance
                        if wantGradient { gp[i] = d / variance }
                    }
                }
            }
        }
        if wantGradient { gradient = g }
        return out
    }

    /// Exact log p(x|θ) = log N(x; θ, 5) per row of `observables` `[n, 1]`.
    /// - Throws: `SBIError.data` naming `theta` or `observables`.
    public func exactLogLikelihood(observables: Matrix<Double>, at theta: [Double]) throws -> [Double] {
        try parameterSpace.validate(theta)
        try SimulatorInput.checkMatrix(observables, columns: 1, names: observableNames, field: "observables")
        let variance = Self.totalVariance, mean = theta[0]
        let logNorm = -0.5 * log(2 * Double.pi * variance)
        return observables.storage.map { x in logNorm - 0.5 * (x - mean) * (x - mean) / variance }
    }

    /// Exact score of the observable, t(x|θ) = ∇θ log p(x|θ) = (x−θ)/5, per row of `observables` `[n, 1]`.
    /// - Throws: `SBIError.data` naming `theta` or `observables`.
    public func exactScore(observables: Matrix<Double>, at theta: [Double]) throws -> [Double] {
        try parameterSpace.validate(theta)
        try SimulatorInput.checkMatrix(observables, columns: 1, names: observableNames, field: "observables")
        let variance = Self.totalVariance, mean = theta[0]
        return observables.storage.map { x in (x - mean) / variance }
    }

    /// Variance of x given θ: 2² + 1² = 5.
    public static var totalVariance: Double {
        latentStandardDeviation * latentStandardDeviation + smearingStandardDeviation * smearingStandardDeviation
    }
}
