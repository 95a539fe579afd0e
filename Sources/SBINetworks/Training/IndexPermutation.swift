import SBICore

/// A pseudo-random permutation of `0..<count` evaluated index by index in O(1) memory.
///
/// A balanced Feistel network on 2h-bit words (2h ≥ bits of count − 1), four rounds keyed
/// from the generator, with cycle walking to stay below `count`:
/// ```
/// (L, R) ← (R, L ⊕ (splitmix64(R ⊕ k_r) mod 2^h)),   r = 1…4
/// π(i) = E(i), repeated while the result is ≥ count
/// ```
/// Every round is invertible, so E is a bijection of `0..<2^(2h)` and the cycle walk
/// restricts it to a bijection of `0..<count`; the domain is < 4·count, so a walk takes
/// fewer than 4 rounds of E on average. Used for the chunk order of a training epoch,
/// so no table of n/chunkRows indices is held however large the files are.
/// [1] Luby & Rackoff, SIAM J. Comput. 17 (1988) 373; Black & Rogaway, CT-RSA 2002 (cycle walking).
struct IndexPermutation {
    let count: Int
    private let halfBits: UInt64
    private let mask: UInt64
    private let keys: (UInt64, UInt64, UInt64, UInt64)

    /// A permutation of `0..<count` drawn from `random` (four 64-bit keys).
    init(count: Int, random: SeededRandom) {
        precondition(count >= 1, "IndexPermutation: count \(count) < 1")
        self.count = count
        var bits: UInt64 = 1
        while (UInt64(1) << (2 * bits)) < UInt64(count) { bits += 1 }
        halfBits = bits
        mask = (UInt64(1) << bits) - 1
        // gsl_rng_uniform is MT19937's 32-bit output divided by 2³², so ·2³² recovers the bits exactly.
        func word() -> UInt64 { UInt64(random.uniform() * 4_294_967_296.0) }
        func key() -> UInt64 { word() << 32 | word() }
        keys = (key(), key(), key(), key())
    }

    /// π(index).
    /// - Precondition: `0 ≤ index < count`.
    @inline(__always) func callAsFunction(_ index: Int) -> Int {
        precondition(index >= 0 && index < count, "IndexPermutation: index \(index) outside 0..<\(count)")
        var x = UInt64(index)
        repeat { x = encrypt(x) } while x >= UInt64(count)
        return Int(x)
    }

    @inline(__always) private func encrypt(_ x: UInt64) -> UInt64 {
        var left = x >> halfBits, right = x & mask
        (left, right) = (right, left ^ (SeededRandom.splitmix64(right ^ keys.0) & mask))
        (left, right) = (right, left ^ (SeededRandom.splitmix64(right ^ keys.1) & mask))
        (left, right) = (right, left ^ (SeededRandom.splitmix64(right ^ keys.2) & mask))
        (left, right) = (right, left ^ (SeededRandom.splitmix64(right ^ keys.3) & mask))
        return left << halfBits | right
    }
}
