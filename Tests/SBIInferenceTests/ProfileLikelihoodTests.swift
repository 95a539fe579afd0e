import XCTest
import SBICore
import SBISimulation
import SBIEstimators
@testable import SBIInference

/// Profiled scans against the closed-form profile of the Gaussian model with a calibration offset.
final class ProfileLikelihoodTests: XCTestCase {
    /// x ~ N(θ + sν, 5), ν ~ N(0, 1) shared by all N events: the profile log-likelihood of θ is a parabola
    /// of variance 5/N + s², so the 68.27 % interval is θ̂ ± √(5/N + s²) exactly, and
    /// ν̂(θ) = (s/5) Σ(x_i − θ) / (N s²/5 + 1). N = 100 observed events at θ = 0, ν = 0; grid step 0.02.
    /// Tolerance 0.5 % of the half-width: the interval ends are interpolated linearly in p between
    /// grid points (on a parabola in q that is 0.1–0.3 % here); ν̂ to 10⁻⁵ (simplex size 10⁻⁷ in u).
    func testGaussianCalibrationOffset_profiledTruthInterval_isThetaHatPlusMinusSqrtFiveOverNPlusSSquared() throws {
        let n = 100
        for s in [0.0, 0.1, 0.3] {
            let simulator = try GaussianSimulator(calibrationOffset: s)
            let batch = try simulator.simulate(at: [0, 0], count: n, random: SeededRandom(seed: 11))
            let data = try ScanData.observed(batch.observables)
            let grid = try ParameterGrid(names: ["theta"], ranges: [-1.5...1.5], counts: [151])
            let profile = try ProfileLikelihood.truth(simulator: simulator, data: data, grid: grid, nuisance: ["nu"])
            let intervals = try ConfidenceRegion.intervals(scan: profile.scan, confidenceLevel: 0.6827)
            XCTAssertEqual(intervals.count, 1)
            let mean = batch.observables.storage.reduce(0, +) / Double(n)
            let half = (5 / Double(n) + s * s).squareRoot()
            // θ̂ = mean − s ν̂ with ν̂ = 0 at the maximum (the constraint pulls ν to 0 when θ is free).
            XCTAssertEqual(0.5 * (intervals[0].lower + intervals[0].upper), mean, accuracy: 0.005 * half, "s = \(s)")
            XCTAssertEqual(0.5 * (intervals[0].upper - intervals[0].lower), half, accuracy: 0.005 * half, "s = \(s)")
            print(String(format: "gaussian calibration offset s = %.1f, N = %d: profiled truth 68%% half-width %.5f, analytic √(5/N + s²) = %.5f (%+.3f %%)",
                         s, n, 0.5 * (intervals[0].upper - intervals[0].lower), half, 100 * (0.5 * (intervals[0].upper - intervals[0].lower) / half - 1)))
            let sum = batch.observables.storage.reduce(0, +)
            for j in stride(from: 0, to: grid.count, by: 25) {
                let theta = grid.point(j)[0]
                let expected = s * (sum - Double(n) * theta) / 5 / (Double(n) * s * s / 5 + 1)
                XCTAssertEqual(profile.nuisanceHat[j, 0], min(5, max(-5, expected)), accuracy: 1e-5, "ν̂ at θ = \(theta), s = \(s)")
            }
        }
    }

    /// A model whose parameters are not the grid's followed by the nuisance parameters is refused by name.
    func testMismatchedNuisance_isRefusedNamingTheParameters() throws {
        let simulator = try GaussianSimulator(calibrationOffset: 0.1)
        let data = try ScanData.observed(Matrix(rows: 2, columns: 1, storage: [0.1, -0.2]))
        let grid = try ParameterGrid(names: ["theta"], ranges: [-1...1], counts: [5])
        XCTAssertThrowsError(try ProfileLikelihood.truth(simulator: simulator, data: data, grid: grid, nuisance: ["jes"])) {
            XCTAssertTrue("\($0)".contains("theta, nu"), "\($0)")
        }
        XCTAssertThrowsError(try ProfileLikelihood.truth(simulator: GaussianSimulator(), data: data, grid: grid, nuisance: ["nu"]))
    }
}

