import Foundation
import XCTest
import SBICore
import SBINetworks
@testable import SBIEstimators

/// MadMiner's toy comparison (issue 6): 50,000 θ0 ~ U(−4, 4), θ1 = 0, one x from each → 100,000
/// samples; (20, 20) tanh; 20 epochs; MSE of log r̂ − log r over 1,000 x drawn at θ = 1 and 100 θ in [−5, 5].
/// MadMiner's tutorial reports 0.337 (CARL) and 0.090 (ALICES).
final class ParameterizedRatioEstimatorTests: XCTestCase {
    /// The shared toy data (built once; 100,000 rows).
    nonisolated(unsafe) static var toy: TrainingDataset?

    /// 20 epochs as in MadMiner's tutorial, AMSGrad, learning rate 3e-3 → 1e-4, batch 32, all 100,000
    /// samples trained on (no validation split, so no early stopping). Measured for CARL with these
    /// settings: seeds 7, 8, 9 give MSE 0.192, 0.190, 0.179; MadMiner's defaults (lr 1e-3, batch 128,
    /// 25 % validation) give 0.29–0.33. The error is dominated by θ ∈ [−5, −4] ∪ [4, 5], outside the
    /// training prior U(−4, 4): on θ ∈ [−3.95, 3.95] CARL's MSE is 0.035–0.04.
    static let toySettings = TrainingSettings(seed: 9, initialLearningRate: 3e-3, batchSize: 32, epochs: 20, validationFraction: 0)

    static func dataset() throws -> TrainingDataset {
        if let toy { return toy }
        let s = try GaussianToy.ratioSamples(pairs: 50_000, seed: 2024)
        let d = try TrainingDataset(x: s.x, theta: s.theta0, y: s.y, rXZ: s.rXZ, tXZ: s.tXZ0)
        toy = d
        return d
    }

    /// Trains `method` on the toy data and returns MSE(log r̂ − log r) on the evaluation grid.
    func toyMSE(_ method: EstimatorMethod, file: StaticString = #filePath, line: UInt = #line) throws -> Double {
        let data = try Self.dataset()
        let start = ProgressReporter.monotonicSeconds()
        let estimator = try ParameterizedRatioEstimator.train(
            method: method, data: data, network: NetworkSettings(hiddenSizes: [20, 20], activation: .tanh, alpha: 1),
            training: Self.toySettings, progress: ProgressReporter(stage: "test", total: nil, quiet: true))
        let seconds = ProgressReporter.monotonicSeconds() - start
        let x = try GaussianToy.events(at: 1, count: 1000, seed: 99)
        let thetas = GaussianToy.grid(-5, 5, 100)
        let mse = GaussianToy.logRatioMSE(try estimator.logRatio(x: x, thetas: thetas), x: x, thetas: thetas)
        print("toy \(method.rawValue): MSE \(mse), training \(seconds) s")
        return mse
    }

    func testCARL_toySetup_beatsMadMinerTutorial() throws {
        // Issue 6's bound (MadMiner's tutorial: 0.337). Measured 0.196 (seed 9, nn.Linear initialisation);
        // 0.175–0.192 for seeds 7–9 with the earlier Glorot initialisation.
        XCTAssertLessThanOrEqual(try toyMSE(.carl), 0.2)
    }

    func testALICES_toySetup_beatsMadMinerTutorial() throws {
        // Issue 6's bound (MadMiner's tutorial: 0.090). Measured 0.019 (seed 9, score term in standardised θ
        // units, nn.Linear initialisation); 0.024–0.026 for seeds 7–9 before.
        XCTAssertLessThanOrEqual(try toyMSE(.alices), 0.05)
    }

    func testROLR_toySetup_withinStatedBound() throws {
        // Measured 0.102 (seed 9, settings above; 0.099–0.102 before the initialisation change); bound 0.2 gives a factor 2 of margin.
        XCTAssertLessThanOrEqual(try toyMSE(.rolr), 0.2)
    }

