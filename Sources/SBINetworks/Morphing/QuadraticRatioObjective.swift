#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SBICore

/// Training of a `QuadraticRatioForm` ratio: an MLP g(x) (no θ inputs) gives the K free entries of L(x),
/// K more trainable numbers give L̄ of the normalisation N(θ), and any parameterised ratio loss (CARL,
/// ROLR, ALICE, ALICES, CASCAL, RASCAL) is applied to
///
/// ```
/// f = log r̂(x|θ0) = log |L(x)ᵀ v|² − log |L̄ᵀ v|²,      v = (1, (θ0 − θ_ref)/s)
/// t̂ = ∇_θ0 f = (2 L Lᵀ v / R − 2 L̄ L̄ᵀ v / N)_{1…n} / s
/// ```
/// The loss's gradients in f and t̂ are carried to the entries of L (`QuadraticRatioForm.accumulateGradient`),
/// then back through the network in one backward pass, and to L̄ directly. The parameter vector is the
/// network's weights followed by the K entries of L̄. Samples must share one θ1 = θ_ref (MadMiner's
/// `sample_train_ratio` with a fixed denominator). [1] arXiv:2211.02058; [2] arXiv:1805.12244 (the losses).
public final class QuadraticRatioObjective: TrainingObjective {
    /// The network x → K entries of L(x), kept in step with `parameters`.
    public private(set) var network: MLP
    /// The per-sample ratio loss.
    public let loss: any NetworkLoss
    /// θ_ref (the denominator of every sample) and the per-parameter scale s of v.
    public let reference: [Double], scale: [Double]
    /// Rows per forward pass in `loss(_:)`.
    public let evaluationChunk: Int

    private var parameters: [Float]
    private let n: Int, m: Int, k: Int
    private var workspace: MLPWorkspace?
    private var logRatio: [Float] = [], score: [Float] = [], logRatioGradient: [Float] = [], scoreGradient: [Float] = []
    private var networkGradient: [Float] = []
    /// ∂(mean loss)/∂(entries of L̄) of the current batch.
    private var normalizationGradient: [Double]
    private var scratch: [Double]

    /// Pairs a network with K = (n+1)(n+2)/2 − 1 outputs and no θ inputs with a ratio loss; L̄ starts as
    /// diag(1, 0.1, …, 0.1) (N = 1 + 0.01|θ̃|²: non-zero, so every entry has a gradient).
    /// - Throws: `SBIError.data` for a network with θ inputs or the wrong output count, a reference or scale
    ///   of the wrong length, or a scale that is not positive.
    public init(network: MLP, loss: any NetworkLoss, reference: [Double], scale: [Double], normalization: [Float]? = nil,
                evaluationChunk: Int = 1024) throws {
        let arch = network.architecture, n = reference.count
        guard arch.nParameters == 0 else {
            throw SBIError.data("a quadratic ratio network takes x only; it has \(arch.nParameters) parameter inputs", field: "nParameters")
        }
        guard n >= 1, arch.outputSize == QuadraticRatioForm.entryCount(parameterCount: n) else {
            throw SBIError.data("\(n) parameters need \(QuadraticRatioForm.entryCount(parameterCount: max(n, 1))) network outputs (the entries of L); got \(arch.outputSize)",
                                field: "outputSize")
        }
        guard scale.count == n, scale.allSatisfy({ $0 > 0 && $0.isFinite }), reference.allSatisfy(\.isFinite) else {
            throw SBIError.data("reference \(reference) and scale \(scale): expected \(n) finite values and \(n) positive ones", field: "reference")
        }
        self.n = n
        m = n + 1
        k = arch.outputSize
        if let normalization {
            guard normalization.count == k else { throw SBIError.data("\(normalization.count) normalisation entries; expected \(k)", field: "normalization") }
        }
        self.network = network
        self.loss = loss
        self.reference = reference
        self.scale = scale
        self.evaluationChunk = max(1, evaluationChunk)
        parameters = network.parameters + (normalization ?? Self.initialNormalization(parameterCount: n))
        scratch = [Double](repeating: 0, count: 8 * (n + 1) * (n + 1) + 2 * k)
        normalizationGradient = [Double](repeating: 0, count: k)
    }

