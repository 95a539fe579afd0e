import SBICore

/// Which rows of a dataset are held out for validation, decided row by row from a hash, in O(1) memory.
///
/// ```
/// row i is a validation row  ⇔  splitmix64(key ⊕ splitmix64(i)) < f · 2⁶⁴,
/// key = splitmix64(seed ⊕ 0x76616C6964617465)   ("validate")
/// ```
/// Each row is held out independently with probability f, the same rows in every
/// epoch, with no table of indices, so the split works for files of any size. The
/// number held out is f·n ± √(f(1−f)n) rather than exactly ⌊f·n⌋ (MadMiner draws an
/// exact-size random subset, which needs a permutation of all n rows in memory).
/// SplitMix64: Steele, Lea & Flood, OOPSLA 2014.
public struct ValidationSplit: Sendable, Equatable {
    /// The fraction f held out.
    public let fraction: Double
    private let key: UInt64
    private let threshold: UInt64

    /// The split for `seed` holding out `fraction` of the rows.
    /// - Precondition: `0 ≤ fraction < 1`.
    public init(fraction: Double, seed: UInt64) {
        precondition(fraction >= 0 && fraction < 1, "ValidationSplit: fraction \(fraction) outside [0, 1)")
        self.fraction = fraction
        key = SeededRandom.splitmix64(seed ^ 0x7661_6C69_6461_7465)
        // f·2⁶⁴ computed in Double; f < 1 keeps it below 2⁶⁴.
        threshold = fraction <= 0 ? 0 : UInt64(min(fraction * 18_446_744_073_709_551_616.0, 18_446_744_073_709_549_568.0))
    }

    /// True if row `index` is a validation row.
    @inline(__always) public func isValidation(_ index: Int) -> Bool {
        SeededRandom.splitmix64(key ^ SeededRandom.splitmix64(UInt64(index))) < threshold
    }

    /// The number of validation rows among `0..<count` (one pass of hashing, no memory).
    public func validationCount(of count: Int) -> Int {
        var n = 0
        for i in 0..<count where isValidation(i) { n += 1 }
        return n
    }
}
