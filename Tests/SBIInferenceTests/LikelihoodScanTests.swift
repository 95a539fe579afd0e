import XCTest
import CGSL
import SBICore
import SBIEstimators
import SBISimulation
@testable import SBIInference

final class LikelihoodScanTests: XCTestCase {
    let gaussian = GaussianSimulator()

    /// q(θ) = n(θ − x̄)²/5 for the Gaussian mean with variance 5 per event.
    func testTruthScan_gaussianObserved_reproducesAnalyticInterval() throws {
        let n = 50
        let data = try gaussian.simulate(at: [0.3], count: n, random: SeededRandom(seed: 11))
        let mean = data.observables.storage.reduce(0, +) / Double(n)
        let grid = try ParameterGrid(names: ["theta"], ranges: [-1.5...2.5], counts: [401])
        let result = try LikelihoodScan.truth(simulator: gaussian, data: .observed(data.observables), grid: grid)
        // log L is exactly quadratic, so the parabola through three grid points recovers x̄ to rounding (1e-9).
        XCTAssertEqual(result.bestFit[0], mean, accuracy: 1e-9)
        for cl in [0.68, 0.95] {
            let half = (gsl_cdf_chisq_Qinv(1 - cl, 1) * 5 / Double(n)).squareRoot()
            let intervals = ConfidenceRegion.intervals(xs: grid.axes![0].values, values: result.pValues, level: 1 - cl)
            XCTAssertEqual(intervals.count, 1)
            // Grid precision: one grid step (0.01); linear interpolation of p is far better.
            XCTAssertEqual(intervals[0].lower, mean - half, accuracy: 0.01)
            XCTAssertEqual(intervals[0].upper, mean + half, accuracy: 0.01)
        }
    }

    /// A quadratic log L whose 68 % interval (half-width σ = 0.01) lies between two grid points
    /// 0.05 apart: the scan-based intervals are still the exact θ̂ ± σ·√q_c, where interpolating p
    /// between grid points found no point inside and reported nothing.
    func testScanIntervals_narrowerThanGridSpacing_areExactForQuadraticLogLikelihood() throws {
        let centre = 0.987, sigma = 0.01
        let grid = try ParameterGrid(names: ["theta"], ranges: [-3...3], counts: [121])
        let logL = grid.axes![0].values.map { -0.5 * ($0 - centre) * ($0 - centre) / (sigma * sigma) }
        let result = try LikelihoodScanResult(grid: grid, logLikelihood: logL)
        XCTAssertTrue(ConfidenceRegion.intervals(xs: grid.axes![0].values, values: result.pValues, level: 0.32).isEmpty,
                      "the p-value grid alone has no point inside the 68 % region (premise of this test)")
        for cl in [0.68, 0.95, 0.997] {
            let half = sigma * gsl_cdf_chisq_Qinv(1 - cl, 1).squareRoot()
            let intervals = try ConfidenceRegion.intervals(scan: result, confidenceLevel: cl)
            XCTAssertEqual(intervals.count, 1, "CL \(cl)")
            // √q is linear in θ on each side of θ̂ for a quadratic log L: exact up to rounding.
            XCTAssertEqual(intervals.first?.lower ?? .nan, centre - half, accuracy: 1e-9, "CL \(cl)")
            XCTAssertEqual(intervals.first?.upper ?? .nan, centre + half, accuracy: 1e-9, "CL \(cl)")
        }
        // Two parameters, or a level outside (0, 1): an error naming the field, not a trap.
        let plane = try ParameterGrid(names: ["a", "b"], ranges: [-1...1, -1...1], counts: [5, 5])
        let flat = try LikelihoodScanResult(grid: plane, logLikelihood: [Double](repeating: 0, count: plane.count))
        XCTAssertThrowsError(try ConfidenceRegion.intervals(scan: flat, confidenceLevel: 0.68)) { XCTAssertEqual(($0 as? SBIError)?.field, "grid") }
        XCTAssertThrowsError(try ConfidenceRegion.intervals(scan: result, confidenceLevel: 1)) { XCTAssertEqual(($0 as? SBIError)?.field, "confidence-levels") }
    }

