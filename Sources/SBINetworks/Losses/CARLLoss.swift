import SBICore

/// CARL: calibrated classifier loss, the cross-entropy of ŝ = 1/(1 + r̂) against the label y.
///
/// ```
/// ŝ = 1/(1 + e^f),   f = log r̂(x|θ0, θ1)
/// ℓ = BCE(ŝ, y) = y·softplus(f) + (1 − y)·softplus(−f),   ∂ℓ/∂f = y − ŝ
/// ```
/// Shapes: output `[B, 1]`, y `[B]` (0: x from θ0, 1: from θ1).
/// [1] arXiv:1506.02169 (Cranmer, Pavez, Louppe); [2] arXiv:1805.12244 (MadMiner's losses).
public struct CARLLoss: NetworkLoss {
    /// The loss (it has no settings).
    public init() {}
    public var usesScore: Bool { false }

    public func validate(_ batch: TrainingBatch, architecture: MLPArchitecture) throws {
        try LossMath.requireInputs(batch, architecture)
        try LossMath.requireLabels(batch)
    }

    public func evaluate(output: UnsafeBufferPointer<Float>, score: UnsafeBufferPointer<Float>?,
                         batch: TrainingBatch, rows: Range<Int>, weight: Double,
                         outputGradient: UnsafeMutableBufferPointer<Float>?,
                         scoreGradient: UnsafeMutableBufferPointer<Float>?) -> Double {
        CARLLoss.ratioTerm(output: output, batch: batch, rows: rows, weight: weight, gradient: outputGradient)
    }

    /// Σ BCE over `rows`, gradient `weight·∂ℓ/∂f` written into `gradient`.
    static func ratioTerm(output: UnsafeBufferPointer<Float>, batch: TrainingBatch, rows: Range<Int>,
                          weight: Double, gradient: UnsafeMutableBufferPointer<Float>?) -> Double {
        precondition(output.count >= rows.count, "CARL: output has \(output.count) elements, need \(rows.count)")
        var total = 0.0
        batch.y!.withUnsafeBufferPointer { y in
            for (r, i) in rows.enumerated() {
                let (l, d) = LossMath.crossEntropy(logit: Double(output[r]), target: Double(y[i]))
                total += l
                gradient?[r] = Float(weight * d)
            }
        }
        return total
    }
}
