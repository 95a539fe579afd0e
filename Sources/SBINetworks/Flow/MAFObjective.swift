import Dispatch
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
    /// One set of buffers per half of a training batch (`lossAndGradient`), the first also for `loss`.
    private var halves: [Half] = [Half(), Half()]
    /// The second half's gradient, added to the first's.
    private var secondGradient: [Float] = []

    /// A workspace and the standardised inputs of some rows.
    private final class Half: @unchecked Sendable {
        var workspace: MAFWorkspace?
        var x: [Float] = []
        var theta: [Float] = []
    }

    /// Threads a training step uses: 2 or more runs the batch's two halves at once (`lossAndGradient`).
    public let workers: Int

    /// An objective over `flow`'s weights; `alpha` > 0 adds SCANDAL's score term. `workers` defaults to
    /// OpenBLAS's thread count when the objective is made (the `--threads` of the command line).
    /// - Precondition: `alpha` is finite and ≥ 0 (estimators check user input first).
    public init(flow: MaskedAutoregressiveFlow, alpha: Double = 0, workers: Int? = nil) {
        precondition(alpha >= 0 && alpha.isFinite, "MAFObjective: α = \(alpha)")
        self.flow = flow
        self.alpha = alpha
        self.workers = max(1, workers ?? BLASLibrary.threadCount)
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

    /// Standardises `rows` of the batch into `half`'s inputs and runs the forward pass, with θ-tangents for SCANDAL.
    private func run(_ batch: TrainingBatch, rows: Range<Int>, in half: Half) -> MAFWorkspace {
        let n = rows.count, tangents = alpha > 0
        let ws: MAFWorkspace
        if let w = half.workspace, w.capacity >= n { ws = w } else {
            ws = MAFWorkspace(architecture: flow.architecture, capacity: max(n, 1), tangents: tangents)
            half.workspace = ws
        }
        standardise(batch, rows: rows, into: half)
        half.x.withUnsafeBufferPointer { xp in half.theta.withUnsafeBufferPointer { tp in flow.forward(x: xp, theta: tp, count: n, workspace: ws) } }
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

    /// Writes `rows` of the batch, standardised, into `half.x` and `half.theta` (grown when needed).
    private func standardise(_ batch: TrainingBatch, rows: Range<Int>, into half: Half) {
        let a = flow.architecture, n = rows.count
        if half.x.count < n * a.nObservables { half.x = [Float](repeating: 0, count: n * a.nObservables) }
        if half.theta.count < n * a.nParameters { half.theta = [Float](repeating: 0, count: n * a.nParameters) }
        let s = flow.scaling
        for i in 0..<n {
            let row = rows.lowerBound + i
            for d in 0..<a.nObservables {
                half.x[i * a.nObservables + d] = Float((Double(batch.x[row, d]) - s.observableMean[d]) / s.observableStd[d])
            }
            if let t = batch.theta {
                for k in 0..<a.nParameters {
                    half.theta[i * a.nParameters + k] = Float((Double(t[row, k]) - s.parameterMean[k]) / s.parameterStd[k])
                }
            }
        }
    }

    /// The batch in two halves, each through the flow and back on its own buffers: on two threads when `workers`
    /// ≥ 2, one after the other otherwise, with OpenBLAS single-threaded meanwhile (a batch of 128 rows keeps both
    /// cores busy as two halves, where OpenBLAS splitting every small product costs more than it saves). The same halves and the same
    /// sum g = g₁ + g₂ either way, so the gradient's bits do not depend on the thread count.
    public func lossAndGradient(_ batch: TrainingBatch, gradient: UnsafeMutableBufferPointer<Float>) -> Double {
        let n = batch.count
        guard n > 0 else { gradient.update(repeating: 0); return 0 }
        if secondGradient.count < parameterCount { secondGradient = [Float](repeating: 0, count: parameterCount) }
        let split = n / 2
        let ranges = [0..<split, split..<n]
        let logDensityAdjoint = -1 / Float(n), scale = Float(alpha / Double(n))
        var partial = [Double](repeating: 0, count: 2)
        let threads = BLASLibrary.threadCount
        BLASLibrary.setThreadCount(1)
        defer { BLASLibrary.setThreadCount(threads) }
        secondGradient.withUnsafeMutableBufferPointer { second in
            let targets = [SendableGradient(gradient), SendableGradient(second)]
            let results = UnsafeMutableBufferPointer<Double>.allocate(capacity: 2)
            defer { results.deallocate() }
            let out = SendableResults(pointer: results.baseAddress!)
            // Each half touches only its own `Half`, gradient buffer and result slot; the flow's weights are read only.
            let context = UncheckedStep(objective: self, batch: batch)
            let work: @Sendable (Int) -> Void = { k in
                let me = context.objective, batch = context.batch
                let rows = ranges[k], half = me.halves[k], target = targets[k].buffer
                guard !rows.isEmpty else { target.update(repeating: 0); out.pointer[k] = 0; return }
                let ws = me.run(batch, rows: rows, in: half)
                var score = 0.0
                if me.alpha > 0 {
                    for (i, row) in rows.enumerated() { score += me.scoreTerm(ws, row: i, batch: batch, batchRow: row, adjointScale: scale) }
                }
                me.flow.backward(count: rows.count, logDensityAdjoint: logDensityAdjoint, workspace: ws, gradient: target)
                out.pointer[k] = -ws.logDensitySum(count: rows.count) + me.alpha * score
            }
            if workers >= 2 { DispatchQueue.concurrentPerform(iterations: 2, execute: work) } else { work(0); work(1) }
            partial = [results[0], results[1]]
            for i in 0..<parameterCount { gradient[i] += second[i] }
        }
        return (partial[0] + partial[1]) / Double(n)
    }

    /// A gradient buffer handed to one of the two halves (each writes only its own).
    private struct SendableGradient: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<Float>
        init(_ buffer: UnsafeMutableBufferPointer<Float>) { self.buffer = buffer }
    }

    /// The objective and the batch, shared read-only by the two halves.
    private struct UncheckedStep: @unchecked Sendable {
        let objective: MAFObjective
        let batch: TrainingBatch
    }

    /// The halves' loss sums, one slot each.
    private struct SendableResults: @unchecked Sendable { let pointer: UnsafeMutablePointer<Double> }

    public func loss(_ batch: TrainingBatch) -> Double {
        let n = batch.count
        guard n > 0 else { return 0 }
        var total = 0.0
        var start = 0
        while start < n {
            let rows = start..<min(n, start + Self.evaluationChunk)
            let ws = run(batch, rows: rows, in: halves[0])
            total += ws.logDensitySum(count: rows.count)
            if alpha > 0 {
                for (i, row) in rows.enumerated() { total -= alpha * scoreTerm(ws, row: i, batch: batch, batchRow: row, adjointScale: nil) }
            }
            start = rows.upperBound
        }
        return -total / Double(n)
    }
}
