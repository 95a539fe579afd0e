import XCTest
import SBICore
@testable import SBIInference

/// MadMiner's toy closure test at full size (`MadMinerToyStudy`, 4 s; `sbi bench toy` prints the figures).
final class MadMinerToyStudyTests: XCTestCase {
    /// ALICES with MadMiner's tutorial settings (α = 0.1 in standardised θ units) against the exact
    /// log r on θ ∈ [−5, 5]. Measured mean over network seeds 1–3 for training samples with seeds
    /// 2024, 7, 8, 9: 0.064, 0.065, 0.069, 0.070 (inside the prior |θ| ≤ 4: 0.013–0.015); spread
    /// of the 3-seed mean σ ≈ 0.003, so the bound 0.08 is the mean plus ≥ 3σ. MadMiner 0.9.6 gives
    /// 0.060 on such samples; the raw-θ-unit score term with Glorot initialisation gave 0.107
    /// (0.136, 0.090, 0.096), which this test rejects.
    func testALICES_madMinerTutorialSettings_logRatioMSEAtMadMinerLevel() throws {
        let settings = MadMinerToyStudy.Settings()
        let data = try MadMinerToyStudy.trainingData(settings)
        var all = 0.0, inside = 0.0
        for seed: UInt64 in 1...3 {
            let r = try MadMinerToyStudy.run(seed: seed, data: data, settings: settings)
            all += r.meanSquaredError / 3
            inside += r.meanSquaredErrorInsidePrior / 3
        }
        XCTAssertLessThanOrEqual(all, 0.08)
        XCTAssertLessThanOrEqual(inside, 0.02)
    }

    /// The same samples, network and 20 epochs with `Settings.tuned` (α = 1, batch 32, lr 3·10⁻³ → 10⁻⁴,
    /// no validation split): issue 13's bound MSE ≤ 0.03 over [−5, 5], mean of network seeds 1–3.
    /// Measured for training samples with seeds 2024, 7, 8, 9: 0.015, 0.012, 0.017, 0.019 (σ ≈ 0.003),
    /// so 0.03 is the mean plus ≥ 4σ.
    func testALICES_tunedSettings_logRatioMSEBelowThreeHundredths() throws {
        let settings = MadMinerToyStudy.Settings.tuned
        let data = try MadMinerToyStudy.trainingData(settings)
        var all = 0.0
        for seed: UInt64 in 1...3 { all += try MadMinerToyStudy.run(seed: seed, data: data, settings: settings).meanSquaredError / 3 }
        XCTAssertLessThanOrEqual(all, 0.03)
    }

    /// Doubly parameterised ALICES (alices2, `Settings.doubly`) on more_ratios samples, evaluated as
    /// log r̂(x|θ, θ1 = 0): issue 18's bound MSE ≤ 0.03 over [−5, 5], mean of network seeds 1–3.
    /// Measured for training samples with seeds 2024, 7, 8, 9: 0.013, 0.0025, 0.0049, 0.012, so 0.03 is
    /// more than twice the worst.
    func testALICES2_moreRatiosSamples_logRatioMSEBelowThreeHundredths() throws {
        let settings = MadMinerToyStudy.Settings.doubly
        let data = try MadMinerToyStudy.trainingData(settings)
        var all = 0.0
        for seed: UInt64 in 1...3 {
            all += try MadMinerToyStudy.run(seed: seed, data: data, settings: settings).meanSquaredError / 3
        }
        XCTAssertLessThanOrEqual(all, 0.03)
    }
}
