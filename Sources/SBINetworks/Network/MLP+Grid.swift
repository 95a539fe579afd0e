import Dispatch
import SBICore

extension MLP {
    /// f(x_i, θ_j) of the first output for every x and every θ: `result[j, i]`, shape `[nθ, n]`.
    ///
    /// The workload of a likelihood scan (arXiv:1805.00020): every θ point over all x.
    /// The first layer is split so its x part is computed once per chunk of x, not once per θ:
    /// ```
    /// z₁(x, θ) = W₁ˣ x̃ + (W₁^θ θ̃ + b₁)      A = X̃ W₁ˣᵀ  once per chunk,  c_j = W₁^θ θ̃_j + b₁  once per θ
    /// ```
    /// then per (chunk, θ_j): σ(A + c_j) in one pass, one SGEMM per further layer, and a
    /// single output as one SGEMV. With `workers > 1` the x rows are split into that many
    /// contiguous ranges of whole chunks evaluated on concurrent threads, each with its own
    /// workspace; the caller should run OpenBLAS single-threaded (`BLASLibrary.setThreadCount(1)`),
    /// or the threads oversubscribe the cores (and a multi-threaded SGEMM may round differently).
    /// Results do not depend on `workers`.
    /// Shapes: `x` `[n, nObservables]`, `thetas` `[nθ, nParameters]`, `result` `[nθ, n]`.
    /// - Precondition: nParameters > 0, the shapes match, `workers ≥ 1`.
    public func logRatioGrid(x: Matrix<Float>, thetas: Matrix<Float>, into result: inout Matrix<Float>, workers: Int = 1) {
        let arch = architecture
        let nObs = arch.nObservables, nPar = arch.nParameters
        precondition(nPar > 0 && thetas.columns == nPar, "MLP.logRatioGrid: thetas [\(thetas.rows), \(thetas.columns)] for \(nPar) parameter inputs")
        precondition(x.columns == nObs, "MLP.logRatioGrid: x has \(x.columns) columns, need \(nObs)")
        precondition(result.rows == thetas.rows && result.columns == x.rows,
                     "MLP.logRatioGrid: result [\(result.rows), \(result.columns)], need [\(thetas.rows), \(x.rows)]")
        precondition(workers >= 1, "MLP.logRatioGrid: workers = \(workers) must be at least 1")
        guard !arch.hiddenSizes.isEmpty else {
            // A linear model has no layer to split: broadcast θ and run plain forward passes.
            var thetaColumn = Matrix<Float>(rows: x.rows, columns: nPar)
            for j in 0..<thetas.rows {
                for i in 0..<x.rows { for k in 0..<nPar { thetaColumn[i, k] = thetas[j, k] } }
                let f = evaluate(x: x, theta: thetaColumn)
                for i in 0..<x.rows { result[j, i] = f[i, 0] }
            }
            return
        }
        let n = x.rows
        x.withUnsafeBufferPointer { xp in
            thetas.withUnsafeBufferPointer { tp in
                result.withUnsafeMutableBufferPointer { rp in
                    let job = GridJob(x: xp.baseAddress!, n: n, thetas: tp.baseAddress!, nTheta: thetas.rows, result: rp.baseAddress!)
                    if workers == 1 || n < 2 * MLP.evaluationChunk {
                        gridRows(0..<n, job)
                    } else {
                        // Ranges start at multiples of the chunk, so every row lands in the chunk (and at the
                        // position) it has with one worker: the SGEMM shapes, hence the bits, do not change.
                        let chunks = (n + MLP.evaluationChunk - 1) / MLP.evaluationChunk
                        let per = (chunks + workers - 1) / workers * MLP.evaluationChunk
                        DispatchQueue.concurrentPerform(iterations: workers) { w in
                            let rows = min(n, w * per)..<min(n, (w + 1) * per)
                            if !rows.isEmpty { gridRows(rows, job) }
                        }
                    }
                }
            }
        }
    }

    /// Raw pointers of one grid evaluation, shared read-only by the workers (each writes
    /// its own columns of `result`, so there is no overlap).
    private struct GridJob: @unchecked Sendable {
        let x: UnsafePointer<Float>
        let n: Int
        let thetas: UnsafePointer<Float>
        let nTheta: Int
        let result: UnsafeMutablePointer<Float>
    }

