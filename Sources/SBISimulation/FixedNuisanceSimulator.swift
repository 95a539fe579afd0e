import SBICore

/// A simulator with nuisance parameters seen as a simulator of its parameters of interest alone,
/// the nuisance parameters held at fixed values (ν = 0: the nominal simulator). Code written for θ
/// only (histogram expectations, Asimov samples) then runs on the nominal model.
///
/// ```
/// p_fixed(x, z|θ) = p(x, z|θ, ν₀),   ∇θ log p_fixed = the θ columns of ∇ log p(x, z|θ, ν₀)
/// ```
/// Shapes: θ `[nParameters − nNuisance]`; latent and observables as the wrapped simulator's.
/// [1] K. Cranmer, arXiv:1503.07622 §4 (nuisance parameters fixed at their nominal values).
public struct FixedNuisanceSimulator: Simulator {
    /// The simulator of (θ, ν).
    public let base: any NuisanceSimulator
    /// ν₀, appended to every θ.
    public let nuisance: [Double]

    /// - Throws: `SBIError.data` (field `nuisance`) unless `nuisance` has one value per nuisance
    ///   parameter of `base`, inside its range.
    public init(_ base: any NuisanceSimulator, nuisance: [Double]) throws {
        let space = base.parameterSpace, k = base.nuisanceNames.count
        guard nuisance.count == k, k < space.count else {
            throw SBIError.data("\(nuisance.count) nuisance values for \(k) nuisance parameters (\(base.nuisanceNames.joined(separator: ", ")))",
                                field: "nuisance")
        }
        for (i, v) in nuisance.enumerated() where !(v.isFinite && space.ranges[space.count - k + i].contains(v)) {
            throw SBIError.data("\(base.nuisanceNames[i]) = \(v) is outside its range", field: "nuisance")
        }
        self.base = base
        self.nuisance = nuisance
    }

    public var name: String { base.name }
    public var parameterSpace: ParameterSpace { base.parameterSpace.leading(base.parameterSpace.count - nuisance.count) }
    public var observableNames: [String] { base.observableNames }
    public var latentNames: [String] { base.latentNames }

    /// Events of the wrapped simulator at (θ, ν₀).
    public func simulate(at theta: [Double], count: Int, random: SeededRandom) throws -> EventBatch {
        try parameterSpace.validate(theta)
        return try base.simulate(at: theta + nuisance, count: count, random: random)
    }

    /// log p(z|θ, ν₀), and its θ-gradient `[n, nParameters − nNuisance]` when `gradient` is non-nil.
    public func jointLogLikelihood(latent: Matrix<Double>, at theta: [Double], gradient: inout Matrix<Double>?) throws -> [Double] {
        try parameterSpace.validate(theta)
        let wantGradient = gradient != nil
        var full: Matrix<Double>? = wantGradient ? Matrix(rows: 0, columns: 0) : nil
        let out = try base.jointLogLikelihood(latent: latent, at: theta + nuisance, gradient: &full)
        if wantGradient, let full {
            let k = theta.count
            gradient = Matrix(rows: full.rows, columns: k) { i, j in full[i, j] }
        }
        return out
    }
}
