#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SBICore

/// A per-sample training loss of a network's output f and, for score-augmented losses,
/// of its θ-gradient t̂ = ∇_θ f (arXiv:1805.12244, the losses of MadMiner).
///
/// ```
/// L = Σ_{i ∈ rows} ℓ(f_i, t̂_i; batch_i)     and     weight·∂ℓ/∂f_i,  weight·∂ℓ/∂t̂_i
/// ```
/// `MLPObjective` passes `weight = 1/B` to get the gradient of the batch mean.
/// Shapes: `output` `[rows.count, outputSize]`; `score` `[rows.count, outputSize·nParameters]`
/// (the layout of `MLP.thetaGradient`); gradients have the same shapes; batch fields are read
/// at the absolute rows `rows` (so a large validation batch is evaluated in chunks without copies).
public protocol NetworkLoss: Sendable {
    /// Whether ℓ depends on t̂ = ∇_θ f (the network then carries θ-tangents).
    var usesScore: Bool { get }
    /// The output size the loss expects of a network with `nParameters` parameter inputs.
    func outputSize(nParameters: Int) -> Int
    /// Checks that `batch` has the fields this loss reads, with matching shapes.
    /// - Throws: `SBIError.data` naming the missing or mis-shaped field (`y`, `r_xz`, `t_xz`, `theta`).
    func validate(_ batch: TrainingBatch, architecture: MLPArchitecture) throws
    /// Sum of ℓ over `rows` (in Double); gradients of `weight·ℓ_i` written (not accumulated)
    /// when the buffers are given.
    /// - Precondition: `validate` passed for this batch; buffer sizes match.
    func evaluate(output: UnsafeBufferPointer<Float>, score: UnsafeBufferPointer<Float>?,
                  batch: TrainingBatch, rows: Range<Int>, weight: Double,
                  outputGradient: UnsafeMutableBufferPointer<Float>?,
                  scoreGradient: UnsafeMutableBufferPointer<Float>?) -> Double
}

extension NetworkLoss {
    /// A ratio loss has one output, log r̂.
    public func outputSize(nParameters: Int) -> Int { 1 }
}

/// Numerics shared by the losses.
enum LossMath {
    /// MadMiner's clip on log r̂ wherever it is exponentiated.
    static let logRatioClip = 10.0

    /// log(1 + e^z) = max(z, 0) + log1p(e^−|z|), exact for any z.
    @inline(__always) static func softplus(_ z: Double) -> Double { max(z, 0) + log1p(exp(-abs(z))) }

    /// 1/(1 + e^−z) without overflow.
    @inline(__always) static func sigmoid(_ z: Double) -> Double {
        if z >= 0 { return 1 / (1 + exp(-z)) }
        let e = exp(z)
        return e / (1 + e)
    }

    /// Binary cross-entropy of ŝ = 1/(1 + e^f) against the target s, from the logit f:
    ///
    /// ```
    /// BCE = −[s log ŝ + (1 − s) log(1 − ŝ)] = s·softplus(f) + (1 − s)·softplus(−f)
    /// ∂BCE/∂f = s − ŝ
    /// ```
    /// log ŝ = −softplus(f) and log(1 − ŝ) = −softplus(−f) never take the log of a rounded
    /// probability, so large |f| neither overflows nor gives log 0 (no clipping needed here).
    @inline(__always) static func crossEntropy(logit f: Double, target s: Double) -> (loss: Double, derivative: Double) {
        (s * softplus(f) + (1 - s) * softplus(-f), s - sigmoid(-f))
    }

