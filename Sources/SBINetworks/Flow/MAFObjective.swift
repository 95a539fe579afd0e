import SBICore

/// Training of a `MaskedAutoregressiveFlow`: maximum likelihood (NDE), or with α > 0 SCANDAL,
/// maximum likelihood plus the score term on the joint score t(x,z|θ):
///
/// ```
/// NDE:      L = −(1/B) Σ_i log p̂(x_i|θ_i)
/// SCANDAL:  L = NDE + α·(1/B) Σ_i (1/P) Σ_k σ_k² (t̂_k(x_i|θ_i) − t_k(x_i,z_i|θ_i))²,   t̂ = ∇_θ log p̂
/// ```
/// σ_k is θ_k's standard deviation in the training data (score differences in standardised θ
/// units, as the ratio estimators' score terms). Reported without the constant Σ_d log s_x,d of
/// the standardisation (it does not move the optimum; `MaskedAutoregressiveFlow.logDensity`
/// includes it). Reads x and θ of the batch, and t_xz for SCANDAL; SCANDAL differentiates t̂, so
/// the flow runs forward with θ-tangents and backward through them (`backward`).
/// [1] arXiv:1705.07057; [2] J. Brehmer, G. Louppe, J. Pavez, K. Cranmer, arXiv:1805.12244 (NDE, SCANDAL).
public final class MAFObjective: TrainingObjective {
    /// The flow being trained (its `parameters` are updated in place).
    public let flow: MaskedAutoregressiveFlow
    /// Weight α of the score term (0: NDE).
    public let alpha: Double
    private var workspace: MAFWorkspace?
    private var x: [Float] = []
    private var theta: [Float] = []

    /// An objective over `flow`'s weights; `alpha` > 0 adds SCANDAL's score term.
    /// - Precondition: `alpha` is finite and ≥ 0 (estimators check user input first).
    public init(flow: MaskedAutoregressiveFlow, alpha: Double = 0) {
        precondition(alpha >= 0 && alpha.isFinite, "MAFObjective: α = \(alpha)")
        self.flow = flow
        self.alpha = alpha
    }

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
        if alpha > 0 {
            guard let t = batch.tXZ else { throw SBIError.data("SCANDAL's score term needs the joint score t_xz", field: "t_xz") }
            guard t.columns == a.nParameters, t.rows == batch.count else {
                throw SBIError.data("t_xz is [\(t.rows), \(t.columns)]; expected [\(batch.count), \(a.nParameters)]", field: "t_xz")
            }
        }
    }

    /// Rows per forward pass in `loss` (validation sets are evaluated in chunks of this size).
    public static let evaluationChunk = 1024

    /// Standardises `rows` of the batch into `x`, `theta` and runs the forward pass, with θ-tangents for SCANDAL.
    private func run(_ batch: TrainingBatch, rows: Range<Int>) -> MAFWorkspace {
        let n = rows.count, tangents = alpha > 0
        let ws: MAFWorkspace
        if let w = workspace, w.capacity >= n { ws = w } else {
            ws = MAFWorkspace(architecture: flow.architecture, capacity: n, tangents: tangents)
            workspace = ws
        }
        standardise(batch, rows: rows)
        x.withUnsafeBufferPointer { xp in theta.withUnsafeBufferPointer { tp in flow.forward(x: xp, theta: tp, count: n, workspace: ws) } }
        return ws
    }

    /// The score term of row `row` (batch row `batchRow`), (1/P) Σ_k (∂log p̂/∂θ̃_k − σ_k t_k)², and
    /// with `adjointScale` its adjoint `adjointScale·(2/P)(…)` written into `ws.scoreAdjoint`.
    private func scoreTerm(_ ws: MAFWorkspace, row: Int, batch: TrainingBatch, batchRow: Int, adjointScale: Float?) -> Double {
        let p = flow.architecture.nParameters
        guard p > 0, let t = batch.tXZ else { return 0 }
        var sum = 0.0
        for k in 0..<p {
            let diff = ws.score[row * p + k] - flow.scaling.parameterStd[k] * Double(t[batchRow, k])
            sum += diff * diff
            if let adjointScale { ws.scoreAdjoint[row * p + k] = adjointScale * Float(2 * diff / Double(p)) }
        }
        return sum / Double(p)
    }

    /// Writes `rows` of the batch, standardised, into `x` and `theta` (grown when needed).
    private func standardise(_ batch: TrainingBatch, rows: Range<Int>) {
        let a = flow.architecture, n = rows.count
        if x.count < n * a.nObservables { x = [Float](repeating: 0, count: n * a.nObservables) }
        if theta.count < n * a.nParameters { theta = [Float](repeating: 0, count: n * a.nParameters) }
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
    }

    public func lossAndGradient(_ batch: TrainingBatch, gradient: UnsafeMutableBufferPointer<Float>) -> Double {
        let n = batch.count
        guard n > 0 else { gradient.update(repeating: 0); return 0 }
        let ws = run(batch, rows: 0..<n)
        var score = 0.0
        if alpha > 0 {
            let scale = Float(alpha / Double(n))
            for i in 0..<n { score += scoreTerm(ws, row: i, batch: batch, batchRow: i, adjointScale: scale) }
        }
        flow.backward(count: n, logDensityAdjoint: -1 / Float(n), workspace: ws, gradient: gradient)
        return (-ws.logDensitySum(count: n) + alpha * score) / Double(n)
    }

    public func loss(_ batch: TrainingBatch) -> Double {
        let n = batch.count
        guard n > 0 else { return 0 }
        var total = 0.0
        var start = 0
        while start < n {
            let rows = start..<min(n, start + Self.evaluationChunk)
            let ws = run(batch, rows: rows)
            total += ws.logDensitySum(count: rows.count)
            if alpha > 0 {
                for (i, row) in rows.enumerated() { total -= alpha * scoreTerm(ws, row: i, batch: batch, batchRow: row, adjointScale: nil) }
            }
            start = rows.upperBound
        }
        return -total / Double(n)
    }
}
