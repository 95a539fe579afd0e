#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SBICore

/// A one-dimensional histogram density p̂(h) of a statistic (SALLINO's projected score).
///
/// ```
/// bins: B equal widths w on [lo, hi], lo/hi = min/max of the sample ∓ w/2
/// p̂(h) = (Σ_{i in bin(h)} w_i + ε) / ((Σ_i w_i + B·ε)·w),   ε = 1e-3·Σ_i w_i / n
/// ```
/// Values outside [lo, hi] fall in the first or last bin. The floor ε keeps log p̂ finite in
/// empty bins (a sample-size-dependent regulariser, like MadMiner's histogram epsilon).
/// [1] arXiv:1805.00020 §4 (SALLINO's 1-D density).
public struct ProjectedScoreDensity: Sendable {
    /// Lower edge of the first bin.
    public let lower: Double
    /// Bin width.
    public let width: Double
    /// log p̂ in each bin, `[binCount]`.
    public let logDensity: [Double]

    /// A histogram of `values` (with optional non-negative `weights`) in `binCount` bins.
    /// - Throws: `SBIError.data` for no values, a non-finite value or weight, mismatched counts, or binCount < 1.
    public init(values: [Double], weights: [Double]? = nil, binCount: Int = 50) throws {
        guard binCount >= 1 else { throw SBIError.data("expected at least 1 bin, got \(binCount)", field: "binCount") }
        guard !values.isEmpty else { throw SBIError.data("no values to histogram", field: "values") }
        if let i = values.firstIndex(where: { !$0.isFinite }) {
            throw SBIError.data("non-finite value \(values[i]) at \(i)", field: "values")
        }
        if let weights {
            guard weights.count == values.count else {
                throw SBIError.data("\(weights.count) weights for \(values.count) values", field: "weights")
            }
            if let i = weights.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
                throw SBIError.data("weight \(weights[i]) at \(i); expected a finite number ≥ 0", field: "weights")
            }
        }
        var lo = values.min()!, hi = values.max()!
        if hi - lo <= 0 { lo -= 0.5; hi += 0.5 }
        let pad = (hi - lo) / Double(2 * binCount)
        lo -= pad; hi += pad
        let w = (hi - lo) / Double(binCount)
        var counts = [Double](repeating: 0, count: binCount)
        var total = 0.0
        for (i, v) in values.enumerated() {
            let weight = weights?[i] ?? 1
            counts[min(binCount - 1, max(0, Int((v - lo) / w)))] += weight
            total += weight
        }
        guard total > 0 else { throw SBIError.data("all weights are zero", field: "weights") }
        let epsilon = 1e-3 * total / Double(values.count)
        let norm = (total + Double(binCount) * epsilon) * w
        lower = lo
        width = w
        logDensity = counts.map { log(($0 + epsilon) / norm) }
    }

    /// log p̂(h).
    public func logDensity(at h: Double) -> Double {
        let bin = h.isFinite ? min(logDensity.count - 1, max(0, Int(((h - lower) / width).rounded(.down)))) : 0
        return logDensity[bin]
    }
}
