import SBICore

/// A dense feed-forward network f(x, θ) in Float32 with forward-mode θ-tangents.
///
/// ```
/// u₀ = [(x − μ_x)/σ_x, (θ − μ_θ)/σ_θ]
/// z_l = W_l u_{l−1} + b_l,  u_l = σ(z_l)  (hidden),   f = z_L  (linear output)
/// u̇_{l,k} = σ'(z_l) ⊙ W_l u̇_{l−1,k},  u̇_{0,k} = e_{nObservables+k}   (tangent ∂/∂θ̃_k)
/// ∂f/∂θ_k = ż_{L,k} / σ_θ,k
/// ```
/// The θ-tangents give the estimated score t̂(x|θ) = ∇_θ log r̂(x|θ) without autodiff,
/// and `backward` propagates through values and tangents so a loss containing
/// |∇_θ f − t|² gets exact weight gradients (arXiv:1805.12244, RASCAL/CASCAL/ALICES).
///
/// Shapes: batches are row-major, x `[B, nObservables]`, θ `[B, nParameters]`,
/// output `[B, outputSize]`, θ-gradient `[B, outputSize·nParameters]` (element
/// `(i, o·nParameters + k)` = ∂f_o/∂θ_k of sample i). Parameters: one flat buffer,
/// per layer `W` `[out, in]` row-major then `b` `[out]` (see `TrainingObjective`).
/// Hot loops run on an `MLPWorkspace` and write into caller buffers; nothing is
/// allocated per batch.
public struct MLP: Sendable {
    /// Layer sizes and activation.
    public let architecture: MLPArchitecture
    /// All weights and biases, `architecture.parameterCount` of them.
    public var parameters: [Float] {
        didSet { precondition(parameters.count == architecture.parameterCount,
                              "MLP: \(parameters.count) parameters set, architecture needs \(architecture.parameterCount)") }
    }
    /// Input standardisation applied inside the forward pass.
    public var scaling: InputScaling {
        didSet { (inputMean, inputInverseStd) = scaling.floatTables }
    }
    /// `[μ_x…, μ_θ…]` in Float.
    private(set) var inputMean: [Float]
    /// `[1/σ_x…, 1/σ_θ…]` in Float.
    private(set) var inputInverseStd: [Float]
    /// `architecture.layerWidths` and each layer's weight offset, computed once so the
    /// per-batch passes allocate nothing.
    let widths: [Int]
    let weightOffsets: [Int]

    /// A network with freshly initialised weights (see `initializeWeights`).
    /// - Precondition: `architecture.validate()` passes and the scaling has matching lengths.
    public init(architecture: MLPArchitecture, scaling: InputScaling? = nil, random: SeededRandom) {
        precondition((try? architecture.validate()) != nil, "MLP: invalid architecture \(architecture)")
        let scaling = scaling ?? .identity(nObservables: architecture.nObservables, nParameters: architecture.nParameters)
        precondition((try? scaling.validate(for: architecture)) != nil,
                     "MLP: scaling lengths \(scaling.observableMean.count)+\(scaling.parameterMean.count) do not fit \(architecture.nObservables)+\(architecture.nParameters) inputs")
        self.architecture = architecture
        self.scaling = scaling
        (inputMean, inputInverseStd) = scaling.floatTables
        widths = architecture.layerWidths
        weightOffsets = (0..<architecture.layerCount).map { architecture.weightOffset(layer: $0) }
        parameters = MLP.initialParameters(architecture, random: random)
    }

    /// A network from stored parameters (a model file).
    /// - Throws: `SBIError.data` when the architecture, the scaling or the parameter count is inconsistent.
    public init(architecture: MLPArchitecture, scaling: InputScaling, parameters: [Float]) throws {
        try architecture.validate()
        try scaling.validate(for: architecture)
        guard parameters.count == architecture.parameterCount else {
            throw SBIError.data("expected \(architecture.parameterCount) parameters for layers \(architecture.layerWidths), got \(parameters.count)",
                                field: "weights")
        }
        self.architecture = architecture
        self.scaling = scaling
        (inputMean, inputInverseStd) = scaling.floatTables
        widths = architecture.layerWidths
        weightOffsets = (0..<architecture.layerCount).map { architecture.weightOffset(layer: $0) }
        self.parameters = parameters
    }

    /// Number of trainable parameters.
    public var parameterCount: Int { architecture.parameterCount }

    /// Initial weights and biases, drawn layer by layer, each `W` row-major then its `b`.
    ///
    /// ```
    /// W_l, b_l ~ U(±1/√in_l)        (in_l: the layer's fan-in)
    /// ```
    /// PyTorch's `nn.Linear` default (Kaiming uniform with a = √5, which reduces to the bound
    /// above, and the same bound for the bias), hence MadMiner's networks. Random biases place
    /// the tanh units' transitions across the standardised inputs instead of all through the
    /// origin; measured on MadMiner's toy (`ParameterizedRatioEstimatorTests`), ALICES' error
    /// of log r̂ outside the training prior fell by a fifth against Glorot weights with zero
    /// biases. Same seed, same weights.
    public static func initialParameters(_ architecture: MLPArchitecture, random: SeededRandom) -> [Float] {
        let widths = architecture.layerWidths
        var p = [Float](repeating: 0, count: architecture.parameterCount)
        var offset = 0
        for l in 0..<(widths.count - 1) {
            let fanIn = widths[l], fanOut = widths[l + 1]
            let limit = 1 / Double(fanIn).squareRoot()
            for i in 0..<(fanOut * (fanIn + 1)) { p[offset + i] = Float(random.uniform(-limit, limit)) }
            offset += fanOut * (fanIn + 1)
        }
        return p
    }
}

