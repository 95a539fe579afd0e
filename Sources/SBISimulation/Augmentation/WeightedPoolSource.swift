import SBICore

/// One pool of weighted events per split, morphed to every requested θ and unweighted by
/// sampling with replacement (see `Unweighting` for why), all θ in one streaming pass.
///
/// ```
/// w_e(θ_j) = Σ_b W[e, b] w_b(θ_j)            (DGEMM on blocks of events × all distinct θ_j)
/// total_j  = Σ_b (Σ_e W[e, b]) w_b(θ_j)       (known before the pass, from column sums)
/// u ~ U(0, total_j), sorted; event e is picked for every u in [S_{e−1}, S_e)
/// ESS_j    = (Σ_e w_e(θ_j))² / Σ_e w_e(θ_j)²
/// ```
/// with S the running sum of the weights: inversion sampling of the cumulative sum, for every θ
/// during one read of the pool instead of one read per θ (the pool is tens of MB, so reading it
/// is the cost). Requests at the same θ (a fixed θ1, the benchmarks) share one column.
/// Morphed weights that are negative beyond rounding (1e-12 of the largest) or not finite throw
/// `SBIError.numerical`; tinier negative ones count as zero.
///
/// Shapes: pool observables `[nPool, nObservables]`, benchmark weights `[nPool, nBenchmarks]`.
///
/// [1] J. Brehmer, K. Cranmer, G. Louppe, J. Pavez, arXiv:1805.00020, §III (morphing); design.md §3.
struct WeightedPoolSource: EventSource {
    let observables: Matrix<Double>
    let benchmarkWeights: Matrix<Double>
    let morpher: Morpher
    let likelihood: any JointLikelihood
    var isWeighted: Bool { true }
    /// Σ_e W[e, b], one per benchmark.
    let columnSums: [Double]

    init(simulator: any WeightedSimulator, morpher: Morpher, proposal: [Double], poolSize: Int, random: SeededRandom) throws {
        let pool = try simulator.simulateWeighted(proposalAt: proposal, count: poolSize, random: random)
        let nb = morpher.benchmarkCount
        var w = Matrix<Double>(rows: pool.count, columns: nb)
        for b in 0..<nb {
            let wb = try simulator.weights(latent: pool.latent, at: morpher.basis.row(b))
            guard wb.count == pool.count else {
                throw SBIError(.internal, "simulator \(simulator.name) returned \(wb.count) weights for \(pool.count) events")
            }
            w.withUnsafeMutableBufferPointer { p in for e in 0..<pool.count { p[e * nb + b] = wb[e] } }
        }
        var sums = [Double](repeating: 0, count: nb)
        Matrix.gemv(w, transpose: true, [Double](repeating: 1, count: pool.count), into: &sums)
        observables = pool.observables
        benchmarkWeights = w
        columnSums = sums
        self.morpher = morpher
        likelihood = try MorphedJointLikelihood.exact(simulator: simulator, morpher: morpher)
    }

