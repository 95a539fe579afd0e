import XCTest
import SBICore
@testable import SBISimulation

/// The joint likelihood ratio and score ("gold") from a simulator's latent likelihood and
/// from morphed event weights.
final class GoldTests: XCTestCase {
    /// Synthetic weighted events: w_e(θ) = Σ_c α_c(θ) C[e, c] with positive C for two parameters,
    /// max powers [2, 2], overall power 2, so w_e > 0 everywhere on [−1, 1]² as long as the
    /// constant term dominates (C[e, 0] ∈ [4, 5], others ∈ [0, 0.5]).
    private struct Synthetic {
        let components: MorphingComponents
        let coefficients: Matrix<Double>
        let morpher: Morpher
        let benchmarkWeights: Matrix<Double>

        init(events: Int, seed: UInt64) throws {
            components = try MorphingComponents(maxPowers: [2, 2], maxOverallPower: 2)
            let random = SeededRandom(seed: seed)
            var c = Matrix<Double>(rows: events, columns: components.count)
            for e in 0..<events {
                c[e, 0] = random.uniform(4, 5)
                for k in 1..<components.count { c[e, k] = random.uniform(0, 0.5) }
            }
            coefficients = c
            let basis = Matrix<Double>(rows: 6, columns: 2, storage: [0, 0, 1, 0, 0, 1, -1, 0, 0, -1, 1, 1])
            morpher = try Morpher(components: components, basis: basis)
            var w = Matrix<Double>(rows: events, columns: 6)
            for b in 0..<6 {
                let a = components.values(at: basis.row(b))
                for e in 0..<events { w[e, b] = (0..<a.count).reduce(0) { $0 + a[$1] * c[e, $1] } }
            }
            benchmarkWeights = w
        }

        /// w_e(θ) computed directly from the polynomial.
        func direct(_ theta: [Double]) -> [Double] {
            let a = components.values(at: theta)
            return (0..<coefficients.rows).map { e in (0..<a.count).reduce(0) { $0 + a[$1] * coefficients[e, $1] } }
        }
    }

    func testSimulatorGold_gaussianScore_matchesFiniteDifference() throws {
        let sim = GaussianSimulator()
        let events = try sim.simulate(at: [0.5], count: 200, random: SeededRandom(seed: 3))
        try SimulatorTestSupport.assertScoreMatchesFiniteDifference(SimulatorJointLikelihood(simulator: sim), events: events.latent, theta: [1.3])
    }

    func testMorphedGold_syntheticScore_matchesFiniteDifference() throws {
        let s = try Synthetic(events: 300, seed: 5)
        let exact = try MorphedJointLikelihood(morpher: s.morpher, benchmarkCrossSections: [4.6, 5.1, 5.0, 4.7, 4.8, 5.6])
        try SimulatorTestSupport.assertScoreMatchesFiniteDifference(exact, events: s.benchmarkWeights, theta: [0.3, -0.6])
        let sampled = try MorphedJointLikelihood.sampleMean(benchmarkWeights: s.benchmarkWeights, morpher: s.morpher)
        try SimulatorTestSupport.assertScoreMatchesFiniteDifference(sampled, events: s.benchmarkWeights, theta: [-0.8, 0.2])
    }

    func testLogRatio_equalThetas_isZero() throws {
        let sim = GaussianSimulator()
        let events = try sim.simulate(at: [0], count: 50, random: SeededRandom(seed: 1))
        for v in try SimulatorJointLikelihood(simulator: sim).logRatio(events.latent, theta0: [2], theta1: [2]) {
            XCTAssertEqual(v, 0)  // the same floating-point expression twice: exactly zero
        }
        let s = try Synthetic(events: 50, seed: 2)
        let model = try MorphedJointLikelihood.sampleMean(benchmarkWeights: s.benchmarkWeights, morpher: s.morpher)
        for v in try model.logRatio(s.benchmarkWeights, theta0: [0.4, 0.1], theta1: [0.4, 0.1]) { XCTAssertEqual(v, 0) }
    }

    /// r = [w_e(θ0)/σ(θ0)] / [w_e(θ1)/σ(θ1)] with the weights computed directly (no morphing) and σ
    /// the sample mean of the direct weights: morphing is exact, so they agree to rounding (1e-10).
    func testMorphedGold_logRatio_matchesDirectWeights() throws {
        let s = try Synthetic(events: 400, seed: 8)
        let model = try MorphedJointLikelihood.sampleMean(benchmarkWeights: s.benchmarkWeights, morpher: s.morpher)
        let theta0 = [0.9, -0.2], theta1 = [-0.4, 0.7]
        let logR = try model.logRatio(s.benchmarkWeights, theta0: theta0, theta1: theta1)
        let w0 = s.direct(theta0), w1 = s.direct(theta1)
        let sigma0 = w0.reduce(0, +) / 400, sigma1 = w1.reduce(0, +) / 400
        XCTAssertEqual(model.crossSection(at: theta0), sigma0, accuracy: 1e-12 * sigma0)
        for e in 0..<400 {
            XCTAssertEqual(logR[e], log((w0[e] / sigma0) / (w1[e] / sigma1)), accuracy: 1e-10)
        }
    }