// MARK: - Forward

extension MLP {
    /// Forward pass of `count` samples into `workspace`; the output is `workspace.output`.
    ///
    /// With `thetaTangents`, also carries ∂/∂θ̃_k of every layer (read the result with
    /// `thetaGradient(workspace:into:)`); `preparingBackward` stores σ'(z) (and σ''(z) with
    /// tangents) for `backward`. Pure evaluation passes `false` for both and skips that work.
    ///
    /// Shapes: `x` `[count, nObservables]`, `theta` `[count, nParameters]` (nil only if
    /// nParameters = 0), row-major.
    /// - Precondition: `count ≤ workspace.batchCapacity`, buffer sizes match, tangents only
    ///   with a workspace that supports them.
    /// - Complexity: one SGEMM per layer over `(1 + T)·count` stacked rows.
    public func forward(x: UnsafeBufferPointer<Float>, theta: UnsafeBufferPointer<Float>?, count: Int,
                        thetaTangents: Bool = false, preparingBackward: Bool = false, workspace ws: MLPWorkspace) {
        let arch = architecture
        let nObs = arch.nObservables, nPar = arch.nParameters, nIn = arch.inputSize
        precondition(ws.architecture == arch, "MLP.forward: workspace is for layers \(ws.architecture.layerWidths), network has \(arch.layerWidths)")
        precondition(count >= 0 && count <= ws.batchCapacity, "MLP.forward: batch of \(count) exceeds workspace capacity \(ws.batchCapacity)")
        precondition(x.count >= count * nObs, "MLP.forward: x has \(x.count) elements, need [\(count), \(nObs)]")
        if nPar > 0 {
            precondition((theta?.count ?? 0) >= count * nPar, "MLP.forward: theta has \(theta?.count ?? 0) elements, need [\(count), \(nPar)]")
        }
        let tangents = thetaTangents && nPar > 0
        precondition(!tangents || ws.supportsThetaTangents, "MLP.forward: θ-tangents asked of a workspace built without them")
        let nT = tangents ? nPar : 0
        ws.count = count
        ws.tangentCount = nT
        ws.preparedForBackward = preparingBackward
        if count == 0 { return }
        let rows = count * (1 + nT)

        // Stacked input: scaled [x, θ] in the value rows, unit vectors e_{nObs+k} in tangent block k.
        let u = ws.input
        inputMean.withUnsafeBufferPointer { mean in
            inputInverseStd.withUnsafeBufferPointer { inv in
                let xp = x.baseAddress!
                for i in 0..<count {
                    let row = u + i * nIn, xr = xp + i * nObs
                    for j in 0..<nObs { row[j] = (xr[j] - mean[j]) * inv[j] }
                }
                if nPar > 0, let tp = theta?.baseAddress {
                    for i in 0..<count {
                        let row = u + i * nIn + nObs, tr = tp + i * nPar
                        for k in 0..<nPar { row[k] = (tr[k] - mean[nObs + k]) * inv[nObs + k] }
                    }
                }
            }
        }
        if nT > 0 && (ws.inputTangentCount != count || ws.inputTangentBlocks != nT) {
            // The unit rows depend only on (count, T): written once, kept while the layout repeats.
            ws.inputTangentCount = count
            ws.inputTangentBlocks = nT
            let tangentRows = u + count * nIn
            tangentRows.update(repeating: 0, count: nT * count * nIn)
            for k in 0..<nT {
                for i in 0..<count { tangentRows[(k * count + i) * nIn + nObs + k] = 1 }
            }
        }

        let lastLayer = widths.count - 2
        parameters.withUnsafeBufferPointer { pp in
            let params = pp.baseAddress!
            var previous = UnsafePointer(u)
            var weightOffset = 0
            for l in 0...lastLayer {
                let fanIn = widths[l], fanOut = widths[l + 1]
                let w = params + weightOffset, b = w + fanOut * fanIn
                let z = ws.preActivation[l]
                // z[rows, out] = u[rows, in] · Wᵀ (one output: an SGEMV, which OpenBLAS runs faster than an n = 1 SGEMM)
                if fanOut == 1 {
                    Float.gemv(transpose: false, m: rows, n: fanIn, alpha: 1, a: previous, lda: fanIn,
                               x: w, incx: 1, beta: 0, y: z, incy: 1)
                } else {
                    Float.gemm(transposeA: false, transposeB: true, m: rows, n: fanOut, k: fanIn,
                               alpha: 1, a: previous, lda: fanIn, b: w, ldb: fanIn, beta: 0, c: z, ldc: fanOut)
                }
                if l == lastLayer {
                    for i in 0..<count {
                        let zr = z + i * fanOut
                        for j in 0..<fanOut { zr[j] += b[j] }
                    }
                } else {
                    MLP.activate(arch.activation, z: z, h: ws.activation[l], d1: ws.firstDerivative[l],
                                 d2: ws.secondDerivative[l], bias: b, count: count, width: fanOut,
                                 tangentBlocks: nT, storeDerivatives: preparingBackward)
                    previous = UnsafePointer(ws.activation[l])
                }
                weightOffset += fanOut * (fanIn + 1)
            }
        }
    }

