import Foundation
import SBICore

/// Buffers for the forward pass of a `MaskedAutoregressiveFlow` with θ-tangents and its reverse
/// pass (SCANDAL), for `capacity` rows and K = P tangent directions (one per θ̃ component).
///
/// Every per-layer buffer stacks (1 + K) row blocks: the values, then ∂/∂θ̃_k of them (the layout
/// `MLP.activate` works on). Per block b: `input[b]` [z | θ̃] and its tangents [ż_k | e_k];
/// `pre[b][l]` pre-activations (tangent rows: ȧ_k); `h[b][l]` σ(a) (tangent rows: ḣ_k = σ'(a)ȧ_k);
/// `d1`, `d2` σ', σ'' of the value rows; `output[b]` (μ | α) and (μ̇_k | α̇_k); `u[b]`, `uDot[b]`
/// (K blocks), `e[b]` = exp(−α). `logDensity` and `score` (∂ log p̂/∂θ̃, `[count, K]`) per row.
final class MAFScoreWorkspace {
    let architecture: MAFArchitecture
    let capacity: Int
    var input: [[Float]]
    var pre: [[[Float]]]
    var h: [[[Float]]]
    var d1: [[[Float]]]
    var d2: [[[Float]]]
    var output: [[Float]]
    var u: [[Float]]
    var uDot: [[Float]]
    var e: [[Float]]
    var logDensity: [Double]
    var score: [Double]
    // Reverse-pass temporaries (stacked like the forward buffers).
    var gradU: [Float]
    var gradUDot: [Float]
    var gradOutput: [Float]
    var gradHidden: [Float]
    var gradHiddenNext: [Float]
    var gradInput: [Float]
    var scoreAdjoint: [Float]

    init(architecture a: MAFArchitecture, capacity: Int) {
        architecture = a
        self.capacity = capacity
        let k = a.nParameters, rows = (1 + k) * capacity, d = a.nObservables
        input = (0..<a.blocks).map { _ in [Float](repeating: 0, count: rows * a.inputSize) }
        pre = (0..<a.blocks).map { _ in a.hiddenSizes.map { [Float](repeating: 0, count: rows * $0) } }
        h = pre
        d1 = (0..<a.blocks).map { _ in a.hiddenSizes.map { [Float](repeating: 0, count: capacity * $0) } }
        d2 = d1
        output = (0..<a.blocks).map { _ in [Float](repeating: 0, count: rows * a.outputSize) }
        u = (0..<a.blocks).map { _ in [Float](repeating: 0, count: capacity * d) }
        e = u
        uDot = (0..<a.blocks).map { _ in [Float](repeating: 0, count: k * capacity * d) }
        logDensity = [Double](repeating: 0, count: capacity)
        score = [Double](repeating: 0, count: capacity * k)
        gradU = [Float](repeating: 0, count: capacity * d)
        gradUDot = [Float](repeating: 0, count: k * capacity * d)
        gradOutput = [Float](repeating: 0, count: rows * a.outputSize)
        let widest = a.layerWidths.max() ?? 1
        gradHidden = [Float](repeating: 0, count: rows * widest)
        gradHiddenNext = gradHidden
        gradInput = [Float](repeating: 0, count: rows * a.inputSize)
        scoreAdjoint = [Float](repeating: 0, count: capacity * k)
    }
}

