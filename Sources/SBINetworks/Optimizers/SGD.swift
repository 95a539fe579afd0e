/// Stochastic gradient descent with heavy-ball momentum on a flat Float32 parameter buffer.
///
/// ```
/// b_t = μ·b_{t−1} + g_t        (b_1 = g_1)
/// θ_t = θ_{t−1} − lr·b_t
/// ```
/// With `μ = 0` this is plain SGD. This is the convention of PyTorch's `SGD`
/// (no dampening), one of the optimisers MadMiner offers.
///
/// Shapes: velocity `b` of `[parameterCount]`, allocated once.
///
/// [1] Polyak, USSR Comp. Math. & Math. Phys. 4 (1964) 1; Sutskever et al., ICML 2013.
public final class SGD: Optimizer {
    /// Number of parameters the state was sized for.
    public let parameterCount: Int
    /// Step size of the next `step`.
    public var learningRate: Float
    /// The momentum coefficient μ.
    public let momentum: Float
    /// Steps taken since creation or `reset()`.
    public private(set) var stepCount = 0
    private var velocity: [Float]

    /// An optimiser with zero velocity.
    /// - Precondition: `0 ≤ momentum < 1`.
    public init(parameterCount: Int, learningRate: Float = 1e-2, momentum: Float = 0.9) {
        precondition(parameterCount >= 0, "SGD: parameterCount \(parameterCount) < 0")
        precondition(momentum >= 0 && momentum < 1, "SGD: momentum \(momentum) must be in [0, 1)")
        self.parameterCount = parameterCount
        self.learningRate = learningRate
        self.momentum = momentum
        velocity = [Float](repeating: 0, count: parameterCount)
    }

    /// One update of `parameters` from `gradient` (see the type's formula); allocates nothing.
    public func step(parameters: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>) {
        precondition(parameters.count == parameterCount && gradient.count == parameterCount,
                     "SGD.step: parameters [\(parameters.count)] and gradient [\(gradient.count)] must both be [\(parameterCount)]")
        stepCount += 1
        let mu = momentum, lr = learningRate, n = parameterCount
        velocity.withUnsafeMutableBufferPointer { b in
            if stepCount == 1 {
                for i in 0..<n { b[i] = gradient[i]; parameters[i] -= lr * b[i] }
            } else {
                for i in 0..<n {
                    let bi = mu * b[i] + gradient[i]
                    b[i] = bi
                    parameters[i] -= lr * bi
                }
            }
        }
    }

    /// Zeroes the state and the step count.
    public func reset() {
        stepCount = 0
        for i in 0..<parameterCount { velocity[i] = 0 }
    }
}
