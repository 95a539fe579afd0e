import SBICore

/// Maximum-likelihood training of a `MaskedAutoregressiveFlow` (NDE):
///
/// ```
/// L = −(1/B) Σ_i log p̂(x_i|θ_i)
/// ```
/// reported without the constant Σ_d log s_x,d of the standardisation (it does not move the
/// optimum; `MaskedAutoregressiveFlow.logDensity` includes it). Reads x and θ of the batch.
/// [1] arXiv:1705.07057; [2] J. Brehmer et al., arXiv:1805.12244 (NDE in the SBI family).
public final class MAFObjective: TrainingObjective {
    /// The flow being trained (its `parameters` are updated in place).
    public let flow: MaskedAutoregressiveFlow
    private var workspace: MAFWorkspace?
    private var x: [Float] = []
    private var theta: [Float] = []

    /// An objective over `flow`'s weights.
    public init(flow: MaskedAutoregressiveFlow) { self.flow = flow }

    public var parameterCount: Int { flow.architecture.parameterCount }

    public func withParameters<R>(_ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try flow.parameters.withUnsafeMutableBufferPointer { try body(&$0) }
    }

    /// - Throws: `SBIError.data` naming `x` or `theta` when missing or of another width.
    public func validate(_ batch: TrainingBatch) throws {
        let a = flow.architecture
        guard batch.x.columns == a.nObservables else {
            throw SBIError.data("x has \(batch.x.columns) columns; the flow models \(a.nObservables) observables", field: "x")
        }
        if a.nParameters > 0 {
            guard let t = batch.theta else { throw SBIError.data("a conditional flow needs theta", field: "theta") }
            guard t.columns == a.nParameters, t.rows == batch.count else {
                throw SBIError.data("theta is [\(t.rows), \(t.columns)]; expected [\(batch.count), \(a.nParameters)]", field: "theta")
            }
        }
    }

    /// Rows per forward pass in `loss` (validation sets are evaluated in chunks of this size).
    public static let evaluationChunk = 1024

    /// Standardises `rows` of the batch into `x`, `theta` and runs the forward pass.
    private func run(_ batch: TrainingBatch, rows: Range<Int>) -> MAFWorkspace {
        let a = flow.architecture, n = rows.count
        let ws: MAFWorkspace
        if let w = workspace, w.capacity >= n { ws = w } else {
            ws = MAFWorkspace(architecture: a, capacity: n)
            workspace = ws
            x = [Float](repeating: 0, count: n * a.nObservables)
            theta = [Float](repeating: 0, count: n * a.nParameters)
        }
        let s = flow.scaling
        for i in 0..<n {
            let row = rows.lowerBound + i
            for d in 0..<a.nObservables {
                x[i * a.nObservables + d] = Float((Double(batch.x[row, d]) - s.observableMean[d]) / s.observableStd[d])
            }
            if let t = batch.theta {
                for k in 0..<a.nParameters {
                    theta[i * a.nParameters + k] = Float((Double(t[row, k]) - s.parameterMean[k]) / s.parameterStd[k])
                }
            }
        }
        x.withUnsafeBufferPointer { xp in theta.withUnsafeBufferPointer { tp in flow.forward(x: xp, theta: tp, count: n, workspace: ws) } }
        return ws
    }

    public func lossAndGradient(_ batch: TrainingBatch, gradient: UnsafeMutableBufferPointer<Float>) -> Double {
        let n = batch.count
        guard n > 0 else { gradient.update(repeating: 0); return 0 }
        let ws = run(batch, rows: 0..<n)
        flow.backward(count: n, workspace: ws, gradient: gradient)
        return -ws.logDensity[0..<n].reduce(0, +) / Double(n)
    }

    public func loss(_ batch: TrainingBatch) -> Double {
        let n = batch.count
        guard n > 0 else { return 0 }
        var total = 0.0
        var start = 0
        while start < n {
            let rows = start..<min(n, start + Self.evaluationChunk)
            let ws = run(batch, rows: rows)
            total += ws.logDensity[0..<rows.count].reduce(0, +)
            start = rows.upperBound
        }
        return -total / Double(n)
    }
}
