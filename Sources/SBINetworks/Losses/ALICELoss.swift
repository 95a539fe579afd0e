import SBICore

/// ALICE: cross-entropy of ŝ = 1/(1 + r̂) against the joint target s(x,z) = 1/(1 + r(x,z)).
///
/// ```
/// s = 1/(1 + r_xz),  ŝ = 1/(1 + e^f)
/// ℓ = BCE(ŝ, s) = s·softplus(f) + (1 − s)·softplus(−f),   ∂ℓ/∂f = s − ŝ
/// ```
/// The minimiser is ŝ = E[s(x,z)|x], i.e. the true r(x) (the joint ratio is an unbiased
/// regression target). s is formed in Double; r_xz = ∞ gives s = 0.
/// Shapes: output `[B, 1]`, r_xz `[B]`.
/// [1] arXiv:1808.00973 (Stoye et al., ALICE); [2] arXiv:1805.12244.
public struct ALICELoss: NetworkLoss {
    /// The loss (it has no settings).
    public init() {}
    public var usesScore: Bool { false }

    public func validate(_ batch: TrainingBatch, architecture: MLPArchitecture) throws {
        try LossMath.requireInputs(batch, architecture)
        try LossMath.requireRatios(batch)
    }

    public func evaluate(output: UnsafeBufferPointer<Float>, score: UnsafeBufferPointer<Float>?,
                         batch: TrainingBatch, rows: Range<Int>, weight: Double,
                         outputGradient: UnsafeMutableBufferPointer<Float>?,
                         scoreGradient: UnsafeMutableBufferPointer<Float>?) -> Double {
        ALICELoss.ratioTerm(output: output, batch: batch, rows: rows, weight: weight, gradient: outputGradient)
    }

    static func ratioTerm(output: UnsafeBufferPointer<Float>, batch: TrainingBatch, rows: Range<Int>,
                          weight: Double, gradient: UnsafeMutableBufferPointer<Float>?) -> Double {
        precondition(output.count >= rows.count, "ALICE: output has \(output.count) elements, need \(rows.count)")
        var total = 0.0
        batch.rXZ!.withUnsafeBufferPointer { rxz in
            for (r, i) in rows.enumerated() {
                let s = 1 / (1 + Double(rxz[i]))
                let (l, d) = LossMath.crossEntropy(logit: Double(output[r]), target: s)
                total += l
                gradient?[r] = Float(weight * d)
            }
        }
        return total
    }
}