    /// L̄ = diag(1, 0.1, …, 0.1) as free entries.
    public static func initialNormalization(parameterCount n: Int) -> [Float] {
        var out: [Float] = []
        for a in 1...n { for b in 0...a { out.append(a == b ? 0.1 : 0) } }
        return out
    }

    /// The K trained entries of L̄.
    public var normalization: [Float] { Array(parameters[network.parameterCount...]) }

    public var parameterCount: Int { parameters.count }

    public func withParameters<R>(_ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        defer { network.parameters = Array(parameters[0..<network.parameterCount]) }
        return try parameters.withUnsafeMutableBufferPointer { try body(&$0) }
    }

    public func validate(_ batch: TrainingBatch) throws {
        let arch = network.architecture
        let view = MLPArchitecture(nObservables: arch.nObservables, nParameters: n, hiddenSizes: arch.hiddenSizes,
                                   activation: arch.activation, outputSize: 1)
        try loss.validate(batch, architecture: view)
    }

    private func prepare(rows: Int) -> MLPWorkspace {
        if let ws = workspace, ws.batchCapacity >= rows { return ws }
        let ws = MLPWorkspace(architecture: network.architecture, batchCapacity: rows, thetaTangents: false)
        workspace = ws
        logRatio = [Float](repeating: 0, count: rows)
        logRatioGradient = logRatio
        score = [Float](repeating: 0, count: rows * n)
        scoreGradient = score
        networkGradient = [Float](repeating: 0, count: rows * k)
        return ws
    }

    public func lossAndGradient(_ batch: TrainingBatch, gradient: UnsafeMutableBufferPointer<Float>) -> Double {
        let b = batch.count, p = network.parameterCount
        precondition(gradient.count >= parameterCount, "QuadraticRatioObjective: gradient has \(gradient.count) elements, need \(parameterCount)")
        gradient.update(repeating: 0)
        guard b > 0 else { return 0 }
        let ws = prepare(rows: b)
        forward(batch, rows: 0..<b, backward: true, ws)
        let total = evaluateLoss(batch, rows: 0..<b, weight: 1 / Double(b), gradients: true)
        for e in 0..<k { normalizationGradient[e] = 0 }
        headBackward(batch, rows: 0..<b, ws)
        let net = network
        networkGradient.withUnsafeBufferPointer { og in
            net.backward(outputGradient: og, scoreGradient: nil, workspace: ws,
                         parameterGradient: UnsafeMutableBufferPointer(rebasing: gradient[0..<p]))
        }
        for e in 0..<k { gradient[p + e] = Float(normalizationGradient[e]) }
        return total / Double(b)
    }

    public func loss(_ batch: TrainingBatch) -> Double {
        let b = batch.count
        guard b > 0 else { return 0 }
        let ws = prepare(rows: min(b, evaluationChunk))
        var total = 0.0, start = 0
        while start < b {
            let rows = start..<min(b, start + ws.batchCapacity)
            forward(batch, rows: rows, backward: false, ws)
            total += evaluateLoss(batch, rows: rows, weight: 0, gradients: false)
            start = rows.upperBound
        }
        return total / Double(b)
    }

    /// Network forward over `rows`, then f and t̂ of every row into `logRatio` and `score`.
    private func forward(_ batch: TrainingBatch, rows: Range<Int>, backward: Bool, _ ws: MLPWorkspace) {
        let nObs = network.architecture.nObservables
        batch.x.withUnsafeBufferPointer { xp in
            network.forward(x: UnsafeBufferPointer(rebasing: xp[(rows.lowerBound * nObs)..<(rows.upperBound * nObs)]), theta: nil,
                            count: rows.count, thetaTangents: false, preparingBackward: backward, workspace: ws)
        }
        let n = self.n
        forEachRow(batch, rows: rows, ws) { r, _, s, rr, nn in
            logRatio[r] = Float(log(rr) - log(nn))
            for j in 0..<n { score[r * n + j] = Float((2 * s.w[j + 1] / rr - 2 * s.wbar[j + 1] / nn) / scale[j]) }
        }
    }

