import CGSL
import XCTest
@testable import SBICore

/// The seeded generator: reproducible, splittable, and distributed as claimed.
final class SeededRandomTests: XCTestCase {
    private func draws(_ r: SeededRandom, _ n: Int = 100) -> [Double] { (0..<n).map { _ in r.uniform() } }

    func testSameSeed_identicalStreams() {
        XCTAssertEqual(draws(SeededRandom(seed: 12345)), draws(SeededRandom(seed: 12345)))
        let a = SeededRandom(seed: 9), b = SeededRandom(seed: 9)
        XCTAssertEqual((0..<50).map { _ in a.normal() }, (0..<50).map { _ in b.normal() })
        XCTAssertEqual(SeededRandom(seed: 5).permutation(20), SeededRandom(seed: 5).permutation(20))
    }

    func testDifferentSeedsAndSubstreams_differ() {
        XCTAssertNotEqual(draws(SeededRandom(seed: 1)), draws(SeededRandom(seed: 2)))
        let parent = SeededRandom(seed: 77)
        let streams = (0..<8).map { draws(parent.substream(UInt64($0))) }
        for i in 0..<8 { for j in (i + 1)..<8 { XCTAssertNotEqual(streams[i], streams[j]) } }
        XCTAssertNotEqual(streams[0], draws(SeededRandom(seed: 77)))
    }

    func testSubstream_dependsOnlyOnSeedAndIndex() {
        let fresh = SeededRandom(seed: 31)
        let used = SeededRandom(seed: 31)
        _ = draws(used, 1000)
        XCTAssertEqual(draws(fresh.substream(4)), draws(used.substream(4)))
        XCTAssertEqual(draws(fresh.substream(4).substream(2)), draws(SeededRandom(seed: 31).substream(4).substream(2)))
    }

    func testSubstreams_areUncorrelated() {
        // Correlation of 10^4 paired uniforms from two sub-streams: |ρ| < 4/√n (4σ).
        let n = 10_000
        let a = draws(SeededRandom(seed: 5).substream(0), n), b = draws(SeededRandom(seed: 5).substream(1), n)
        let ma = a.reduce(0, +) / Double(n), mb = b.reduce(0, +) / Double(n)
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for i in 0..<n { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) * (a[i] - ma); sbb += (b[i] - mb) * (b[i] - mb) }
        XCTAssertLessThan(abs(sab / (saa * sbb).squareRoot()), 4 / Double(n).squareRoot())
    }

    /// Kolmogorov–Smirnov statistic D = sup |F_n(x) − F(x)| of `sample` against `cdf`.
    private func ksStatistic(_ sample: [Double], cdf: (Double) -> Double) -> Double {
        let sorted = sample.sorted()
        let n = Double(sorted.count)
        var d = 0.0
        for (i, x) in sorted.enumerated() {
            let f = cdf(x)
            d = max(d, Double(i + 1) / n - f, f - Double(i) / n)
        }
        return d
    }

    /// Asymptotic p-value of the KS statistic with Stephens' small-sample correction:
    /// Q_KS(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}, λ = (√n + 0.12 + 0.11/√n)·D.
    private func ksPValue(_ d: Double, n: Int) -> Double {
        let sn = Double(n).squareRoot()
        let lambda = (sn + 0.12 + 0.11 / sn) * d
        var sum = 0.0
        for k in 1...100 {
            let term = exp(-2 * Double(k * k) * lambda * lambda)
            sum += (k % 2 == 1 ? 1 : -1) * term
            if term < 1e-12 { break }
        }
        return min(1, max(0, 2 * sum))
    }

    func testNormalDraws_passKolmogorovSmirnovAgainstExactCDF() {
        // Significance 1 %: a correct generator fails this with probability 0.01 for a random seed;
        // with the fixed seed the outcome is fixed.
        let n = 20_000
        let r = SeededRandom(seed: 2024)
        let sample = (0..<n).map { _ in r.normal(mean: 1.5, standardDeviation: 2) }
        let p = ksPValue(ksStatistic(sample) { gsl_cdf_gaussian_P($0 - 1.5, 2) }, n: n)
        XCTAssertGreaterThan(p, 0.01)
        // The same check rejects a wrong distribution (mean off by 0.05σ), so it can fail.
        let pWrong = ksPValue(ksStatistic(sample) { gsl_cdf_gaussian_P($0 - 1.6, 2) }, n: n)
        XCTAssertLessThan(pWrong, 0.01)
    }

    func testUniformDraws_passKolmogorovSmirnov() {
        let n = 20_000
        let r = SeededRandom(seed: 11)
        let sample = (0..<n).map { _ in r.uniform(-2, 3) }
        XCTAssertGreaterThan(ksPValue(ksStatistic(sample) { min(1, max(0, ($0 + 2) / 5)) }, n: n), 0.01)
    }

    func testCategorical_frequenciesWithinFourSigma() throws {
        let weights = [1.0, 0, 3, 6]
        let n = 40_000
        let r = SeededRandom(seed: 8)
        let sampler = try CategoricalSampler(weights: weights)
        var counts = [0, 0, 0, 0], countsDirect = [0, 0, 0, 0]
        for _ in 0..<n { counts[sampler.draw(r)] += 1; countsDirect[r.categorical(weights)] += 1 }
        for (i, w) in weights.enumerated() {
            let p = w / 10
            let sigma = (Double(n) * p * (1 - p)).squareRoot()
            XCTAssertEqual(Double(counts[i]), Double(n) * p, accuracy: 4 * sigma + 1e-9)
            XCTAssertEqual(Double(countsDirect[i]), Double(n) * p, accuracy: 4 * sigma + 1e-9)
        }
        XCTAssertEqual(counts[1], 0)
    }

    func testCategoricalSampler_badWeights_throw() {
        XCTAssertThrowsError(try CategoricalSampler(weights: [1, .nan])) { XCTAssertEqual(($0 as? SBIError)?.field, "weights[1]") }
        XCTAssertThrowsError(try CategoricalSampler(weights: [0, 0]))
        XCTAssertThrowsError(try CategoricalSampler(weights: []))
    }

    func testShuffle_isPermutationAndUniformOverPositions() {
        let r = SeededRandom(seed: 4)
        XCTAssertEqual(r.permutation(50).sorted(), Array(0..<50))
        // Element 0 lands in each of 4 positions with probability 1/4.
        var counts = [0, 0, 0, 0]
        let n = 20_000
        for _ in 0..<n { var a = [0, 1, 2, 3]; r.shuffle(&a); counts[a.firstIndex(of: 0)!] += 1 }
        let sigma = (Double(n) * 0.25 * 0.75).squareRoot()
        for c in counts { XCTAssertEqual(Double(c), Double(n) / 4, accuracy: 4 * sigma) }
    }
}