    /// E[r(x,z|θ0,θ1) | x] = r(x|θ0,θ1) = N(x;θ0,5)/N(x;θ1,5) for x, z drawn at θ1: in each bin of x the
    /// mean of r(x,z) − r(x) over the events must be zero within 3 standard errors (8 bins, fixed seed).
    func testGaussianGold_binnedRatio_isUnbiased() throws {
        let sim = GaussianSimulator()
        let theta0 = [1.0], theta1 = [0.0]
        let n = 200_000
        let events = try sim.simulate(at: theta1, count: n, random: SeededRandom(seed: 2024))
        let logR = try SimulatorJointLikelihood(simulator: sim).logRatio(events.latent, theta0: theta0, theta1: theta1)
        let exact0 = try sim.exactLogLikelihood(observables: events.observables, at: theta0)
        let exact1 = try sim.exactLogLikelihood(observables: events.observables, at: theta1)
        let edges = [-4.0, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 4.0]
        for bin in 0..<(edges.count - 1) {
            var sum = 0.0, sumSquares = 0.0, count = 0.0
            for e in 0..<n where events.observables[e, 0] >= edges[bin] && events.observables[e, 0] < edges[bin + 1] {
                let d = exp(logR[e]) - exp(exact0[e] - exact1[e])
                sum += d; sumSquares += d * d; count += 1
            }
            let mean = sum / count
            let standardError = ((sumSquares / count - mean * mean) / (count - 1)).squareRoot()
            XCTAssertGreaterThan(count, 1000)
            XCTAssertLessThan(abs(mean), 3 * standardError, "bin [\(edges[bin]), \(edges[bin + 1])): \(mean) ± \(standardError)")
        }
        // And the score: E[t(x,z|θ1)|x] = (x − θ1)/5, checked the same way over all events.
        let t = try SimulatorJointLikelihood(simulator: sim).score(events.latent, at: theta1)
        var sum = 0.0, sumSquares = 0.0
        for e in 0..<n {
            let d = t[e, 0] - (events.observables[e, 0] - theta1[0]) / 5
            sum += d; sumSquares += d * d
        }
        let mean = sum / Double(n)
        XCTAssertLessThan(abs(mean), 3 * ((sumSquares / Double(n) - mean * mean) / Double(n - 1)).squareRoot())
    }

    func testMorphedGold_nonPositiveWeight_throwsNumerical() throws {
        let s = try Synthetic(events: 3, seed: 1)
        var w = s.benchmarkWeights
        for b in 0..<6 { w[1, b] = -1 }
        let model = try MorphedJointLikelihood(morpher: s.morpher, benchmarkCrossSections: [1, 1, 1, 1, 1, 1])
        var none: Matrix<Double>? = nil
        XCTAssertThrowsError(try model.logLikelihood(w, at: [0, 0], gradient: &none)) { error in
            XCTAssertEqual((error as? SBIError)?.kind, .numerical)
            XCTAssertEqual((error as? SBIError)?.field, "event 1")
        }
    }

    /// For `drell-yan` the gold from morphed weights (exact σ_b) and from the simulator's own latent
    /// likelihood must agree: the beam-spread term of log p(z|θ) is θ-independent and cancels in r
    /// and t. Tolerances: 1e-9 absolute on log r and 1e-7 relative on t (rounding × condition number).
    func testMorphedGold_drellYan_matchesSimulatorJointLikelihood() throws {
        let sim = try DrellYanSimulator()
        let morpher = try SampleAugmenter.optimizedMorpher(for: sim, seed: 2)
        let pool = try sim.simulateWeighted(proposalAt: [0, 0], count: 500, random: SeededRandom(seed: 6))
        var benchmarkWeights = Matrix<Double>(rows: pool.count, columns: morpher.benchmarkCount)
        for b in 0..<morpher.benchmarkCount {
            let w = try sim.weights(latent: pool.latent, at: morpher.basis.row(b))
            for e in 0..<pool.count { benchmarkWeights[e, b] = w[e] }
        }
        let morphed = try MorphedJointLikelihood.exact(simulator: sim, morpher: morpher)
        let direct = SimulatorJointLikelihood(simulator: sim)
        let theta0 = [0.05, -0.02], theta1 = [-0.08, 0.06]
        let a = try morphed.logRatio(benchmarkWeights, theta0: theta0, theta1: theta1)
        let b = try direct.logRatio(pool.latent, theta0: theta0, theta1: theta1)
        for e in 0..<pool.count { XCTAssertEqual(a[e], b[e], accuracy: 1e-9) }
        let ta = try morphed.score(benchmarkWeights, at: theta0), tb = try direct.score(pool.latent, at: theta0)
        for e in 0..<pool.count { for i in 0..<2 {
            XCTAssertEqual(ta[e, i], tb[e, i], accuracy: 1e-7 * max(1, abs(tb[e, i])))
        } }
        try SimulatorTestSupport.assertScoreMatchesFiniteDifference(morphed, events: benchmarkWeights, theta: theta1)
        XCTAssertEqual(morphed.crossSection(at: theta1), try sim.crossSection(at: theta1), accuracy: 1e-10 * (try sim.crossSection(at: theta1)))
    }
}