    /// The scratch buffers of one row: L, L̄ (m×m), v, u = Lᵀv, w = Lu, ū, w̄ (m each), h, Lᵀh (m each), K entries.
    private struct RowScratch {
        let l, lbar, v, u, w, ubar, wbar, h, lth, rowGradient: UnsafeMutablePointer<Double>
        init(_ base: UnsafeMutablePointer<Double>, m: Int) {
            l = base; lbar = l + m * m; v = lbar + m * m; u = v + m; w = u + m; ubar = w + m; wbar = ubar + m
            h = wbar + m; lth = h + m; rowGradient = lth + m
        }
    }

    /// For every row of `rows` (r-th of the network's outputs in `ws`, batch row i): L(x_i), v(θ0_i), R and N with
    /// their u, w, ū, w̄, handed to `body(r, i, scratch, R, N)` (L̄ filled once from the parameters).
    private func forEachRow(_ batch: TrainingBatch, rows: Range<Int>, _ ws: MLPWorkspace,
                            _ body: (Int, Int, RowScratch, Double, Double) -> Void) {
        let theta = batch.theta!
        let (m, n, k) = (self.m, self.n, self.k)
        scratch.withUnsafeMutableBufferPointer { buffer in
            let s = RowScratch(buffer.baseAddress!, m: m)
            parameters.withUnsafeBufferPointer { pp in QuadraticRatioForm.fill(pp.baseAddress! + network.parameterCount, into: s.lbar, m: m) }
            theta.withUnsafeBufferPointer { tp in
                for (r, i) in rows.enumerated() {
                    QuadraticRatioForm.fill(ws.output.baseAddress! + r * k, into: s.l, m: m)
                    s.v[0] = 1
                    for j in 0..<n { s.v[j + 1] = (Double(tp[i * n + j]) - reference[j]) / scale[j] }
                    let rr = QuadraticRatioForm.value(l: s.l, v: s.v, m: m, u: s.u, w: s.w)
                    let nn = QuadraticRatioForm.value(l: s.lbar, v: s.v, m: m, u: s.ubar, w: s.wbar)
                    body(r, i, s, rr, nn)
                }
            }
        }
    }

    private func evaluateLoss(_ batch: TrainingBatch, rows: Range<Int>, weight: Double, gradients: Bool) -> Double {
        let usesScore = loss.usesScore
        return logRatio.withUnsafeBufferPointer { f in
            score.withUnsafeBufferPointer { t in
                logRatioGradient.withUnsafeMutableBufferPointer { gf in
                    scoreGradient.withUnsafeMutableBufferPointer { gt in
                        loss.evaluate(output: UnsafeBufferPointer(rebasing: f[0..<rows.count]),
                                      score: usesScore ? UnsafeBufferPointer(rebasing: t[0..<(rows.count * n)]) : nil,
                                      batch: batch, rows: rows, weight: weight,
                                      outputGradient: gradients ? gf : nil, scoreGradient: gradients && usesScore ? gt : nil)
                    }
                }
            }
        }
    }

    /// ∂(mean loss)/∂(network outputs) into `networkGradient`, and ∂/∂(L̄ entries) summed into `normalizationGradient`.
    private func headBackward(_ batch: TrainingBatch, rows: Range<Int>, _ ws: MLPWorkspace) {
        let (m, n, k) = (self.m, self.n, self.k)
        let usesScore = loss.usesScore
        normalizationGradient.withUnsafeMutableBufferPointer { ng in
            forEachRow(batch, rows: rows, ws) { r, _, s, rr, nn in
                let g = Double(logRatioGradient[r])
                for j in 0..<n { s.h[j + 1] = usesScore ? Double(scoreGradient[r * n + j]) / scale[j] : 0 }
                for e in 0..<k { s.rowGradient[e] = 0 }
                QuadraticRatioForm.accumulateGradient(l: s.l, v: s.v, u: s.u, w: s.w, r: rr, m: m, gValue: g, h: s.h, sign: 1,
                                                      lth: s.lth, gradient: s.rowGradient)
                for e in 0..<k { networkGradient[r * k + e] = Float(s.rowGradient[e]) }
                for j in 0..<n { s.h[j + 1] = usesScore ? Double(scoreGradient[r * n + j]) / scale[j] : 0 }
                QuadraticRatioForm.accumulateGradient(l: s.lbar, v: s.v, u: s.ubar, w: s.wbar, r: nn, m: m, gValue: g, h: s.h, sign: -1,
                                                      lth: s.lth, gradient: ng.baseAddress!)
            }
        }
    }
}
