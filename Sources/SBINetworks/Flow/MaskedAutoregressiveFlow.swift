import Foundation
import SBICore

/// A conditional masked autoregressive flow: an estimate of the density p̂(x|θ) that can be
/// evaluated exactly and trained by maximum likelihood (NDE) .
///
/// ```
/// x̃ = (x − m_x)/s_x,  θ̃ = (θ − m_θ)/s_θ            (InputScaling, from the training data)
/// block b = 0…K−1:  z⁰ = x̃,  (μ, α) = MADE_b(z^b, θ̃),  u^b = (z^b − μ) ⊙ exp(−α),
///                   z^{b+1} = reverse(u^b)             (the order of the variables flips)
/// log p̂(x|θ) = Σ_d log N(u^{K−1}_d; 0, 1) − Σ_b Σ_d α^b_d − Σ_d log s_x,d
/// ```
/// μ^b_d and α^b_d depend on z^b_<d and θ only (`MAFArchitecture`'s masks), so each block is
/// an invertible map with triangular Jacobian, log|det| = −Σ_d α_d. The reversal between
/// blocks lets every variable condition on every other one across the stack.
/// Weights live in one Float32 buffer (`MAFArchitecture` layout); masked weights are zero and
/// stay zero (their gradients are masked). Same seed, same weights.
/// [1] G. Papamakarios, T. Pavlakou, I. Murray, arXiv:1705.07057; [2] arXiv:1502.03509 (MADE).
public final class MaskedAutoregressiveFlow: @unchecked Sendable {
    // @unchecked: `parameters` is written only by the objective that trains it, on one thread.

    /// The flow's shape.
    public let architecture: MAFArchitecture
    /// Standardisation of x and θ (from the training data).
    public let scaling: InputScaling
    /// All weights and biases, `architecture.parameterCount` values.
    public internal(set) var parameters: [Float]
    /// Per layer of a MADE, its 0/1 weight mask `[out, in]`.
    let masks: [[Float]]

    /// A flow with fresh weights: W, b ~ U(±1/√fan-in) (masked), the output layer scaled by 0.1 so
    /// that every block starts close to the identity (μ ≈ 0, α ≈ 0).
    /// - Throws: `SBIError.data` for an invalid architecture or a scaling of other widths.
    public init(architecture: MAFArchitecture, scaling: InputScaling, random: SeededRandom) throws {
        try architecture.validate()
        try Self.check(scaling, architecture)
        self.architecture = architecture
        self.scaling = scaling
        let masks = (0..<(architecture.layerWidths.count - 1)).map { architecture.mask(layer: $0) }
        self.masks = masks
        var p = [Float](repeating: 0, count: architecture.parameterCount)
        let w = architecture.layerWidths
        var offset = 0
        for _ in 0..<architecture.blocks {
            for l in 0..<(w.count - 1) {
                let nIn = w[l], nOut = w[l + 1]
                let limit = 1 / Double(nIn).squareRoot()
                let factor: Float = l == w.count - 2 ? 0.1 : 1
                for i in 0..<(nOut * nIn) { p[offset + i] = Float(random.uniform(-limit, limit)) * factor * masks[l][i] }
                for i in 0..<nOut { p[offset + nOut * nIn + i] = Float(random.uniform(-limit, limit)) * factor }
                offset += nOut * (nIn + 1)
            }
        }
        parameters = p
    }

