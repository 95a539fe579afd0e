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
        let p = reference.count
        var points = Matrix<Double>(rows: 2 * p, columns: p)
        var steps = [Double](repeating: 0, count: p)
        for a in 0..<p {
            steps[a] = 1e-4 * max(1, abs(reference[a]))
            for q in 0..<p { points[2 * a, q] = reference[q]; points[2 * a + 1, q] = reference[q] }
            points[2 * a, a] += steps[a]
            points[2 * a + 1, a] -= steps[a]
        }
        let logP = try simulator.exactLogLikelihoods(observables: x, at: points)
        var t = Matrix<Double>(rows: x.rows, columns: p)
        for a in 0..<p {
            for i in 0..<x.rows { t[i, a] = (logP[2 * a, i] - logP[2 * a + 1, i]) / (2 * steps[a]) }
        }
        return t
    }
}