    /// Evaluates x rows `rows` at every θ of `job` on a workspace of its own.
    private func gridRows(_ rows: Range<Int>, _ job: GridJob) {
        let arch = architecture
        let nObs = arch.nObservables, nPar = arch.nParameters, nIn = arch.inputSize, nOut = arch.outputSize
        let chunk = MLP.evaluationChunk
        let ws = MLPWorkspace(architecture: arch, batchCapacity: chunk, thetaTangents: false)
        let h1 = widths[1]
        // A [chunk, h1] (x part of layer 1) and c [h1] live in the spare gradient buffers.
        let a = ws.gradientA, c = ws.gradientB
        let scaledX = ws.input  // [chunk, nObs] packed, scaled x
        parameters.withUnsafeBufferPointer { pp in
            inputMean.withUnsafeBufferPointer { mean in
                inputInverseStd.withUnsafeBufferPointer { inv in
                    let params = pp.baseAddress!
                    let w1 = params, b1 = params + h1 * nIn
                    var start = rows.lowerBound
                    while start < rows.upperBound {
                        let count = min(chunk, rows.upperBound - start)
                        for i in 0..<count {
                            let src = job.x + (start + i) * nObs, dst = scaledX + i * nObs
                            for j in 0..<nObs { dst[j] = (src[j] - mean[j]) * inv[j] }
                        }
                        // A[count, h1] = X̃[count, nObs] · W₁[:, :nObs]ᵀ (row stride nIn)
                        Float.gemm(transposeA: false, transposeB: true, m: count, n: h1, k: nObs,
                                   alpha: 1, a: scaledX, lda: nObs, b: w1, ldb: nIn, beta: 0, c: a, ldc: h1)
                        for j in 0..<job.nTheta {
                            for o in 0..<h1 {
                                var s = b1[o]
                                for k in 0..<nPar {
                                    let theta = (job.thetas[j * nPar + k] - mean[nObs + k]) * inv[nObs + k]
                                    s += w1[o * nIn + nObs + k] * theta
                                }
                                c[o] = s
                            }
                            MLP.activate(arch.activation, z: a, h: ws.activation[0], d1: ws.firstDerivative[0],
                                         d2: ws.secondDerivative[0], bias: c, count: count, width: h1,
                                         tangentBlocks: 0, storeDerivatives: false)
                            let f = gridLayers(params: params, count: count, ws: ws)
                            let dst = job.result + j * job.n + start
                            for i in 0..<count { dst[i] = f[i * nOut] }
                        }
                        start += count
                    }
                }
            }
        }
    }

    /// Layers 2 … L on the activations of layer 1 in `ws.activation[0]`; returns the output rows
    /// (`[count, outputSize]`). A single output is one SGEMV instead of an SGEMM with n = 1.
    private func gridLayers(params: UnsafePointer<Float>, count: Int, ws: MLPWorkspace) -> UnsafePointer<Float> {
        let last = widths.count - 2
        var previous = UnsafePointer(ws.activation[0])
        var offset = widths[1] * (widths[0] + 1)
        for l in 1...last {
            let fanIn = widths[l], fanOut = widths[l + 1]
            let w = params + offset, b = w + fanOut * fanIn
            let z = ws.preActivation[l]
            if l == last {
                if fanOut == 1 {
                    z.update(repeating: b[0], count: count)
                    Float.gemv(transpose: false, m: count, n: fanIn, alpha: 1, a: previous, lda: fanIn,
                               x: w, incx: 1, beta: 1, y: z, incy: 1)
                } else {
                    Float.gemm(transposeA: false, transposeB: true, m: count, n: fanOut, k: fanIn,
                               alpha: 1, a: previous, lda: fanIn, b: w, ldb: fanIn, beta: 0, c: z, ldc: fanOut)
                    for i in 0..<count { for j in 0..<fanOut { z[i * fanOut + j] += b[j] } }
                }
                return UnsafePointer(z)
            }
            Float.gemm(transposeA: false, transposeB: true, m: count, n: fanOut, k: fanIn,
                       alpha: 1, a: previous, lda: fanIn, b: w, ldb: fanIn, beta: 0, c: z, ldc: fanOut)
            MLP.activate(architecture.activation, z: z, h: ws.activation[l], d1: ws.firstDerivative[l],
                         d2: ws.secondDerivative[l], bias: b, count: count, width: fanOut,
                         tangentBlocks: 0, storeDerivatives: false)
            previous = UnsafePointer(ws.activation[l])
            offset += fanOut * (fanIn + 1)
        }
        return previous  // unreachable: the loop returns at the output layer
    }
}
