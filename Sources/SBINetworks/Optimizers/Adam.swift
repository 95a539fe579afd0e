#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam, and its AMSGrad variant, on a flat Float32 parameter buffer.
///
/// ```
/// m_t = β1·m_{t−1} + (1−β1)·g_t
/// v_t = β2·v_{t−1} + (1−β2)·g_t²
/// v̄_t = max(v̄_{t−1}, v_t)            (AMSGrad; Adam uses v̄_t = v_t)
/// θ_t = θ_{t−1} − lr · (m_t / (1−β1^t)) / (√(v̄_t / (1−β2^t)) + ε)
/// ```
/// With bias correction the first step is `θ_1 = θ_0 − lr·g/(|g|+ε)` elementwise.
/// The bias-corrected AMSGrad form divides the running maximum by `1−β2^t`, as
/// PyTorch's `amsgrad=True` (MadMiner's default optimiser) does.
///
/// Shapes: state `m`, `v` (and `v̄`) of `[parameterCount]`, allocated once.
///
/// [1] Kingma & Ba, arXiv:1412.6980; [2] Reddi, Kale & Kumar, arXiv:1904.09237.
public final class Adam: Optimizer {
    /// Number of parameters the state was sized for.
    public let parameterCount: Int
    /// Step size of the next `step`.
    public var learningRate: Float
    /// Decay of the first moment.
    public let beta1: Float
    /// Decay of the second moment.
    public let beta2: Float
    /// Added to the denominator for stability.
    public let epsilon: Float
    /// True for AMSGrad (running maximum of the second moment).
    public let amsgrad: Bool
    /// Steps taken since creation or `reset()`.
    public private(set) var stepCount = 0
    private var m: [Float]
    private var v: [Float]
    private var vMax: [Float]

    /// An optimiser with zero moments.
    /// - Precondition: `parameterCount ≥ 0`, `0 ≤ β < 1`, `ε > 0`.
    public init(parameterCount: Int, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, amsgrad: Bool = false) {
        precondition(parameterCount >= 0, "Adam: parameterCount \(parameterCount) < 0")
        precondition(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1,
                     "Adam: betas (\(beta1), \(beta2)) must be in [0, 1)")
        precondition(epsilon > 0, "Adam: epsilon \(epsilon) must be positive")
        self.parameterCount = parameterCount
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        m = [Float](repeating: 0, count: parameterCount)
        v = [Float](repeating: 0, count: parameterCount)
        vMax = [Float](repeating: 0, count: amsgrad ? parameterCount : 0)
    }

    /// The running maximum of the second moment `v̄` (AMSGrad only; empty for Adam). For tests.
    public var secondMomentMaximum: [Float] { vMax }
    /// The second moment `v`. For tests.
    public var secondMoment: [Float] { v }

    /// One update of `parameters` from `gradient` (see the type's formula); allocates nothing.
    public func step(parameters: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>) {
        precondition(parameters.count == parameterCount && gradient.count == parameterCount,
                     "Adam.step: parameters [\(parameters.count)] and gradient [\(gradient.count)] must both be [\(parameterCount)]")
        stepCount += 1
        // Bias corrections in Double: β^t underflows gracefully and 1−β2^t is tiny early on.
        let t = Double(stepCount)
        let correction1 = 1 - pow(Double(beta1), t)
        let correction2 = 1 - pow(Double(beta2), t)
        let stepSize = Float(Double(learningRate) / correction1)
        let inverseSqrtCorrection2 = Float(1 / correction2.squareRoot())
        let b1 = beta1, b2 = beta2, c1 = 1 - beta1, c2 = 1 - beta2, eps = epsilon
        let n = parameterCount
        guard n > 0, let pp = parameters.baseAddress, let gp = gradient.baseAddress else { return }
        m.withUnsafeMutableBufferPointer { m in
            v.withUnsafeMutableBufferPointer { v in
                vMax.withUnsafeMutableBufferPointer { vMax in
                    let mp = m.baseAddress!, vp = v.baseAddress!
                    let wp = amsgrad ? vMax.baseAddress : nil
                    // Eight lanes at a time (the same IEEE operations per element as the scalar tail, so the
                    // same bits), then the rest one by one.
                    typealias V = SIMD8<Float>
                    var i = 0
                    while i + 8 <= n {
                        let g = UnsafeRawPointer(gp + i).loadUnaligned(as: V.self)
                        let mi = b1 * UnsafeRawPointer(mp + i).loadUnaligned(as: V.self) + c1 * g
                        let vi = b2 * UnsafeRawPointer(vp + i).loadUnaligned(as: V.self) + c2 * g * g
                        UnsafeMutableRawPointer(mp + i).storeBytes(of: mi, as: V.self)
                        UnsafeMutableRawPointer(vp + i).storeBytes(of: vi, as: V.self)
                        var denominator = vi
                        if let wp {
                            denominator = pointwiseMax(UnsafeRawPointer(wp + i).loadUnaligned(as: V.self), vi)
                            UnsafeMutableRawPointer(wp + i).storeBytes(of: denominator, as: V.self)
                        }
                        let p = UnsafeRawPointer(pp + i).loadUnaligned(as: V.self)
                        let update = stepSize * mi / (denominator.squareRoot() * inverseSqrtCorrection2 + eps)
                        UnsafeMutableRawPointer(pp + i).storeBytes(of: p - update, as: V.self)
                        i += 8
                    }
                    while i < n {
                        let g = gp[i]
                        let mi = b1 * mp[i] + c1 * g
                        let vi = b2 * vp[i] + c2 * g * g
                        mp[i] = mi
                        vp[i] = vi
                        var denominator = vi
                        if let wp { denominator = max(wp[i], vi); wp[i] = denominator }
                        pp[i] -= stepSize * mi / (denominator.squareRoot() * inverseSqrtCorrection2 + eps)
                        i += 1
                    }
                }
            }
        }
    }

    /// Zeroes the state and the step count.
    public func reset() {
        stepCount = 0
        for i in 0..<parameterCount { m[i] = 0; v[i] = 0 }
        for i in 0..<vMax.count { vMax[i] = 0 }
    }
}