    /// Asimov: N·mean over a θ_true sample; q(θ) = N(θ − x̄_sample)²/5 with x̄_sample ≈ θ_true.
    func testTruthScan_gaussianAsimov_intervalHasVarianceFiveOverN() throws {
        let n = 200.0
        let sample = try gaussian.simulate(at: [1], count: 20_000, random: SeededRandom(seed: 3)).observables
        let grid = try ParameterGrid(names: ["theta"], ranges: [0...2], counts: [201])
        let result = try LikelihoodScan.truth(simulator: gaussian, data: .asimov(sample: sample, expectedEvents: n), grid: grid)
        let mean = sample.storage.reduce(0, +) / Double(sample.rows)
        let half = (5 / n).squareRoot()   // 68.27 % = 1σ
        let cl = gsl_cdf_chisq_P(1, 1)
        let interval = ConfidenceRegion.intervals(xs: grid.axes![0].values, values: result.pValues, level: 1 - cl)
        XCTAssertEqual(interval.count, 1)
        XCTAssertEqual(interval[0].lower, mean - half, accuracy: 0.01)   // grid step 0.01
        XCTAssertEqual(interval[0].upper, mean + half, accuracy: 0.01)
        // The Asimov sample mean is θ_true within 5σ = 5·√5/√20000 ≈ 0.08.
        XCTAssertEqual(result.bestFit[0], 1, accuracy: 0.08)
    }

    /// The event sums report their progress after every chunk of events: 10 000 events in chunks of 4096 on
    /// a grid of 2500 points (five blocks of ≤ 512) give 15 calls, increasing, ending at exactly 1; and
    /// reporting changes no bit of the result.
    func testEventSums_progress_risesChunkByChunkToOne_withoutChangingTheSums() throws {
        let data = try gaussian.simulate(at: [0], count: 10_000, random: SeededRandom(seed: 8)).observables
        let grid = try ParameterGrid(names: ["theta"], ranges: [-1...1], counts: [2500])
        let estimator = PerfectLogRatio(simulator: gaussian, reference: [0])
        var fractions: [Double] = []
        let reported = try LikelihoodScan.eventSums(estimator: estimator, data: .observed(data), grid: grid) { fractions.append($0) }
        XCTAssertEqual(fractions.count, 15)
        XCTAssertEqual(fractions.last, 1)
        XCTAssertEqual(fractions, fractions.sorted())
        // The first block's first chunk: 512 of 2500 points × 4096 of 10 000 events.
        XCTAssertEqual(fractions[0], 512.0 * 4096 / (2500 * 10_000), accuracy: 1e-12)
        XCTAssertEqual(reported, try LikelihoodScan.eventSums(estimator: estimator, data: .observed(data), grid: grid))
    }

