import Foundation
import SBICore

/// Preallocated buffers for `capacity` rows of a `MaskedAutoregressiveFlow`'s forward and
/// backward passes (nothing is allocated per batch).
///
/// Per block b: `input[b]` [z^b | θ̃] `[B, D + P]`; per layer l: pre-activations `z[b][l]`,
/// activations `h[b][l]`, σ' `d1[b][l]` `[B, width]`; `output[b]` (μ | α) `[B, 2D]`; `u[b]` and
/// `expNegAlpha[b]` `[B, D]`. `logDensity` holds log p̂ of the standardised x per row.
final class MAFWorkspace {
    let architecture: MAFArchitecture
    let capacity: Int
    var input: [[Float]]
    var z: [[[Float]]]
    var h: [[[Float]]]
    var d1: [[[Float]]]
    var unused: [Float]
    var output: [[Float]]
    var u: [[Float]]
    var expNegAlpha: [[Float]]
    var logDensity: [Double]
    // Backward temporaries.
    var gradU: [Float]
    var gradOutput: [Float]
    var gradHidden: [Float]
    var gradHiddenNext: [Float]
    var gradInput: [Float]

    init(architecture a: MAFArchitecture, capacity: Int) {
        architecture = a
        self.capacity = capacity
        let w = a.layerWidths, hidden = a.hiddenSizes
        let d = a.nObservables
        input = (0..<a.blocks).map { _ in [Float](repeating: 0, count: capacity * a.inputSize) }
        z = (0..<a.blocks).map { _ in hidden.map { [Float](repeating: 0, count: capacity * $0) } }
        h = z
        d1 = z
        unused = [Float](repeating: 0, count: 1)
        output = (0..<a.blocks).map { _ in [Float](repeating: 0, count: capacity * a.outputSize) }
        u = (0..<a.blocks).map { _ in [Float](repeating: 0, count: capacity * d) }
        expNegAlpha = u
        logDensity = [Double](repeating: 0, count: capacity)
        gradU = [Float](repeating: 0, count: capacity * d)
        gradOutput = [Float](repeating: 0, count: capacity * a.outputSize)
        let widest = w.max() ?? 1
        gradHidden = [Float](repeating: 0, count: capacity * widest)
        gradHiddenNext = gradHidden
        gradInput = [Float](repeating: 0, count: capacity * a.inputSize)
    }
}

extension MaskedAutoregressiveFlow {
    /// Forward pass of `count` standardised rows `x` `[count, D]`, `theta` `[count, P]` into `ws`:
    /// every block's activations, u, exp(−α), and log p̂ of the standardised x per row.
    /// - Precondition: `count ≤ ws.capacity`.
    func forward(x: UnsafeBufferPointer<Float>, theta: UnsafeBufferPointer<Float>, count: Int, workspace ws: MAFWorkspace) {
        let a = architecture
        let d = a.nObservables, p = a.nParameters, nIn = a.inputSize
        let widths = a.layerWidths
        precondition(count <= ws.capacity, "MaskedAutoregressiveFlow.forward: \(count) rows, capacity \(ws.capacity)")
        for i in 0..<count { ws.logDensity[i] = 0 }
        parameters.withUnsafeBufferPointer { params in
            var offset = 0
            for b in 0..<a.blocks {
                // [z^b | θ̃]: z⁰ = x̃, then the previous block's u reversed.
                ws.input[b].withUnsafeMutableBufferPointer { inp in
                    for i in 0..<count {
                        for j in 0..<d { inp[i * nIn + j] = b == 0 ? x[i * d + j] : ws.u[b - 1][i * d + (d - 1 - j)] }
                        for k in 0..<p { inp[i * nIn + d + k] = theta[i * p + k] }
                    }
                }
                for l in 0..<(widths.count - 1) {
                    let fanIn = widths[l], fanOut = widths[l + 1]
                    let weights = params.baseAddress! + offset, bias = weights + fanIn * fanOut
                    let source: UnsafePointer<Float> = l == 0
                        ? ws.input[b].withUnsafeBufferPointer { $0.baseAddress! }
                        : ws.h[b][l - 1].withUnsafeBufferPointer { $0.baseAddress! }
                    if l < widths.count - 2 {
                        ws.z[b][l].withUnsafeMutableBufferPointer { zb in
                            Float.gemm(transposeA: false, transposeB: true, m: count, n: fanOut, k: fanIn, alpha: 1, a: source, lda: fanIn,
                                       b: weights, ldb: fanIn, beta: 0, c: zb.baseAddress!, ldc: fanOut)
                            ws.h[b][l].withUnsafeMutableBufferPointer { hb in
                                ws.d1[b][l].withUnsafeMutableBufferPointer { db in
                                    ws.unused.withUnsafeMutableBufferPointer { un in
                                        MLP.activate(a.activation, z: zb.baseAddress!, h: hb.baseAddress!, d1: db.baseAddress!, d2: un.baseAddress!,
                                                     bias: bias, count: count, width: fanOut, tangentBlocks: 0, storeDerivatives: true)
                                    }
                                }
                            }
                        }
                    } else {
                        ws.output[b].withUnsafeMutableBufferPointer { ob in
                            Float.gemm(transposeA: false, transposeB: true, m: count, n: fanOut, k: fanIn, alpha: 1, a: source, lda: fanIn,
                                       b: weights, ldb: fanIn, beta: 0, c: ob.baseAddress!, ldc: fanOut)
                            for i in 0..<count { for o in 0..<fanOut { ob[i * fanOut + o] += bias[o] } }
                        }
                    }
                    offset += fanOut * (fanIn + 1)
                }
                // u = (z − μ)·exp(−α);  log|det| = −Σ α.
                for i in 0..<count {
                    var alphaSum = 0.0
                    for j in 0..<d {
                        let mu = ws.output[b][i * 2 * d + j], alpha = ws.output[b][i * 2 * d + d + j]
                        let e = Float(exp(-Double(alpha)))
                        ws.expNegAlpha[b][i * d + j] = e
                        ws.u[b][i * d + j] = (ws.input[b][i * nIn + j] - mu) * e
                        alphaSum += Double(alpha)
                    }
                    ws.logDensity[i] -= alphaSum
                }
            }
        }
        let last = a.blocks - 1
        let halfLog2Pi = 0.5 * log(2 * Double.pi)
        for i in 0..<count {
            var s = 0.0
            for j in 0..<d { let v = Double(ws.u[last][i * d + j]); s += -0.5 * v * v - halfLog2Pi }
            ws.logDensity[i] += s
        }
    }

