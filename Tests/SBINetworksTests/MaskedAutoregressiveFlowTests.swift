import Foundation
import SBICore
import XCTest
@testable import SBINetworks

final class MaskedAutoregressiveFlowTests: XCTestCase {
    /// A flow whose weights are scaled up (×`gain`) from the fresh ones, so every block is far from
    /// the identity; masked weights stay zero.
    private func flow(d: Int, p: Int, blocks: Int, hidden: [Int], gain: Float, seed: UInt64,
                      scaling: InputScaling? = nil) throws -> MaskedAutoregressiveFlow {
        let a = MAFArchitecture(nObservables: d, nParameters: p, blocks: blocks, hiddenSizes: hidden, activation: .tanh)
        let s = scaling ?? .identity(nObservables: d, nParameters: p)
        let fresh = try MaskedAutoregressiveFlow(architecture: a, scaling: s, random: SeededRandom(seed: seed))
        return try MaskedAutoregressiveFlow(architecture: a, scaling: s, parameters: fresh.parameters.map { $0 * gain })
    }

    /// Indices of the weights the autoregressive masks zero, over all blocks.
    private func maskedIndices(_ f: MaskedAutoregressiveFlow) -> Set<Int> {
        let masks = f.masks, widths = f.architecture.layerWidths
        var masked = Set<Int>()
        var offset = 0
        for _ in 0..<f.architecture.blocks {
            for l in 0..<(widths.count - 1) {
                for k in 0..<(widths[l] * widths[l + 1]) where masks[l][k] == 0 { masked.insert(offset + k) }
                offset += widths[l + 1] * (widths[l] + 1)
            }
        }
        return masked
    }

    /// The density integrates to one over x for any weights and θ: a 2-D flow of 3 blocks (weights ×4,
    /// far from the identity) on a 241×241 grid over [−12, 12]² (x scaled by s = (1.5, 0.7)), at two θ.
    /// A wrong mask (μ_d seeing x_d), a missing log-det term or a wrong reversal breaks it by far more
    /// than the 1 % allowed (the trapezoid error on this grid is < 10⁻⁴ for densities this smooth).
    func testLogDensity_anyWeights_integratesToOne() throws {
        let scaling = InputScaling(observableMean: [0.3, -0.2], observableStd: [1.5, 0.7], parameterMean: [0], parameterStd: [2])
        let f = try flow(d: 2, p: 1, blocks: 3, hidden: [8, 8], gain: 4, seed: 3, scaling: scaling)
        let n = 241, lo = -12.0, step = 24.0 / Double(n - 1)
        let x = Matrix<Double>(rows: n * n, columns: 2) { i, j in lo + step * Double(j == 0 ? i / n : i % n) }
        for theta in [-1.5, 2.0] {
            let logP = f.logDensity(x: x, theta: Matrix(rows: n * n, columns: 1) { _, _ in theta })
            let integral = logP.reduce(0) { $0 + exp($1) } * step * step
            XCTAssertEqual(integral, 1, accuracy: 0.01, "θ = \(theta)")
        }
    }

    /// The grid evaluation split over workers gives the bits of one worker (each θ row runs the same chunks),
    /// and every row equals the paired evaluation at that θ: 9000 events (three chunks, the last partial) on
    /// 7 grid points with 1, 2, 3 and 8 workers.
    func testLogDensityGrid_anyWorkerCount_sameBitsAsOneWorkerAndAsPairedRows() throws {
        let f = try flow(d: 3, p: 2, blocks: 2, hidden: [16, 16], gain: 2, seed: 5)
        let random = SeededRandom(seed: 6)
        let x = Matrix<Double>(rows: 9000, columns: 3) { _, _ in random.normal() }
        let thetas = Matrix<Double>(rows: 7, columns: 2) { i, j in Double(i) * 0.3 - 1 + Double(j) * 0.1 }
        let one = f.logDensity(x: x, thetas: thetas, workers: 1)
        for workers in [2, 3, 8] { XCTAssertEqual(f.logDensity(x: x, thetas: thetas, workers: workers), one, "\(workers) workers") }
        for j in [0, 6] {
            let paired = f.logDensity(x: x, theta: Matrix(rows: x.rows, columns: 2) { _, k in thetas[j, k] })
            XCTAssertEqual(Array(one.storage[(j * x.rows)..<((j + 1) * x.rows)]), paired, "θ row \(j)")
        }
    }

