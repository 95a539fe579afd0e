#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SBICore

/// ROLR: regression of the ratio on the joint ratio, r̂ on samples from θ1 and 1/r̂ on samples from θ0.
///
/// ```
/// r̂ = exp(clip(f, −10, 10))
/// ℓ = (1 − y)(1/r̂ − 1/r_xz)² + y(r̂ − r_xz)²
/// ∂ℓ/∂f = −2(1 − y)(1/r̂ − 1/r_xz)/r̂ + 2y(r̂ − r_xz)·r̂     (0 where f is clipped)
/// ```
/// The clip at |log r̂| = 10 is MadMiner's; it bounds r̂ to [4.5e−5, 2.2e4] so one
/// outlier cannot overflow the squared error.
/// Shapes: output `[B, 1]`, y `[B]`, r_xz `[B]`.
/// [1] arXiv:1805.00020, arXiv:1805.12244.
public struct ROLRLoss: NetworkLoss {
    /// The loss (it has no settings).
    public init() {}
    public var usesScore: Bool { false }

    public func validate(_ batch: TrainingBatch, architecture: MLPArchitecture) throws {
        try LossMath.requireInputs(batch, architecture)
        try LossMath.requireLabels(batch)
        try LossMath.requireRatios(batch)
    }

    public func evaluate(output: UnsafeBufferPointer<Float>, score: UnsafeBufferPointer<Float>?,
                         batch: TrainingBatch, rows: Range<Int>, weight: Double,
                         outputGradient: UnsafeMutableBufferPointer<Float>?,
                         scoreGradient: UnsafeMutableBufferPointer<Float>?) -> Double {
        ROLRLoss.ratioTerm(output: output, batch: batch, rows: rows, weight: weight, gradient: outputGradient)
    }

    static func ratioTerm(output: UnsafeBufferPointer<Float>, batch: TrainingBatch, rows: Range<Int>,
                          weight: Double, gradient: UnsafeMutableBufferPointer<Float>?) -> Double {
        precondition(output.count >= rows.count, "ROLR: output has \(output.count) elements, need \(rows.count)")
        var total = 0.0
        let clip = LossMath.logRatioClip
        batch.y!.withUnsafeBufferPointer { y in
            batch.rXZ!.withUnsafeBufferPointer { rxz in
                for (r, i) in rows.enumerated() {
                    let f = Double(output[r])
                    let clipped = f > clip || f < -clip
                    let rHat = exp(min(max(f, -clip), clip))
                    let label = Double(y[i]), target = Double(rxz[i])
                    // A term whose weight is 0 is skipped, so r_xz = 0 (1/r = ∞) on a θ1 sample gives 0, not 0·∞.
                    let num = label == 1 ? 0 : 1 / rHat - 1 / target
                    let den = label == 0 ? 0 : rHat - target
                    total += (1 - label) * num * num + label * den * den
                    if let gradient {
                        let d = clipped ? 0 : -2 * (1 - label) * num / rHat + 2 * label * den * rHat
                        gradient[r] = Float(weight * d)
                    }
                }
            }
        }
        return total
    }
}
