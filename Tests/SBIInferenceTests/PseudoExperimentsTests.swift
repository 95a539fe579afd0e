import XCTest
import CGSL
import SBICore
import SBIEstimators
import SBISimulation
@testable import SBIInference

/// An estimator whose log r is `factor` × the exact one: with factor 2 every interval is 1/√2 as wide
/// as it should be (an over-confident, wrongly trained network).
private struct ScaledLogRatio: LogRatioEstimator {
    let exact: ExactLogRatio
    let factor: Double
    var parameterCount: Int { exact.parameterCount }
    var observableCount: Int { exact.observableCount }
    func logRatio(x: Matrix<Double>, thetas: Matrix<Double>) throws -> Matrix<Double> {
        try exact.logRatio(x: x, thetas: thetas).mapped { $0 * factor }
    }
}

final class PseudoExperimentsTests: XCTestCase {
    let gaussian = GaussianSimulator()
    /// θ in [−1.5, 1.5] in steps of 0.05: ±6.7 σ of θ̂ for N = 100 (σ = √(5/100) = 0.224).
    func grid() throws -> ParameterGrid { try ParameterGrid(names: ["theta"], ranges: [-1.5...1.5], counts: [61]) }

    func truth(_ grid: ParameterGrid) throws -> PseudoExperiments.Likelihood {
        .init(name: "truth", mode: "truth", likelihood: .ratio(try ExactLogRatio(simulator: gaussian, reference: grid.point(0))))
    }

