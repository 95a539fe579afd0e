import SBICore

/// One pool of weighted events per split, morphed to every requested θ and unweighted by
/// sampling with replacement (see `Unweighting` for why).
///
/// ```
/// w_e(θ) = Σ_b W[e, b] w_b(θ)                    (morphing)
/// T_B(θ) = Σ_b (Σ_{e∈B} W[e, b]) w_b(θ)          (total of block B of 64 events, from block sums)
/// Σ_e w_e(θ)² = w(θ)ᵀ G w(θ),   G = WᵀW          (Gram matrix, once per pool)
/// ESS(θ) = (Σ_e w_e)² / Σ_e w_e²
/// u ~ U(0, Σ_B T_B), sorted; event e is picked for every u in [S_{e−1}, S_e)
/// ```
/// with S the running sum of the weights: inversion sampling of the cumulative sum. The running
/// sum advances a block at a time through the block totals (one GEMV per θ over n_pool/64
/// blocks); only the blocks that contain a draw are morphed event by event. Drawing m events at
/// each of K points therefore costs O(K·n_pool/64 + K·m·64) instead of O(K·n_pool).
/// Requests at the same θ (a fixed θ1, the benchmarks) share one table.
/// Morphed weights in the blocks visited that are negative beyond rounding (1e-12 of the largest)
/// or not finite throw `SBIError.numerical` (and the gold refuses any drawn event whose weight at
/// θ0 or θ1 is not positive); tinier negative ones count as zero.
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
    /// Σ_{e ∈ block} W[e, b], `[nBlocks, nBenchmarks]`.
    let blockSums: Matrix<Double>
    /// G = WᵀW, `[nBenchmarks, nBenchmarks]`.
    let gram: Matrix<Double>
    /// Events per block.
    static let blockSize = 64

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
        let blocks = (pool.count + Self.blockSize - 1) / Self.blockSize
        var bs = Matrix<Double>(rows: blocks, columns: nb)
        w.withUnsafeBufferPointer { wp in
            bs.withUnsafeMutableBufferPointer { sp in
                for e in 0..<pool.count { for b in 0..<nb { sp[(e / Self.blockSize) * nb + b] += wp[e * nb + b] } }
            }
        }
        observables = pool.observables
        benchmarkWeights = w
        columnSums = sums
        blockSums = bs
        gram = Matrix.product(w, transposeA: true, w)
        self.morpher = morpher
        likelihood = try MorphedJointLikelihood.exact(simulator: simulator, morpher: morpher)
    }

    /// ESS(θ) = (Σ_e w_e)² / wᵀGw of the pool at θ.
    func effectiveSampleSize(at theta: [Double]) -> Double {
        let w = morpher.weights(at: theta)
        let nb = w.count
        var total = 0.0, squares = 0.0
        for a in 0..<nb {
            total += columnSums[a] * w[a]
            for b in 0..<nb { squares += w[a] * gram[a, b] * w[b] }
        }
        return squares > 0 ? total * total / squares : 0
    }

    /// max over the distinct θ of the requests of (events requested at θ) / ESS(θ): the factor by
    /// which the pool must grow for no θ to draw more events than its effective sample size.
    func requiredGrowth(for requests: [DrawRequest]) -> Double {
        var counts: [[Double]: Int] = [:]
        for r in requests { counts[r.theta, default: 0] += r.count }
        var growth = 0.0
        for (theta, count) in counts {
            let ess = effectiveSampleSize(at: theta)
            growth = max(growth, ess > 0 ? Double(count) / ess : .infinity)
        }
        return growth
    }

    func drawAll(_ requests: [DrawRequest], progress: ProgressReporter?) throws -> [DrawnEvents] {
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
        let blocks = blockSums.rows, size = Self.blockSize
        var blockTotals = [Double](repeating: 0, count: blocks)
        var weight = [Double](repeating: 0, count: nb)
        var ess = [Double](repeating: 0, count: k)
        for j in 0..<k {
            for b in 0..<nb { weight[b] = wb[b * k + j] }
            // Σ_e w_e² = wᵀ G w
            var squares = 0.0
            for a in 0..<nb { for b in 0..<nb { squares += weight[a] * gram[a, b] * weight[b] } }
            ess[j] = squares > 0 ? totals[j] * totals[j] / squares : 0
            Matrix.gemv(blockSums, weight, into: &blockTotals)
            var run = 0.0, p = columnStart[j], largest = 0.0
            var lastPicked = -1, mostNegative = 0.0, mostNegativeEvent = -1
            let end = columnStart[j + 1]
            try benchmarkWeights.withUnsafeBufferPointer { wp in
                try targets.withUnsafeBufferPointer { tp in
                    try picks.withUnsafeMutableBufferPointer { pp in
                        for block in 0..<blocks where p < end {
                            let blockEnd = run + blockTotals[block]
                            if tp[p].value >= blockEnd { run = blockEnd; continue }
                            // A draw falls in this block: morph its events one by one.
                            let first = block * size, last = min(first + size, n)
                            for e in first..<last {
                                var w = 0.0
                                for b in 0..<nb { w += wp[e * nb + b] * weight[b] }
                                guard w.isFinite else {
                                    throw SBIError.numerical("morphed event weight \(w) at θ = \(thetas.row(j)) is not finite", field: "event \(e)")
                                }
                                if w < 0 {
                                    if w < mostNegative { mostNegative = w; mostNegativeEvent = e }
                                    w = 0
                                }
                                largest = max(largest, w)
                                run += w
                                while p < end && tp[p].value < run { pp[tp[p].slot] = e; lastPicked = e; p += 1 }
                            }
                        }
                    }
                }
            }
            if mostNegativeEvent >= 0, -mostNegative > 1e-12 * largest {
                throw SBIError.numerical("morphed event weight \(mostNegative) at θ = \(thetas.row(j)) is negative; cannot unweight",
                                         field: "event \(mostNegativeEvent)")
            }
            if p < end {
                // Draws beyond the running sum (it differs from the column-sum total by rounding) take the
                // last event with a positive weight.
                var e = n - 1, fallback = lastPicked
                while e >= 0 {
                    var w = 0.0
                    for b in 0..<nb { w += benchmarkWeights[e, b] * weight[b] }
                    if w > 0 { fallback = e; break }
                    e -= 1
                }
                guard fallback >= 0 else {
                    throw SBIError.numerical("all morphed event weights at θ = \(thetas.row(j)) are zero; cannot unweight", field: "weights")
                }
                while p < end { picks[targets[p].slot] = fallback; p += 1 }
            }
            progress?.advance(by: end - columnStart[j])
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
