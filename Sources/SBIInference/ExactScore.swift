import SBICore
import SBIEstimators
import SBISimulation

/// The exact score of a simulator with an exact likelihood, at a fixed reference point: what a
/// perfectly trained SALLY estimator would return ("ideal SALLY").
///
/// ```
/// t(x|θ_ref) = ∇_θ log p(x|θ)|θ_ref ≈ [log p(x|θ_ref + h e_a) − log p(x|θ_ref − h e_a)]/(2h),
/// h = 10⁻⁴·max(1, |θ_ref,a|)   (central differences, error O(h²) relative)
/// ```
/// t(x|θ_ref) is a locally sufficient statistic at θ_ref (arXiv:1805.00020 §4.2), so a histogram
/// of it is the best limit the SALLY method can give; learned SALLY is compared with it and both
/// with the exact likelihood.
/// Shapes: x `[nEvents, nObservables]` → `[nEvents, nParameters]`.
public struct ExactScore: ScoreEstimator {
    /// The simulator whose log p(x|θ) is differentiated.
    public let simulator: any ExactLikelihoodSimulator
    /// θ_ref, `[nParameters]`.
    public let reference: [Double]

    /// The exact score of `simulator` at `reference`.
    /// - Throws: `SBIError.data` (field `theta`) when `reference` is outside the parameter space.
    public init(simulator: any ExactLikelihoodSimulator, reference: [Double]) throws {
        try simulator.parameterSpace.validate(reference)
        self.simulator = simulator
        self.reference = reference
    }

    public var parameterCount: Int { reference.count }
    public var observableCount: Int { simulator.observableNames.count }

    /// t(x_i|θ_ref) for every row of `x`.
    /// - Throws: the simulator's errors for a wrong width or non-finite observables.
    public func score(x: Matrix<Double>) throws -> Matrix<Double> {
        let difference = CentralDifference(at: reference, relativeStep: 1e-4)
        return difference.gradient(from: try simulator.exactLogLikelihoods(observables: x, at: difference.points))
    }
}