    /// Gaussian, truth, N = 100, 2000 toys at θ = 0: q(0) is χ²₁ (log L is exactly quadratic and the
    /// parabola refinement exact), so the 68.27 % and 95 % intervals cover within 2 binomial σ
    /// (σ = 0.0104 and 0.0049), and θ̂ has mean 0 and standard deviation √(5/100) = 0.2236 (its
    /// estimate from 2000 toys has a standard error 0.2236/√4000 = 0.0035; tolerance 3 of them).
    func testCoverage_gaussianTruthN100_isNominalWithinTwoBinomialSigma() throws {
        let grid = try grid()
        let toys = try PseudoExperiments.events(simulator: gaussian, theta: [0], count: 2000, rate: nil, fixedEvents: 100,
                                                random: SeededRandom(seed: 17))
        XCTAssertEqual(toys.x.rows, 200_000)
        let fits = try PseudoExperiments.fit([try truth(grid)], toys: toys, theta: [0], grid: grid, rate: nil)[0]
        for cl in [0.6827, 0.95] {
            let c = fits.coverage(confidenceLevel: cl)
            XCTAssertEqual(c.toys, 2000)
            XCTAssertLessThanOrEqual(abs(c.pull), 2, "coverage \(c.fraction) ± \(c.binomialError) at CL \(cl)")
        }
        let theta = fits.bestFits.column(0)
        let mean = theta.reduce(0, +) / 2000
        let sd = (theta.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 1999).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 3 * 0.2236 / 2000.0.squareRoot())
        XCTAssertEqual(sd, (5.0 / 100).squareRoot(), accuracy: 3 * 0.0035)
    }

    /// The same toys fitted with log r̂ = 2·log r (intervals 1/√2 as wide): the 68.27 % coverage falls
    /// to P(|z| < 1/√2) = 0.52, more than 10 binomial σ below nominal: coverage flags a wrong likelihood.
    func testCoverage_overconfidentEstimator_undercoversByManySigma() throws {
        let grid = try grid()
        let toys = try PseudoExperiments.events(simulator: gaussian, theta: [0], count: 1000, rate: nil, fixedEvents: 100,
                                                random: SeededRandom(seed: 18))
        let wrong = ScaledLogRatio(exact: try ExactLogRatio(simulator: gaussian, reference: grid.point(0)), factor: 2)
        let fits = try PseudoExperiments.fit([.init(name: "wrong", mode: "ml", likelihood: .ratio(wrong))], toys: toys, theta: [0],
                                             grid: grid, rate: nil)[0]
        let c = fits.coverage(confidenceLevel: 0.6827)
        XCTAssertEqual(c.fraction, 2 * gsl_cdf_ugaussian_P(1 / 2.0.squareRoot()) - 1, accuracy: 3 * c.binomialError)
        XCTAssertLessThan(c.pull, -10)
    }

    /// At the upper end of the exact 68.27 % interval, θ_b = √(5/100), the Asimov statistic is q_obs = 1
    /// and Wilks' p-value Q_χ²₁(1) = 0.3173; the toy-based p-value from 2000 toys at θ_b equals it within
    /// 2 of its binomial errors (σ = 0.0104).
    func testToyPValue_gaussianAtIntervalBoundary_equalsAnalyticWithinMCError() throws {
        let grid = try grid()
        let boundary = (5.0 / 100).squareRoot()
        let p = try PseudoExperiments.toyPValue(try truth(grid), simulator: gaussian, theta: [boundary], observedQ: 1, grid: grid,
                                                rate: nil, fixedEvents: 100, count: 2000, random: SeededRandom(seed: 19))
        XCTAssertEqual(p.asymptoticPValue, 0.31731, accuracy: 1e-5)
        XCTAssertEqual(p.pValue, p.asymptoticPValue, accuracy: 2 * p.error, "toy p \(p.pValue) ± \(p.error)")
        XCTAssertEqual(p.toyQ.count, 2000)
    }

    /// Toys drawn in two shards (toys 0–4, 5–11) are the same bytes as the 12 drawn at once, and a
    /// Poisson count has mean ν: 400 toys at ν = 30 average 30 ± 3·√(30/400).
    func testToyEvents_shardsAreTheSameBytes_andPoissonCountsHaveMeanNu() throws {
        let random = SeededRandom(seed: 5)
        let all = try ToyEvents.draw(simulator: gaussian, theta: [0.5], count: 12, expectedEvents: 30, poisson: true, random: random)
        let head = try ToyEvents.draw(simulator: gaussian, theta: [0.5], count: 5, expectedEvents: 30, poisson: true, random: random)
        let tail = try ToyEvents.draw(simulator: gaussian, theta: [0.5], count: 7, firstToy: 5, expectedEvents: 30, poisson: true, random: random)
        XCTAssertEqual(head.x.storage + tail.x.storage, all.x.storage)
        XCTAssertEqual((0..<5).map(head.eventCount(ofToy:)) + (0..<7).map(tail.eventCount(ofToy:)), (0..<12).map(all.eventCount(ofToy:)))
        let many = try ToyEvents.draw(simulator: gaussian, theta: [0.5], count: 400, expectedEvents: 30, poisson: true, random: random)
        XCTAssertEqual(Double(many.x.rows) / 400, 30, accuracy: 3 * (30.0 / 400).squareRoot())
    }

    /// The batched evaluation (all toys' events in one pass, toys straddling event chunks) gives each
    /// toy the log L of its own scan as observed data, for the ratio and the histogram likelihoods and
    /// the Poisson term (relative 1e-12: only the order of the event sums differs).
    func testBatchedToyLikelihood_equalsEachToysOwnScan() throws {
        let sim = CorrelatedGaussianSimulator()
        let grid = try ParameterGrid(names: ["a", "b"], ranges: [-0.5...0.5, -0.5...0.5], counts: [5, 4])
        let rate = EventRate(luminosityInversePicobarn: 1) { 3000 + 100 * $0[0] - 50 * $0[1] }
        let toys = try ToyEvents.draw(simulator: sim, theta: [0.1, -0.1], count: 4, expectedEvents: 3000, poisson: true,
                                      random: SeededRandom(seed: 3))
        XCTAssertGreaterThan(toys.x.rows, LikelihoodScan.eventChunk, "the toys straddle an event chunk (premise)")
        let exact = try ExactLogRatio(simulator: sim, reference: grid.point(0))
        let histogram = HistogramLikelihood(histogram: try Histogram.fixed(ranges: [-4...4], bins: [8]), features: .observables([0]),
                                            expectation: try BinExpectation.sample(for: sim, reference: [0.1, -0.1], count: 5000,
                                                                                       random: SeededRandom(seed: 4)))
        let batched = try ToyLikelihood.ratio(exact).logLikelihoods(toys: toys, grid: grid, rate: rate)
        let binned = try ToyLikelihood.histogram(histogram).logLikelihoods(toys: toys, grid: grid, rate: rate)
        for t in 0..<toys.count {
            let data = try ScanData.observed(toys.x.rows(toys.offsets[t]..<toys.offsets[t + 1]))
            let own = try LikelihoodScan.mlLogLikelihood(estimator: exact, data: data, grid: grid, rate: rate)
            let ownBinned = try histogram.evaluator(data: data, rate: rate)(grid)
            for j in 0..<grid.count {
                XCTAssertEqual(batched[t, j], own[j], accuracy: 1e-12 * max(1, abs(own[j])))
                XCTAssertEqual(binned[t, j], ownBinned[j], accuracy: 1e-12 * max(1, abs(ownBinned[j])))
            }
        }
    }

    /// Absurd requests are refused before anything is allocated.
    func testToyEvents_absurdSizes_areRefusedNamingTheField() throws {
        XCTAssertThrowsError(try ToyEvents.draw(simulator: gaussian, theta: [0], count: 0, expectedEvents: 10, poisson: false,
                                                random: SeededRandom(seed: 1))) { XCTAssertEqual(($0 as? SBIError)?.field, "toys") }
        XCTAssertThrowsError(try ToyEvents.draw(simulator: gaussian, theta: [0], count: 1000, expectedEvents: 1e9, poisson: true,
                                                random: SeededRandom(seed: 1))) { XCTAssertEqual(($0 as? SBIError)?.field, "expectedEvents") }
        XCTAssertThrowsError(try ToyEvents.draw(simulator: gaussian, theta: [0], count: 10, expectedEvents: .nan, poisson: true,
                                                random: SeededRandom(seed: 1))) { XCTAssertEqual(($0 as? SBIError)?.field, "expectedEvents") }
    }

    /// The Neyman construction with the over-confident log r̂ = 2·log r, 1000 toys at each of 31 points
    /// θ_j ∈ [−1.5, 1.5] (toys of N = 100 at θ_j, data: the Asimov q_obs = 2·(θ_j/σ)², σ = √(5/100)):
    /// its q is over-confident in the toys too, so p_toy(θ_j) = P(χ²₁ ≥ (θ_j/σ)²) and the 68.27 % interval
    /// is the exact [−σ, σ], not Wilks' [−σ/√2, σ/√2]. Tolerance 0.02 on each end: the MC error of p at the
    /// ends (0.015) over dp/dθ (≈ 2.2 per unit θ) is 0.007, plus the interpolation between points 0.1 apart.
    func testNeyman_overconfidentEstimator_recoversTheExactInterval() throws {
        let grid = try grid()
        let sigma = (5.0 / 100).squareRoot()
        let wrong = PseudoExperiments.Likelihood(name: "wrong", mode: "ml",
                                                 likelihood: .ratio(ScaledLogRatio(exact: try ExactLogRatio(simulator: gaussian, reference: grid.point(0)), factor: 2)))
        let points = (0..<31).map { -1.5 + 0.1 * Double($0) }
        var toyQ: [[Double]] = []
        for (j, theta) in points.enumerated() {
            let (table, _) = try ToyTable.fit([wrong], simulator: gaussian, theta: [theta], toys: 0..<1000, grid: grid, rate: nil,
                                              fixedEvents: 100, random: SeededRandom(seed: 21).substream(UInt64(j)))
            toyQ.append(table.column(1))
        }
        let observed = points.map { 2 * ($0 / sigma) * ($0 / sigma) }
        let (p, error) = NeymanConstruction.pValues(toyQ: toyQ, observedQ: observed)
        XCTAssertEqual(error.count, 31)
        let e = try NeymanConstruction.estimator(name: "wrong_neyman", mode: "ml", bestFit: [0], axes: [points], pValues: p, toyCount: 1000,
                                                 confidenceLevels: [0.6827])
        let interval = try XCTUnwrap(e.intervals.first?.intervals.first)
        XCTAssertEqual(interval.lower, -sigma, accuracy: 0.02)
        XCTAssertEqual(interval.upper, sigma, accuracy: 0.02)
        XCTAssertEqual(e.regions?.first?.status, .closed)
        // Wilks' interval of the same statistic is 1/√2 as wide: the toys, not χ², made the difference.
        XCTAssertGreaterThan(interval.upper - interval.lower, 1.3 * 2 * sigma / 2.0.squareRoot())
    }
}
