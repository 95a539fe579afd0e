import Foundation
import XCTest
import SBICore
import SBINetworks
import SBISimulation
@testable import SBIEstimators

final class SALLYEstimatorTests: XCTestCase {
    /// SALLY on `gaussian` at θ_ref = 0: 50,000 local samples (x, t_xz = (z − 0)/4), (20, 20) tanh,
    /// 10 epochs; t̂(x) against the exact score t(x|0) = x/5 on 2,000 x drawn at θ_ref.
    func testSALLY_gaussianAtReference_matchesExactScore() throws {
        let simulator = GaussianSimulator()
        let n = 50_000
        let events = try simulator.simulate(at: [0], count: n, random: SeededRandom(seed: 31))
        var gradient: Matrix<Double>? = Matrix(rows: n, columns: 1)
        _ = try simulator.jointLogLikelihood(latent: events.latent, at: [0], gradient: &gradient)
        let data = try TrainingDataset(x: events.observables.converted(to: Float.self), tXZ: gradient!.converted(to: Float.self))
        let estimator = try SALLYEstimator.train(data: data, network: NetworkSettings(hiddenSizes: [20, 20]),
                                                 training: TrainingSettings(seed: 3, initialLearningRate: 3e-3, epochs: 10),
                                                 progress: ProgressReporter(stage: "test", total: nil, quiet: true))
        let x = try GaussianToy.events(at: 0, count: 2000, seed: 77)
        let t = try estimator.score(x: x)
        let exact = try simulator.exactScore(observables: x, at: [0])
        var mse = 0.0
        for i in 0..<x.rows { mse += (t[i, 0] - exact[i]) * (t[i, 0] - exact[i]) }
        mse /= Double(x.rows)
        print("SALLY MSE \(mse)")
        // The model folder round-trips (SALLY has no θ inputs; model.json lists none).
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sbi-est-\(getpid())-sally").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try estimator.save(to: folder)
        XCTAssertEqual(try SALLYEstimator.load(from: folder).score(x: x), t)
        // Var t(x) = 1/5 = 0.2; the regression target's noise Var[t_xz|x] = 1/20 per sample averages out
        // over 37,500 training rows. Measured 6e-5 (seed 3); bound 0.005 = 2.5 % of Var t(x).
        XCTAssertLessThan(mse, 0.005)
    }

    func testSALLINO_projection_isScoreDotDirection() throws {
        // With the exact score wrapped as an estimator, h(x|θ) = (x − θ_ref)/5 · (θ − θ_ref) exactly.
        struct Exact: ScoreEstimator {
            var parameterCount: Int { 1 }
            var observableCount: Int { 1 }
            func score(x: Matrix<Double>) throws -> Matrix<Double> { Matrix(rows: x.rows, columns: 1) { i, _ in (x[i, 0] - 0.5) / 5 } }
        }
        let sallino = SALLINOStatistic(estimator: Exact(), referenceTheta: [0.5])
        let x = Matrix<Double>(rows: 3, columns: 1, storage: [-1, 0.5, 3])
        let h = try sallino.statistic(x: x, theta: [2])
        for i in 0..<3 { XCTAssertEqual(h[i], (x[i, 0] - 0.5) / 5 * 1.5, accuracy: 1e-12) }
        XCTAssertThrowsError(try sallino.statistic(x: x, theta: [1, 2]))
    }

    func testProjectedScoreDensity_normalSample_matchesNormalDensity() throws {
        // 200,000 draws of N(0, 1) in 60 bins over ≈ [−4.7, 4.7] (width ≈ 0.16): within |h| ≤ 1.5 the
        // histogram's bias (w²/24·|p''/p| ≲ 0.003) and its Poisson noise (1/√count ≲ 0.02) give
        // |log p̂ − log p| < 0.05.
        let random = SeededRandom(seed: 12)
        let values = (0..<200_000).map { _ in random.normal() }
        let density = try ProjectedScoreDensity(values: values, binCount: 60)
        for h in stride(from: -1.5, through: 1.5, by: 0.25) {
            let center = density.lower + (Double(Int((h - density.lower) / density.width)) + 0.5) * density.width
            let exact = -0.5 * center * center - 0.5 * log(2 * Double.pi)
            XCTAssertEqual(density.logDensity(at: h), exact, accuracy: 0.05, "h = \(h)")
        }
        XCTAssertThrowsError(try ProjectedScoreDensity(values: [1, .nan]))
    }
}
