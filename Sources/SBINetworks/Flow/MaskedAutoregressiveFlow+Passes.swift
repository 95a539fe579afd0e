import Foundation
import SBICore

extension MaskedAutoregressiveFlow {
    /// Forward pass of `count` standardised rows `x` `[count, D]`, `theta` `[count, P]` into `ws`: every
    /// block's activations, u and exp(−α), log p̂ of the standardised x per row, and with θ-tangents
    /// (`ws.tangents` = P) the score ∂ log p̂/∂θ̃ per row (`ws.score`, `[count, P]`).
    ///
    /// ```
    /// ż⁰ = 0;  per block: (μ̇, α̇) from the MADE's tangent rows (input tangents [ż | e_k]),
    /// u̇ = (ż − μ̇)·e^{−α} − u·α̇,   ż^{b+1} = reverse(u̇^b)
    /// ∂ log p̂/∂θ̃_k = −Σ_d u_d u̇_{d,k} (last block) − Σ_b Σ_d α̇^b_{d,k}
    /// ```
    /// One SGEMM per layer over the (1 + K)·count stacked rows.
    /// - Precondition: `count ≤ ws.capacity`.
    func forward(x: UnsafeBufferPointer<Float>, theta: UnsafeBufferPointer<Float>, count: Int, workspace ws: MAFWorkspace) {
        let a = architecture
        let d = a.nObservables, p = a.nParameters, nIn = a.inputSize, nOut = a.outputSize, k = ws.tangents
        let widths = a.layerWidths
        let rows = (1 + k) * count
        precondition(count <= ws.capacity, "MaskedAutoregressiveFlow.forward: \(count) rows, capacity \(ws.capacity)")
        let logDensity = ws.logDensity, score = ws.score
        for i in 0..<count { logDensity[i] = 0 }
        for i in 0..<(count * k) { score[i] = 0 }
        parameters.withUnsafeBufferPointer { params in
            var offset = 0
            for b in 0..<a.blocks {
                let inp = ws.input[b]
                let previousU = b > 0 ? ws.u[b - 1] : nil, previousUDot = b > 0 ? ws.uDot[b - 1] : nil
                for i in 0..<count {
                    let row = inp + i * nIn
                    for j in 0..<d { row[j] = previousU.map { $0[i * d + (d - 1 - j)] } ?? x[i * d + j] }
                    for q in 0..<p { row[d + q] = theta[i * p + q] }
                }
                for t in 0..<k {
                    for i in 0..<count {
                        let row = inp + ((1 + t) * count + i) * nIn
                        for j in 0..<d { row[j] = previousUDot.map { $0[(t * count + i) * d + (d - 1 - j)] } ?? 0 }
                        for q in 0..<p { row[d + q] = q == t ? 1 : 0 }
                    }
                }
                for l in 0..<(widths.count - 1) {
                    let fanIn = widths[l], fanOut = widths[l + 1]
                    let weights = params.baseAddress! + offset, bias = weights + fanIn * fanOut
                    let source = UnsafePointer(l == 0 ? inp : ws.hidden[b][l - 1])
                    if l < widths.count - 2 {
                        Float.gemm(transposeA: false, transposeB: true, m: rows, n: fanOut, k: fanIn, alpha: 1, a: source, lda: fanIn,
                                   b: weights, ldb: fanIn, beta: 0, c: ws.pre[b][l], ldc: fanOut)
                        MLP.activate(a.activation, z: ws.pre[b][l], h: ws.hidden[b][l], d1: ws.first[b][l], d2: ws.second[b][l],
                                     bias: bias, count: count, width: fanOut, tangentBlocks: k, storeDerivatives: true)
                    } else {
                        let out = ws.output[b]
                        Float.gemm(transposeA: false, transposeB: true, m: rows, n: fanOut, k: fanIn, alpha: 1, a: source, lda: fanIn,
                                   b: weights, ldb: fanIn, beta: 0, c: out, ldc: fanOut)
                        for i in 0..<count { for o in 0..<fanOut { out[i * fanOut + o] += bias[o] } }
                    }
                    offset += fanOut * (fanIn + 1)
                }
                let out = ws.output[b], u = ws.u[b], e = ws.expNegAlpha[b], uDot = ws.uDot[b]
                for i in 0..<count {
                    var alphaSum = 0.0
                    for j in 0..<d {
                        let mu = out[i * nOut + j], alpha = out[i * nOut + d + j]
                        let ej = expf(-alpha)
                        let uj = (inp[i * nIn + j] - mu) * ej
                        e[i * d + j] = ej
                        u[i * d + j] = uj
                        alphaSum += Double(alpha)
                        for t in 0..<k {
                            let r = (1 + t) * count + i
                            let muDot = out[r * nOut + j], alphaDot = out[r * nOut + d + j]
                            uDot[(t * count + i) * d + j] = (inp[r * nIn + j] - muDot) * ej - uj * alphaDot
                            score[i * k + t] -= Double(alphaDot)
                        }
                    }
                    logDensity[i] -= alphaSum
                }
            }
        }
        let u = ws.u[a.blocks - 1], uDot = ws.uDot[a.blocks - 1]
        let halfLog2Pi = 0.5 * log(2 * Double.pi)
        for i in 0..<count {
            var s = 0.0
            for j in 0..<d {
                let v = Double(u[i * d + j])
                s += -0.5 * v * v - halfLog2Pi
                for t in 0..<k { score[i * k + t] -= v * Double(uDot[(t * count + i) * d + j]) }
            }
            logDensity[i] += s
        }
    }