    /// A perfect ratio "estimator" must give the very same bits as truth mode.
    func testMLScan_perfectEstimator_equalsTruthBitForBit() throws {
        let model = CorrelatedGaussianSimulator()
        let data = try model.simulate(at: [0.5, -0.2], count: 300, random: SeededRandom(seed: 5)).observables
        let grid = try ParameterGrid(names: ["a", "b"], ranges: [-0.5...1.5, -1.2...0.8], counts: [41, 37])
        let truth = try LikelihoodScan.truth(simulator: model, data: .observed(data), grid: grid)
        let ml = try LikelihoodScan.ml(estimator: PerfectLogRatio(simulator: model, reference: grid.point(0)),
                                       data: .observed(data), grid: grid)
        XCTAssertEqual(truth.pValues, ml.pValues)
        XCTAssertEqual(truth.bestFit, ml.bestFit)
        for cl in [0.68, 0.95] {
            let a = try ConfidenceRegion.contours(xs: grid.axes![0].values, ys: grid.axes![1].values, pValues: truth.pValues, confidenceLevel: cl)
            let b = try ConfidenceRegion.contours(xs: grid.axes![0].values, ys: grid.axes![1].values, pValues: ml.pValues, confidenceLevel: cl)
            XCTAssertFalse(a.isEmpty)
            XCTAssertEqual(a, b)
        }
        // Same for the 1-D Gaussian intervals.
        let x = try gaussian.simulate(at: [0], count: 100, random: SeededRandom(seed: 6)).observables
        let g1 = try ParameterGrid(names: ["theta"], ranges: [-1...1], counts: [101])
        let t1 = try LikelihoodScan.truth(simulator: gaussian, data: .observed(x), grid: g1)
        let m1 = try LikelihoodScan.ml(estimator: PerfectLogRatio(simulator: gaussian, reference: g1.point(0)), data: .observed(x), grid: g1)
        XCTAssertEqual(t1.pValues, m1.pValues)
    }

    /// A grid larger than one block of grid points (5 001 points, blocks of 2 048) with two event
    /// chunks: the estimator never sees more than a block at once (the log r̂ buffer stays bounded for
    /// any grid), and every point's sum equals, bit for bit, the sum over a one-point grid.
    func testEventSums_gridLargerThanABlock_boundedBuffersAndSameBitsAsOnePointGrids() throws {
        final class Recording: LogRatioEstimator {
            let inner: PerfectLogRatio
            var largestThetaBlock = 0
            init(_ inner: PerfectLogRatio) { self.inner = inner }
            var parameterCount: Int { inner.parameterCount }
            var observableCount: Int { inner.observableCount }
            func logRatio(x: Matrix<Double>, thetas: Matrix<Double>) throws -> Matrix<Double> {
                largestThetaBlock = max(largestThetaBlock, thetas.rows)
                return try inner.logRatio(x: x, thetas: thetas)
            }
        }
        let x = try gaussian.simulate(at: [0.3], count: 5000, random: SeededRandom(seed: 9)).observables
        let grid = try ParameterGrid(names: ["theta"], ranges: [-1...1], counts: [5001])
        let estimator = Recording(PerfectLogRatio(simulator: gaussian, reference: [0]))
        let sums = try LikelihoodScan.eventSums(estimator: estimator, data: .observed(x), grid: grid)
        XCTAssertEqual(estimator.largestThetaBlock, LikelihoodScan.thetaBlock)
        XCTAssertLessThan(LikelihoodScan.thetaBlock, grid.count)
        for j in [0, 511, 512, 2047, 2048, 4095, 4096, 5000] {
            let one = try ParameterGrid(names: ["theta"], points: Matrix(rows: 1, columns: 1, storage: grid.point(j)))
            XCTAssertEqual(sums[j], try LikelihoodScan.eventSums(estimator: estimator, data: .observed(x), grid: one)[0], "point \(j)")
        }
    }

    /// The rate term alone: q(θ) = −2[log Pois(n|ν(θ)) − log Pois(n|n)], ν = L·(2 + θ).
    func testRateScan_linearCrossSection_matchesPoissonFormula() throws {
        let rate = EventRate(luminosityInversePicobarn: 100) { $0[0] + 2 }
        let grid = try ParameterGrid(names: ["theta"], ranges: [-1...1], counts: [201])
        let result = try LikelihoodScan.rateOnly(rate: rate, observedEvents: 200, grid: grid)
        XCTAssertEqual(result.bestFit[0], 0, accuracy: 1e-3)   // the parabola through ±0.01 of the exact maximum
        for j in stride(from: 0, to: 201, by: 20) {
            let nu = 100 * (grid.point(j)[0] + 2)
            let expected = -2 * ((200 * log(nu) - nu) - (200 * log(200.0) - 200))
            XCTAssertEqual(result.q[j], expected, accuracy: 1e-6 * max(1, expected))
        }
    }

