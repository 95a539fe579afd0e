#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A learning rate that decays exponentially from an initial to a final value over the epochs.
///
/// ```
/// lr_e = lr_0 · (lr_1 / lr_0)^(e / (E − 1)),   e = 0 … E−1
/// ```
/// so epoch 0 uses `lr_0` and the last epoch `lr_1` exactly (one epoch: `lr_0`).
/// MadMiner's default is 1e-3 → 1e-4 over 50 epochs (arXiv:1805.12244).
public struct LearningRateSchedule: Codable, Equatable, Sendable {
    /// Learning rate of the first epoch.
    public var initial: Double
    /// Learning rate of the last epoch.
    public var final: Double
    /// Number of epochs E.
    public var epochs: Int

    /// A schedule; a constant rate has `initial == final`.
    /// - Precondition: both rates positive and finite, `epochs ≥ 1`.
    public init(initial: Double = 1e-3, final: Double = 1e-4, epochs: Int = 50) {
        precondition(initial > 0 && initial.isFinite && final > 0 && final.isFinite,
                     "LearningRateSchedule: rates \(initial) → \(final) must be positive and finite")
        precondition(epochs >= 1, "LearningRateSchedule: epochs \(epochs) < 1")
        self.initial = initial
        self.final = final
        self.epochs = epochs
    }

    /// The rate for 0-based `epoch` (clamped to `0…E−1`).
    public func rate(epoch: Int) -> Double {
        guard epochs > 1 else { return initial }
        let e = min(max(epoch, 0), epochs - 1)
        if e == 0 { return initial }
        if e == epochs - 1 { return final }
        // exp/log form: the same value as the power, without a pow of a ratio near 1.
        return initial * exp(log(final / initial) * Double(e) / Double(epochs - 1))
    }
}
