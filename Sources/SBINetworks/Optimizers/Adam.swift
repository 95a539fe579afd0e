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
        m.withUnsafeMutableBufferPointer { m in
            v.withUnsafeMutableBufferPointer { v in
                if amsgrad {
                    vMax.withUnsafeMutableBufferPointer { vMax in
                        for i in 0..<n {
                            let g = gradient[i]
                            let mi = b1 * m[i] + c1 * g
                            let vi = b2 * v[i] + c2 * g * g
                            m[i] = mi
                            v[i] = vi
                            let vm = max(vMax[i], vi)
                            vMax[i] = vm
                            parameters[i] -= stepSize * mi / (vm.squareRoot() * inverseSqrtCorrection2 + eps)
                        }
                    }
                } else {
                    for i in 0..<n {
                        let g = gradient[i]
                        let mi = b1 * m[i] + c1 * g
                        let vi = b2 * v[i] + c2 * g * g
                        m[i] = mi
                        v[i] = vi
                        parameters[i] -= stepSize * mi / (vi.squareRoot() * inverseSqrtCorrection2 + eps)
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