    /// Gradient of L = −(1/count)·Σ_i log p̂(x̃_i|θ̃_i) with respect to every weight, after `forward`
    /// on the same rows, written (not accumulated) into `gradient`; masked weights get 0.
    ///
    /// ```
    /// ∂L/∂u^{K−1} = u^{K−1}/B;   per block, from ∂L/∂u:
    /// ∂L/∂μ = −∂L/∂u ⊙ e^{−α},  ∂L/∂α = −∂L/∂u ⊙ u + 1/B,  ∂L/∂z^b = ∂L/∂u ⊙ e^{−α} + (MADE input gradient)
    /// ∂L/∂u^{b−1} = reverse(∂L/∂z^b)
    /// ```
    func backward(count: Int, workspace ws: MAFWorkspace, gradient: UnsafeMutableBufferPointer<Float>) {
        let a = architecture
        let d = a.nObservables, nIn = a.inputSize, nOut = a.outputSize
        let widths = a.layerWidths
        let scale = 1 / Float(count)
        let last = a.blocks - 1
        for i in 0..<(count * d) { ws.gradU[i] = ws.u[last][i] * scale }
        parameters.withUnsafeBufferPointer { params in
            for b in stride(from: last, through: 0, by: -1) {
                let blockOffset = b * a.parametersPerBlock
                // Output gradients (μ | α).
                for i in 0..<count {
                    for j in 0..<d {
                        let g = ws.gradU[i * d + j], e = ws.expNegAlpha[b][i * d + j]
                        ws.gradOutput[i * nOut + j] = -g * e
                        ws.gradOutput[i * nOut + d + j] = -g * ws.u[b][i * d + j] + scale
                    }
                }
                // Layers from the output down: weight gradients, then the gradient of the layer's input.
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
                    // gW = upstreamᵀ · source, masked; gB = column sums.
                    Float.gemm(transposeA: true, transposeB: false, m: fanOut, n: fanIn, k: count, alpha: 1, a: upstream, lda: fanOut,
                               b: source, ldb: fanIn, beta: 0, c: gW, ldc: fanIn)
                    let mask = masks[l]
                    for k in 0..<(fanOut * fanIn) { gW[k] *= mask[k] }
                    for k in 0..<fanOut { gB[k] = 0 }
                    for i in 0..<count { for k in 0..<fanOut { gB[k] += upstream[i * fanOut + k] } }
                    // Input gradient of this layer: upstream · W  ([count, fanIn]).
                    if l > 0 {
                        ws.gradHiddenNext.withUnsafeMutableBufferPointer { next in
                            Float.gemm(transposeA: false, transposeB: false, m: count, n: fanIn, k: fanOut, alpha: 1, a: upstream, lda: fanOut,
                                       b: weights, ldb: fanIn, beta: 0, c: next.baseAddress!, ldc: fanIn)
                            // Through σ of hidden layer l − 1.
                            ws.d1[b][l - 1].withUnsafeBufferPointer { db in
                                for k in 0..<(count * fanIn) { next[k] *= db[k] }
                            }
                        }
                        swap(&ws.gradHidden, &ws.gradHiddenNext)
                    } else {
                        ws.gradInput.withUnsafeMutableBufferPointer { gi in
                            Float.gemm(transposeA: false, transposeB: false, m: count, n: nIn, k: fanOut, alpha: 1, a: upstream, lda: fanOut,
                                       b: weights, ldb: nIn, beta: 0, c: gi.baseAddress!, ldc: nIn)
                        }
                    }
                }
                guard b > 0 else { break }
                // ∂L/∂z^b (direct term plus the MADE's), then reversed onto u^{b−1}.
                for i in 0..<count {
                    for j in 0..<d {
                        let gz = ws.gradU[i * d + j] * ws.expNegAlpha[b][i * d + j] + ws.gradInput[i * nIn + j]
                        ws.gradOutput[i * nOut + j] = gz   // scratch: z-gradient of row i
                    }
                    for j in 0..<d { ws.gradU[i * d + (d - 1 - j)] = ws.gradOutput[i * nOut + j] }
                }
            }
        }
    }
}
