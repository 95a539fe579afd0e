import Foundation
import XCTest
import SBICore
import SBINetworks
@testable import SBIEstimators

final class DoublyParameterizedRatioEstimatorTests: XCTestCase {
    nonisolated(unsafe) static var toy: TrainingDataset?

    /// 50,000 pairs with θ0, θ1 ~ U(−4, 4), one x from each (100,000 rows), gold r_xz, t_xz0, t_xz1.
    static func dataset() throws -> TrainingDataset {
        if let toy { return toy }
        let s = try GaussianToy.ratioSamples(pairs: 50_000, seed: 4048, doubly: true)
        let d = try DoublyParameterizedRatioEstimator.dataset(x: s.x, theta0: s.theta0, theta1: s.theta1, y: s.y,
                                                              rXZ: s.rXZ, tXZ0: s.tXZ0, tXZ1: s.tXZ1)
        toy = d
        return d
    }

    /// MSE of log r̂(x|θ0, θ1) against the exact ratio on a 9×9 grid θ0, θ1 ∈ [−3, 3] for 500 x drawn at θ = 0.
    func gridMSE(_ e: DoublyParameterizedRatioEstimator) throws -> Double {
        let x = try GaussianToy.events(at: 0, count: 500, seed: 55)
        var t0: [Double] = [], t1: [Double] = []
        for a in 0..<9 { for b in 0..<9 { t0.append(-3 + 0.75 * Double(a)); t1.append(-3 + 0.75 * Double(b)) } }
        let r = try e.logRatio(x: x, theta0: Matrix(rows: 81, columns: 1, storage: t0), theta1: Matrix(rows: 81, columns: 1, storage: t1))
        var s = 0.0
        for j in 0..<81 {
            for i in 0..<x.rows {
                let d = r[j, i] - GaussianToy.exactLogRatio(x: x[i, 0], theta: t0[j], theta1: t1[j])
                s += d * d
            }
        }
        return s / Double(81 * x.rows)
    }

    func train(_ method: EstimatorMethod) throws -> DoublyParameterizedRatioEstimator {
        let start = ProgressReporter.monotonicSeconds()
        let e = try DoublyParameterizedRatioEstimator.train(
            method: method, data: Self.dataset(), network: NetworkSettings(hiddenSizes: [20, 20]),
            training: ParameterizedRatioEstimatorTests.toySettings, progress: ProgressReporter(stage: "t", total: nil, quiet: true))
        print("doubly \(method.rawValue): training \(ProgressReporter.monotonicSeconds() - start) s")
        return e
    }

    func testALICES2_gaussianGrid_accurateAndExactlyAntisymmetric() throws {
        let e = try train(.alices2)
        let mse = try gridMSE(e)
        print("doubly alices2 MSE \(mse)")
        // Measured 0.0027–0.0033 (seed 9, the toy settings); bound 0.01 (factor 3). The grid stays inside
        // the training prior U(−4, 4)², where the exact log r has a mean square of ≈ 1.9.
        XCTAssertLessThan(mse, 0.01)
        // Antisymmetry holds exactly: the swapped evaluation runs the same Float operations.
        let x = try GaussianToy.events(at: 0.5, count: 300, seed: 56)
        let a = Matrix<Double>(rows: 4, columns: 1, storage: [-2, -0.3, 1.1, 3.7])
        let b = Matrix<Double>(rows: 4, columns: 1, storage: [0.4, 2.5, -1.9, 3.7])
        let forward = try e.logRatio(x: x, theta0: a, theta1: b)
        let backward = try e.logRatio(x: x, theta0: b, theta1: a)
        for j in 0..<4 { for i in 0..<x.rows { XCTAssertEqual(forward[j, i], -backward[j, i]) } }
        for i in 0..<x.rows { XCTAssertEqual(forward[3, i], 0) }
    }

    func testCARL2_gaussianGrid_withinStatedBound() throws {
        let mse = try gridMSE(train(.carl2))
        print("doubly carl2 MSE \(mse)")
        // Measured 0.0044–0.0046 (seed 9); bound 0.012 (factor 2.6).
        XCTAssertLessThan(mse, 0.012)
    }

    func testObjectiveGradient_againstFiniteDifferences() throws {
        // ∂L/∂w of the antisymmetrised network with both score terms (alices2) against central
        // differences of the Float32 loss (h = 1e-2: truncation O(h²) ~ 1e-4, rounding 1e-7/h ~ 1e-5;
        // tolerance 2e-3 + 2 % of the gradient).
        let s = try GaussianToy.ratioSamples(pairs: 8, seed: 3, doubly: true)
        let theta = Matrix<Float>(rows: 16, columns: 2) { i, j in j == 0 ? s.theta0[i, 0] : s.theta1[i, 0] }
        let scores = Matrix<Float>(rows: 16, columns: 2) { i, j in j == 0 ? s.tXZ0[i, 0] : s.tXZ1[i, 0] }
        let batch = TrainingBatch(x: s.x, theta: theta, y: s.y, rXZ: s.rXZ, tXZ: scores)
        let arch = MLPArchitecture(nObservables: 1, nParameters: 2, hiddenSizes: [6, 5], activation: .tanh)
        let scaling = InputScaling(observableMean: [0.2], observableStd: [2], parameterMean: [0.1, 0.1], parameterStd: [2.2, 2.2])
        let objective = DoublyRatioObjective(network: MLP(architecture: arch, scaling: scaling, random: SeededRandom(seed: 8)),
                                             method: .alices2, alpha: 0.7)
        var gradient = [Float](repeating: 0, count: objective.parameterCount)
        _ = gradient.withUnsafeMutableBufferPointer { objective.lossAndGradient(batch, gradient: $0) }
        let h: Float = 1e-2
        for k in stride(from: 0, to: objective.parameterCount, by: 3) {
            let original = objective.network.parameters[k]
            objective.network.parameters[k] = original + h
            let plus = objective.loss(batch)
            objective.network.parameters[k] = original - h
            let minus = objective.loss(batch)
            objective.network.parameters[k] = original
            let fd = (plus - minus) / Double(2 * h)
            XCTAssertEqual(Double(gradient[k]), fd, accuracy: 2e-3 + 0.02 * abs(fd), "parameter \(k)")
        }
    }

    func testDataset_missingSecondScore_throws() throws {
        let m = Matrix<Float>(rows: 2, columns: 1, storage: [0, 1])
        XCTAssertThrowsError(try DoublyParameterizedRatioEstimator.dataset(x: m, theta0: m, theta1: m, y: [0, 1], tXZ0: m)) {
            XCTAssertEqual(($0 as? SBIError)?.field, "t_xz1")
        }
    }
}
