import SBICore

/// SALLY: regression of a network g(x) (no θ input) on the joint score at a reference point.
///
/// ```
/// ℓ = (1/P) Σ_k (g_k(x) − t_k(x,z|θ_ref))²,   ∂ℓ/∂g_k = 2(g_k − t_k)/P
/// ```
/// The minimiser is g(x) = E[t(x,z)|x] = t(x|θ_ref), the locally sufficient statistics.
/// Averaged over components like MadMiner's MSE. Network: nParameters = 0 inputs,
/// outputSize = P (the number of components of t_xz).
/// Shapes: output `[B, P]`, t_xz `[B, P]`.
/// [1] arXiv:1805.00020, arXiv:1805.12244.
public struct SALLYLoss: NetworkLoss {
    /// The loss (it has no settings).
    public init() {}
    public var usesScore: Bool { false }

    /// SALLY's network outputs the score; its size is the number of score components,
    /// which `validate` checks against t_xz (the network itself has no θ inputs).
    public func outputSize(nParameters: Int) -> Int { nParameters }

    public func validate(_ batch: TrainingBatch, architecture: MLPArchitecture) throws {
        try LossMath.requireInputs(batch, architecture)
        try LossMath.requireScores(batch, components: architecture.outputSize)
    }

    public func evaluate(output: UnsafeBufferPointer<Float>, score: UnsafeBufferPointer<Float>?,
                         batch: TrainingBatch, rows: Range<Int>, weight: Double,
                         outputGradient: UnsafeMutableBufferPointer<Float>?,
                         scoreGradient: UnsafeMutableBufferPointer<Float>?) -> Double {
        LossMath.scoreTerm(score: output, batch: batch, rows: rows, weight: weight, maskWithY: false, gradient: outputGradient)
    }
}
