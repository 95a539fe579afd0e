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
/// With a calibration offset s (`init(calibrationOffset:)`) the model gains a nuisance parameter ν
/// (second parameter, `nu` in [−5, 5], to be constrained by N(0, 1)) that shifts every x:
/// ```
/// z ~ N(θ, 2²),   x ~ N(z + s·ν, 1²),   latent (z, x)
/// log p(x, z|θ, ν) = log N(z; θ, 4) + log N(x; z + sν, 1),   ∇ = ((z−θ)/4, s(x − z − sν))
/// p(x|θ, ν) = N(x; θ + sν, 5)
/// ```
/// With N events and the constraint, the profile likelihood of θ is Gaussian with variance
/// 5/N + s² (the offset is one shared shift, so it does not average down).
///
/// [1] J. Brehmer, G. Louppe, J. Pavez, K. Cranmer, arXiv:1805.12244 (the Gaussian toy
///     used to validate the estimators).
public struct GaussianSimulator: ExactLikelihoodSimulator, NuisanceSimulator, Sendable {
    /// Standard deviation of z around θ.
    public static let latentStandardDeviation = 2.0
    /// Standard deviation of the smearing x around z.
    public static let smearingStandardDeviation = 1.0

    /// Range of the nuisance parameter ν of the calibration-offset model.
    public static let nuisanceRange = -5.0...5.0

    public let name = "gaussian"
    public let parameterSpace: ParameterSpace
    public let observableNames = ["x"]
    public let latentNames: [String]
    /// Shift of x per unit of ν (nil: the one-parameter model without ν).
    public let calibrationOffset: Double?

