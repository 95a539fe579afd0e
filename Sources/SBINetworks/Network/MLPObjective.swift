import SBICore

/// A network and a loss as a `TrainingObjective`: the mean loss over a batch and its
/// gradient with respect to every weight and bias.
///
/// ```
/// L(w) = (1/B) Σ_i ℓ(f(x_i, θ_i; w), ∇_θ f(x_i, θ_i; w); batch_i)
/// ```
/// One forward pass (with θ-tangents when the loss has a score term), the loss, one
/// backward pass; buffers are sized at the first batch and reused (grown only if a larger
/// batch arrives). `loss(_:)` evaluates large validation batches in chunks of
/// `evaluationChunk` rows without copying them.
/// [1] arXiv:1805.12244.
public final class MLPObjective: TrainingObjective {
    /// The network being trained (its `parameters` are what the optimiser updates).
    public var network: MLP
    /// The per-sample loss.
    public let loss: any NetworkLoss
    /// Rows per forward pass in `loss(_:)`.
    public let evaluationChunk: Int

    private var workspace: MLPWorkspace?
    private var outputGradient: [Float] = []
    private var score: [Float] = []
    private var scoreGradient: [Float] = []

    /// Pairs a network with a loss.
    /// - Throws: `SBIError.data` if the network's output size or θ inputs do not fit the loss
    ///   (a score loss needs θ inputs and one output; SALLY needs no θ inputs).
    public init(network: MLP, loss: any NetworkLoss, evaluationChunk: Int = 1024) throws {
        let arch = network.architecture
        if loss.usesScore {
            guard arch.nParameters > 0 else {
                throw SBIError.data("a loss with a score term needs a network with parameter inputs", field: "nParameters")
            }
            guard arch.outputSize == 1 else {
                throw SBIError.data("a loss with a score term needs one output (log r̂), got \(arch.outputSize)", field: "outputSize")
            }
        } else if loss is SALLYLoss {
            guard arch.nParameters == 0 else {
                throw SBIError.data("SALLY's network takes no parameter inputs, got \(arch.nParameters)", field: "nParameters")
            }
        } else if arch.outputSize != 1 {
            throw SBIError.data("a ratio loss needs one output (log r̂), got \(arch.outputSize)", field: "outputSize")
        }
        self.network = network
        self.loss = loss
        self.evaluationChunk = max(1, evaluationChunk)
    }

    public var parameterCount: Int { network.parameterCount }

    /// The loss's field and shape checks against this network's architecture.
    public func validate(_ batch: TrainingBatch) throws {
        try loss.validate(batch, architecture: network.architecture)
    }

    public func withParameters<R>(_ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try network.parameters.withUnsafeMutableBufferPointer { try body(&$0) }
    }

    /// Buffers for `rows` samples; reallocates only when a larger batch arrives.
    private func prepare(rows: Int) -> MLPWorkspace {
        if let ws = workspace, ws.batchCapacity >= rows { return ws }
        let arch = network.architecture
        let ws = MLPWorkspace(architecture: arch, batchCapacity: rows, thetaTangents: loss.usesScore)
        workspace = ws
        outputGradient = [Float](repeating: 0, count: rows * arch.outputSize)
        let scoreCount = loss.usesScore ? rows * arch.outputSize * arch.nParameters : 0
        score = [Float](repeating: 0, count: scoreCount)
        scoreGradient = [Float](repeating: 0, count: scoreCount)
        return ws
    }

    public func lossAndGradient(_ batch: TrainingBatch, gradient: UnsafeMutableBufferPointer<Float>) -> Double {
        let b = batch.count
        precondition(gradient.count >= parameterCount, "MLPObjective: gradient has \(gradient.count) elements, need \(parameterCount)")
        guard b > 0 else {
            gradient.update(repeating: 0)
            return 0
        }
        let ws = prepare(rows: b)
        let usesScore = loss.usesScore
        let net = network
        forward(net, batch, rows: 0..<b, tangents: usesScore, backward: true, ws)
        if usesScore { score.withUnsafeMutableBufferPointer { net.thetaGradient(workspace: ws, into: $0) } }
        let total = outputGradient.withUnsafeMutableBufferPointer { og in
            score.withUnsafeBufferPointer { sp in
                scoreGradient.withUnsafeMutableBufferPointer { sg in
                    loss.evaluate(output: ws.output, score: usesScore ? sp : nil, batch: batch, rows: 0..<b,
                                  weight: 1 / Double(b), outputGradient: og, scoreGradient: usesScore ? sg : nil)
                }
            }
        }
        outputGradient.withUnsafeBufferPointer { og in
            scoreGradient.withUnsafeBufferPointer { sg in
                net.backward(outputGradient: og, scoreGradient: usesScore ? sg : nil, workspace: ws, parameterGradient: gradient)
            }
        }
        return total / Double(b)
    }

    public func loss(_ batch: TrainingBatch) -> Double {
        let b = batch.count
        guard b > 0 else { return 0 }
        let ws = prepare(rows: min(b, evaluationChunk))
        let usesScore = loss.usesScore
        let net = network
        var total = 0.0
        var start = 0
        while start < b {
            let rows = start..<min(b, start + ws.batchCapacity)
            forward(net, batch, rows: rows, tangents: usesScore, backward: false, ws)
            if usesScore { score.withUnsafeMutableBufferPointer { net.thetaGradient(workspace: ws, into: $0) } }
            total += score.withUnsafeBufferPointer { sp in
                loss.evaluate(output: ws.output, score: usesScore ? sp : nil, batch: batch, rows: rows,
                              weight: 0, outputGradient: nil, scoreGradient: nil)
            }
            start = rows.upperBound
        }
        return total / Double(b)
    }

    private func forward(_ net: MLP, _ batch: TrainingBatch, rows: Range<Int>, tangents: Bool, backward: Bool, _ ws: MLPWorkspace) {
        let nObs = net.architecture.nObservables, nPar = net.architecture.nParameters
        precondition(batch.x.columns == nObs, "MLPObjective: x has \(batch.x.columns) columns, the network takes \(nObs)")
        batch.x.withUnsafeBufferPointer { xp in
            let x = UnsafeBufferPointer(rebasing: xp[(rows.lowerBound * nObs)..<(rows.upperBound * nObs)])
            if nPar > 0 {
                guard let theta = batch.theta else { preconditionFailure("MLPObjective: the network takes θ; the batch has none") }
                precondition(theta.columns == nPar, "MLPObjective: theta has \(theta.columns) columns, the network takes \(nPar)")
                theta.withUnsafeBufferPointer { tp in
                    let t = UnsafeBufferPointer(rebasing: tp[(rows.lowerBound * nPar)..<(rows.upperBound * nPar)])
                    net.forward(x: x, theta: t, count: rows.count, thetaTangents: tangents, preparingBackward: backward, workspace: ws)
                }
            } else {
                net.forward(x: x, theta: nil, count: rows.count, thetaTangents: false, preparingBackward: backward, workspace: ws)
            }
        }
    }
}