    func testALICE_toySetup_withinStatedBound() throws {
        // Measured 0.074 (0.065 with the earlier Glorot initialisation); bound 0.13 (factor 1.8).
        XCTAssertLessThanOrEqual(try toyMSE(.alice), 0.13)
    }

    func testCASCAL_toySetup_withinStatedBound() throws {
        // Measured 0.032 (0.059–0.066 with raw-unit score term and Glorot initialisation); bound 0.12.
        XCTAssertLessThanOrEqual(try toyMSE(.cascal), 0.12)
    }

    func testRASCAL_toySetup_withinStatedBound() throws {
        // Measured 0.097 (0.100–0.103 before); bound 0.2 (factor 2).
        XCTAssertLessThanOrEqual(try toyMSE(.rascal), 0.2)
    }
}

/// Properties of the parameterised estimator that need no long training.
final class ParameterizedRatioPropertyTests: XCTestCase {
    /// A small untrained network with a non-trivial θ scaling.
    func makeEstimator() throws -> ParameterizedRatioEstimator {
        let arch = MLPArchitecture(nObservables: 1, nParameters: 1, hiddenSizes: [8, 8], activation: .tanh)
        let scaling = InputScaling(observableMean: [0.3], observableStd: [2.5], parameterMean: [-0.4], parameterStd: [2.3])
        return try ParameterizedRatioEstimator(network: MLP(architecture: arch, scaling: scaling, random: SeededRandom(seed: 5)),
                                               method: .alices)
    }

    func testScore_againstFiniteDifferences_matchesInRawThetaUnits() throws {
        // t̂ from θ-tangents must be ∂f/∂θ in raw θ (the scaling 1/σ_θ applied once): compare with a
        // central difference of log r̂ in Double-rounded Float32 network (h = 1e-2; error O(h²·f''') ≲ 1e-4
        // plus Float rounding 1e-6/h ≈ 1e-4; tolerance 2e-3).
        let e = try makeEstimator()
        let x = Matrix<Double>(rows: 5, columns: 1) { i, _ in -2 + Double(i) }
        let thetas = Matrix<Double>(rows: 3, columns: 1) { j, _ in -1.5 + 1.5 * Double(j) }
        let (_, score) = try e.logRatioAndScore(x: x, thetas: thetas)
        let h = 1e-2
        let plus = try e.logRatio(x: x, thetas: Matrix(rows: 3, columns: 1) { j, _ in thetas[j, 0] + h })
        let minus = try e.logRatio(x: x, thetas: Matrix(rows: 3, columns: 1) { j, _ in thetas[j, 0] - h })
        for j in 0..<3 {
            for i in 0..<5 {
                XCTAssertEqual(score[j * 5 + i, 0], (plus[j, i] - minus[j, i]) / (2 * h), accuracy: 2e-3, "θ \(j), x \(i)")
            }
        }
    }

    func testGridAndPairedEvaluation_agree() throws {
        // Same network, same Float inputs: grid and paired evaluations are the same operations (exact).
        let e = try makeEstimator()
        let x = Matrix<Double>(rows: 7, columns: 1) { i, _ in Double(i) - 3 }
        let grid = try e.logRatio(x: x, thetas: Matrix(rows: 1, columns: 1, storage: [0.7]))
        let paired = try e.logRatio(x: x, pairedThetas: Matrix(rows: 7, columns: 1, repeating: 0.7))
        for i in 0..<7 { XCTAssertEqual(grid[0, i], paired[i], accuracy: 1e-6) }
    }

