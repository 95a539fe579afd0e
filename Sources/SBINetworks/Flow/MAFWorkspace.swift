import Foundation
import SBICore

/// Preallocated buffers (one allocation) for `capacity` rows of a `MaskedAutoregressiveFlow`'s
/// forward and reverse passes, with K θ-tangent directions (K = P for the score, 0 without).
///
/// Every per-layer buffer stacks (1 + K) row blocks: the values, then ∂/∂θ̃_k of them (the layout
/// `MLP.activate` works on). Per block b: `input[b]` [z | θ̃] and its tangents [ż_k | e_k];
/// `pre[b][l]` pre-activations (tangent rows: ȧ_k); `hidden[b][l]` σ(a) (tangent rows: ḣ_k =
/// σ'(a)ȧ_k); `first`, `second` σ', σ'' of the value rows; `output[b]` (μ | α) and (μ̇_k | α̇_k);
/// `u[b]` `[B, D]`, `uDot[b]` (K blocks), `expNegAlpha[b]`. `logDensity` (log p̂ of the standardised
/// x) and `score` (∂ log p̂/∂θ̃, `[count, K]`) per row.
final class MAFWorkspace {
    let architecture: MAFArchitecture
    let capacity: Int
    /// Number of tangent directions carried (P or 0).
    let tangents: Int
    private let storage: UnsafeMutablePointer<Float>
    let input: [UnsafeMutablePointer<Float>]
    let pre: [[UnsafeMutablePointer<Float>]]
    let hidden: [[UnsafeMutablePointer<Float>]]
    let first: [[UnsafeMutablePointer<Float>]]
    let second: [[UnsafeMutablePointer<Float>]]
    let output: [UnsafeMutablePointer<Float>]
    let u: [UnsafeMutablePointer<Float>]
    let uDot: [UnsafeMutablePointer<Float>]
    let expNegAlpha: [UnsafeMutablePointer<Float>]
    // Reverse-pass buffers (stacked like the forward ones).
    let gradU: UnsafeMutablePointer<Float>
    let gradUDot: UnsafeMutablePointer<Float>
    let gradOutput: UnsafeMutablePointer<Float>
    var gradHidden: UnsafeMutablePointer<Float>
    var gradHiddenNext: UnsafeMutablePointer<Float>
    let gradInput: UnsafeMutablePointer<Float>
    let scoreAdjoint: UnsafeMutablePointer<Float>
    /// log p̂ per row `[capacity]` and ∂ log p̂/∂θ̃ `[capacity, K]` (Double; their own allocation).
    let logDensity: UnsafeMutablePointer<Double>
    let score: UnsafeMutablePointer<Double>

    init(architecture a: MAFArchitecture, capacity: Int, tangents: Bool) {
        precondition(capacity >= 1, "MAFWorkspace: capacity \(capacity)")
        architecture = a
        self.capacity = capacity
        let k = tangents ? a.nParameters : 0
        self.tangents = k
        let rows = (1 + k) * capacity, d = a.nObservables, widest = a.layerWidths.max() ?? 1
        var sizes: [Int] = []
        for _ in 0..<a.blocks {
            sizes.append(rows * a.inputSize)
            for w in a.hiddenSizes { sizes += [rows * w, rows * w, capacity * w, capacity * w] }
            sizes += [rows * a.outputSize, capacity * d, k * capacity * d, capacity * d]
        }
        sizes += [capacity * d, k * capacity * d, rows * a.outputSize, rows * widest, rows * widest, rows * a.inputSize, capacity * k]
        let total = sizes.reduce(0, +)
        storage = UnsafeMutablePointer<Float>.allocate(capacity: max(total, 1))
        storage.initialize(repeating: 0, count: max(total, 1))
        var cursor = storage
        func take(_ n: Int) -> UnsafeMutablePointer<Float> { defer { cursor += n }; return cursor }
        var input: [UnsafeMutablePointer<Float>] = [], output: [UnsafeMutablePointer<Float>] = []
        var pre: [[UnsafeMutablePointer<Float>]] = [], hidden = pre, first = pre, second = pre
        var u: [UnsafeMutablePointer<Float>] = [], uDot = u, e = u
        for _ in 0..<a.blocks {
            input.append(take(rows * a.inputSize))
            var p: [UnsafeMutablePointer<Float>] = [], h = p, f = p, s = p
            for w in a.hiddenSizes {
                p.append(take(rows * w)); h.append(take(rows * w)); f.append(take(capacity * w)); s.append(take(capacity * w))
            }
            pre.append(p); hidden.append(h); first.append(f); second.append(s)
            output.append(take(rows * a.outputSize))
            u.append(take(capacity * d)); uDot.append(take(k * capacity * d)); e.append(take(capacity * d))
        }
        self.input = input; self.pre = pre; self.hidden = hidden; self.first = first; self.second = second
        self.output = output; self.u = u; self.uDot = uDot; self.expNegAlpha = e
        gradU = take(capacity * d); gradUDot = take(k * capacity * d); gradOutput = take(rows * a.outputSize)
        gradHidden = take(rows * widest); gradHiddenNext = take(rows * widest); gradInput = take(rows * a.inputSize)
        scoreAdjoint = take(capacity * k)
        logDensity = UnsafeMutablePointer<Double>.allocate(capacity: capacity * (1 + k))
        logDensity.initialize(repeating: 0, count: capacity * (1 + k))
        score = logDensity + capacity
    }

    deinit {
        storage.deallocate()
        logDensity.deallocate()
    }

    /// Σ of log p̂ over the first `count` rows.
    func logDensitySum(count: Int) -> Double { (0..<count).reduce(0) { $0 + logDensity[$1] } }
}