extension MaskedAutoregressiveFlow {
    /// Forward pass with θ-tangents of `count` standardised rows into `ws`: log p̂ of the standardised
    /// x and its gradient with respect to θ̃ per row (`ws.score`, `[count, P]`).
    ///
    /// ```
    /// ż⁰ = 0;  per block: (μ̇, α̇) from the MADE's tangent rows (input tangents [ż | e_k]),
    /// u̇ = (ż − μ̇)·e^{−α} − u·α̇,   ż^{b+1} = reverse(u̇^b)
    /// ∂ log p̂/∂θ̃_k = −Σ_d u_d u̇_{d,k} (last block) − Σ_b Σ_d α̇^b_{d,k}
    /// ```
    /// - Precondition: `count ≤ ws.capacity`.
    func forwardWithScore(x: UnsafeBufferPointer<Float>, theta: UnsafeBufferPointer<Float>, count: Int, workspace ws: MAFScoreWorkspace) {
        let a = architecture
        let d = a.nObservables, p = a.nParameters, nIn = a.inputSize, nOut = a.outputSize
        let widths = a.layerWidths
        let rows = (1 + p) * count
        precondition(count <= ws.capacity, "MaskedAutoregressiveFlow.forwardWithScore: \(count) rows, capacity \(ws.capacity)")
        for i in 0..<count { ws.logDensity[i] = 0 }
        for i in 0..<(count * p) { ws.score[i] = 0 }
        parameters.withUnsafeBufferPointer { params in
            var offset = 0
            for b in 0..<a.blocks {
                ws.input[b].withUnsafeMutableBufferPointer { inp in
                    for i in 0..<count {
                        for j in 0..<d { inp[i * nIn + j] = b == 0 ? x[i * d + j] : ws.u[b - 1][i * d + (d - 1 - j)] }
                        for k in 0..<p { inp[i * nIn + d + k] = theta[i * p + k] }
                    }
                    for k in 0..<p {
                        for i in 0..<count {
                            let r = (1 + k) * count + i
                            for j in 0..<d { inp[r * nIn + j] = b == 0 ? 0 : ws.uDot[b - 1][(k * count + i) * d + (d - 1 - j)] }
                            for q in 0..<p { inp[r * nIn + d + q] = q == k ? 1 : 0 }
                        }
                    }
                }
                for l in 0..<(widths.count - 1) {
                    let fanIn = widths[l], fanOut = widths[l + 1]
                    let weights = params.baseAddress! + offset, bias = weights + fanIn * fanOut
                    let source: UnsafePointer<Float> = l == 0
                        ? ws.input[b].withUnsafeBufferPointer { $0.baseAddress! }
                        : ws.h[b][l - 1].withUnsafeBufferPointer { $0.baseAddress! }
                    if l < widths.count - 2 {
                        ws.pre[b][l].withUnsafeMutableBufferPointer { zb in
                            Float.gemm(transposeA: false, transposeB: true, m: rows, n: fanOut, k: fanIn, alpha: 1, a: source, lda: fanIn,
                                       b: weights, ldb: fanIn, beta: 0, c: zb.baseAddress!, ldc: fanOut)
                            ws.h[b][l].withUnsafeMutableBufferPointer { hb in
                                ws.d1[b][l].withUnsafeMutableBufferPointer { db in
                                    ws.d2[b][l].withUnsafeMutableBufferPointer { d2b in
                                        MLP.activate(a.activation, z: zb.baseAddress!, h: hb.baseAddress!, d1: db.baseAddress!, d2: d2b.baseAddress!,
                                                     bias: bias, count: count, width: fanOut, tangentBlocks: p, storeDerivatives: true)
                                    }
                                }
                            }
                        }
                    } else {
                        ws.output[b].withUnsafeMutableBufferPointer { ob in
                            Float.gemm(transposeA: false, transposeB: true, m: rows, n: fanOut, k: fanIn, alpha: 1, a: source, lda: fanIn,
                                       b: weights, ldb: fanIn, beta: 0, c: ob.baseAddress!, ldc: fanOut)
                            for i in 0..<count { for o in 0..<fanOut { ob[i * fanOut + o] += bias[o] } }
                        }
                    }
                    offset += fanOut * (fanIn + 1)
                }
                for i in 0..<count {
                    var alphaSum = 0.0
                    for j in 0..<d {
                        let mu = ws.output[b][i * nOut + j], alpha = ws.output[b][i * nOut + d + j]
                        let ej = Float(exp(-Double(alpha)))
                        let uj = (ws.input[b][i * nIn + j] - mu) * ej
                        ws.e[b][i * d + j] = ej
                        ws.u[b][i * d + j] = uj
                        alphaSum += Double(alpha)
                        for k in 0..<p {
                            let r = (1 + k) * count + i
                            let muDot = ws.output[b][r * nOut + j], alphaDot = ws.output[b][r * nOut + d + j]
                            ws.uDot[b][(k * count + i) * d + j] = (ws.input[b][r * nIn + j] - muDot) * ej - uj * alphaDot
                            ws.score[i * p + k] -= Double(alphaDot)
                        }
                    }
                    ws.logDensity[i] -= alphaSum
                }
            }
        }
        let last = a.blocks - 1
        let halfLog2Pi = 0.5 * log(2 * Double.pi)
        for i in 0..<count {
            for j in 0..<d {
                let v = Double(ws.u[last][i * d + j])
                ws.logDensity[i] += -0.5 * v * v - halfLog2Pi
                for k in 0..<p { ws.score[i * p + k] -= v * Double(ws.uDot[last][(k * count + i) * d + j]) }
            }
        }
    }