    /// Gradient, after `forward` on the same rows, of a loss whose derivatives are ∂L/∂log p̂_i =
    /// `logDensityAdjoint` (the same for every row) and, with θ-tangents, ∂L/∂(∂log p̂_i/∂θ̃_k) =
    /// `ws.scoreAdjoint` `[count, P]`; written (not accumulated) into `gradient`, masked weights 0.
    ///
    /// ```
    /// per block, from ḡ_u, ḡ_u̇ (u = (z − μ)e, u̇ = (ż − μ̇)e − uα̇, e = e^{−α}):
    /// U = ḡ_u − Σ_k ḡ_u̇k α̇_k,  ḡ_e = U(z − μ) + Σ_k ḡ_u̇k (ż_k − μ̇_k)
    /// ḡ_μ = −Ue,  ḡ_α = −e ḡ_e − ∂L/∂log p̂,  ḡ_μ̇k = −ḡ_u̇k e,  ḡ_α̇k = −ḡ_u̇k u − ∂L/∂ṡ_k
    /// hidden layers: ḡ_a = ḡ_h σ'(a) + Σ_k ḡ_ḣk σ''(a) ȧ_k,  ḡ_ȧk = ḡ_ḣk σ'(a)
    /// linear layers: ḡ_W = Σ over value and tangent rows of ḡᵀ·input (masked), ḡ_b over value rows
    /// ḡ_z = U e + MADE input adjoint,  ḡ_żk = ḡ_u̇k e + MADE tangent-input adjoint;  reversed onto u^{b−1}
    /// ```
    func backward(count: Int, logDensityAdjoint: Float, workspace ws: MAFWorkspace, gradient: UnsafeMutableBufferPointer<Float>) {
        let a = architecture
        let d = a.nObservables, nIn = a.inputSize, nOut = a.outputSize, k = ws.tangents
        let widths = a.layerWidths
        let rows = (1 + k) * count
        let last = a.blocks - 1
        let gU = ws.gradU, gUDot = ws.gradUDot, gOut = ws.gradOutput, gIn = ws.gradInput, adjoint = ws.scoreAdjoint
        // log p̂ = Σ(−u²/2) − Σα → ∂/∂u = −u;  ∂log p̂/∂θ̃_k = −Σ u u̇_k − Σ α̇_k.
        do {
            let u = ws.u[last], uDot = ws.uDot[last]
            for i in 0..<count {
                for j in 0..<d {
                    let uj = u[i * d + j]
                    var g = -logDensityAdjoint * uj
                    for t in 0..<k {
                        let c = adjoint[i * k + t]
                        g -= c * uDot[(t * count + i) * d + j]
                        gUDot[(t * count + i) * d + j] = -c * uj
                    }
                    gU[i * d + j] = g
                }
            }
        }
        parameters.withUnsafeBufferPointer { params in
            for b in stride(from: last, through: 0, by: -1) {
                let inp = ws.input[b], out = ws.output[b], e = ws.expNegAlpha[b], u = ws.u[b]
                for i in 0..<count {
                    for j in 0..<d {
                        let ej = e[i * d + j], uj = u[i * d + j]
                        var bigU = gU[i * d + j]
                        var gE: Float = 0
                        for t in 0..<k {
                            let r = (1 + t) * count + i
                            let gud = gUDot[(t * count + i) * d + j]
                            bigU -= gud * out[r * nOut + d + j]
                            gE += gud * (inp[r * nIn + j] - out[r * nOut + j])
                            gOut[r * nOut + j] = -gud * ej
                            gOut[r * nOut + d + j] = -gud * uj - adjoint[i * k + t]
                        }
                        gE += bigU * (inp[i * nIn + j] - out[i * nOut + j])
                        gOut[i * nOut + j] = -bigU * ej
                        gOut[i * nOut + d + j] = -ej * gE - logDensityAdjoint
                        gU[i * d + j] = bigU
                    }
                }
                var layerOffsets: [Int] = []
                var o = b * a.parametersPerBlock
                for l in 0..<(widths.count - 1) { layerOffsets.append(o); o += widths[l + 1] * (widths[l] + 1) }
                for l in stride(from: widths.count - 2, through: 0, by: -1) {
                    let fanIn = widths[l], fanOut = widths[l + 1]
                    let weights = params.baseAddress! + layerOffsets[l]
                    let gW = gradient.baseAddress! + layerOffsets[l], gB = gW + fanIn * fanOut
                    let upstream = UnsafePointer(l == widths.count - 2 ? gOut : ws.gradHidden)
                    let source = UnsafePointer(l == 0 ? inp : ws.hidden[b][l - 1])
                    Float.gemm(transposeA: true, transposeB: false, m: fanOut, n: fanIn, k: rows, alpha: 1, a: upstream, lda: fanOut,
                               b: source, ldb: fanIn, beta: 0, c: gW, ldc: fanIn)
                    masks[l].withUnsafeBufferPointer { mask in for q in 0..<(fanOut * fanIn) { gW[q] *= mask[q] } }
                    for q in 0..<fanOut { gB[q] = 0 }
                    for i in 0..<count { for q in 0..<fanOut { gB[q] += upstream[i * fanOut + q] } }
                    if l > 0 {
                        let next = ws.gradHiddenNext, block = count * fanIn
                        Float.gemm(transposeA: false, transposeB: false, m: rows, n: fanIn, k: fanOut, alpha: 1, a: upstream, lda: fanOut,
                                   b: weights, ldb: fanIn, beta: 0, c: next, ldc: fanIn)
                        // next holds ḡ_h (value rows) and ḡ_ḣk (tangent rows) of hidden layer l − 1.
                        let s1 = ws.first[b][l - 1], s2 = ws.second[b][l - 1], pre = ws.pre[b][l - 1]
                        for q in 0..<block { next[q] *= s1[q] }
                        for t in 0..<k {
                            let gt = next + (1 + t) * block, at = pre + (1 + t) * block
                            for q in 0..<block { next[q] += gt[q] * s2[q] * at[q] }
                            for q in 0..<block { gt[q] *= s1[q] }
                        }
                        swap(&ws.gradHidden, &ws.gradHiddenNext)
                    } else {
                        Float.gemm(transposeA: false, transposeB: false, m: rows, n: nIn, k: fanOut, alpha: 1, a: upstream, lda: fanOut,
                                   b: weights, ldb: nIn, beta: 0, c: gIn, ldc: nIn)
                    }
                }
                guard b > 0 else { break }
                // ∂L/∂z^b = U·e + the MADE's input adjoint; ∂L/∂ż_k = ḡ_u̇k·e + its tangent-input adjoint;
                // reversed onto u^{b−1} (gOut is free scratch now).
                for i in 0..<count {
                    for j in 0..<d {
                        let ej = e[i * d + j]
                        gOut[i * nOut + j] = gU[i * d + j] * ej + gIn[i * nIn + j]
                        for t in 0..<k {
                            let r = (1 + t) * count + i
                            gOut[r * nOut + j] = gUDot[(t * count + i) * d + j] * ej + gIn[r * nIn + j]
                        }
                    }
                    for j in 0..<d {
                        gU[i * d + (d - 1 - j)] = gOut[i * nOut + j]
                        for t in 0..<k { gUDot[(t * count + i) * d + (d - 1 - j)] = gOut[((1 + t) * count + i) * nOut + j] }
                    }
                }
            }
        }
    }
}
