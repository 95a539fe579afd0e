import SBICore

/// The shape of a dense network f(x, θ): inputs, hidden layers, activation, outputs.
///
/// ```
/// u₀ = [(x − μ_x)/σ_x, (θ − μ_θ)/σ_θ]                  (length nObservables + nParameters)
/// u_l = σ(W_l u_{l−1} + b_l),  l = 1 … L−1             (hidden, widths hiddenSizes)
/// f  = W_L u_{L−1} + b_L                                (linear output, outputSize)
/// ```
/// Parameters in one flat buffer, layer after layer: `W_l` `[out, in]` row-major, then
/// `b_l` `[out]` (the layout of `TrainingObjective`).
/// A plain network (SALLY's g(x), arXiv:1805.12244) has `nParameters = 0`.
public struct MLPArchitecture: Codable, Equatable, Sendable {
    /// Number of observables x (input columns).
    public var nObservables: Int
    /// Number of parameter inputs θ (0 for a network of x alone).
    public var nParameters: Int
    /// Widths of the hidden layers, input side first.
    public var hiddenSizes: [Int]
    /// Nonlinearity of every hidden layer (the output layer is linear).
    public var activation: Activation
    /// Number of outputs (1 for log r̂; nParameters of the score for SALLY).
    public var outputSize: Int

    /// An architecture; call `validate()` on anything that came from a user or a file.
    public init(nObservables: Int, nParameters: Int, hiddenSizes: [Int], activation: Activation, outputSize: Int = 1) {
        self.nObservables = nObservables
        self.nParameters = nParameters
        self.hiddenSizes = hiddenSizes
        self.activation = activation
        self.outputSize = outputSize
    }

    /// Width of the network input, `nObservables + nParameters`.
    public var inputSize: Int { nObservables + nParameters }

    /// Widths of every layer including input and output: `[inputSize] + hiddenSizes + [outputSize]`.
    public var layerWidths: [Int] { [inputSize] + hiddenSizes + [outputSize] }

    /// Number of linear layers (hidden layers + the output layer).
    public var layerCount: Int { hiddenSizes.count + 1 }

    /// Number of trainable parameters: `Σ_l out_l·(in_l + 1)`.
    public var parameterCount: Int {
        let w = layerWidths
        var n = 0
        for l in 0..<(w.count - 1) { n += w[l + 1] * (w[l] + 1) }
        return n
    }

    /// Bytes that training this network holds at its peak, in Float32: the parameters five times
    /// (weights, gradient, and AMSGrad's three moment buffers) and, per row of a batch, every
    /// layer's activations and their θ-tangents forward and backward (two copies each):
    /// ```
    /// 4·5·P + 4·2·batch·(1 + nParameters)·Σ_l width_l
    /// ```
    /// In Double, so that absurd shapes give a large number rather than an overflow.
    public func trainingBytes(batchSize: Int) -> Double {
        let w = layerWidths.map(Double.init)
        var parameters = 0.0
        for l in 0..<(w.count - 1) { parameters += w[l + 1] * (w[l] + 1) }
        return 4 * 5 * parameters + 4 * 2 * Double(batchSize) * Double(1 + nParameters) * w.reduce(0, +)
    }

    /// Offset of layer `l`'s weight matrix `[out, in]` in the flat parameter buffer; its bias follows it.
    public func weightOffset(layer l: Int) -> Int {
        precondition(l >= 0 && l < layerCount, "layer \(l) is not in 0..<\(layerCount)")
        let w = layerWidths
        var n = 0
        for i in 0..<l { n += w[i + 1] * (w[i] + 1) }
        return n
    }

    /// Offset of layer `l`'s bias `[out]` in the flat parameter buffer.
    public func biasOffset(layer l: Int) -> Int {
        weightOffset(layer: l) + layerWidths[l + 1] * layerWidths[l]
    }

    /// Checks that every size is usable.
    /// - Throws: `SBIError.data` naming the field (`nObservables`, `hiddenSizes[i]`, ...) and what was expected.
    public func validate() throws {
        let largest = Self.maximumWidth
        guard (1...largest).contains(nObservables) else {
            throw SBIError.data("expected 1 to \(largest) observables, got \(nObservables)", field: "nObservables")
        }
        guard (0...largest).contains(nParameters) else {
            throw SBIError.data("expected 0 to \(largest) parameters, got \(nParameters)", field: "nParameters")
        }
        guard hiddenSizes.count <= Self.maximumHiddenLayers else {
            throw SBIError.data("\(hiddenSizes.count) hidden layers; at most \(Self.maximumHiddenLayers) are supported", field: "hiddenSizes")
        }
        for (i, h) in hiddenSizes.enumerated() where !(1...largest).contains(h) {
            throw SBIError.data("expected a layer width in 1...\(largest), got \(h)", field: "hiddenSizes[\(i)]")
        }
        guard (1...largest).contains(outputSize) else {
            throw SBIError.data("expected 1 to \(largest) outputs, got \(outputSize)", field: "outputSize")
        }
    }

    /// The widest layer (inputs, hidden units or outputs) accepted; with at most `maximumHiddenLayers` layers the
    /// parameter count (≤ 10¹⁵) cannot overflow, so a damaged model.json is an error, not a trap.
    public static let maximumWidth = 1_000_000
    /// The most hidden layers accepted.
    public static let maximumHiddenLayers = 1000
}
