import SBICore
import SBINetworks

/// The training objective of a doubly parameterised ratio estimator: an antisymmetrised network
/// and a ratio loss plus, for the "2" variants, the scores at both θ0 and θ1.
///
/// ```
/// log r̂(x|θ0,θ1) = g(x,θ0,θ1) − g(x,θ1,θ0)
/// t̂0 = ∇θ0 log r̂ = ∂₁g(x,θ0,θ1) − ∂₂g(x,θ1,θ0)            (≈ t(x|θ0))
/// t̂1 = −∇θ1 log r̂ = ∂₁g(x,θ1,θ0) − ∂₂g(x,θ0,θ1)           (≈ t(x|θ1))
/// ℓ = ℓ_ratio(log r̂; y, r_xz) + α[(1−y)(1/P)Σ_k σ_k²(t̂0_k − t_xz0_k)² + y(1/P)Σ_k σ_k²(t̂1_k − t_xz1_k)²]
/// ```
/// σ_k: the pooled θ standard deviation the network standardises with (score differences in
/// standardised θ units, as in `ScoreAugmentedLoss`).
/// (∂₁, ∂₂: gradients with respect to g's first and second θ slot.) The joint score at θ0
/// is unbiased for x drawn from θ0 and the one at θ1 for x drawn from θ1, hence the masks.
/// Batch layout: `theta` `[B, 2P]` = [θ0 | θ1]; `tXZ` `[B, 2P]` = [t_xz0 | t_xz1] (score methods).
/// Both passes share the weights; their weight gradients add.
/// [1] arXiv:1805.12244 (doubly parameterised estimators); [2] arXiv:1907.10621.
final class DoublyRatioObjective: TrainingObjective {
    var network: MLP
    let ratioLoss: any NetworkLoss
    let usesScore: Bool
    let alpha: Double
    /// σ_k², `[P]`: the score term's weight per component.
    let scoreUnit: [Double]
    private var capacity = 0
    private var wsA: MLPWorkspace?
    private var wsB: MLPWorkspace?
    private var swapped: [Float] = []
    private var logRatio: [Float] = []
    private var dLogRatio: [Float] = []
    private var negative: [Float] = []
    private var gradA: [Float] = []
    private var gradB: [Float] = []
    private var sGradA: [Float] = []
    private var sGradB: [Float] = []
    private var temp: [Float] = []

    init(network: MLP, method: EstimatorMethod, alpha: Double) {
        precondition(network.architecture.nParameters % 2 == 0 && network.architecture.nParameters > 0,
                     "DoublyRatioObjective: the network needs 2P θ inputs, has \(network.architecture.nParameters)")
        self.network = network
        ratioLoss = method.ratioLoss()
        usesScore = method.usesScore
        self.alpha = alpha
        let p = network.architecture.nParameters / 2
        scoreUnit = (0..<p).map { network.scaling.parameterStd[$0] * network.scaling.parameterStd[$0] }
        temp = [Float](repeating: 0, count: network.parameterCount)
    }

    var parameterCount: Int { network.parameterCount }

    /// The ratio loss's checks (x, θ = [θ0 | θ1], y, r_xz) and, for the score methods,
    /// t_xz = [t_xz0 | t_xz1] with 2P columns.
    func validate(_ batch: TrainingBatch) throws {
        try ratioLoss.validate(batch, architecture: network.architecture)
        guard usesScore else { return }
        let columns = network.architecture.nParameters
        guard let t = batch.tXZ else { throw SBIError.data("this method needs the joint scores t(x,z|θ0) and t(x,z|θ1)", field: "t_xz") }
        guard t.rows == batch.count, t.columns == columns else {
            throw SBIError.data("expected shape [\(batch.count), \(columns)] ([t_xz0 | t_xz1]), got [\(t.rows), \(t.columns)]", field: "t_xz")
        }
    }

    func withParameters<R>(_ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try network.parameters.withUnsafeMutableBufferPointer { try body(&$0) }
    }

    private func prepare(rows: Int) {
        if rows <= capacity { return }
        let arch = network.architecture
        capacity = rows
        wsA = MLPWorkspace(architecture: arch, batchCapacity: rows, thetaTangents: usesScore)
        wsB = MLPWorkspace(architecture: arch, batchCapacity: rows, thetaTangents: usesScore)
        swapped = [Float](repeating: 0, count: rows * arch.nParameters)
        logRatio = [Float](repeating: 0, count: rows)
        dLogRatio = [Float](repeating: 0, count: rows)
        negative = [Float](repeating: 0, count: rows)
        let s = usesScore ? rows * arch.nParameters : 0
        gradA = [Float](repeating: 0, count: s); gradB = gradA; sGradA = gradA; sGradB = gradA
    }