    /// A flow with given weights (as written by `parameters`).
    /// - Throws: `SBIError.data` for an invalid architecture, a wrong number of weights, a non-finite
    ///   weight, a non-zero masked weight, or a scaling of other widths.
    public init(architecture: MAFArchitecture, scaling: InputScaling, parameters: [Float]) throws {
        try architecture.validate()
        try Self.check(scaling, architecture)
        guard parameters.count == architecture.parameterCount else {
            throw SBIError.data("\(parameters.count) weights; the flow has \(architecture.parameterCount)", field: "weights")
        }
        if let bad = parameters.firstIndex(where: { !$0.isFinite }) {
            throw SBIError.data("non-finite weight at index \(bad)", field: "weights")
        }
        self.architecture = architecture
        self.scaling = scaling
        self.masks = (0..<(architecture.layerWidths.count - 1)).map { architecture.mask(layer: $0) }
        self.parameters = parameters
        var offset = 0
        let w = architecture.layerWidths
        for _ in 0..<architecture.blocks {
            for l in 0..<(w.count - 1) {
                let n = w[l + 1] * w[l]
                for i in 0..<n where masks[l][i] == 0 && parameters[offset + i] != 0 {
                    throw SBIError.data("weight \(offset + i) is masked (autoregressive order) but not zero", field: "weights")
                }
                offset += w[l + 1] * (w[l] + 1)
            }
        }
    }

    static func check(_ scaling: InputScaling, _ a: MAFArchitecture) throws {
        guard scaling.observableMean.count == a.nObservables, scaling.parameterMean.count == a.nParameters else {
            throw SBIError.data("input scaling for \(scaling.observableMean.count) observables and \(scaling.parameterMean.count) parameters; "
                                + "the flow has \(a.nObservables) and \(a.nParameters)", field: "inputScaling")
        }
        guard (scaling.observableStd + scaling.parameterStd).allSatisfy({ $0 > 0 && $0.isFinite }),
              (scaling.observableMean + scaling.parameterMean).allSatisfy(\.isFinite) else {
            throw SBIError.data("input scaling needs finite means and positive finite standard deviations", field: "inputScaling")
        }
    }

    /// Σ_d log s_x,d: the Jacobian of the standardisation of x.
    var logScaleSum: Double { scaling.observableStd.reduce(0) { $0 + log($1) } }

    /// log p̂(x_i|θ_i) for paired rows of `x` `[n, D]` and `theta` `[n, P]` (P = 0: pass a `[n, 0]`
    /// matrix), in chunks of 4096 rows.
    /// - Precondition: shapes match the architecture (estimators check user input first).
    public func logDensity(x: Matrix<Double>, theta: Matrix<Double>) -> [Double] {
        precondition(x.columns == architecture.nObservables && theta.columns == architecture.nParameters && theta.rows == x.rows,
                     "MaskedAutoregressiveFlow.logDensity: x \(x.rows)×\(x.columns), θ \(theta.rows)×\(theta.columns)")
        return pass(x: x, theta: theta, sets: 1, thetaRow: { _, event in event }, tangents: false, chunk: 4096).logDensity[0]
    }

    /// log p̂(x_i|θ_i) and the score t̂(x_i|θ_i) = ∇_θ log p̂(x_i|θ_i) (raw θ units, `[n, P]`) for paired
    /// rows, by forward-mode θ-tangents through every block (`forward`), in chunks of 1024 rows.
    /// - Precondition: shapes match the architecture.
    public func logDensityAndScore(x: Matrix<Double>, theta: Matrix<Double>) -> (logDensity: [Double], score: Matrix<Double>) {
        precondition(x.columns == architecture.nObservables && theta.columns == architecture.nParameters && theta.rows == x.rows,
                     "MaskedAutoregressiveFlow.logDensityAndScore: x \(x.rows)×\(x.columns), θ \(theta.rows)×\(theta.columns)")
        let result = pass(x: x, theta: theta, sets: 1, thetaRow: { _, event in event }, tangents: true, chunk: 1024)
        return (result.logDensity[0], result.score)
    }