/// x ~ N(θ + s₁ν₁ + s₂ν₂, 5): a model of one θ and two nuisance parameters with an exact profile.
private struct TwoOffsetGaussian: LogRatioEstimator {
    let s1: Double, s2: Double
    var parameterCount: Int { 3 }
    var observableCount: Int { 1 }
    func logRatio(x: Matrix<Double>, thetas: Matrix<Double>) throws -> Matrix<Double> {
        Matrix(rows: thetas.rows, columns: x.rows) { j, i in
            let m = thetas[j, 0] + s1 * thetas[j, 1] + s2 * thetas[j, 2]
            return (x[i, 0] * x[i, 0] - (x[i, 0] - m) * (x[i, 0] - m)) / 10
        }
    }
}

extension ProfileLikelihoodTests {
    /// Two nuisance parameters (the simplex path): the profile of θ is Gaussian with variance
    /// 5/N + s₁² + s₂² (the offsets add in quadrature), N = 100, s = (0.2, 0.1): half-width √0.1 within
    /// 0.5 % (grid interpolation, as for one nuisance parameter).
    func testTwoNuisanceParameters_profiledIntervalAddsTheOffsetsInQuadrature() throws {
        let x = try GaussianSimulator().simulate(at: [0.3], count: 100, random: SeededRandom(seed: 3)).observables
        let grid = try ParameterGrid(names: ["theta"], ranges: [-1.5...2], counts: [141])
        let profile = try ProfileLikelihood.ml(estimator: TwoOffsetGaussian(s1: 0.2, s2: 0.1), data: try ScanData.observed(x), grid: grid,
                                               nuisance: ["a", "b"], nuisanceRanges: [-5...5, -5...5])
        let intervals = try ConfidenceRegion.intervals(scan: profile.scan, confidenceLevel: 0.6827)
        let half = (5.0 / 100 + 0.04 + 0.01).squareRoot()
        XCTAssertEqual(intervals.count, 1)
        XCTAssertEqual(0.5 * (intervals[0].upper - intervals[0].lower), half, accuracy: 0.005 * half)
        // ν̂ lies along (s₁, s₂): ν̂₁/ν̂₂ = s₁/s₂ = 2 wherever the pull is not tiny.
        let j = 10
        XCTAssertEqual(profile.nuisanceHat[j, 0] / profile.nuisanceHat[j, 1], 2, accuracy: 1e-3)
    }

    /// The one-parameter Newton search spends few evaluations per grid point on a quadratic profile
    /// (the first parabola is exact): at most 10 per point over the 151-point scan of the gaussian model.
    func testNewtonSearch_onAQuadraticProfile_needsAFewEvaluationsPerPoint() throws {
        let simulator = try GaussianSimulator(calibrationOffset: 0.3)
        let x = try simulator.simulate(at: [0, 0], count: 100, random: SeededRandom(seed: 11)).observables
        let grid = try ParameterGrid(names: ["theta"], ranges: [-1.5...1.5], counts: [151])
        let profile = try ProfileLikelihood.truth(simulator: simulator, data: try ScanData.observed(x), grid: grid, nuisance: ["nu"])
        XCTAssertLessThanOrEqual(profile.evaluations, 10 * grid.count)
    }
}

/// x₁ ~ N(θ₁ + sν, 5), x₂ ~ N(θ₂ + sν, 5): two parameters of interest sharing one offset.
private struct SharedOffsetGaussian: LogRatioEstimator {
    let s: Double
    var parameterCount: Int { 3 }
    var observableCount: Int { 2 }
    func logRatio(x: Matrix<Double>, thetas: Matrix<Double>) throws -> Matrix<Double> {
        Matrix(rows: thetas.rows, columns: x.rows) { j, i in
            let d1 = x[i, 0] - thetas[j, 0] - s * thetas[j, 2], d2 = x[i, 1] - thetas[j, 1] - s * thetas[j, 2]
            return (x[i, 0] * x[i, 0] + x[i, 1] * x[i, 1] - d1 * d1 - d2 * d2) / 10
        }
    }
}

