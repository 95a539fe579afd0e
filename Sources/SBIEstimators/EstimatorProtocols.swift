import SBICore

/// Anything that gives the log-likelihood ratio log r̂(x|θ, θ_ref) of observables x at
/// parameter points θ against a fixed reference θ_ref: the trained ratio estimators
/// (CARL, ROLR, ALICE, ALICES, CASCAL, RASCAL; arXiv:1805.00020, 1805.12244), ensembles
/// of them, or an exact likelihood wrapped for validation.
///
/// Inference sums these over events: log L(θ) = Σ_i log r̂(x_i|θ, θ_ref) + const.
public protocol LogRatioEstimator {
    /// Number of parameters θ.
    var parameterCount: Int { get }
    /// Number of observables per event.
    var observableCount: Int { get }
    /// log r̂(x_i|θ_j, θ_ref) for every θ_j (rows of `thetas` `[nTheta, nParameters]`) and every
    /// event x_i (rows of `x` `[nEvents, nObservables]`), as `[nTheta, nEvents]` in Double.
    /// - Throws: `SBIError.data` on mismatched shapes or non-finite inputs.
    func logRatio(x: Matrix<Double>, thetas: Matrix<Double>) throws -> Matrix<Double>
}

/// Anything that gives the score t̂(x|θ_ref) = ∇_θ log p(x|θ) at a fixed reference point:
/// SALLY networks (arXiv:1805.00020) or an exact score wrapped for validation.
public protocol ScoreEstimator {
    /// Number of parameters θ (length of the score).
    var parameterCount: Int { get }
    /// Number of observables per event.
    var observableCount: Int { get }
    /// t̂(x_i|θ_ref) for every row of `x` `[nEvents, nObservables]`, as `[nEvents, nParameters]`.
    /// - Throws: `SBIError.data` on mismatched shapes or non-finite inputs.
    func score(x: Matrix<Double>) throws -> Matrix<Double>
}
