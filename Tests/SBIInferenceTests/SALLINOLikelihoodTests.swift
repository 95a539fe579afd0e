import XCTest
import SBICore
import SBIEstimators
import SBISimulation
@testable import SBIInference

/// `SALLINOLikelihood` with the exact score (a perfect SALLY network) against the exact likelihood.
final class SALLINOLikelihoodTests: XCTestCase {
    /// Gaussian (x ~ N(θ, 5)), N = 100 Asimov events at θ = 0.5, score at θ_ref = 0: the exact 68 %
    /// interval has length 2√(5/100) = 0.447. With one parameter h_θ = t̂·(θ − θ_ref) is a monotone map
    /// of x, so 20 adaptive bins lose only the binning's information (measured ×1.009); within 3 %.
    func testGaussian_intervalWithinThreePercentOfExact() throws {
        let simulator = GaussianSimulator()
        let grid = try ParameterGrid(names: ["theta"], ranges: [-0.5...1.5], counts: [81])
        let data = try ScanData.asimov(simulator: simulator, thetaTrue: [0.5], sampleEvents: 50_000, expectedEvents: 100,
                                       random: SeededRandom(seed: 3))
        let expectation = try BinExpectation.sample(for: simulator, reference: [0.5], count: 100_000, random: SeededRandom(seed: 4))
        let sallino = SALLINOLikelihood(score: try ExactScore(simulator: simulator, reference: [0]), reference: [0], bins: 20,
                                        expectation: expectation)
        let result = try sallino.scan(data: data, grid: grid, asimovTheta: [0.5])
        let interval = try XCTUnwrap(ConfidenceRegion.intervals(scan: result, confidenceLevel: 0.6827).first)
        XCTAssertEqual((interval.upper - interval.lower) / (2 * (5.0 / 100).squareRoot()), 1, accuracy: 0.03)
        XCTAssertEqual(result.bestFit[0], 0.5, accuracy: 0.03)
    }

    /// The correlated two-parameter Gaussian (`CorrelatedGaussianSimulator`), N = 100 at θ = (0, 0),
    /// score at θ_ref = (0.1, −0.1): log r(θ) depends on x only through h_θ, so the 1-D densities of h_θ
    /// give the exact likelihood ratio up to binning. 68 % area within 5 % of the exact contour's
    /// (measured ×1.023 with 20 bins of h on a 21×21 grid).
    func testCorrelatedGaussian_contourAreaWithinFivePercentOfExact() throws {
        let simulator = CorrelatedGaussianSimulator()
        let grid = try ParameterGrid(names: ["a", "b"], ranges: [-0.5...0.5, -0.5...0.5], counts: [21, 21])
        let data = try ScanData.asimov(simulator: simulator, thetaTrue: [0, 0], sampleEvents: 20_000, expectedEvents: 100,
                                       random: SeededRandom(seed: 5))
        let expectation = try BinExpectation.sample(for: simulator, reference: [0, 0], count: 50_000, random: SeededRandom(seed: 6))
        let sallino = SALLINOLikelihood(score: PerfectScore(simulator: simulator, reference: [0.1, -0.1]), reference: [0.1, -0.1],
                                        bins: 20, expectation: expectation)
        let truth = try LikelihoodScan.truth(simulator: simulator, data: data, grid: grid, rate: nil)
        let result = try sallino.scan(data: data, grid: grid, asimovTheta: [0, 0])
        let parameters = ["a", "b"].map { ContoursFile.Parameter(name: $0, unit: "", label: $0, range: -0.5...0.5) }
        let file = try ContoursFile.make(space: parameters, grid: grid, results: [("truth", "truth", truth), ("sallino", "sallino", result)],
                                         confidenceLevels: [0.68], thetaTrue: [0, 0])
        let ratio = try XCTUnwrap(file.estimators[1].regions?.first?.ratioToTruth)
        XCTAssertEqual(ratio, 1, accuracy: 0.05)
    }

    func testWrongShapes_areRefusedNamingTheField() throws {
        let simulator = GaussianSimulator()
        let data = try ScanData.asimov(simulator: simulator, thetaTrue: [0], sampleEvents: 10, expectedEvents: 10, random: SeededRandom(seed: 1))
        let expectation = try BinExpectation.sample(for: simulator, reference: [0], count: 100, random: SeededRandom(seed: 2))
        let grid = try ParameterGrid(names: ["theta"], ranges: [-1...1], counts: [5])
        let score = try ExactScore(simulator: simulator, reference: [0])
        assertThrowsSBIError(try SALLINOLikelihood(score: score, reference: [0, 0], bins: 5, expectation: expectation).scan(data: data, grid: grid),
                             field: "model")
        assertThrowsSBIError(try SALLINOLikelihood(score: score, reference: [0], bins: 20, expectation: expectation).scan(data: data, grid: grid),
                             field: "histogram")
    }
}