    /// log p̂(x_i|θ_j) for every grid point θ_j (rows of `thetas` `[nTheta, P]`) and every event
    /// (rows of `x` `[nEvents, D]`), as `[nTheta, nEvents]`: each chunk of x is standardised once and
    /// run at every θ_j. With `workers > 1` the grid points are split into that many contiguous ranges
    /// evaluated on concurrent threads, each with a workspace of its own; every (θ_j, chunk) runs the same
    /// SGEMM shapes as with one worker, so the values do not depend on `workers` (run OpenBLAS
    /// single-threaded meanwhile, as `MLP.logRatioGrid` does).
    /// - Precondition: shapes match the architecture, `workers ≥ 1`.
    public func logDensity(x: Matrix<Double>, thetas: Matrix<Double>, workers: Int = 1) -> Matrix<Double> {
        precondition(x.columns == architecture.nObservables && thetas.columns == architecture.nParameters && workers >= 1,
                     "MaskedAutoregressiveFlow.logDensity: x \(x.rows)×\(x.columns), θ grid \(thetas.rows)×\(thetas.columns), \(workers) workers")
        let sets = thetas.rows, n = x.rows
        guard workers > 1, sets > 1, n > 0 else {
            let rows = pass(x: x, theta: thetas, sets: sets, thetaRow: { set, _ in set }, tangents: false, chunk: 4096).logDensity
            return Matrix(rows: sets, columns: n, storage: rows.flatMap { $0 })
        }
        var result = Matrix<Double>(rows: sets, columns: n)
        let used = min(workers, sets)
        result.withUnsafeMutableBufferPointer { out in
            let target = GridOutput(pointer: out.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: used) { w in
                let range = (sets * w / used)..<(sets * (w + 1) / used)
                guard !range.isEmpty else { return }
                let part = pass(x: x, theta: thetas.rows(range), sets: range.count, thetaRow: { set, _ in set }, tangents: false, chunk: 4096)
                for (k, row) in part.logDensity.enumerated() {
                    let base = target.pointer + (range.lowerBound + k) * n
                    for i in 0..<n { base[i] = row[i] }
                }
            }
        }
        return result
    }

    /// The result buffer shared by the grid workers; each writes its own rows.
    private struct GridOutput: @unchecked Sendable { let pointer: UnsafeMutablePointer<Double> }

    /// The chunked forward pass behind the evaluations: each chunk of x is standardised once, then for
    /// each of `sets` θ assignments (event i of set j at row `thetaRow(j, i)` of `theta`) the flow runs.
    /// Returns log p̂ per set and event, and with tangents (one set) the score in raw θ units.
    private func pass(x: Matrix<Double>, theta: Matrix<Double>, sets: Int, thetaRow: (Int, Int) -> Int,
                      tangents: Bool, chunk: Int) -> (logDensity: [[Double]], score: Matrix<Double>) {
        let a = architecture, n = x.rows, d = a.nObservables, p = a.nParameters
        var logP = [[Double]](repeating: [Double](repeating: 0, count: n), count: sets)
        var score = Matrix<Double>(rows: tangents ? n : 0, columns: p)
        guard n > 0, sets > 0 else { return (logP, score) }
        let ws = MAFWorkspace(architecture: a, capacity: min(n, chunk), tangents: tangents)
        var xs = [Float](repeating: 0, count: ws.capacity * d), ts = [Float](repeating: 0, count: ws.capacity * p)
        var start = 0
        while start < n {
            let count = min(ws.capacity, n - start)
            for i in 0..<count {
                for j in 0..<d { xs[i * d + j] = Float((x[start + i, j] - scaling.observableMean[j]) / scaling.observableStd[j]) }
            }
            for set in 0..<sets {
                for i in 0..<count {
                    let r = thetaRow(set, start + i)
                    for k in 0..<p { ts[i * p + k] = Float((theta[r, k] - scaling.parameterMean[k]) / scaling.parameterStd[k]) }
                }
                xs.withUnsafeBufferPointer { xp in ts.withUnsafeBufferPointer { tp in forward(x: xp, theta: tp, count: count, workspace: ws) } }
                for i in 0..<count { logP[set][start + i] = ws.logDensity[i] - logScaleSum }
                if tangents {
                    for i in 0..<count { for k in 0..<p { score[start + i, k] = ws.score[i * p + k] / scaling.parameterStd[k] } }
                }
            }
            start += count
        }
        return (logP, score)
    }
}
