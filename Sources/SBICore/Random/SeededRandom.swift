import CGSL

/// A seeded source of random numbers built on GSL's Mersenne Twister (`gsl_rng_mt19937`).
///
/// The same seed gives the same sequence of draws, on every machine, forever:
/// every draw is defined here or by a documented GSL routine (uniforms,
/// Gaussian by the ziggurat method, discrete distributions by Walker's alias
/// method); Swift's own `shuffle` and `random(in:)` are never used because their
/// algorithms may change between releases.
///
/// ## Independent sub-streams
/// `substream(k)` returns a new generator seeded with
/// ```
/// seed_k = splitmix64(splitmix64(seed) ⊕ splitmix64(k + 1))  (truncated to 32 bits for mt19937)
/// ```
/// SplitMix64 (Steele, Lea & Flood, OOPSLA 2014) is a bijective avalanche mix, so
/// neighbouring seeds and stream numbers give unrelated MT19937 states. A stage
/// gives stream `k` to its k-th worker, event batch or ensemble member; results
/// do not depend on how many workers run. Sub-streams of a sub-stream are allowed
/// (`substream(2).substream(5)`), and only `seed` and the path of stream numbers
/// decide the draws. MT19937 takes 32-bit seeds, so two different paths collide
/// with probability 2⁻³² per pair: negligible for the hundreds of streams one
/// analysis uses.
///
/// Not thread-safe: give each thread its own sub-stream.
public final class SeededRandom {
    /// The seed this generator started from (after sub-stream derivation).
    public let seed: UInt64
    private let rng: UnsafeMutablePointer<gsl_rng>

    /// A generator started from `seed`.
    public init(seed: UInt64) {
        GSL.prepare()
        self.seed = seed
        rng = gsl_rng_alloc(sbi_gsl_rng_mt19937())
        gsl_rng_set(rng, UInt(truncatingIfNeeded: SeededRandom.splitmix64(seed) & 0xffff_ffff))
    }

    deinit { gsl_rng_free(rng) }

    /// The independent sub-stream number `index` of this generator's seed (see the type's documentation).
    /// It depends only on `seed` and `index`, not on draws already taken from `self`.
    public func substream(_ index: UInt64) -> SeededRandom {
        SeededRandom(seed: SeededRandom.splitmix64(seed) ^ SeededRandom.splitmix64(index &+ 1))
    }

    /// SplitMix64's output function applied to `x` (Steele et al. 2014).
    public static func splitmix64(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform draw in [0, 1) (`gsl_rng_uniform`, 32 bits of randomness).
    @inline(__always) public func uniform() -> Double { gsl_rng_uniform(rng) }

    /// A uniform draw in (0, 1), never exactly 0 (`gsl_rng_uniform_pos`); safe for `log`.
    @inline(__always) public func uniformPositive() -> Double { gsl_rng_uniform_pos(rng) }

    /// A uniform draw in [lower, upper).
    @inline(__always) public func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * gsl_rng_uniform(rng)
    }

    /// A uniform integer in 0..<n (`gsl_rng_uniform_int`, unbiased).
    /// - Precondition: `0 < n ≤ 2³²`.
    @inline(__always) public func integer(below n: Int) -> Int {
        precondition(n > 0 && n <= 1 << 32, "integer(below:): n = \(n) must be in 1...2^32")
        return Int(gsl_rng_uniform_int(rng, UInt(n)))
    }

    /// A normal draw `N(mean, sd²)` by the ziggurat method (`gsl_ran_gaussian_ziggurat`).
    @inline(__always) public func normal(mean: Double = 0, standardDeviation: Double = 1) -> Double {
        mean + gsl_ran_gaussian_ziggurat(rng, standardDeviation)
    }

    /// Fills `buffer` with standard-normal draws.
    public func fillNormal<T: BinaryFloatingPoint>(_ buffer: UnsafeMutableBufferPointer<T>,
                                                   mean: Double = 0, standardDeviation: Double = 1) {
        for i in 0..<buffer.count { buffer[i] = T(mean + gsl_ran_gaussian_ziggurat(rng, standardDeviation)) }
    }

    /// Fills `buffer` with uniform draws in [lower, upper).
    public func fillUniform<T: BinaryFloatingPoint>(_ buffer: UnsafeMutableBufferPointer<T>,
                                                    lower: Double = 0, upper: Double = 1) {
        let width = upper - lower
        for i in 0..<buffer.count { buffer[i] = T(lower + width * gsl_rng_uniform(rng)) }
    }

    /// One draw from the categorical distribution with the given non-negative weights
    /// (not necessarily normalised), by inversion of the cumulative sum.
    /// For many draws from one distribution use `CategoricalSampler`.
    /// - Precondition: weights non-negative, finite, with a positive sum.
    public func categorical(_ weights: [Double]) -> Int {
        var total = 0.0
        for w in weights {
            precondition(w >= 0 && w.isFinite, "categorical: weight \(w) must be finite and non-negative")
            total += w
        }
        precondition(total > 0, "categorical: weights sum to zero")
        let u = gsl_rng_uniform(rng) * total
        var cumulative = 0.0
        for (i, w) in weights.enumerated() {
            cumulative += w
            if u < cumulative { return i }
        }
        return weights.lastIndex(where: { $0 > 0 })!
    }

    /// Shuffles `array` in place by Fisher–Yates with `gsl_rng_uniform_int`.
    public func shuffle<T>(_ array: inout [T]) {
        array.withUnsafeMutableBufferPointer { p in
            var i = p.count - 1
            while i > 0 {
                let j = Int(gsl_rng_uniform_int(rng, UInt(i + 1)))
                p.swapAt(i, j)
                i -= 1
            }
        }
    }

    /// A random permutation of 0..<n.
    public func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        shuffle(&p)
        return p
    }

    /// Passes the underlying GSL generator to GSL routines (`gsl_ran_*`).
    public func withGSLGenerator<R>(_ body: (UnsafeMutablePointer<gsl_rng>) throws -> R) rethrows -> R {
        try body(rng)
    }
}

/// Repeated draws from one categorical distribution in O(1) each (Walker's alias
/// method, `gsl_ran_discrete_preproc` / `gsl_ran_discrete`).
public final class CategoricalSampler {
    private let table: OpaquePointer
    /// Number of categories.
    public let count: Int

    /// Prepares the table for non-negative, finite `weights` with a positive sum.
    /// - Throws: `SBIError.data` naming the offending weight.
    public init(weights: [Double]) throws {
        GSL.prepare()
        guard !weights.isEmpty else { throw SBIError.data("no categories to draw from", field: "weights") }
        for (i, w) in weights.enumerated() where !(w >= 0 && w.isFinite) {
            throw SBIError.data("weight \(w) is not finite and non-negative", field: "weights[\(i)]")
        }
        guard weights.reduce(0, +) > 0 else { throw SBIError.data("weights sum to zero", field: "weights") }
        guard let t = weights.withUnsafeBufferPointer({ gsl_ran_discrete_preproc($0.count, $0.baseAddress!) }) else {
            throw SBIError.numerical("gsl_ran_discrete_preproc failed", field: "weights")
        }
        table = OpaquePointer(t)
        count = weights.count
    }

    deinit { gsl_ran_discrete_free(UnsafeMutablePointer(table)) }

    /// One draw, an index into the weights.
    @inline(__always) public func draw(_ random: SeededRandom) -> Int {
        random.withGSLGenerator { Int(gsl_ran_discrete($0, UnsafePointer(table))) }
    }
}
