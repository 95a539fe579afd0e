import XCTest
import SBICore
import SBISimulation
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