    /// ∂f/∂θ (raw θ, not standardised) from the last forward pass with tangents, into
    /// `result` `[count, outputSize·nParameters]`: element `(i, o·nParameters + k)` = ∂f_o/∂θ_k.
    /// - Precondition: the last forward pass had `thetaTangents: true`.
    public func thetaGradient(workspace ws: MLPWorkspace, into result: UnsafeMutableBufferPointer<Float>) {
        let nPar = architecture.nParameters, nOut = architecture.outputSize, count = ws.count
        precondition(ws.tangentCount == nPar && nPar > 0, "MLP.thetaGradient: the last forward pass carried \(ws.tangentCount) tangents, need \(nPar)")
        precondition(result.count >= count * nOut * nPar, "MLP.thetaGradient: result has \(result.count) elements, need [\(count), \(nOut * nPar)]")
        let z = ws.preActivation[ws.preActivation.count - 1]
        let r = result.baseAddress!
        let obs = architecture.nObservables
        inputInverseStd.withUnsafeBufferPointer { inv in
            for k in 0..<nPar {
                let block = z + (k + 1) * count * nOut
                let s = inv[obs + k]
                for i in 0..<count {
                    for o in 0..<nOut { r[(i * nOut + o) * nPar + k] = block[i * nOut + o] * s }
                }
            }
        }
    }

    /// Adds the bias to the value rows, applies σ, stores σ' (and σ'' with tangents), and maps
    /// tangent rows through σ'(z). The switch on the activation happens once per layer.
    @inline(__always)
    static func activate(_ activation: Activation, z: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>,
                         d1: UnsafeMutablePointer<Float>, d2: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
                         count: Int, width: Int, tangentBlocks: Int, storeDerivatives: Bool) {
        switch activation {
        case .tanh: activate(TanhKernel.self, z, h, d1, d2, bias, count, width, tangentBlocks, storeDerivatives)
        case .relu: activate(ReluKernel.self, z, h, d1, d2, bias, count, width, tangentBlocks, storeDerivatives)
        case .sigmoid: activate(SigmoidKernel.self, z, h, d1, d2, bias, count, width, tangentBlocks, storeDerivatives)
        case .elu: activate(EluKernel.self, z, h, d1, d2, bias, count, width, tangentBlocks, storeDerivatives)
        case .softplus: activate(SoftplusKernel.self, z, h, d1, d2, bias, count, width, tangentBlocks, storeDerivatives)
        case .leakyRelu: activate(LeakyReluKernel.self, z, h, d1, d2, bias, count, width, tangentBlocks, storeDerivatives)
        }
    }

    @inline(__always)
    static func activate<K: ActivationKernel>(_: K.Type, _ z: UnsafeMutablePointer<Float>, _ h: UnsafeMutablePointer<Float>,
                                              _ d1: UnsafeMutablePointer<Float>, _ d2: UnsafeMutablePointer<Float>,
                                              _ bias: UnsafePointer<Float>, _ count: Int, _ width: Int,
                                              _ tangentBlocks: Int, _ storeDerivatives: Bool) {
        if tangentBlocks > 0 {
            // Value rows: σ, σ', σ''; tangent rows: u̇ = σ'(z) ⊙ ż (ż stays in z for backward).
            for i in 0..<count {
                let zr = z + i * width, hr = h + i * width, d1r = d1 + i * width, d2r = d2 + i * width
                for j in 0..<width {
                    let e = K.evaluate(zr[j] + bias[j])
                    hr[j] = e.value
                    d1r[j] = e.first
                    d2r[j] = e.second
                }
            }
            let block = count * width
            for k in 1...tangentBlocks {
                let zt = z + k * block, ht = h + k * block
                for j in 0..<block { ht[j] = d1[j] * zt[j] }
            }
        } else if storeDerivatives {
            for i in 0..<count {
                let zr = z + i * width, hr = h + i * width, d1r = d1 + i * width
                for j in 0..<width {
                    let e = K.evaluate(zr[j] + bias[j])
                    hr[j] = e.value
                    d1r[j] = e.first
                }
            }
        } else {
            for i in 0..<count {
                let zr = z + i * width, hr = h + i * width
                for j in 0..<width { hr[j] = K.evaluate(zr[j] + bias[j]).value }
            }
        }
    }
}
