import SBICore

/// CASCAL: CARL + α·score: cross-entropy against y plus the score MSE on θ0 samples.
///
/// ```
/// ℓ = y·softplus(f) + (1 − y)·softplus(−f)
///   + α·(1 − y)·(1/P) Σ_k (t̂_k − t_k(x,z))²,      t̂ = ∇_θ f
/// ```
/// The score term needs ∇_θ f inside the loss, so training differentiates a derivative:
/// the network carries θ-tangents forward and backpropagates through them (`MLP.backward`).
/// The score term is averaged over the P components, like MadMiner's MSE.
/// Shapes: output `[B, 1]`, t̂ and t_xz `[B, P]`, y `[B]`.
/// [1] arXiv:1805.00020; [2] arXiv:1805.12244 (MadMiner), α = 1 by default as there.
public struct CASCALLoss: NetworkLoss {
    /// Weight α of the score term.
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
        precondition(score != nil, "CASCALLoss: needs t̂ (a forward pass with θ-tangents)")
        let ratio = CARLLoss.ratioTerm(output: output, batch: batch, rows: rows, weight: weight, gradient: outputGradient)
        let scoreTerm = LossMath.scoreTerm(score: score!, batch: batch, rows: rows, weight: weight * alpha,
                                           maskWithY: true, gradient: scoreGradient)
        return ratio + alpha * scoreTerm
    }
}
