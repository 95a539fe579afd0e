import SBICore

extension MLP {
    /// Backpropagation through values and θ-tangents of the last forward pass.
    ///
    /// Given ∂L/∂f and ∂L/∂(∂f/∂θ), writes ∂L/∂(W, b) and optionally ∂L/∂(x, θ):
    /// ```
    /// G_L = [∂L/∂f ; (∂L/∂(∂f/∂θ_k))/σ_θ,k]               (stacked value + tangent rows)
    /// ∂L/∂W_l = G_lᵀ U_{l−1}    ∂L/∂b_l = Σ_value rows G_l    Ĝ_{l−1} = G_l W_l
    /// g_z  = ĝ_u ⊙ σ'(z) + Σ_k ĝ_{u̇,k} ⊙ σ''(z) ⊙ ż_k         (value rows)
    /// g_ż,k = ĝ_{u̇,k} ⊙ σ'(z)                                 (tangent rows)
    /// ```
    /// The first line of g_z is ordinary backprop; the σ'' term is how a score loss reaches
    /// the weights through the tangent path (arXiv:1805.12244). Two SGEMMs per layer cover
    /// values and tangents at once.
    ///
    /// Shapes: `outputGradient` `[count, outputSize]`; `scoreGradient` `[count, outputSize·nParameters]`
    /// (same layout as `thetaGradient`), nil when the loss has no score term; `parameterGradient`
    /// `parameterCount` elements, overwritten (nil: skip weight gradients); `inputGradient`
    /// `[count, nObservables + nParameters]` in raw (unscaled) inputs, overwritten.
    /// - Precondition: the last forward pass used `preparingBackward: true`, and carried
    ///   θ-tangents if `scoreGradient` is given.
    public func backward(outputGradient: UnsafeBufferPointer<Float>, scoreGradient: UnsafeBufferPointer<Float>?,
                         workspace ws: MLPWorkspace, parameterGradient: UnsafeMutableBufferPointer<Float>?,
                         inputGradient: UnsafeMutableBufferPointer<Float>? = nil) {
        let arch = architecture
        let count = ws.count, nT = ws.tangentCount, nOut = arch.outputSize, nPar = arch.nParameters
        precondition(ws.preparedForBackward, "MLP.backward: the last forward pass did not use preparingBackward: true")
        precondition(outputGradient.count >= count * nOut, "MLP.backward: output gradient has \(outputGradient.count) elements, need [\(count), \(nOut)]")
        if let scoreGradient {
            precondition(nT == nPar && nPar > 0, "MLP.backward: a score gradient needs a forward pass with θ-tangents")
            precondition(scoreGradient.count >= count * nOut * nPar, "MLP.backward: score gradient has \(scoreGradient.count) elements, need [\(count), \(nOut * nPar)]")
        }
        if let parameterGradient {
            precondition(parameterGradient.count >= arch.parameterCount, "MLP.backward: gradient has \(parameterGradient.count) elements, need \(arch.parameterCount)")
        }
        if let inputGradient {
            precondition(inputGradient.count >= count * arch.inputSize, "MLP.backward: input gradient has \(inputGradient.count) elements, need [\(count), \(arch.inputSize)]")
        }
        if count == 0 {
            if let parameterGradient { parameterGradient.update(repeating: 0) }
            return
        }
        let rows = count * (1 + nT)

        // Seed: value rows ∂L/∂f; tangent block k: ∂L/∂ż_k = ∂L/∂(∂f/∂θ_k) / σ_θ,k (ż in standardised θ).
        var g = ws.gradientA, spare = ws.gradientB
        g.update(from: outputGradient.baseAddress!, count: count * nOut)
        if nT > 0 {
            let obs = arch.nObservables
            inputInverseStd.withUnsafeBufferPointer { inv in
                for k in 0..<nT {
                    let block = g + (k + 1) * count * nOut
                    if let sp = scoreGradient?.baseAddress {
                        let s = inv[obs + k]
                        for i in 0..<count {
                            for o in 0..<nOut { block[i * nOut + o] = sp[(i * nOut + o) * nPar + k] * s }
                        }
                    } else {
                        block.update(repeating: 0, count: count * nOut)
                    }
                }
            }
        }

        parameters.withUnsafeBufferPointer { pp in
            let params = pp.baseAddress!
            for l in stride(from: widths.count - 2, through: 0, by: -1) {
                let fanIn = widths[l], fanOut = widths[l + 1]
                let wOffset = weightOffsets[l]
                let w = params + wOffset
                let previous = l == 0 ? UnsafePointer(ws.input) : UnsafePointer(ws.activation[l - 1])
                if let grad = parameterGradient?.baseAddress {
                    // ∂L/∂W [out, in] = Gᵀ[out, rows] · U[rows, in]  (one output: Uᵀg, an SGEMV)
                    if fanOut == 1 {
                        Float.gemv(transpose: true, m: rows, n: fanIn, alpha: 1, a: previous, lda: fanIn,
                                   x: g, incx: 1, beta: 0, y: grad + wOffset, incy: 1)
                    } else {
                        Float.gemm(transposeA: true, transposeB: false, m: fanOut, n: fanIn, k: rows,
                                   alpha: 1, a: g, lda: fanOut, b: previous, ldb: fanIn,
                                   beta: 0, c: grad + wOffset, ldc: fanIn)
                    }
                    let gb = grad + wOffset + fanOut * fanIn
                    gb.update(repeating: 0, count: fanOut)
                    for i in 0..<count {
                        let gr = g + i * fanOut
                        for j in 0..<fanOut { gb[j] += gr[j] }
                    }
                }
                if l == 0 && inputGradient == nil { break }
                // Ĝ[rows, in] = G[rows, out] · W[out, in]  (one output: the outer product g wᵀ, a plain loop)
                if fanOut == 1 {
                    for r in 0..<rows {
                        let gr = g[r], row = spare + r * fanIn
                        for j in 0..<fanIn { row[j] = gr * w[j] }
                    }
                } else {
                    Float.gemm(transposeA: false, transposeB: false, m: rows, n: fanIn, k: fanOut,
                               alpha: 1, a: g, lda: fanOut, b: w, ldb: fanIn, beta: 0, c: spare, ldc: fanIn)
                }
                swap(&g, &spare)
                if l > 0 {
                    MLP.activationBackward(g: g, z: ws.preActivation[l - 1], d1: ws.firstDerivative[l - 1],
                                           d2: ws.secondDerivative[l - 1], count: count, width: fanIn, tangentBlocks: nT)
                }
            }
        }
        if let ig = inputGradient?.baseAddress {
            // g holds ∂L/∂u₀ (value rows); u₀ = (input − μ)/σ, so ∂L/∂input = (∂L/∂u₀)/σ.
            let nIn = arch.inputSize
            inputInverseStd.withUnsafeBufferPointer { inv in
                for i in 0..<count {
                    for j in 0..<nIn { ig[i * nIn + j] = g[i * nIn + j] * inv[j] }
                }
            }
        }
    }

    /// In place on stacked rows: from ∂L/∂(u, u̇_k) of a hidden layer to ∂L/∂(z, ż_k).
    @inline(__always)
    static func activationBackward(g: UnsafeMutablePointer<Float>, z: UnsafeMutablePointer<Float>,
                                   d1: UnsafeMutablePointer<Float>, d2: UnsafeMutablePointer<Float>,
                                   count: Int, width: Int, tangentBlocks: Int) {
        let block = count * width
        for j in 0..<block { g[j] *= d1[j] }
        if tangentBlocks == 0 { return }
        for k in 1...tangentBlocks {
            let gt = g + k * block, zt = z + k * block
            for j in 0..<block {
                g[j] += gt[j] * d2[j] * zt[j]
                gt[j] *= d1[j]
            }
        }
    }
}