extension ProfileLikelihoodTests {
    /// Two parameters of interest with a shared offset: profiling ν gives the covariance (5/N)·I + s²·11ᵀ, so the
    /// 68 % contour is an ellipse of area π·c·√det, c = −2 log 0.32 (χ²₂), det = (5/N)² + 2(5/N)s². N = 100, s = 0.3:
    /// 0.7678. The contour is found by marching squares on a 61 × 61 grid (step 0.05): 2 % tolerance. With ν
    /// fixed the area is π·c·5/N = 0.3580; the profile must not return that.
    func testTwoParametersOfInterest_sharedOffset_profiledContourAreaIsTheClosedForm() throws {
        let random = SeededRandom(seed: 4)
        let n = 100
        let x = Matrix<Double>(rows: n, columns: 2) { _, _ in random.normal(mean: 0, standardDeviation: 5.0.squareRoot()) }
        let grid = try ParameterGrid(names: ["a", "b"], ranges: [-1.5...1.5, -1.5...1.5], counts: [61, 61])
        let profile = try ProfileLikelihood.ml(estimator: SharedOffsetGaussian(s: 0.3), data: try ScanData.observed(x), grid: grid,
                                               nuisance: ["nu"], nuisanceRanges: [-5...5])
        let axes = try XCTUnwrap(grid.axes)
        let paths = try ConfidenceRegion.contours(xs: axes[0].values, ys: axes[1].values, pValues: profile.scan.pValues, confidenceLevel: 0.68)
        let c = -2 * log(0.32), v = 5.0 / Double(n)
        let expected = Double.pi * c * (v * v + 2 * v * 0.09).squareRoot()
        XCTAssertEqual(RegionSummary.area(paths), expected, accuracy: 0.02 * expected)
    }
}

extension ProfileLikelihoodTests {
    /// The ν̂ search restarts at each grid row, so profiling blocks of rows apart gives the bits of the
    /// whole grid's profile (what lets `sbi fit` split the limits over processes). Both search paths:
    /// one nuisance parameter (Newton) and two (simplex).
    func testBlocksOfRows_profiledApart_giveTheWholeGridsBits() throws {
        let random = SeededRandom(seed: 9)
        let x = Matrix<Double>(rows: 60, columns: 2) { _, _ in random.normal(mean: 0.2, standardDeviation: 5.0.squareRoot()) }
        let data = try ScanData.observed(x)
        let grid = try ParameterGrid(names: ["a", "b"], ranges: [-1...1, -1...1], counts: [9, 7])
        XCTAssertEqual(ProfileLikelihood.chainLength(of: grid), 7)
        let estimator = SharedOffsetGaussian(s: 0.3)
        let whole = try ProfileLikelihood.ml(estimator: estimator, data: data, grid: grid, nuisance: ["nu"], nuisanceRanges: [-5...5])
        let logL = ProfileLikelihood.ratioLogLikelihood(estimator: estimator, data: data, names: ["a", "b", "nu"], rate: nil)
        var pieces: [Double] = []
        for rows in [0..<2, 2..<7, 7..<9] {
            let block = try ParameterGrid(names: grid.names, points: Matrix(rows: rows.count * 7, columns: 2) { r, c in grid.points[rows.lowerBound * 7 + r, c] })
            pieces += try ProfileLikelihood.profiledLogLikelihood(grid: block, nuisance: ["nu"], nuisanceRanges: [-5...5], chainLength: 7,
                                                                  logLikelihood: logL).logLikelihood
        }
        XCTAssertEqual(pieces, whole.scan.logLikelihood)

        let one = try ParameterGrid(names: ["theta"], ranges: [-1...1], counts: [70])
        XCTAssertEqual(ProfileLikelihood.chainLength(of: one), 32)
        let two = TwoOffsetGaussian(s1: 0.2, s2: 0.1)
        let x1 = try ScanData.observed(Matrix(rows: 50, columns: 1) { _, _ in random.normal(mean: 0, standardDeviation: 1) })
        let full = try ProfileLikelihood.ml(estimator: two, data: x1, grid: one, nuisance: ["a", "b"], nuisanceRanges: [-5...5, -5...5])
        let f = ProfileLikelihood.ratioLogLikelihood(estimator: two, data: x1, names: ["theta", "a", "b"], rate: nil)
        var parts: [Double] = []
        for range in [0..<32, 32..<70] {
            let block = try ParameterGrid(names: ["theta"], points: Matrix(rows: range.count, columns: 1) { r, _ in one.points[range.lowerBound + r, 0] })
            parts += try ProfileLikelihood.profiledLogLikelihood(grid: block, nuisance: ["a", "b"], nuisanceRanges: [-5...5, -5...5],
                                                                 chainLength: 32, logLikelihood: f).logLikelihood
        }
        XCTAssertEqual(parts, full.scan.logLikelihood)
    }
}
