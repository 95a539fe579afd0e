/// Preallocated buffers for one `MLP` at batches of up to `batchCapacity` samples.
///
/// Rows are stacked for θ-tangents: with B samples and T = nParameters tangent
/// directions, every layer buffer holds `(1 + T)·B` rows, the B value rows first,
/// then block k (k = 0 … T−1) of B rows with ∂/∂θ̃_k of the same quantity. One GEMM per
/// layer then moves values and tangents together (`W·[h, ḣ_0, …, ḣ_{T−1}]`).
///
/// Buffers per linear layer l: pre-activations `z_l` `[(1+T)B, width]`; per hidden
/// layer: activations `h_l` `[(1+T)B, width]`, σ'(z_l) and σ''(z_l) `[B, width]`;
/// two gradient buffers `[(1+T)B, max width]` used in turn by backpropagation.
/// One allocation at `init`, none per batch. Not thread-safe: one workspace per thread.
public final class MLPWorkspace {
    /// The architecture the buffers are sized for.
    public let architecture: MLPArchitecture
    /// Largest batch the workspace accepts.
    public let batchCapacity: Int
    /// Whether the buffers have room for θ-tangents (T = nParameters blocks).
    public let supportsThetaTangents: Bool

    /// Samples in the last forward pass.
    public internal(set) var count = 0
    /// Tangent blocks in the last forward pass (0 or nParameters).
    public internal(set) var tangentCount = 0
    /// Whether the last forward pass stored what backpropagation needs.
    var preparedForBackward = false
    /// Batch size and tangent blocks for which the unit tangent rows of `input` are in place.
    var inputTangentCount = -1
    var inputTangentBlocks = -1

    let storage: UnsafeMutablePointer<Float>
    let storageCount: Int
    /// Stacked network input u₀ `[(1+T)B, inputSize]`: scaled [x, θ], then unit tangent rows.
    let input: UnsafeMutablePointer<Float>
    /// Pre-activations of every linear layer; the last one is the network output.
    let preActivation: [UnsafeMutablePointer<Float>]
    /// Activations of every hidden layer.
    let activation: [UnsafeMutablePointer<Float>]
    /// σ'(z) of every hidden layer (value rows only).
    let firstDerivative: [UnsafeMutablePointer<Float>]
    /// σ''(z) of every hidden layer (value rows only).
    let secondDerivative: [UnsafeMutablePointer<Float>]
    /// Gradient buffers for backpropagation.
    let gradientA: UnsafeMutablePointer<Float>
    let gradientB: UnsafeMutablePointer<Float>

    /// Buffers for batches of up to `batchCapacity` samples, with room for θ-tangents if asked.
    /// - Precondition: `batchCapacity ≥ 1`.
    public init(architecture: MLPArchitecture, batchCapacity: Int, thetaTangents: Bool) {
        precondition(batchCapacity >= 1, "MLPWorkspace: batch capacity \(batchCapacity) must be at least 1")
        self.architecture = architecture
        self.batchCapacity = batchCapacity
        self.supportsThetaTangents = thetaTangents && architecture.nParameters > 0
        let widths = architecture.layerWidths
        let rows = batchCapacity * (1 + (supportsThetaTangents ? architecture.nParameters : 0))
        let maxWidth = widths.max() ?? 1
        var total = rows * widths[0] + 2 * rows * maxWidth
        for l in 1..<widths.count {
            total += rows * widths[l]
            if l < widths.count - 1 { total += rows * widths[l] + 2 * batchCapacity * widths[l] }
        }
        storageCount = total
        storage = UnsafeMutablePointer<Float>.allocate(capacity: total)
        storage.initialize(repeating: 0, count: total)
        var cursor = storage
        func take(_ n: Int) -> UnsafeMutablePointer<Float> {
            defer { cursor += n }
            return cursor
        }
        input = take(rows * widths[0])
        gradientA = take(rows * maxWidth)
        gradientB = take(rows * maxWidth)
        var z: [UnsafeMutablePointer<Float>] = [], h: [UnsafeMutablePointer<Float>] = []
        var d1: [UnsafeMutablePointer<Float>] = [], d2: [UnsafeMutablePointer<Float>] = []
        for l in 1..<widths.count {
            z.append(take(rows * widths[l]))
            if l < widths.count - 1 {
                h.append(take(rows * widths[l]))
                d1.append(take(batchCapacity * widths[l]))
                d2.append(take(batchCapacity * widths[l]))
            }
        }
        preActivation = z
        activation = h
        firstDerivative = d1
        secondDerivative = d2
    }

    deinit { storage.deallocate() }

    /// The network output of the last forward pass, `[count, outputSize]` row-major
    /// (valid until the next forward pass).
    public var output: UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: preActivation[preActivation.count - 1], count: count * architecture.outputSize)
    }
}
