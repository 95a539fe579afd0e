import SBICore

/// Turning weighted events into unweighted ones distributed as p(z|θ) ∝ w_e(θ).
///
/// Method: sampling with replacement, each draw picking event e with probability
/// ```
/// P(e) = w_e(θ) / Σ_e' w_e'(θ)          (inversion of the cumulative sum, binary search)
/// ESS  = (Σ_e w_e)² / Σ_e w_e²           (Kish's effective sample size)
/// ```
/// Why not accept–reject (keep e with probability w_e/w_max)? With the sample's largest weight
/// as w_max, accept–reject discards most events whenever one weight is large, and its output
/// size is random; resampling returns exactly the requested number of events and uses every
/// event in proportion to its weight, as MadMiner's `SampleAugmenter` does. Its price is that
/// events repeat when more are drawn than the ESS: the ESS is reported so callers can warn.
/// Inversion costs O(n_pool) once per θ plus O(log n_pool) per draw; an alias table
/// (`CategoricalSampler`) would draw in O(1) but costs several times more to build, and
/// augmentation typically draws few events at each of many θ. (`SampleAugmenter` goes further:
/// it inverts the running sums of all θ of a split in one pass over the pool.)
///
/// [1] MadMiner documentation, `SampleAugmenter` (unweighting by sampling with replacement);
/// [2] L. Kish, Survey Sampling (1965) (effective sample size).
public enum Unweighting {
    /// Kish's effective sample size (Σw)²/Σw² (0 for an empty or all-zero list).
    public static func effectiveSampleSize(_ weights: [Double]) -> Double {
        var s = 0.0, s2 = 0.0
        for w in weights { s += w; s2 += w * w }
        return s2 > 0 ? s * s / s2 : 0
    }

    /// The cumulative sums of `weights` (the inversion table `draw` uses), after checking them:
    /// negative weights larger than 1e-12 of the largest one are refused, tinier ones (rounding
    /// in morphing) count as zero.
    /// - Throws: `SBIError.numerical` naming the event for a clearly negative or non-finite weight,
    ///   or if all weights are zero.
    public static func cumulativeWeights(_ weights: [Double]) throws -> [Double] {
        var largest = 0.0
        for (e, w) in weights.enumerated() {
            guard w.isFinite else { throw SBIError.numerical("event weight \(w) is not finite", field: "event \(e)") }
            largest = max(largest, abs(w))
        }
        guard largest > 0 else { throw SBIError.numerical("all event weights are zero; cannot unweight", field: "weights") }
        var cumulative = [Double](repeating: 0, count: weights.count)
        var total = 0.0
        for (e, w) in weights.enumerated() {
            if w < 0 {
                guard -w <= 1e-12 * largest else {
                    throw SBIError.numerical("event weight \(w) is negative; cannot unweight", field: "event \(e)")
                }
            } else {
                total += w
            }
            cumulative[e] = total
        }
        return cumulative
    }

    /// One index drawn from the cumulative table: the first e with cumulative[e] > u·total.
    /// - Precondition: `cumulative` non-decreasing with a positive last element.
    @inline(__always)
    public static func draw(_ cumulative: [Double], random: SeededRandom) -> Int {
        let total = cumulative[cumulative.count - 1]
        let u = random.uniform() * total
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > u { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// `count` event indices drawn with replacement with probability ∝ `weights`.
    /// - Throws: as `cumulativeWeights`.
    public static func resample(weights: [Double], count: Int, random: SeededRandom) throws -> [Int] {
        let cumulative = try cumulativeWeights(weights)
        var out = [Int](repeating: 0, count: count)
        for i in 0..<count { out[i] = draw(cumulative, random: random) }
        return out
    }
}