    /// The autoregressive structure: in a one-block flow, changing x_1 leaves (μ_0, α_0), hence the first
    /// variable's u, unchanged; a 1-D flow's density depends on θ (degree-0 hidden units see θ).
    func testMasks_firstVariableIgnoresLaterOnes_andEveryVariableSeesTheta() throws {
        let f = try flow(d: 3, p: 2, blocks: 1, hidden: [9], gain: 3, seed: 5)
        let ws = MAFWorkspace(architecture: f.architecture, capacity: 2, tangents: false)
        let x: [Float] = [0.4, -1.0, 0.7, 0.4, 2.0, -0.3], theta: [Float] = [0.5, -0.5, 0.5, -0.5]
        x.withUnsafeBufferPointer { xp in theta.withUnsafeBufferPointer { tp in f.forward(x: xp, theta: tp, count: 2, workspace: ws) } }
        XCTAssertEqual(ws.u[0][0], ws.u[0][3], "u_0 depends on x_0 and θ only")
        XCTAssertNotEqual(ws.u[0][1], ws.u[0][4], "u_1 depends on x_1")
        let one = try flow(d: 1, p: 1, blocks: 2, hidden: [6], gain: 2, seed: 6)
        let a = one.logDensity(x: Matrix(rows: 1, columns: 1, storage: [0.3]), theta: Matrix(rows: 1, columns: 1, storage: [-1]))
        let b = one.logDensity(x: Matrix(rows: 1, columns: 1, storage: [0.3]), theta: Matrix(rows: 1, columns: 1, storage: [1]))
        XCTAssertGreaterThan(abs(a[0] - b[0]), 1e-3)
    }

    /// The analytic gradient of the mean negative log-likelihood equals central finite differences of
    /// the loss for every weight (3 blocks, D = 3, P = 2, two hidden layers, 9 rows; step 10⁻³ in Float32,
    /// tolerance 3·10⁻³ + 3 %: the FD error of a Float32 loss of size ~5 is ~10⁻³); masked weights get 0.
    func testGradient_matchesFiniteDifferences() throws {
        let f = try flow(d: 3, p: 2, blocks: 3, hidden: [7, 6], gain: 2, seed: 9)
        let objective = MAFObjective(flow: f)
        let random = SeededRandom(seed: 11)
        let batch = TrainingBatch(x: Matrix(rows: 9, columns: 3) { _, _ in Float(random.normal()) },
                                  theta: Matrix(rows: 9, columns: 2) { _, _ in Float(random.uniform(-1, 1)) })
        try objective.validate(batch)
        let (checked, maskedZero) = checkGradient(objective, batch)
        XCTAssertGreaterThan(checked, 100)
        XCTAssertGreaterThan(maskedZero, 10)
    }

    /// Compares `objective`'s analytic gradient on `batch` with central differences of its loss (step 10⁻³,
    /// tolerance 3·10⁻³ + 3 %) for every unmasked weight, and checks that masked weights get 0; returns how
    /// many weights of each kind it checked.
    private func checkGradient(_ objective: MAFObjective, _ batch: TrainingBatch) -> (checked: Int, masked: Int) {
        let f = objective.flow
        var gradient = [Float](repeating: .nan, count: objective.parameterCount)
        let value = gradient.withUnsafeMutableBufferPointer { objective.lossAndGradient(batch, gradient: $0) }
        XCTAssertEqual(value, objective.loss(batch), accuracy: 1e-5 * abs(value))
        let h: Float = 1e-3
        var checked = 0, maskedZero = 0
        let masked = maskedIndices(f)
        for i in 0..<objective.parameterCount {
            if masked.contains(i) { XCTAssertEqual(gradient[i], 0); maskedZero += 1; continue }
            let saved = f.parameters[i]
            f.parameters[i] = saved + h
            let up = objective.loss(batch)
            f.parameters[i] = saved - h
            let down = objective.loss(batch)
            f.parameters[i] = saved
            let numeric = (up - down) / Double(2 * h)
            XCTAssertEqual(Double(gradient[i]), numeric, accuracy: 3e-3 + 0.03 * abs(numeric), "weight \(i)")
            checked += 1
        }
        return (checked, maskedZero)
    }

    /// A training step runs the batch as two halves, on two threads with `workers` ≥ 2 and one after the other with 1:
    /// the loss and every gradient bit are the same either way (NDE and SCANDAL, an odd batch of 37 rows), and equal
    /// the mean of the halves' own losses.
    func testTwoHalves_sameBitsWithOneOrTwoWorkers() throws {
        for alpha in [0.0, 0.7] {
            let f = try flow(d: 3, p: 2, blocks: 3, hidden: [8, 6], gain: 1.5, seed: 4)
            let random = SeededRandom(seed: 21)
            let batch = TrainingBatch(x: Matrix(rows: 37, columns: 3) { _, _ in Float(random.normal()) },
                                      theta: Matrix(rows: 37, columns: 2) { _, _ in Float(random.uniform(-1, 1)) },
                                      tXZ: Matrix(rows: 37, columns: 2) { _, _ in Float(random.normal()) })
            var results: [(Double, [Float])] = []
            for workers in [1, 2] {
                let objective = MAFObjective(flow: f, alpha: alpha, workers: workers)
                var gradient = [Float](repeating: .nan, count: objective.parameterCount)
                let value = gradient.withUnsafeMutableBufferPointer { objective.lossAndGradient(batch, gradient: $0) }
                results.append((value, gradient))
            }
            XCTAssertEqual(results[0].0, results[1].0, "α = \(alpha)")
            XCTAssertEqual(results[0].1, results[1].1, "α = \(alpha)")
            XCTAssertFalse(results[0].1.contains { $0.isNaN })
            XCTAssertEqual(results[0].0, MAFObjective(flow: f, alpha: alpha).loss(batch), accuracy: 1e-9 * abs(results[0].0))
        }
    }