    /// The model with the fixed widths 2 (latent) and 1 (smearing), θ only.
    public init() {
        calibrationOffset = nil
        parameterSpace = ParameterSpace(names: ["theta"], ranges: [-10.0...10.0], latexLabels: [#"\theta"#])
        latentNames = ["z"]
    }

    /// The model with a nuisance parameter ν (`nu`) that shifts x by `calibrationOffset`·ν.
    /// - Throws: `SBIError.data` (field `calibration_offset`) unless the offset is finite and in [0, 10].
    public init(calibrationOffset: Double) throws {
        guard calibrationOffset.isFinite, (0...10).contains(calibrationOffset) else {
            throw SBIError.data("calibration offset \(calibrationOffset); expected a number in [0, 10]", field: "calibration_offset")
        }
        self.calibrationOffset = calibrationOffset
        parameterSpace = ParameterSpace(names: ["theta", "nu"], ranges: [-10.0...10.0, Self.nuisanceRange],
                                        latexLabels: [#"\theta"#, #"\nu"#])
        latentNames = ["z", "x"]
    }

    /// `["nu"]` with a calibration offset, else empty.
    public var nuisanceNames: [String] { calibrationOffset == nil ? [] : ["nu"] }

    /// s·ν, the shift of x at θ (0 without ν).
    private func shift(_ theta: [Double]) -> Double { (calibrationOffset ?? 0) * (theta.count > 1 ? theta[1] : 0) }

    /// Draws `count` events: for each, z = θ + 2ε₁ then x = z + ε₂ (ε standard normal, ziggurat).
    /// - Throws: `SBIError.data` naming `theta` or `count`.
    /// - Complexity: O(count), no allocation per event.
    public func simulate(at theta: [Double], count: Int, random: SeededRandom) throws -> EventBatch {
        try parameterSpace.validate(theta)
        try SimulatorInput.checkCount(count)
        var x = Matrix<Double>(rows: count, columns: 1)
        let columns = latentNames.count
        var z = Matrix<Double>(rows: count, columns: columns)
        let mean = theta[0], offset = shift(theta)
        let sz = Self.latentStandardDeviation, sx = Self.smearingStandardDeviation
        x.withUnsafeMutableBufferPointer { xp in
            z.withUnsafeMutableBufferPointer { zp in
                random.withGSLGenerator { rng in
                    for i in 0..<count {
                        let zi = mean + gsl_ran_gaussian_ziggurat(rng, sz)
                        zp[i * columns] = zi
                        xp[i] = zi + gsl_ran_gaussian_ziggurat(rng, sx) + offset
                        if columns == 2 { zp[i * columns + 1] = xp[i] }
                    }
                }
            }
        }
        return EventBatch(observables: x, latent: z)
    }

    /// log p(z|θ) = log N(z; θ, 4) per row, and ∇θ = (z−θ)/4 into `gradient` `[n, 1]` when non-nil.
    /// With a calibration offset, latent rows are (z, x) and the joint log-likelihood adds
    /// log N(x; z + sν, 1), gradient `[n, 2]` = ((z−θ)/4, s(x − z − sν)).
    /// - Throws: `SBIError.data` naming `theta` or `latent`.
    public func jointLogLikelihood(latent: Matrix<Double>, at theta: [Double], gradient: inout Matrix<Double>?) throws -> [Double] {
        try parameterSpace.validate(theta)
        let columns = latentNames.count
        try SimulatorInput.checkMatrix(latent, columns: columns, names: latentNames, field: "latent")
        let n = latent.rows, mean = theta[0], offset = shift(theta), s = calibrationOffset ?? 0
        let variance = Self.latentStandardDeviation * Self.latentStandardDeviation
        let smearing = Self.smearingStandardDeviation * Self.smearingStandardDeviation
        let logNorm = -0.5 * log(2 * Double.pi * variance), smearingLogNorm = -0.5 * log(2 * Double.pi * smearing)
        var out = [Double](repeating: 0, count: n)
        let wantGradient = gradient != nil
        var g = Matrix<Double>(rows: wantGradient ? n : 0, columns: columns)
        latent.withUnsafeBufferPointer { zp in
            out.withUnsafeMutableBufferPointer { op in
                g.withUnsafeMutableBufferPointer { gp in
                    for i in 0..<n {
                        let d = zp[i * columns] - mean
                        op[i] = logNorm - 0.5 * d * d / variance
                        if wantGradient { gp[i * columns] = d / variance }
                        if columns == 2 {
                            let e = zp[i * columns + 1] - zp[i * columns] - offset
                            op[i] += smearingLogNorm - 0.5 * e * e / smearing
                            if wantGradient { gp[i * columns + 1] = s * e / smearing }
                        }
                    }
                }
            }
        }
        if wantGradient { gradient = g }
        return out
    }

    /// Exact log p(x|θ) = log N(x; θ + sν, 5) per row of `observables` `[n, 1]` (s = 0 without ν).
    /// - Throws: `SBIError.data` naming `theta` or `observables`.
    public func exactLogLikelihood(observables: Matrix<Double>, at theta: [Double]) throws -> [Double] {
        try parameterSpace.validate(theta)
        try SimulatorInput.checkMatrix(observables, columns: 1, names: observableNames, field: "observables")
        let variance = Self.totalVariance, mean = theta[0] + shift(theta)
        let logNorm = -0.5 * log(2 * Double.pi * variance)
        return observables.storage.map { x in logNorm - 0.5 * (x - mean) * (x - mean) / variance }
    }

    /// Exact score of the observable in θ, t(x|θ) = ∂θ log p(x|θ) = (x−θ−sν)/5, per row of `observables`
    /// `[n, 1]` (the ν component is s times it).
    /// - Throws: `SBIError.data` naming `theta` or `observables`.
    public func exactScore(observables: Matrix<Double>, at theta: [Double]) throws -> [Double] {
        try parameterSpace.validate(theta)
        try SimulatorInput.checkMatrix(observables, columns: 1, names: observableNames, field: "observables")
        let variance = Self.totalVariance, mean = theta[0] + shift(theta)
        return observables.storage.map { x in (x - mean) / variance }
    }

    /// Variance of x given θ: 2² + 1² = 5.
    public static var totalVariance: Double {
        latentStandardDeviation * latentStandardDeviation + smearingStandardDeviation * smearingStandardDeviation
    }
}
