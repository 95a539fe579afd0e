import XCTest
import SBICore
import SBIEstimators
import SBINetworks
import SBISimulation
@testable import SBIInference

/// `RatioCalibration` on the gaussian toy (x ~ N(θ, 5), reference θ1 = 0): the exact ratio and a
/// well-trained ALICES pass, an ALICES trained for one epoch is flagged.
final class RatioCalibrationTests: XCTestCase {
    /// θ0 at −3, −2, …, 3 (inside the training prior |θ0| ≤ 4), 5000 events per point and class.
    static let theta0 = Matrix<Double>(rows: 7, columns: 1) { j, _ in Double(j) - 3 }

    func calibration(_ estimator: any LogRatioEstimator) throws -> RatioCalibration {
        try RatioCalibration.evaluate(estimator: estimator, simulator: GaussianSimulator(), theta0: Self.theta0, theta1: [0],
                                      eventsPerPoint: 5000, bins: 10, random: SeededRandom(seed: 17))
    }

    /// The exact log r: ŝ is P(y = 1|x) and E_θ1[r] = 1, so both statistics follow their χ²; with one fixed
    /// seed the p-values are single draws of U(0, 1) (measured 0.84 and 0.51), far above 10⁻³, every bin's
    /// pull is within 4 (of unit σ) and every r̄_j within 4σ_j of 1.
    func testExactRatio_passesReliabilityAndClosure() throws {
        let c = try calibration(try ExactLogRatio(simulator: GaussianSimulator(), reference: [0]))
        XCTAssertTrue(c.passes, "p-values \(c.reliabilityPValue), \(c.closurePValue)")
        XCTAssertGreaterThan(c.closurePValue, 1e-3)
        XCTAssertEqual(c.closure.count, 7)
        XCTAssertEqual(c.bins.map(\.events).reduce(0, +), 2 * 7 * 5000)
        XCTAssertTrue(c.bins.allSatisfy { abs($0.pull) < 4 }, "\(c.bins.map(\.pull))")
        for p in c.closure { XCTAssertEqual(p.meanRatio, 1, accuracy: 4 * p.standardError, "θ0 = \(p.theta0)") }
    }

    /// ALICES on MadMiner's toy sample (`MadMinerToyStudy`): trained 20 epochs with the tuned settings it
    /// passes (reliability p measured 0.24, 0.87, 0.64 for network seeds 1–3, every closure point within
    /// 0.05 of 1); trained one epoch with MadMiner's tutorial settings (batch 128, lr 10⁻³, α = 0.1) its ŝ
    /// is visibly off (expected calibration error 0.011 against 0.003–0.005, reliability p measured
    /// 10⁻¹¹–10⁻²⁰ for seeds 1–3), so the diagnostics can fail, and do for a bad network.
    func testALICES_wellTrainedPasses_underTrainedIsFlagged() throws {
        let data = try MadMinerToyStudy.trainingData(MadMinerToyStudy.Settings())
        func trained(_ settings: MadMinerToyStudy.Settings, epochs: Int) throws -> ParameterizedRatioEstimator {
            try ParameterizedRatioEstimator.train(method: .alices, data: data,
                                                  network: NetworkSettings(hiddenSizes: settings.hiddenSizes, activation: .tanh, alpha: settings.alpha),
                                                  training: TrainingSettings(seed: 1, initialLearningRate: settings.initialLearningRate,
                                                                             batchSize: settings.batchSize, epochs: epochs,
                                                                             validationFraction: settings.validationFraction))
        }
        let good = try calibration(try trained(.tuned, epochs: 20))
        XCTAssertTrue(good.passes, "20 epochs: reliability p \(good.reliabilityPValue), closure \(good.closure.map(\.meanRatio))")
        let bad = try calibration(try trained(MadMinerToyStudy.Settings(), epochs: 1))
        XCTAssertFalse(bad.passes)
        XCTAssertLessThan(bad.reliabilityPValue, 1e-6)
        XCTAssertGreaterThan(bad.calibrationError, 2 * good.calibrationError)
    }

    func testAbsurdSizes_areRefusedNamingTheField() throws {
        let exact = try ExactLogRatio(simulator: GaussianSimulator(), reference: [0])
        let random = SeededRandom(seed: 1)
        assertThrowsSBIError(try RatioCalibration.evaluate(estimator: exact, simulator: GaussianSimulator(), theta0: Self.theta0, theta1: [0],
                                                           eventsPerPoint: 100_000_000, random: random), field: "eventsPerPoint")
        assertThrowsSBIError(try RatioCalibration.evaluate(estimator: exact, simulator: GaussianSimulator(), theta0: Self.theta0, theta1: [0, 1],
                                                           eventsPerPoint: 100, random: random), field: "theta1")
        assertThrowsSBIError(try RatioCalibration.evaluate(estimator: exact, simulator: GaussianSimulator(), theta0: Self.theta0, theta1: [0],
                                                           eventsPerPoint: 100, bins: 0, random: random), field: "bins")
    }
}
