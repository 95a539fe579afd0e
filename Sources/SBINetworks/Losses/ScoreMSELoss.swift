import SBICore

/// The score term alone: mean squared error of t̂ = ∇_θ log r̂ against the joint score, on θ0 samples.
///
/// ```
/// ℓ = α·(1 − y)·(1/P) Σ_k (t̂_k − t_k(x,z))²,   ∂ℓ/∂t̂_k = 2α(1 − y)(t̂_k − t_k)/P
/// ```
/// The joint score t(x,z|θ0) is an unbiased regression target for t(x|θ0); only samples
/// drawn from θ0 (y = 0) carry it. Averaging over the P components follows MadMiner's
/// MSE, so its α carries over; for P = 1 it is (1 − y)|t̂ − t|² (arXiv:1805.12244).
/// `CASCALLoss`, `RASCALLoss` and `ALICESLoss` add this to a ratio loss.
/// Shapes: score `[B, P]`, t_xz `[B, P]`, y `[B]`.
/// [1] arXiv:1805.00020, arXiv:1805.12244.
public struct ScoreMSELoss: NetworkLoss {
    /// Weight α of the term.
    public var alpha: Double
    /// The loss with score weight `alpha` (MadMiner's default 1).
    public init(alpha: Double = 1) { self.alpha = alpha }
    public var usesScore: Bool { true }

    public func validate(_ batch: TrainingBatch, architecture: MLPArchitecture) throws {
        try LossMath.requireInputs(batch, architecture)
        try LossMath.requireLabels(batch)
        try LossMath.requireScores(batch, components: architecture.nParameters)
    }

    public func evaluate(output: UnsafeBufferPointer<Float>, score: UnsafeBufferPointer<Float>?,
                         batch: TrainingBatch, rows: Range<Int>, weight: Double,
                         outputGradient: UnsafeMutableBufferPointer<Float>?,
                         scoreGradient: UnsafeMutableBufferPointer<Float>?) -> Double {
        precondition(score != nil, "ScoreMSELoss: needs t̂ (a forward pass with θ-tangents)")
        outputGradient?.update(repeating: 0)
        return alpha * LossMath.scoreTerm(score: score!, batch: batch, rows: rows, weight: weight * alpha,
                                          maskWithY: true, gradient: scoreGradient)
    }
}
