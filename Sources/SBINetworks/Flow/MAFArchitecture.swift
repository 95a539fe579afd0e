import SBICore

/// The shape of a conditional masked autoregressive flow (MAF): `blocks` MADE networks, each
/// mapping [z | θ] (D + P inputs) through `hiddenSizes` to 2D outputs (μ_d, α_d), with the
/// order of the D variables reversed between blocks.
///
/// ```
/// MADE masks (degrees): input z_j → j + 1 (j = 0…D−1), θ → 0,
///                       hidden unit k → m_k = k mod D
/// hidden unit k ← unit j   iff deg(j) ≤ m_k
/// output d (μ_d, α_d) ← j  iff deg(j) ≤ d         (so μ_d, α_d depend on z_<d and θ only)
/// ```
/// Hidden units of degree 0 see θ alone, so the first variable's μ_0, α_0 depend on θ too (with
/// degrees from 1, as in the unconditional MADE, they would be constants).
/// Parameters of one block: for each layer, W `[out, in]` row-major then b `[out]`, layer after
/// layer; blocks one after the other (`parameterCount = blocks · parametersPerBlock`).
/// [1] G. Papamakarios, T. Pavlakou, I. Murray, arXiv:1705.07057 (MAF);
/// [2] M. Germain, K. Gregor, I. Murray, H. Larochelle, arXiv:1502.03509 (MADE).
public struct MAFArchitecture: Codable, Equatable, Sendable {
    /// Number of observables D (the flow's variables).
    public var nObservables: Int
    /// Number of conditioning parameters P (θ).
    public var nParameters: Int
    /// Number of MADE blocks.
    public var blocks: Int
    /// Widths of each MADE's hidden layers.
    public var hiddenSizes: [Int]
    /// Hidden-layer nonlinearity.
    public var activation: Activation

    /// A flow of `blocks` MADEs of `hiddenSizes` over D = `nObservables` variables conditioned on
    /// P = `nParameters` parameters.
    public init(nObservables: Int, nParameters: Int, blocks: Int, hiddenSizes: [Int], activation: Activation) {
        self.nObservables = nObservables
        self.nParameters = nParameters
        self.blocks = blocks
        self.hiddenSizes = hiddenSizes
        self.activation = activation
    }

    /// Inputs of one MADE, D + P.
    public var inputSize: Int { nObservables + nParameters }
    /// Outputs of one MADE, 2D (μ then α).
    public var outputSize: Int { 2 * nObservables }
    /// [D + P, hidden…, 2D].
    public var layerWidths: [Int] { [inputSize] + hiddenSizes + [outputSize] }
    /// Trainable numbers per MADE.
    public var parametersPerBlock: Int {
        let w = layerWidths
        return (0..<(w.count - 1)).reduce(0) { $0 + w[$1 + 1] * (w[$1] + 1) }
    }
    /// Trainable numbers of the whole flow.
    public var parameterCount: Int { blocks * parametersPerBlock }

    /// Largest accepted sizes: a flow needs its parameters, gradients and optimiser moments in memory.
    public static let maximumBlocks = 100
    public static let maximumParameterCount = 100_000_000

    /// - Throws: `SBIError.data` naming the field for D < 1, P < 0, blocks outside 1…100, a
    ///   hidden width < 1, or more than 10⁸ parameters.
    public func validate() throws {
        guard nObservables >= 1 else { throw SBIError.data("expected at least 1 observable, got \(nObservables)", field: "nObservables") }
        guard nParameters >= 0 else { throw SBIError.data("expected a non-negative number of parameters, got \(nParameters)", field: "nParameters") }
        guard (1...Self.maximumBlocks).contains(blocks) else {
            throw SBIError.data("expected 1…\(Self.maximumBlocks) MADE blocks, got \(blocks)", field: "blocks")
        }
        for (i, h) in hiddenSizes.enumerated() where !(1...100_000).contains(h) {
            throw SBIError.data("expected a layer width in 1…100000, got \(h)", field: "hiddenSizes[\(i)]")
        }
        guard Double(parametersPerBlock) * Double(blocks) <= Double(Self.maximumParameterCount) else {
            throw SBIError.data("\(blocks) blocks of \(parametersPerBlock) parameters exceed \(Self.maximumParameterCount)", field: "hiddenSizes")
        }
    }

    /// MADE degree of unit `j` of layer `l` (layer 0: the inputs [z | θ]; then the hidden layers).
    func degree(layer l: Int, unit j: Int) -> Int {
        let d = nObservables
        if l == 0 { return j < d ? j + 1 : 0 }
        return j % d
    }

    /// The 0/1 mask of layer `l`'s weights (`[out, in]`, row-major), the same in every block.
    func mask(layer l: Int) -> [Float] {
        let w = layerWidths
        let nIn = w[l], nOut = w[l + 1]
        let isOutput = l + 1 == w.count - 1
        var m = [Float](repeating: 0, count: nOut * nIn)
        for o in 0..<nOut {
            let limit = isOutput ? o % nObservables : degree(layer: l + 1, unit: o)
            for j in 0..<nIn where degree(layer: l, unit: j) <= limit { m[o * nIn + j] = 1 }
        }
        return m
    }
}