    /// Gradient of L = (1/B) Σ_i [−log p̂_i + Σ_k c_{i,k} ∂log p̂_i/∂θ̃_k]-type losses after `forwardWithScore`:
    /// `logDensityAdjoint` is ∂L/∂log p̂_i (the same for every row), `ws.scoreAdjoint` holds ∂L/∂(∂log p̂_i/∂θ̃_k)
    /// `[count, P]`. Writes (not accumulates) every weight's gradient into `gradient`; masked weights get 0.
    ///
    /// The reverse pass runs through values and tangents together: per hidden layer
    /// ḡ_a = ḡ_h ⊙ σ'(a) + Σ_k ḡ_ḣk ⊙ σ''(a) ⊙ ȧ_k,  ḡ_ȧk = ḡ_ḣk ⊙ σ'(a); per linear layer
    /// ḡ_W = Σ over value and tangent rows of ḡᵀ·input, ḡ_b over the value rows only.
    func backwardWithScore(count: Int, logDensityAdjoint: Float, workspace ws: MAFScoreWorkspace,
                           gradient: UnsafeMutableBufferPointer<Float>) {
        let a = architecture
        let d = a.nObservables, p = a.nParameters, nIn = a.inputSize, nOut = a.outputSize
        let widths = a.layerWidths
        let rows = (1 + p) * count
        let last = a.blocks - 1
        // log p̂ = Σ(−u²/2) − Σα  →  ∂/∂u = −u;   ∂log p̂/∂θ̃_k = −Σ u u̇_k − Σ α̇_k.
        for i in 0..<count {
            for j in 0..<d {
                let uj = ws.u[last][i * d + j]
                var g = -logDensityAdjoint * uj
                for k in 0..<p {
                    let c = ws.scoreAdjoint[i * p + k]
                    g -= c * ws.uDot[last][(k * count + i) * d + j]
                    ws.gradUDot[(k * count + i) * d + j] = -c * uj
                }
                ws.gradU[i * d + j] = g
            }
        }
        parameters.withUnsafeBufferPointer { params in
            for b in stride(from: last, through: 0, by: -1) {
                let blockOffset = b * a.parametersPerBlock
                for i in 0..<count {
                    for j in 0..<d {
                        let ej = ws.e[b][i * d + j], uj = ws.u[b][i * d + j]
                        let z = ws.input[b][i * nIn + j], mu = ws.output[b][i * nOut + j]
                        var bigU = ws.gradU[i * d + j]
                        var gE: Float = 0
                        for k in 0..<p {
                            let r = (1 + k) * count + i
                            let gud = ws.gradUDot[(k * count + i) * d + j]
                            let alphaDot = ws.output[b][r * nOut + d + j], muDot = ws.output[b][r * nOut + j], zDot = ws.input[b][r * nIn + j]
                            bigU -= gud * alphaDot
                            gE += gud * (zDot - muDot)
                            ws.gradOutput[r * nOut + j] = -gud * ej                                   // μ̇
                            ws.gradOutput[r * nOut + d + j] = -gud * uj - ws.scoreAdjoint[i * p + k]  // α̇ (and −Σα̇ in the score)
                        }
                        gE += bigU * (z - mu)
                        ws.gradOutput[i * nOut + j] = -bigU * ej                                      // μ
                        ws.gradOutput[i * nOut + d + j] = -ej * gE - logDensityAdjoint               // α (and −Σα in log p̂)
                        ws.gradU[i * d + j] = bigU                                                     // kept: ∂/∂z = bigU·e
                    }
                }
                var layerOffsets: [Int] = []
                var o = blockOffset
                for l in 0..<(widths.count - 1) { layerOffsets.append(o); o += widths[l + 1] * (widths[l] + 1) }
                for l in stride(from: widths.count - 2, through: 0, by: -1) {
                    let fanIn = widths[l], fanOut = widths[l + 1]
                    let weights = params.baseAddress! + layerOffsets[l]
                    let gW = gradient.baseAddress! + layerOffsets[l], gB = gW + fanIn * fanOut
                    let upstream: UnsafePointer<Float> = l == widths.count - 2
                        ? ws.gradOutput.withUnsafeBufferPointer { $0.baseAddress! }
                        : ws.gradHidden.withUnsafeBufferPointer { $0.baseAddress! }
                    let source: UnsafePointer<Float> = l == 0
                        ? ws.input[b].withUnsafeBufferPointer { $0.baseAddress! }
                        : ws.h[b][l - 1].withUnsafeBufferPointer { $0.baseAddress! }
                    Float.gemm(transposeA: true, transposeB: false, m: fanOut, n: fanIn, k: rows, alpha: 1, a: upstream, lda: fanOut,
                               b: source, ldb: fanIn, beta: 0, c: gW, ldc: fanIn)
                    let mask = masks[l]
                    for q in 0..<(fanOut * fanIn) { gW[q] *= mask[q] }
                    for q in 0..<fanOut { gB[q] = 0 }
                    for i in 0..<count { for q in 0..<fanOut { gB[q] += upstream[i * fanOut + q] } }
                    if l > 0 {
                        let width = fanIn, block = count * width
                        ws.gradHiddenNext.withUnsafeMutableBufferPointer { next in
                            Float.gemm(transposeA: false, transposeB: false, m: rows, n: fanIn, k: fanOut, alpha: 1, a: upstream, lda: fanOut,
                                       b: weights, ldb: fanIn, beta: 0, c: next.baseAddress!, ldc: fanIn)
                            // next holds ḡ_h (value rows) and ḡ_ḣk (tangent rows) of hidden layer l − 1.
                            ws.d1[b][l - 1].withUnsafeBufferPointer { s1 in
                                ws.d2[b][l - 1].withUnsafeBufferPointer { s2 in
                                    ws.pre[b][l - 1].withUnsafeBufferPointer { pre in
                                        for q in 0..<block {
                                            var g = next[q] * s1[q]
                                            for k in 0..<p { g += next[(1 + k) * block + q] * s2[q] * pre[(1 + k) * block + q] }
                                            next[q] = g
                                        }
                                        for k in 0..<p { for q in 0..<block { next[(1 + k) * block + q] *= s1[q] } }
                                    }
                                }
                            }
                        }
                        swap(&ws.gradHidden, &ws.gradHiddenNext)
                    } else {
                        ws.gradInput.withUnsafeMutableBufferPointer { gi in
                            Float.gemm(transposeA: false, transposeB: false, m: rows, n: nIn, k: fanOut, alpha: 1, a: upstream, lda: fanOut,
                                       b: weights, ldb: nIn, beta: 0, c: gi.baseAddress!, ldc: nIn)
                        }
                    }
                }
                guard b > 0 else { break }
                // ∂L/∂z^b = bigU·e + MADE input adjoint; ∂L/∂ż_k = ḡ_u̇k·e + MADE tangent-input adjoint; reversed onto u^{b−1}.
                for i in 0..<count {
                    for j in 0..<d {
                        let ej = ws.e[b][i * d + j]
                        ws.gradOutput[i * nOut + j] = ws.gradU[i * d + j] * ej + ws.gradInput[i * nIn + j]
                        for k in 0..<p {
                            let r = (1 + k) * count + i
                            ws.gradOutput[r * nOut + j] = ws.gradUDot[(k * count + i) * d + j] * ej + ws.gradInput[r * nIn + j]
                        }
                    }
                    for j in 0..<d {
                        ws.gradU[i * d + (d - 1 - j)] = ws.gradOutput[i * nOut + j]
                        for k in 0..<p {
                            ws.gradUDot[(k * count + i) * d + (d - 1 - j)] = ws.gradOutput[((1 + k) * count + i) * nOut + j]
                        }
                    }
                }
            }
        }
    }
}