    /// A histogram can only lose information: for x ~ N(θ, 5) with N = 1000 events in 20 adaptive bins,
    /// the histogram's 68 % and 95 % intervals contain the exact ones, and their length is the exact
    /// length times √(I/I_binned), with the binned Fisher information computed from the bin edges
    ///   I_binned = Σ_b (∂_θ p_b)²/p_b,  p_b = Φ((e_{b+1} − θ)/√5) − Φ((e_b − θ)/√5).
    /// Tolerance 0.006 on the length ratio, twice the largest deviation from the prediction over seeds
    /// 1–5 (−0.0028…+0.0031: the adaptive edges and reweighting noise of 2·10⁵ events, and the linear
    /// interpolation of p between grid points).
    func testHistogramInterval_containsExactInterval_andLosesTheBinnedInformation() throws {
        let grid = try ParameterGrid(names: ["theta"], ranges: [-0.3...0.3], counts: [241])
        let xs = grid.axes![0].values
        for seed in UInt64(1)...5 {
            let data = try ScanData.asimov(simulator: gaussian, thetaTrue: [0], sampleEvents: 20_000, expectedEvents: 1000,
                                           random: SeededRandom(seed: seed))
            let histogram = try Histogram.adaptive(sample: data.x, bins: [20])
            let model = HistogramLikelihood(histogram: histogram, features: .observables([0]),
                                            expectation: try .sample(for: gaussian, reference: [0], random: SeededRandom(seed: seed).substream(2)))
            let hist = try model.scan(data: data, grid: grid, asimovTheta: [0])
            let truth = try LikelihoodScan.truth(simulator: gaussian, data: data, grid: grid)
            // Control variate: the exact likelihood of the Asimov sample peaks at θ_true (log L is quadratic).
            XCTAssertEqual(truth.bestFit[0], 0, accuracy: 1e-9, "seed \(seed)")
            let sigma = GaussianSimulator.totalVariance.squareRoot()
            let e = histogram.edges[0].values
            var binned = 0.0
            for b in 0..<(e.count - 1) {
                let lo = b == 0 ? -Double.infinity : e[b], hi = b == e.count - 2 ? Double.infinity : e[b + 1]
                let p = gsl_cdf_gaussian_P(hi, sigma) - gsl_cdf_gaussian_P(lo, sigma)
                let dp = -(gsl_ran_gaussian_pdf(hi, sigma) - gsl_ran_gaussian_pdf(lo, sigma))
                binned += dp * dp / p
            }
            let expected = (1 / GaussianSimulator.totalVariance / binned).squareRoot()
            XCTAssertGreaterThan(expected, 1.005, "20 bins lose information (premise)")
            for cl in [0.68, 0.95] {
                let h = ConfidenceRegion.intervals(xs: xs, values: hist.pValues, level: 1 - cl)
                let t = ConfidenceRegion.intervals(xs: xs, values: truth.pValues, level: 1 - cl)
                XCTAssertEqual(h.count, 1)
                XCTAssertEqual(t.count, 1)
                XCTAssertLessThanOrEqual(h[0].lower, t[0].lower, "seed \(seed), CL \(cl): histogram tighter than exact")
                XCTAssertGreaterThanOrEqual(h[0].upper, t[0].upper, "seed \(seed), CL \(cl): histogram tighter than exact")
                let ratio = (h[0].upper - h[0].lower) / (t[0].upper - t[0].lower)
                XCTAssertEqual(ratio, expected, accuracy: 0.006, "seed \(seed), CL \(cl)")
            }
        }
    }

