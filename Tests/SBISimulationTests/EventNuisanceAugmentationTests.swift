import Foundation
import XCTest
import SBICore
@testable import SBISimulation

/// Augmentation from weighted events with weight variations (nuisance parameters ν): draws from
/// w_e(θ)·exp(a_e ν + b_e ν²) and gold over (θ, ν), against hand computation.
final class EventNuisanceAugmentationTests: XCTestCase {
    /// The quadratic sample of `EventSampleAugmentationTests` (W = (1 + θ_b z)², x = z) with a two-sided
    /// variation w₊ = 1 + 0.3z, w₋ = 1 − 0.2z relative to the nominal weight at the SM (W[e, 1] = 1):
    /// a = ½ log(w₊/w₋), b = ½ log(w₊w₋).
    static func sample(n: Int) throws -> (sample: WeightedEventSample, nuisance: NuisanceMorphing, z: [Double]) {
        let sample = try EventSampleAugmentationTests.quadraticSample(n: n, seed: 11, components: true)
        let z = sample.observables.storage
        let nuisance = try NuisanceMorphing(nominal: z.map { _ in 1 },
                                            variations: [NuisanceVariation(name: "mu", up: z.map { 1 + 0.3 * $0 }, down: z.map { 1 - 0.2 * $0 })],
                                            source: "test")
        return (sample, nuisance, z)
    }

    /// Ratio samples at (θ0, ν0) = (0.5, 1.5) against (θ1, ν1) = (−0.3, 0): every row's r_xz and t_xz (θ and ν
    /// components) equal the formulas evaluated here from its z, with σ(θ, ν) = Σ_e (1 + θz_e)² f_e(ν):
    /// ```
    /// r = (1 + θ0 z)² f(ν0) σ(θ1, ν1) / ((1 + θ1 z)² f(ν1) σ(θ0, ν0))
    /// t_θ = 2z/(1 + θ0 z) − ∂θσ/σ,   t_ν = a + 2bν0 − ∂νσ/σ
    /// ```
    /// to Float32 rounding (1e-5 relative); the parameters are (theta, mu).
    func testEventNuisanceAugmentation_ratio_goldEqualsHandComputation() throws {
        let (sample, nuisance, z) = try Self.sample(n: 2000)
        func ab(_ z: Double) -> (Double, Double) {
            let up = log(1 + 0.3 * z), down = log(1 - 0.2 * z)
            return (0.5 * (up - down), 0.5 * (up + down))
        }
        func f(_ z: Double, _ nu: Double) -> Double { let (a, b) = ab(z); return exp(a * nu + b * nu * nu) }
        func sigma(_ t: Double, _ nu: Double) -> Double { z.reduce(0) { $0 + (1 + t * $1) * (1 + t * $1) * f($1, nu) } }
        func dSigmaTheta(_ t: Double, _ nu: Double) -> Double { z.reduce(0) { $0 + 2 * $1 * (1 + t * $1) * f($1, nu) } }
        func dSigmaNu(_ t: Double, _ nu: Double) -> Double {
            z.reduce(0) { s, zi in let (a, b) = ab(zi); return s + (1 + t * zi) * (1 + t * zi) * f(zi, nu) * (a + 2 * b * nu) }
        }
        let augmenter = try SampleAugmenter(events: sample, nuisance: nuisance)
        XCTAssertEqual(augmenter.parameterSpace.names, ["theta", "mu"])
        let (t0, nu0, t1) = (0.5, 1.5, -0.3)
        let samples = try augmenter.augment(AugmentationRequest(kind: .ratio, theta0: .point([t0, nu0]), theta1: .point([t1, 0]),
                                                                count: 1000, validationFraction: 0, seed: 5))
        let split = samples.splits[0]
        let x = split.array("x")!, r = split.array("r_xz")!, t = split.array("t_xz")!
        XCTAssertEqual(t.columns, 2)
        for i in 0..<x.rows {
            let zi = z[try XCTUnwrap(z.firstIndex { Float($0) == x[i, 0] })]
            let (a, b) = ab(zi)
            let rExpected = (1 + t0 * zi) * (1 + t0 * zi) * f(zi, nu0) * sigma(t1, 0) / ((1 + t1 * zi) * (1 + t1 * zi) * f(zi, 0) * sigma(t0, nu0))
            let tTheta = 2 * zi / (1 + t0 * zi) - dSigmaTheta(t0, nu0) / sigma(t0, nu0)
            let tNu = a + 2 * b * nu0 - dSigmaNu(t0, nu0) / sigma(t0, nu0)
            XCTAssertEqual(Double(r[i, 0]), rExpected, accuracy: 1e-5 * rExpected, "row \(i)")
            XCTAssertEqual(Double(t[i, 0]), tTheta, accuracy: 1e-5 * max(1, abs(tTheta)), "row \(i)")
            XCTAssertEqual(Double(t[i, 1]), tNu, accuracy: 1e-5 * max(1, abs(tNu)), "row \(i)")
        }
    }

    /// Draws at (θ, ν) = (0.4, −2) follow w_e(θ)·f_e(ν): 40 000 draws from 8 events, χ² p-value > 0.001 (a 0.1 %
    /// false alarm for a correct sampler); at ν = 0 the same request follows w_e(θ) alone.
    func testEventNuisanceAugmentation_draws_followTheMorphedWeights() throws {
        let (sample, nuisance, z) = try Self.sample(n: 8)
        let augmenter = try SampleAugmenter(events: sample, testEventFraction: 0, nuisance: nuisance)
        for nu in [-2.0, 0.0] {
            let samples = try augmenter.augment(AugmentationRequest(kind: .local, theta0: .point([0.4, nu]), count: 40_000,
                                                                    validationFraction: 0, seed: 9))
            let x = samples.splits[0].array("x")!
            var counts = [Int](repeating: 0, count: z.count)
            for i in 0..<x.rows { counts[z.firstIndex { Float($0) == x[i, 0] }!] += 1 }
            let weights = try nuisance.weights(z.map { (1 + 0.4 * $0) * (1 + 0.4 * $0) }, at: [nu])
            let total = weights.reduce(0, +)
            var chi2 = 0.0
            for e in z.indices {
                let expected = Double(x.rows) * weights[e] / total
                chi2 += (Double(counts[e]) - expected) * (Double(counts[e]) - expected) / expected
            }
            // χ² with 7 degrees of freedom: P(χ² > 24.3) = 0.001.
            XCTAssertLessThan(chi2, 24.3, "ν = \(nu): counts \(counts)")
        }
    }

    /// The joint likelihood's gradient in (θ, ν) equals central finite differences of its log.
    func testNuisanceMorphedJointLikelihood_gradient_equalsFiniteDifferences() throws {
        let (sample, nuisance, _) = try Self.sample(n: 50)
        let morpher = try Morpher(components: try MorphingComponents(maxPowers: [2]), basis: sample.benchmarks)
        let likelihood = try NuisanceMorphedJointLikelihood(morpher: morpher, benchmarkWeights: sample.benchmarkWeights, nuisance: nuisance)
        let rows = NuisanceMorphedJointLikelihood.rows(benchmarkWeights: sample.benchmarkWeights, nuisance: nuisance)
        try SimulatorTestSupport.assertScoreMatchesFiniteDifference(likelihood, events: rows, theta: [0.3, -0.7])
    }
}