    func lossAndGradient(_ batch: TrainingBatch, gradient: UnsafeMutableBufferPointer<Float>) -> Double {
        let b = batch.count
        guard b > 0 else { gradient.update(repeating: 0); return 0 }
        prepare(rows: b)
        let total = pass(batch, rows: 0..<b, weight: 1 / Double(b), backward: true)
        let net = network
        dLogRatio.withUnsafeBufferPointer { d in
            sGradA.withUnsafeBufferPointer { sa in
                net.backward(outputGradient: d, scoreGradient: usesScore ? sa : nil, workspace: wsA!, parameterGradient: gradient)
            }
        }
        for i in 0..<b { negative[i] = -dLogRatio[i] }
        temp.withUnsafeMutableBufferPointer { t in
            negative.withUnsafeBufferPointer { d in
                sGradB.withUnsafeBufferPointer { sb in
                    net.backward(outputGradient: d, scoreGradient: usesScore ? sb : nil, workspace: wsB!, parameterGradient: t)
                }
            }
            for k in 0..<parameterCount { gradient[k] += t[k] }
        }
        return total / Double(b)
    }

    func loss(_ batch: TrainingBatch) -> Double {
        let b = batch.count
        guard b > 0 else { return 0 }
        prepare(rows: min(b, 1024))
        var total = 0.0
        var start = 0
        while start < b {
            let rows = start..<min(b, start + capacity)
            total += pass(batch, rows: rows, weight: 0, backward: false)
            start = rows.upperBound
        }
        return total / Double(b)
    }

    /// Both forward passes, log r̂, the loss over `rows`, and (with `backward`) ∂ℓ/∂log r̂ and
    /// ∂ℓ/∂(∂g/∂θ) of each pass in `dLogRatio`, `sGradA`, `sGradB`.
    private func pass(_ batch: TrainingBatch, rows: Range<Int>, weight: Double, backward: Bool) -> Double {
        let arch = network.architecture
        let nObs = arch.nObservables, q = arch.nParameters, p = q / 2
        let n = rows.count
        guard let theta = batch.theta else { preconditionFailure("DoublyRatioObjective: the batch has no theta") }
        precondition(theta.columns == q && batch.x.columns == nObs,
                     "DoublyRatioObjective: x [\(batch.x.rows), \(batch.x.columns)], theta [\(theta.rows), \(theta.columns)]; network takes \(nObs) + \(q)")
        let net = network, a = wsA!, bws = wsB!, tangents = usesScore
        batch.x.withUnsafeBufferPointer { xp in
            theta.withUnsafeBufferPointer { tp in
                let x = UnsafeBufferPointer(rebasing: xp[(rows.lowerBound * nObs)..<(rows.upperBound * nObs)])
                let t = UnsafeBufferPointer(rebasing: tp[(rows.lowerBound * q)..<(rows.upperBound * q)])
                swapped.withUnsafeMutableBufferPointer { s in
                    for i in 0..<n {
                        for k in 0..<p {
                            s[i * q + k] = t[i * q + p + k]
                            s[i * q + p + k] = t[i * q + k]
                        }
                    }
                }
                net.forward(x: x, theta: t, count: n, thetaTangents: tangents, preparingBackward: backward, workspace: a)
                swapped.withUnsafeBufferPointer { s in
                    net.forward(x: x, theta: UnsafeBufferPointer(rebasing: s[0..<(n * q)]), count: n,
                                thetaTangents: tangents, preparingBackward: backward, workspace: bws)
                }
            }
        }
        let oa = a.output, ob = bws.output
        for i in 0..<n { logRatio[i] = oa[i] - ob[i] }
        var total = logRatio.withUnsafeBufferPointer { lr in
            dLogRatio.withUnsafeMutableBufferPointer { d in
                ratioLoss.evaluate(output: lr, score: nil, batch: batch, rows: rows, weight: weight,
                                   outputGradient: backward ? d : nil, scoreGradient: nil)
            }
        }
        guard usesScore else { return total }
        gradA.withUnsafeMutableBufferPointer { net.thetaGradient(workspace: a, into: $0) }
        gradB.withUnsafeMutableBufferPointer { net.thetaGradient(workspace: bws, into: $0) }
        guard let scores = batch.tXZ, let labels = batch.y else {
            preconditionFailure("DoublyRatioObjective: a score method needs t_xz and y in the batch")
        }
        precondition(scores.columns == q, "DoublyRatioObjective: t_xz has \(scores.columns) columns, need [t_xz0 | t_xz1] = \(q)")
        let invP = 1 / Double(p)
        var scoreSum = 0.0
        scores.withUnsafeBufferPointer { ts in
            for (r, i) in rows.enumerated() {
                let y = Double(labels[i])
                for k in 0..<p {
                    let t0 = Double(gradA[r * q + k]) - Double(gradB[r * q + p + k])
                    let t1 = Double(gradB[r * q + k]) - Double(gradA[r * q + p + k])
                    let d0 = t0 - Double(ts[i * q + k]), d1 = t1 - Double(ts[i * q + p + k])
                    let unit = scoreUnit[k]
                    scoreSum += unit * ((1 - y) * d0 * d0 + y * d1 * d1) * invP
                    if backward {
                        let g0 = Float(alpha * weight * 2 * unit * (1 - y) * d0 * invP)
                        let g1 = Float(alpha * weight * 2 * unit * y * d1 * invP)
                        sGradA[r * q + k] = g0
                        sGradA[r * q + p + k] = -g1
                        sGradB[r * q + k] = g1
                        sGradB[r * q + p + k] = -g0
                    }
                }
            }
        }
        total += alpha * scoreSum
        return total
    }
}