    /// Model-consistent Asimov counts n_b = N·p_b(θ_true) put the histogram's best fit at θ_true (here 0.2,
    /// away from the sample's reference 0) up to the parabola's error over ±one grid step (0.025).
    func testHistogramScan_modelAsimovCounts_bestFitIsThetaTrue() throws {
        let sample = try gaussian.simulate(at: [0.2], count: 50_000, random: SeededRandom(seed: 8)).observables
        let grid = try ParameterGrid(names: ["theta"], ranges: [-1...1], counts: [81])
        let data = try ScanData.asimov(sample: sample, expectedEvents: 100)
        let model = HistogramLikelihood(histogram: try Histogram.fixed(ranges: [-8...8], bins: [40]), features: .observables([0]),
                                        expectation: try .sample(for: gaussian, reference: [0], random: SeededRandom(seed: 9)))
        let asimov = try model.scan(data: data, grid: grid, asimovTheta: [0.2])
        XCTAssertEqual(asimov.bestFit[0], 0.2, accuracy: 0.005)
    }

    /// drell-yan at 10 pb⁻¹ (the shipped recipe), Asimov data at the SM from 4000 events: without the
    /// control variate the exact likelihood's best fit sits 1.9 σ from the SM in δg_V (the sample's noise);
    /// with it, within 0.05 σ per parameter (σ = 1/√I_ii from the scan's curvature), the requirement.
    func testTruthScan_drellYanAsimovWithControlVariate_bestFitIsThetaTrue() throws {
        let sim = try DrellYanSimulator()
        let rate = EventRate(luminosityInversePicobarn: 10) { try sim.crossSection(at: $0) }
        let grid = try ParameterGrid(names: ["dgV", "dgA"], ranges: [-0.05...0.05, -0.01...0.01], counts: [21, 21])
        let n = try rate.expectedEvents(at: [0, 0])
        let data = try ScanData.asimov(simulator: sim, thetaTrue: [0, 0], sampleEvents: 4000, expectedEvents: n,
                                       random: SeededRandom(seed: 5))
        XCTAssertNotNil(data.scoreControlVariate)
        let result = try LikelihoodScan.truth(simulator: sim, data: data, grid: grid, rate: rate)
        let info = try XCTUnwrap(result.curvatureInformation())
        let plain = try LikelihoodScan.truth(simulator: sim, data: try ScanData.asimov(sample: data.x, expectedEvents: n), grid: grid, rate: rate)
        for i in 0..<2 {
            let sigma = 1 / info[i * 2 + i].squareRoot()
            XCTAssertLessThan(abs(result.bestFit[i]) / sigma, 0.05, "parameter \(i)")
        }
        XCTAssertGreaterThan(abs(plain.bestFit[0]) * info[0].squareRoot(), 0.5, "the uncorrected sample is noisy (premise)")
    }

    /// Adaptive binning gives (nearly) equal populations on the reference sample.
    func testHistogram_adaptiveBins_equalPopulation() throws {
        let sample = try gaussian.simulate(at: [0], count: 10_000, random: SeededRandom(seed: 4)).observables
        let histogram = try Histogram.adaptive(sample: sample, bins: [10])
        let counts = histogram.fill(sample)
        // Quantile edges split 10 000 events into 10 × 1000 up to the ties at each edge (±1 event).
        for c in counts { XCTAssertEqual(c, 1000, accuracy: 1) }
    }

    /// SALLY with the exact score: a histogram of t(x) = (x − θ_ref)/5 is a histogram of x, so the interval
    /// matches truth like the histogram of x does (within 5 %).
    func testSallyScan_perfectScore_closeToTruth() throws {
        let sample = try gaussian.simulate(at: [0], count: 50_000, random: SeededRandom(seed: 8)).observables
        let data = try ScanData.asimov(sample: sample, expectedEvents: 100)
        let grid = try ParameterGrid(names: ["theta"], ranges: [-1...1], counts: [81])
        let score = PerfectScore(simulator: gaussian, reference: [0])
        let histogram = try Histogram.adaptive(sample: try score.score(x: sample), bins: [30])
        let model = HistogramLikelihood(histogram: histogram, features: .score(score),
                                        expectation: try .sample(for: gaussian, reference: [0], random: SeededRandom(seed: 9)))
        let sally = try model.scan(data: data, grid: grid)
        let truth = try LikelihoodScan.truth(simulator: gaussian, data: data, grid: grid)
        let s = ConfidenceRegion.intervals(xs: grid.axes![0].values, values: sally.pValues, level: 0.32)
        let t = ConfidenceRegion.intervals(xs: grid.axes![0].values, values: truth.pValues, level: 0.32)
        let ratio = (s[0].upper - s[0].lower) / (t[0].upper - t[0].lower)
        XCTAssertGreaterThan(ratio, 0.97)
        XCTAssertLessThan(ratio, 1.05)
    }

