import SBICore

/// Turning weighted events into unweighted ones distributed as p(z|θ) ∝ w_e(θ).
///
/// Method: sampling with replacement, each draw picking event e with probability
/// ```
/// P(e) = w_e(θ) / Σ_e' w_e'(θ)          (Walker's alias table, O(1) per draw)
/// ESS  = (Σ_e w_e)² / Σ_e w_e²           (Kish's effective sample size)
/// ```
/// Why not accept–reject (keep e with probability w_e/w_max)? With the sample's largest weight
/// as w_max, accept–reject discards most events whenever one weight is large, and its output
/// size is random; resampling returns exactly the requested number of events and uses every
/// event in proportion to its weight, as MadMiner's `SampleAugmenter` does. Its price is that
/// events repeat when more are drawn than the ESS: the ESS is reported so callers can warn.
///
/// [1] MadMiner documentation, `SampleAugmenter` (unweighting by sampling with replacement);
/// [2] L. Kish, Survey Sampling (1965) (effective sample size); A. J. Walker, ACM TOMS 3 (1977) 253.
public enum Unweighting {
    /// Kish's effective sample size (Σw)²/Σw² (0 for an empty or all-zero list).
    public static func effectiveSampleSize(_ weights: [Double]) -> Double {
        var s = 0.0, s2 = 0.0
        for w in weights { s += w; s2 += w * w }
        return s2 > 0 ? s * s / s2 : 0
    }

    /// `count` event indices drawn with replacement with probability ∝ `weights`.
    /// Weights are first checked: negative weights larger than 1e-12 of the largest one are refused,
    /// tinier ones (rounding in morphing) count as zero.
    /// - Throws: `SBIError.numerical` naming the event for a clearly negative or non-finite weight,
    ///   or if all weights are zero.
    public static func resample(weights: [Double], count: Int, random: SeededRandom) throws -> [Int] {
        var clean = weights
        let largest = weights.reduce(0) { max($0, abs($1)) }
        for (e, w) in weights.enumerated() {
            guard w.isFinite else { throw SBIError.numerical("event weight \(w) is not finite", field: "event \(e)") }
            if w < 0 {
                guard -w <= 1e-12 * largest else {
                    throw SBIError.numerical("event weight \(w) is negative; cannot unweight", field: "event \(e)")
                }
                clean[e] = 0
            }
        }
        guard largest > 0 else { throw SBIError.numerical("all event weights are zero; cannot unweight", field: "weights") }
        let sampler = try CategoricalSampler(weights: clean)
        var out = [Int](repeating: 0, count: count)
        for i in 0..<count { out[i] = sampler.draw(random) }
        return out
    }
}