    /// Bad weights are refused with the field named: wrong count, NaN, a masked weight that is not zero.
    func testInit_badWeights_areRefused() throws {
        let f = try flow(d: 2, p: 1, blocks: 1, hidden: [4], gain: 1, seed: 1)
        let a = f.architecture, s = f.scaling
        XCTAssertThrowsError(try MaskedAutoregressiveFlow(architecture: a, scaling: s, parameters: Array(f.parameters.dropLast())))
        var nan = f.parameters; nan[3] = .nan
        XCTAssertThrowsError(try MaskedAutoregressiveFlow(architecture: a, scaling: s, parameters: nan))
        let maskedIndex = try XCTUnwrap(f.masks[0].firstIndex(of: 0))
        var unmasked = f.parameters; unmasked[maskedIndex] = 0.5
        XCTAssertThrowsError(try MaskedAutoregressiveFlow(architecture: a, scaling: s, parameters: unmasked)) { error in
            XCTAssertTrue("\(error)".contains("masked"), "\(error)")
        }
    }

    /// The score t̂ = ∇_θ log p̂ carried by θ-tangents through 3 blocks (D = 3, P = 2, weights ×2) equals central
    /// differences of log p̂ in θ (step 10⁻², Float32 log p̂: tolerance 3·10⁻³ + 1 %), and the values agree
    /// with the plain forward pass.
    func testScore_matchesFiniteDifferencesOfLogDensity() throws {
        let scaling = InputScaling(observableMean: [0, 1, -1], observableStd: [1, 2, 0.5], parameterMean: [0.2, -0.3], parameterStd: [1.5, 0.8])
        let f = try flow(d: 3, p: 2, blocks: 3, hidden: [7, 6], gain: 2, seed: 21, scaling: scaling)
        let random = SeededRandom(seed: 5)
        let x = Matrix<Double>(rows: 20, columns: 3) { _, j in scaling.observableMean[j] + scaling.observableStd[j] * random.normal() }
        let theta = Matrix<Double>(rows: 20, columns: 2) { _, _ in random.uniform(-1, 1) }
        let (logP, score) = f.logDensityAndScore(x: x, theta: theta)
        let plain = f.logDensity(x: x, theta: theta)
        for i in 0..<20 { XCTAssertEqual(logP[i], plain[i], accuracy: 1e-5 * max(1, abs(plain[i]))) }
        let h = 1e-2
        for k in 0..<2 {
            var up = theta, down = theta
            for i in 0..<20 { up[i, k] += h; down[i, k] -= h }
            let a = f.logDensity(x: x, theta: up), b = f.logDensity(x: x, theta: down)
            for i in 0..<20 {
                let numeric = (a[i] - b[i]) / (2 * h)
                XCTAssertEqual(score[i, k], numeric, accuracy: 3e-3 + 0.01 * abs(numeric), "row \(i), θ_\(k)")
            }
        }
    }

    /// SCANDAL's loss (NLL + α·score term, α = 0.7) differentiated through the θ-tangents: the analytic
    /// gradient equals central finite differences of the loss for every weight (3 blocks, D = 2, P = 2,
    /// two hidden layers, 8 rows; step 10⁻³, tolerance 3·10⁻³ + 3 %).
    func testScandalGradient_matchesFiniteDifferences() throws {
        let f = try flow(d: 2, p: 2, blocks: 3, hidden: [6, 5], gain: 2, seed: 31,
                         scaling: InputScaling(observableMean: [0, 0], observableStd: [1, 1], parameterMean: [0, 0], parameterStd: [1.3, 0.7]))
        let objective = MAFObjective(flow: f, alpha: 0.7)
        let random = SeededRandom(seed: 13)
        let batch = TrainingBatch(x: Matrix(rows: 8, columns: 2) { _, _ in Float(random.normal()) },
                                  theta: Matrix(rows: 8, columns: 2) { _, _ in Float(random.uniform(-1, 1)) },
                                  tXZ: Matrix(rows: 8, columns: 2) { _, _ in Float(random.normal()) })
        try objective.validate(batch)
        XCTAssertGreaterThan(objective.loss(batch), MAFObjective(flow: f).loss(batch), "the score term adds to the NLL")
        XCTAssertGreaterThan(checkGradient(objective, batch).checked, 100)
        XCTAssertThrowsError(try objective.validate(TrainingBatch(x: batch.x, theta: batch.theta))) { error in
            XCTAssertTrue("\(error)".contains("t_xz"), "\(error)")
        }
    }
}