    func testGridOnSeveralWorkers_agreesWithPairedEvaluation() throws {
        // 5000 events: the grid runs on one worker per OpenBLAS thread (first layer split into an
        // x part once per event and a θ part once per θ); Float32 rounding of the split sum
        // differs from the plain forward pass by ~1e-7 relative, so 1e-5 absolute on |log r̂| ≲ 3.
        let e = try makeEstimator()
        let n = 5000
        let x = Matrix<Double>(rows: n, columns: 1) { i, _ in -4 + 8 * Double(i) / Double(n) }
        let thetas = Matrix<Double>(rows: 3, columns: 1, storage: [-1.2, 0.1, 2.0])
        let threads = BLASLibrary.threadCount
        let grid = try e.logRatio(x: x, thetas: thetas)
        XCTAssertEqual(BLASLibrary.threadCount, threads, "the OpenBLAS thread count is restored")
        for j in 0..<3 {
            let paired = try e.logRatio(x: x, pairedThetas: Matrix(rows: n, columns: 1, repeating: thetas[j, 0]))
            var worst = 0.0
            for i in 0..<n { worst = max(worst, abs(grid[j, i] - paired[i])) }
            XCTAssertLessThan(worst, 1e-5, "θ = \(thetas[j, 0])")
        }
    }

    func testBadInputs_throwDataErrorsNamingTheField() throws {
        let e = try makeEstimator()
        let thetas = Matrix<Double>(rows: 1, columns: 1, storage: [0])
        XCTAssertThrowsError(try e.logRatio(x: Matrix(rows: 2, columns: 2), thetas: thetas)) {
            XCTAssertEqual(($0 as? SBIError)?.field, "x")
        }
        XCTAssertThrowsError(try e.logRatio(x: Matrix(rows: 1, columns: 1, storage: [.nan]), thetas: thetas)) {
            XCTAssertEqual(($0 as? SBIError)?.kind, .data)
        }
        XCTAssertThrowsError(try e.logRatio(x: Matrix(rows: 2, columns: 1), pairedThetas: thetas)) {
            XCTAssertEqual(($0 as? SBIError)?.field, "thetas")
        }
    }

    func testMethodParse_unknownName_listsValidValues() {
        XCTAssertEqual(try EstimatorMethod.parse("ALICES"), .alices)
        XCTAssertThrowsError(try EstimatorMethod.parse("alicse")) {
            XCTAssertEqual(($0 as? SBIError)?.message,
                           "unknown method \"alicse\"; expected one of carl, rolr, alice, alices, cascal, rascal, carl2, rolr2, alice2, alices2, cascal2, rascal2, sally, nde, scandal")
        }
    }

    func testTrain_scoreMethodWithoutJointScores_throwsNamingTXZ() throws {
        let x = Matrix<Float>(rows: 4, columns: 1) { i, _ in Float(i) }
        let data = try TrainingDataset(x: x, theta: x, y: [0, 1, 0, 1], rXZ: [1, 1, 1, 1])
        XCTAssertThrowsError(try ParameterizedRatioEstimator.train(method: .alices, data: data, training: TrainingSettings(seed: 1, epochs: 1))) {
            XCTAssertEqual(($0 as? SBIError)?.field, "t_xz")
        }
        let noRatio = try TrainingDataset(x: x, theta: x, y: [0, 1, 0, 1])
        XCTAssertThrowsError(try ParameterizedRatioEstimator.train(method: .rolr, data: noRatio, training: TrainingSettings(seed: 1, epochs: 1))) {
            XCTAssertEqual(($0 as? SBIError)?.field, "r_xz")
        }
        XCTAssertThrowsError(try ParameterizedRatioEstimator.train(method: .sally, data: noRatio, training: TrainingSettings(seed: 1, epochs: 1))) {
            XCTAssertEqual(($0 as? SBIError)?.field, "method")
        }
    }

    func testSaveLoad_roundTrip_identicalPredictions() throws {
        let e = try makeEstimator()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sbi-est-\(getpid())-ratio").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try e.save(to: folder)
        let loaded = try ParameterizedRatioEstimator.load(from: folder)
        XCTAssertEqual(loaded.method, .alices)
        let x = Matrix<Double>(rows: 3, columns: 1, storage: [-1, 0, 2])
        let thetas = Matrix<Double>(rows: 2, columns: 1, storage: [-1, 1])
        XCTAssertEqual(try loaded.logRatio(x: x, thetas: thetas), try e.logRatio(x: x, thetas: thetas))
        XCTAssertThrowsError(try SALLYEstimator.load(from: folder)) { XCTAssertEqual(($0 as? SBIError)?.field, "kind") }
    }
}