    func testGrid_regular_lastAxisFastestAndEndsIncluded() throws {
        let grid = try ParameterGrid(names: ["a", "b"], ranges: [0...1, 10...12], counts: [2, 3])
        XCTAssertEqual(grid.points.storage, [0, 10, 0, 11, 0, 12, 1, 10, 1, 11, 1, 12])
        XCTAssertEqual(grid.shape, [2, 3])
    }

    /// Absurd grids are refused by size before anything is allocated: one axis of 10¹¹ points, and ten axes of
    /// 10⁴ points whose product (10⁴⁰) would overflow Int.
    func testGrid_absurdSize_refusedBeforeAllocation() throws {
        assertThrowsSBIError(try ParameterGrid(names: ["theta"], ranges: [0...1], counts: [100_000_000_000]), field: "grid.theta")
        let names = (0..<10).map { "c\($0)" }
        assertThrowsSBIError(try ParameterGrid(names: names, ranges: [ClosedRange<Double>](repeating: 0...1, count: 10),
                                               counts: [Int](repeating: 10_000, count: 10)), field: "grid")
    }

    func testBadInput_zeroPointsReversedNaN_throwNamedErrors() throws {
        assertThrowsSBIError(try ParameterGrid(names: ["theta"], ranges: [0...1], counts: [0]), field: "grid.theta")
        assertThrowsSBIError(try ParameterGrid(names: ["theta"], ranges: [1...1], counts: [5]), field: "grid.theta")
        assertThrowsSBIError(try ParameterGrid(names: ["theta"], ranges: [(-Double.infinity)...1], counts: [5]), field: "grid.theta")
        assertThrowsSBIError(try ParameterGrid(names: ["theta"], axes: [Axis([0, 2, 1])]), field: "grid.theta")
        assertThrowsSBIError(try ParameterGrid(names: ["theta"], points: Matrix(rows: 2, columns: 1, storage: [0, .nan])), field: "grid.points")
        assertThrowsSBIError(try ParameterGrid(names: ["theta"], points: Matrix(rows: 0, columns: 1)), field: "grid.points")
        assertThrowsSBIError(try ConfidenceLevels.check([0.68, 1.0]), field: "confidence-levels")
        assertThrowsSBIError(try ConfidenceLevels.check([0]), field: "confidence-levels")
        assertThrowsSBIError(try InferenceMode.parse("alices"), field: "mode")
        // A two-observable model on one-observable data.
        let grid = try ParameterGrid(names: ["a", "b"], ranges: [0...1, 0...1], counts: [3, 3])
        let x = Matrix<Double>(rows: 10, columns: 1)
        let model = PerfectLogRatio(simulator: CorrelatedGaussianSimulator(), reference: [0, 0])
        assertThrowsSBIError(try LikelihoodScan.ml(estimator: model, data: .observed(x), grid: grid), field: "model")
        // A one-parameter model on a two-parameter grid.
        assertThrowsSBIError(try LikelihoodScan.ml(estimator: PerfectLogRatio(simulator: gaussian, reference: [0]),
                                                   data: .observed(x), grid: grid), field: "model")
        assertThrowsSBIError(try ScanData.observed(Matrix(rows: 1, columns: 1, storage: [.nan])), field: "x")
    }
}