    func drawAll(_ requests: [DrawRequest]) throws -> [DrawnEvents] {
        let nb = morpher.benchmarkCount, n = benchmarkWeights.rows
        // Distinct θ → columns.
        var columnIndex: [[Double]: Int] = [:]
        var thetaStorage: [Double] = []
        var columnOf = [Int](repeating: 0, count: requests.count)
        for (r, request) in requests.enumerated() {
            if let j = columnIndex[request.theta] { columnOf[r] = j; continue }
            columnIndex[request.theta] = columnIndex.count
            columnOf[r] = columnIndex.count - 1
            thetaStorage += request.theta
        }
        let k = columnIndex.count
        let thetas = Matrix<Double>(rows: k, columns: morpher.parameterCount, storage: thetaStorage)
        // Morphing weights, [nBenchmarks, K] row-major, and the totals.
        var wb = [Double](repeating: 0, count: nb * k)
        var totals = [Double](repeating: 0, count: k)
        for j in 0..<k {
            let theta = thetas.row(j)
            let w = morpher.weights(at: theta)
            for b in 0..<nb { wb[b * k + j] = w[b]; totals[j] += columnSums[b] * w[b] }
            guard totals[j] > 0, totals[j].isFinite else {
                throw SBIError.numerical("the morphed pool weights at θ = \(theta) sum to \(totals[j]); cannot unweight", field: "weights")
            }
        }
        // Uniform draws, in request order from each request's stream, then sorted per column.
        var offsets = [Int](repeating: 0, count: requests.count + 1)
        for (r, request) in requests.enumerated() { offsets[r + 1] = offsets[r] + request.count }
        // One flat list of (value, slot), grouped by column: column j owns targets[columnStart[j] ..< columnStart[j + 1]].
        var columnStart = [Int](repeating: 0, count: k + 1)
        for (r, request) in requests.enumerated() { columnStart[columnOf[r] + 1] += request.count }
        for j in 0..<k { columnStart[j + 1] += columnStart[j] }
        var fill = columnStart
        var targets = [Target](repeating: Target(value: 0, slot: 0), count: columnStart[k])
        for (r, request) in requests.enumerated() {
            let j = columnOf[r]
            for i in 0..<request.count {
                targets[fill[j]] = Target(value: request.random.uniform() * totals[j], slot: offsets[r] + i)
                fill[j] += 1
            }
        }
        for j in 0..<k { targets[columnStart[j] ..< columnStart[j + 1]].sort { $0.value < $1.value } }

        var picks = [Int](repeating: -1, count: offsets[requests.count])
        var running = [Double](repeating: 0, count: k), squares = running, largest = running
        var next = Array(columnStart[0..<k]), lastPositive = [Int](repeating: -1, count: k)
        var mostNegativeEvent = [Int](repeating: -1, count: k), mostNegativeWeight = [Double](repeating: 0, count: k)
        let block = max(16, min(1024, (1 << 18) / max(k, 1)))
        var c = [Double](repeating: 0, count: k * block)
        try benchmarkWeights.withUnsafeBufferPointer { wp in
            try wb.withUnsafeBufferPointer { bp in
                try c.withUnsafeMutableBufferPointer { cp in
                    var start = 0
                    while start < n {
                        let size = min(block, n - start)
                        // C[j, e] = Σ_b wb[b, j] · W[start + e, b]   ([K, size], row-major)
                        Double.gemm(transposeA: true, transposeB: true, m: k, n: size, k: nb, alpha: 1,
                                    a: bp.baseAddress!, lda: k, b: wp.baseAddress! + start * nb, ldb: nb,
                                    beta: 0, c: cp.baseAddress!, ldc: size)
                        for j in 0..<k {
                            var run = running[j], sq = squares[j], big = largest[j], p = next[j], last = lastPositive[j]
                            let row = j * size
                            let end = columnStart[j + 1]
                            try targets.withUnsafeBufferPointer { tp in
                                for e in 0..<size {
                                    var w = cp[row + e]
                                    if !(w >= 0) {
                                        if w < mostNegativeWeight[j] { mostNegativeEvent[j] = start + e; mostNegativeWeight[j] = w }
                                        guard w.isFinite else {
                                            throw SBIError.numerical("morphed event weight \(w) at θ = \(thetas.row(j)) is not finite", field: "event \(start + e)")
                                        }
                                        w = 0
                                    }
                                    if w > 0 { last = start + e; big = max(big, w) }
                                    run += w
                                    sq += w * w
                                    while p < end && tp[p].value < run { picks[tp[p].slot] = start + e; p += 1 }
                                }
                            }
                            running[j] = run; squares[j] = sq; largest[j] = big; next[j] = p; lastPositive[j] = last
                        }
                        start += size
                    }
                }
            }
        }
        var ess = [Double](repeating: 0, count: k)
        for j in 0..<k {
            if mostNegativeEvent[j] >= 0, -mostNegativeWeight[j] > 1e-12 * largest[j] {
                throw SBIError.numerical("morphed event weight \(mostNegativeWeight[j]) at θ = \(thetas.row(j)) is negative; cannot unweight",
                                         field: "event \(mostNegativeEvent[j])")
            }
            guard lastPositive[j] >= 0 else {
                throw SBIError.numerical("all morphed event weights at θ = \(thetas.row(j)) are zero; cannot unweight", field: "weights")
            }
            // Draws beyond the streamed sum (it differs from the column-sum total by rounding) take the last event.
            for p in next[j] ..< columnStart[j + 1] { picks[targets[p].slot] = lastPositive[j] }
            ess[j] = running[j] * running[j] / squares[j]
        }
        return requests.indices.map { r in
            let slice = Array(picks[offsets[r] ..< offsets[r + 1]])
            return DrawnEvents(x: Self.gather(observables, slice), events: Self.gather(benchmarkWeights, slice), ess: ess[columnOf[r]])
        }
    }

    /// One uniform draw scaled to a column's total, and where its pick goes.
    struct Target {
        var value: Double
        var slot: Int
    }

    /// Rows `rows` of `m`, in that order.
    static func gather(_ m: Matrix<Double>, _ rows: [Int]) -> Matrix<Double> {
        var out = Matrix<Double>(rows: rows.count, columns: m.columns)
        let w = m.columns
        m.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { o in
                for (i, r) in rows.enumerated() { for j in 0..<w { o[i * w + j] = s[r * w + j] } }
            }
        }
        return out
    }
}
