import Foundation
import SBICore
import SBINetworks
import SBISimulation
import XCTest
@testable import SBIEstimators

final class NeuralDensityEstimatorTests: XCTestCase {
    /// A density sample of the gaussian (x ~ N(θ, 5), θ ~ U(−4, 4)) from the augmenter.
    private func densityData(events: Int, seed: UInt64, withScore: Bool = true) throws -> TrainingDataset {
        let request = AugmentationRequest(kind: .density, theta0: .prior([.flat(-4...4)]), count: events, seed: seed,
                                          priorPointCount: events)
        let split = try SampleAugmenter(simulator: GaussianSimulator()).augment(request).splits[0]
        return try TrainingDataset(x: split.array("x")!, theta: split.array("theta")!, tXZ: withScore ? split.array("t_xz")! : nil)
    }

    /// Mean |log p̂(x|θ) − log N(x; θ, 5)| over 2000 fresh pairs, θ ~ U(−4, 4).
    private func meanAbsoluteError(_ nde: NeuralDensityEstimator) -> Double {
        let random = SeededRandom(seed: 77)
        let n = 2000, v = GaussianSimulator.totalVariance
        let theta = Matrix<Double>(rows: n, columns: 1) { _, _ in random.uniform(-4, 4) }
        let x = Matrix<Double>(rows: n, columns: 1) { i, _ in theta[i, 0] + random.normal(standardDeviation: v.squareRoot()) }
        let estimate = nde.flow.logDensity(x: x, theta: theta)
        return (0..<n).reduce(0.0) { s, i in
            let d = x[i, 0] - theta[i, 0]
            return s + abs(estimate[i] - (-0.5 * d * d / v - 0.5 * log(2 * Double.pi * v))) / Double(n)
        }
    }

    /// Issue 18's SCANDAL bound: mean |log p̂ − log p| ≤ 0.03 with the joint score in the loss (α = 1), the
    /// NDE test's flow, sample and training. Measured 0.0092 (seeds as in the NDE test: 0.0076, 0.011,
    /// 0.0037, 0.0100), half of NDE's error: the joint score carries the θ-dependence event by event.
    /// Without t_xz in the data, training is refused naming it.
    func testSCANDAL_gaussian_logDensityWithinThreeHundredths() throws {
        let data = try densityData(events: 50_000, seed: 3)
        let training = TrainingSettings(seed: 1, initialLearningRate: 3e-3, batchSize: 64, epochs: 10, validationFraction: 0.1)
        let scandal = try NeuralDensityEstimator.train(method: .scandal, alpha: 1, data: data, flow: .init(blocks: 2, hiddenSizes: [20, 20]),
                                                       training: training)
        XCTAssertEqual(scandal.method, .scandal)
        let error = meanAbsoluteError(scandal)
        XCTAssertLessThanOrEqual(error, 0.03)
        XCTAssertThrowsError(try NeuralDensityEstimator.train(method: .scandal, data: try densityData(events: 100, seed: 3, withScore: false),
                                                              training: training)) { error in
            XCTAssertTrue("\(error)".contains("t_xz"), "\(error)")
        }
    }

    /// Issue 18's NDE bound: mean |log p̂(x|θ) − log p(x|θ)| ≤ 0.06 on fresh (x, θ) pairs with θ ~ U(−4, 4),
    /// for a flow of 2 MADEs of (20, 20) trained 10 epochs on 50 000 events (measured 0.019; sample and
    /// network seeds (3, 2), (3, 3), (4, 1), (5, 1): 0.019, 0.026, 0.022, 0.016); and the saved folder
    /// reloads to the same log p̂ bit for bit.
    func testNDE_gaussian_logDensityWithinSixHundredths_andSurvivesSaving() throws {
        let data = try densityData(events: 50_000, seed: 3)
        let training = TrainingSettings(seed: 1, initialLearningRate: 3e-3, batchSize: 64, epochs: 10, validationFraction: 0.1)
        let nde = try NeuralDensityEstimator.train(data: data, flow: .init(blocks: 2, hiddenSizes: [20, 20]), training: training)
        let random = SeededRandom(seed: 77)
        let n = 2000
        let theta = Matrix<Double>(rows: n, columns: 1) { _, _ in random.uniform(-4, 4) }
        let x = Matrix<Double>(rows: n, columns: 1) { i, _ in theta[i, 0] + random.normal(standardDeviation: GaussianSimulator.totalVariance.squareRoot()) }
        let estimate = nde.flow.logDensity(x: x, theta: theta)
        var error = 0.0
        for i in 0..<n {
            let v = GaussianSimulator.totalVariance, d = x[i, 0] - theta[i, 0]
            error += abs(estimate[i] - (-0.5 * d * d / v - 0.5 * log(2 * Double.pi * v))) / Double(n)
        }
        XCTAssertLessThanOrEqual(error, 0.06)
        let folder = NSTemporaryDirectory() + "sbi-nde-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try nde.save(to: folder)
        let loaded = try NeuralDensityEstimator.load(from: folder)
        XCTAssertEqual(loaded.flow.logDensity(x: x, theta: theta), estimate)
        XCTAssertEqual(loaded.parameterNames, ["theta0"])
        // The ratio view subtracts log p̂ at the training θ mean.
        let r = try loaded.logRatio(x: Matrix(rows: 1, columns: 1, storage: [0.5]), thetas: Matrix(rows: 1, columns: 1, storage: [1]))
        let direct = try loaded.logLikelihood(x: Matrix(rows: 1, columns: 1, storage: [0.5]), thetas: Matrix(rows: 2, columns: 1, storage: [1, loaded.reference[0]]))
        XCTAssertEqual(r[0, 0], direct[0, 0] - direct[1, 0], accuracy: 1e-12)
    }
}