    /// The score term of RASCAL/CASCAL/ALICES, added into `scoreGradient`'s slots (overwritten).
    ///
    /// ```
    /// ℓ_score = (1 − y)·(1/P) Σ_k σ_k² (t̂_k − t_k)²,   ∂ℓ/∂t̂_k = 2(1 − y) σ_k² (t̂_k − t_k)/P
    /// ```
    /// t̂ and t are in raw θ units; σ_k (`parameterStd`, the network's θ standardisation; empty: 1)
    /// turns the difference into standardised units, σ_k (t̂_k − t_k) = t̃̂_k − t̃_k, where MadMiner
    /// compares scores (it multiplies t_xz by σ_θ before training, arXiv:1805.12244 code release).
    /// The term is then independent of the units θ is given in, and MadMiner's α carries over.
    /// Averaged over the P components like MadMiner's MSE.
    static func scoreTerm(score: UnsafeBufferPointer<Float>, batch: TrainingBatch, rows: Range<Int>,
                          weight: Double, maskWithY: Bool, parameterStd: [Double] = [],
                          gradient: UnsafeMutableBufferPointer<Float>?) -> Double {
        let t = batch.tXZ!
        let p = t.columns
        precondition(score.count >= rows.count * p, "score term: t̂ has \(score.count) elements, need [\(rows.count), \(p)]")
        precondition(parameterStd.isEmpty || parameterStd.count == p,
                     "score term: \(parameterStd.count) parameter standard deviations for \(p) score components")
        var total = 0.0
        let invP = 1 / Double(p)
        t.withUnsafeBufferPointer { tp in
            withOptionalLabels(batch, maskWithY) { y in
                for (r, i) in rows.enumerated() {
                    let mask = y.map { 1 - Double($0[i]) } ?? 1
                    var s = 0.0
                    for k in 0..<p {
                        let d = Double(score[r * p + k]) - Double(tp[i * p + k])
                        let unit = parameterStd.isEmpty ? 1 : parameterStd[k] * parameterStd[k]
                        s += unit * d * d
                        gradient?[r * p + k] = Float(weight * 2 * mask * unit * d * invP)
                    }
                    total += mask * s * invP
                }
            }
        }
        return total
    }

    @inline(__always)
    static func withOptionalLabels<R>(_ batch: TrainingBatch, _ use: Bool, _ body: (UnsafeBufferPointer<Float>?) -> R) -> R {
        if use, let y = batch.y { return y.withUnsafeBufferPointer { body($0) } }
        return body(nil)
    }

    // MARK: batch checks

    static func requireLabels(_ batch: TrainingBatch) throws {
        guard let y = batch.y else { throw SBIError.data("this loss needs the labels y (0: x from θ0, 1: from θ1)", field: "y") }
        guard y.count == batch.count else {
            throw SBIError.data("expected \(batch.count) labels, got \(y.count)", field: "y")
        }
    }

    static func requireRatios(_ batch: TrainingBatch) throws {
        guard let r = batch.rXZ else { throw SBIError.data("this loss needs the joint likelihood ratios r(x,z)", field: "r_xz") }
        guard r.count == batch.count else {
            throw SBIError.data("expected \(batch.count) joint ratios, got \(r.count)", field: "r_xz")
        }
    }

    static func requireScores(_ batch: TrainingBatch, components: Int) throws {
        guard let t = batch.tXZ else { throw SBIError.data("this loss needs the joint scores t(x,z)", field: "t_xz") }
        guard t.rows == batch.count, t.columns == components else {
            throw SBIError.data("expected shape [\(batch.count), \(components)], got [\(t.rows), \(t.columns)]", field: "t_xz")
        }
    }

    static func requireInputs(_ batch: TrainingBatch, _ architecture: MLPArchitecture) throws {
        guard batch.x.columns == architecture.nObservables else {
            throw SBIError.data("expected \(architecture.nObservables) observables per sample, got \(batch.x.columns)", field: "x")
        }
        if architecture.nParameters > 0 {
            guard let theta = batch.theta else {
                throw SBIError.data("the network takes \(architecture.nParameters) parameter inputs; the batch has no theta", field: "theta")
            }
            guard theta.rows == batch.count, theta.columns == architecture.nParameters else {
                throw SBIError.data("expected shape [\(batch.count), \(architecture.nParameters)], got [\(theta.rows), \(theta.columns)]",
                                    field: "theta")
            }
        }
    }
}
