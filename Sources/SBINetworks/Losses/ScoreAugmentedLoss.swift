import SBICore

/// A ratio loss plus α times the score term of `ScoreMSELoss` — CASCAL (CARL + score),
/// ALICES (ALICE + score), RASCAL (ROLR + score).
///
/// ```
/// ℓ = ℓ_ratio(f; y, r_xz) + α·(1 − y)·(1/P) Σ_k σ_k² (t̂_k − t_k(x,z))²,      t̂ = ∇_θ f
/// ```
/// σ_k is the standard deviation of θ_k in the training data (`parameterStd`, the network's
/// input standardisation): the score difference is measured in standardised θ units, as
/// MadMiner does, so α means the same as MadMiner's α and does not depend on θ's units.
/// Measured on MadMiner's toy (tutorial settings, α = 0.1, seeds 1–3): raw units weighed the score
/// term σ_θ² ≈ 5.3 times less than MadMiner and gave MSE(log r̂) 0.107 on θ ∈ [−5, 5] against
/// 0.071 in standardised units (both with the earlier Glorot initialisation).
/// The score term needs ∇_θ f inside the loss, so training differentiates a derivative:
/// the network carries θ-tangents forward and backpropagates through them (`MLP.backward`).
/// The score term is averaged over the P components, like MadMiner's MSE.
/// Shapes: output `[B, 1]`, t̂ and t_xz `[B, P]`, y `[B]`.
/// [1] arXiv:1805.00020; [2] arXiv:1805.12244 (MadMiner), α = 1 by default as there.
public protocol ScoreAugmentedLoss: NetworkLoss {
    /// Weight α of the score term.
    var alpha: Double { get }
    /// The ratio loss the score term is added to.
    var ratioLoss: any NetworkLoss { get }
    /// Standard deviation σ_k of each θ component in the training data, `[P]` (empty: raw units, σ = 1).
    var parameterStd: [Double] { get }
}

extension ScoreAugmentedLoss {
    public var usesScore: Bool { true }

    /// The ratio loss's fields, plus y (the score term's mask) and t_xz with P columns.
    public func validate(_ batch: TrainingBatch, architecture: MLPArchitecture) throws {
        try ratioLoss.validate(batch, architecture: architecture)
        try LossMath.requireLabels(batch)
        try LossMath.requireScores(batch, components: architecture.nParameters)
    }

    public func evaluate(output: UnsafeBufferPointer<Float>, score: UnsafeBufferPointer<Float>?,
                         batch: TrainingBatch, rows: Range<Int>, weight: Double,
                         outputGradient: UnsafeMutableBufferPointer<Float>?,
                         scoreGradient: UnsafeMutableBufferPointer<Float>?) -> Double {
        guard let score else { preconditionFailure("\(Self.self): needs t̂ (a forward pass with θ-tangents)") }
        let ratio = ratioLoss.evaluate(output: output, score: nil, batch: batch, rows: rows, weight: weight,
                                       outputGradient: outputGradient, scoreGradient: nil)
        let scoreTerm = LossMath.scoreTerm(score: score, batch: batch, rows: rows, weight: weight * alpha,
                                           maskWithY: true, parameterStd: parameterStd, gradient: scoreGradient)
        return ratio + alpha * scoreTerm
    }
}

/// CASCAL: CARL's cross-entropy against y plus the score term.
/// ```
/// ℓ = y·softplus(f) + (1 − y)·softplus(−f) + α·score term
/// ```
public struct CASCALLoss: ScoreAugmentedLoss {
    /// Weight α of the score term.
    public var alpha: Double
    public var parameterStd: [Double]
    /// The loss with score weight `alpha` (MadMiner's default 1), score differences in units of
    /// `parameterStd` (the training θ's standard deviations; empty: raw θ units).
    public init(alpha: Double = 1, parameterStd: [Double] = []) {
        self.alpha = alpha
        self.parameterStd = parameterStd
    }
    public var ratioLoss: any NetworkLoss { CARLLoss() }
}

/// ALICES: ALICE's cross-entropy against s(x,z) = 1/(1 + r_xz) plus the score term.
/// ```
/// ℓ = s·softplus(f) + (1 − s)·softplus(−f) + α·score term,   s = 1/(1 + r_xz)
/// ```
public struct ALICESLoss: ScoreAugmentedLoss {
    /// Weight α of the score term.
    public var alpha: Double
    public var parameterStd: [Double]
    /// The loss with score weight `alpha` (MadMiner's default 1), score differences in units of
    /// `parameterStd` (the training θ's standard deviations; empty: raw θ units).
    public init(alpha: Double = 1, parameterStd: [Double] = []) {
        self.alpha = alpha
        self.parameterStd = parameterStd
    }
    public var ratioLoss: any NetworkLoss { ALICELoss() }
}

/// RASCAL: ROLR's ratio regression plus the score term.
/// ```
/// ℓ = (1 − y)(1/r̂ − 1/r_xz)² + y(r̂ − r_xz)² + α·score term,   r̂ = exp(clip(f, ±10))
/// ```
public struct RASCALLoss: ScoreAugmentedLoss {
    /// Weight α of the score term.
    public var alpha: Double
    public var parameterStd: [Double]
    /// The loss with score weight `alpha` (MadMiner's default 1), score differences in units of
    /// `parameterStd` (the training θ's standard deviations; empty: raw θ units).
    public init(alpha: Double = 1, parameterStd: [Double] = []) {
        self.alpha = alpha
        self.parameterStd = parameterStd
    }
    public var ratioLoss: any NetworkLoss { ROLRLoss() }
}
