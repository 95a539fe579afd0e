import Foundation
import SBICore
import XCTest
@testable import SBINetworks

/// An independent Double-precision implementation of `MLP` for checks: plain loops,
/// libm activations, forward-mode tangents in raw θ. Not used by the library.
struct ReferenceMLP {
    let architecture: MLPArchitecture
    let scaling: InputScaling

    /// f `[outputSize]` and ∂f/∂θ `[outputSize·nParameters]` at one sample.
    func evaluate(_ params: [Double], x: [Double], theta: [Double]) -> (f: [Double], dTheta: [Double]) {
        let a = architecture, nObs = a.nObservables, nPar = a.nParameters
        var u = [Double](repeating: 0, count: a.inputSize)
        // tangents[k][j] = ∂u_j/∂θ_k
        var ut = [Double](repeating: 0, count: nPar * a.inputSize)
        for j in 0..<nObs { u[j] = (x[j] - scaling.observableMean[j]) / scaling.observableStd[j] }
        for k in 0..<nPar {
            u[nObs + k] = (theta[k] - scaling.parameterMean[k]) / scaling.parameterStd[k]
            ut[k * a.inputSize + nObs + k] = 1 / scaling.parameterStd[k]
        }
        let widths = a.layerWidths
        var offset = 0
        for l in 0..<(widths.count - 1) {
            let fanIn = widths[l], fanOut = widths[l + 1]
            var z = [Double](repeating: 0, count: fanOut)
            var zt = [Double](repeating: 0, count: nPar * fanOut)
            for o in 0..<fanOut {
                var s = params[offset + fanOut * fanIn + o]
                for i in 0..<fanIn { s += params[offset + o * fanIn + i] * u[i] }
                z[o] = s
                for k in 0..<nPar {
                    var t = 0.0
                    for i in 0..<fanIn { t += params[offset + o * fanIn + i] * ut[k * fanIn + i] }
                    zt[k * fanOut + o] = t
                }
            }
            offset += fanOut * (fanIn + 1)
            if l == widths.count - 2 {
                var dTheta = [Double](repeating: 0, count: fanOut * nPar)
                for o in 0..<fanOut { for k in 0..<nPar { dTheta[o * nPar + k] = zt[k * fanOut + o] } }
                return (z, dTheta)
            }
            u = z.map { a.activation.value($0) }
            ut = zt
            for k in 0..<nPar { for o in 0..<fanOut { ut[k * fanOut + o] *= a.activation.derivative(z[o]) } }
        }
        fatalError("unreachable")
    }
}

/// Builds a small random network and batch for tests (fixed seeds).
struct NetworkFixture {
    let network: MLP
    let x: Matrix<Float>
    let theta: Matrix<Float>?

    init(activation: Activation, nObservables: Int = 3, nParameters: Int = 2, hidden: [Int] = [5, 4],
         outputSize: Int = 1, batch: Int = 6, seed: UInt64 = 7) {
        let arch = MLPArchitecture(nObservables: nObservables, nParameters: nParameters, hiddenSizes: hidden,
                                   activation: activation, outputSize: outputSize)
        let random = SeededRandom(seed: seed)
        // A non-trivial scaling so the un-scaling of θ-derivatives is exercised.
        let scaling = InputScaling(observableMean: (0..<nObservables).map { 0.1 * Double($0) },
                                   observableStd: (0..<nObservables).map { 0.5 + 0.3 * Double($0) },
                                   parameterMean: (0..<nParameters).map { -0.2 * Double($0) },
                                   parameterStd: (0..<nParameters).map { 1.5 + 0.5 * Double($0) })
        var net = MLP(architecture: arch, scaling: scaling, random: random.substream(1))
        // Non-zero biases so every bias gradient is exercised away from symmetric points.
        let data = random.substream(2)
        for l in 0..<arch.layerCount {
            let b = arch.biasOffset(layer: l)
            for j in 0..<arch.layerWidths[l + 1] { net.parameters[b + j] = Float(data.uniform(-0.3, 0.3)) }
        }
        network = net
        x = Matrix(rows: batch, columns: nObservables) { _, _ in Float(data.normal()) }
        theta = nParameters > 0 ? Matrix(rows: batch, columns: nParameters) { _, _ in Float(data.normal(standardDeviation: 1.5)) } : nil
    }

    var reference: ReferenceMLP { ReferenceMLP(architecture: network.architecture, scaling: network.scaling) }
    var doubleParameters: [Double] { network.parameters.map(Double.init) }
    func xRow(_ i: Int) -> [Double] { x.row(i).map(Double.init) }
    func thetaRow(_ i: Int) -> [Double] { theta?.row(i).map(Double.init) ?? [] }
}

final class MLPTests: XCTestCase {
    func testForward_everyActivation_matchesDoubleReference() {
        for activation in Activation.allCases {
            let fx = NetworkFixture(activation: activation, outputSize: 2)
            let net = fx.network
            let ws = MLPWorkspace(architecture: net.architecture, batchCapacity: 8, thetaTangents: true)
            fx.x.withUnsafeBufferPointer { xp in
                fx.theta!.withUnsafeBufferPointer { tp in
                    net.forward(x: xp, theta: tp, count: fx.x.rows, thetaTangents: true, workspace: ws)
                }
            }
            var grad = [Float](repeating: 0, count: fx.x.rows * 2 * 2)
            grad.withUnsafeMutableBufferPointer { net.thetaGradient(workspace: ws, into: $0) }
            for i in 0..<fx.x.rows {
                let r = fx.reference.evaluate(fx.doubleParameters, x: fx.xRow(i), theta: fx.thetaRow(i))
                for o in 0..<2 {
                    // Float32 forward of a 3-layer net with O(1) values: errors ~1e-6; 1e-5 absolute leaves margin.
                    XCTAssertEqual(Double(ws.output[i * 2 + o]), r.f[o], accuracy: 1e-5, "\(activation) f[\(i),\(o)]")
                    for k in 0..<2 {
                        XCTAssertEqual(Double(grad[(i * 2 + o) * 2 + k]), r.dTheta[o * 2 + k], accuracy: 1e-5,
                                       "\(activation) ∂f/∂θ[\(i),\(o),\(k)]")
                    }
                }
            }
        }
    }

    func testInitialParameters_sameSeed_sameValuesWithinPyTorchLinearBounds() {
        let arch = MLPArchitecture(nObservables: 10, nParameters: 1, hiddenSizes: [100, 100], activation: .tanh)
        let a = MLP(architecture: arch, random: SeededRandom(seed: 3))
        let b = MLP(architecture: arch, random: SeededRandom(seed: 3))
        XCTAssertEqual(a.parameters, b.parameters)
        XCTAssertEqual(a.parameters.count, 100 * 12 + 100 * 101 + 101)
        // nn.Linear: W and b of a layer with fan-in n are U(±1/√n): first layer n = 11, second n = 100.
        for (range, fanIn) in [(0..<1100, 11.0), (1100..<1200, 11.0), (1200..<11200, 100.0), (11200..<11300, 100.0), (11300..<11400, 100.0)] {
            let limit = Float(1 / fanIn.squareRoot())
            let largest = a.parameters[range].map(abs).max()!
            XCTAssertLessThanOrEqual(largest, limit)
            XCTAssertGreaterThan(largest, 0.9 * limit)  // ≥ 100 uniform draws reach 90 % of the bound (P(miss) < 0.9¹⁰⁰)
        }
    }

    /// `evaluate`, `thetaGradient` and `inputGradient` on matrices larger than one chunk agree with
    /// the Double reference row by row (chunk boundaries must not shift rows).
    /// Tolerance 1e-5 absolute: Float32 forward of O(1) values.
    func testMatrixAPIs_severalChunks_matchReference() {
        let fx = NetworkFixture(activation: .softplus, outputSize: 1, batch: MLP.evaluationChunk + 37)
        let net = fx.network
        let f = net.evaluate(x: fx.x, theta: fx.theta)
        let t = net.thetaGradient(x: fx.x, theta: fx.theta!)
        let g = net.inputGradient(x: fx.x, theta: fx.theta)
        for i in [0, 1, MLP.evaluationChunk - 1, MLP.evaluationChunk, MLP.evaluationChunk + 36] {
            let r = fx.reference.evaluate(fx.doubleParameters, x: fx.xRow(i), theta: fx.thetaRow(i))
            XCTAssertEqual(Double(f[i, 0]), r.f[0], accuracy: 1e-5, "row \(i)")
            for k in 0..<2 {
                XCTAssertEqual(Double(t[i, k]), r.dTheta[k], accuracy: 1e-5, "row \(i) ∂f/∂θ_\(k)")
                XCTAssertEqual(g[i, 3 + k], t[i, k], accuracy: 1e-5, "row \(i): reverse vs forward mode")
            }
        }
    }

    /// `logRatioGrid` (split first layer, SGEMV output, 1 or 3 workers) equals `evaluate` at each θ
    /// broadcast over x; a network without hidden layers takes the plain path.
    /// Tolerance 2e-6 absolute: the split sums the first layer in another order (Float32 rounding).
    func testLogRatioGrid_splitLayerAndWorkers_matchesEvaluate() {
        for hidden in [[7, 5], []] {
            let fx = NetworkFixture(activation: .tanh, hidden: hidden, batch: 2 * MLP.evaluationChunk + 11)
            let net = fx.network
            let thetas = Matrix<Float>(rows: 3, columns: 2, storage: [0.5, -1, 2, 0.25, -1.5, 1])
            for workers in [1, 3] {
                var grid = Matrix<Float>(rows: 3, columns: fx.x.rows, repeating: .nan)
                net.logRatioGrid(x: fx.x, thetas: thetas, into: &grid, workers: workers)
                for j in 0..<3 {
                    let theta = Matrix<Float>(rows: fx.x.rows, columns: 2) { _, k in thetas[j, k] }
                    let f = net.evaluate(x: fx.x, theta: theta)
                    var worst: Float = 0
                    for i in 0..<fx.x.rows { worst = max(worst, abs(grid[j, i] - f[i, 0])) }
                    XCTAssertLessThan(worst, 2e-6, "hidden \(hidden) workers \(workers) θ_\(j)")
                }
            }
        }
    }

    /// Workers take whole chunks, so a grid evaluation gives the same bits with 1, 2 or 3 workers
    /// (the ranges of 3 workers over 2·chunk + 11 rows would otherwise start mid-chunk).
    func testLogRatioGrid_anyWorkerCount_givesTheSameBits() {
        let fx = NetworkFixture(activation: .tanh, hidden: [33, 17], batch: 4 * MLP.evaluationChunk + 11)
        let thetas = Matrix<Float>(rows: 2, columns: 2, storage: [0.5, -1, 2, 0.25])
        var one = Matrix<Float>(rows: 2, columns: fx.x.rows)
        fx.network.logRatioGrid(x: fx.x, thetas: thetas, into: &one, workers: 1)
        for workers in [2, 3] {
            var other = Matrix<Float>(rows: 2, columns: fx.x.rows, repeating: .nan)
            fx.network.logRatioGrid(x: fx.x, thetas: thetas, into: &other, workers: workers)
            XCTAssertEqual(other.storage, one.storage, "workers \(workers)")
        }
    }

    /// Bad stored models are refused with the field named, not trapped on.
    func testInitFromStoredParameters_wrongCount_throwsNamingWeights() {
        let arch = MLPArchitecture(nObservables: 2, nParameters: 1, hiddenSizes: [3], activation: .tanh)
        let scaling = InputScaling.identity(nObservables: 2, nParameters: 1)
        XCTAssertThrowsError(try MLP(architecture: arch, scaling: scaling, parameters: [1, 2, 3])) { error in
            XCTAssertEqual((error as? SBIError)?.field, "weights")
        }
        var badScaling = scaling
        badScaling.parameterStd = [0]
        XCTAssertThrowsError(try MLP(architecture: arch, scaling: badScaling, parameters: .init(repeating: 0, count: arch.parameterCount))) { error in
            XCTAssertEqual((error as? SBIError)?.field, "inputScaling.parameterStd[0]")
        }
        XCTAssertThrowsError(try MLPArchitecture(nObservables: 2, nParameters: 1, hiddenSizes: [3, 0], activation: .tanh).validate()) { error in
            XCTAssertEqual((error as? SBIError)?.field, "hiddenSizes[1]")
        }
        XCTAssertNoThrow(try MLP(architecture: arch, scaling: scaling, parameters: .init(repeating: 0, count: arch.parameterCount)))
    }

    /// InputScaling.fit gives the column mean and population std in Double; a constant column gets σ = 1.
    func testInputScalingFit_columns_meanStdAndConstantColumn() {
        let x = Matrix<Float>(rows: 4, columns: 2, storage: [1, 5, 2, 5, 3, 5, 4, 5])
        let theta = Matrix<Float>(rows: 4, columns: 1, storage: [0, 0, 2, 2])
        let s = InputScaling.fit(x: x, theta: theta)
        XCTAssertEqual(s.observableMean, [2.5, 5])
        XCTAssertEqual(s.observableStd[0], (1.25).squareRoot(), accuracy: 1e-15)  // √(Σ(x−2.5)²/4)
        XCTAssertEqual(s.observableStd[1], 1)
        XCTAssertEqual(s.parameterMean, [1])
        XCTAssertEqual(s.parameterStd, [1])
    }

    /// One objective reused across batch sizes (workspace kept, tangent input rows re-laid out)
    /// gives bit-identical losses and gradients to fresh objectives: same arithmetic, same order.
    func testObjective_reusedAcrossBatchSizes_matchesFreshObjective() throws {
        let g = GradientFixture(kind: .alices, activation: .tanh, batch: 8)
        let small = TrainingBatch(x: g.batch.x.rows(0..<5), theta: g.batch.theta!.rows(0..<5), y: Array(g.batch.y![0..<5]),
                                  rXZ: Array(g.batch.rXZ![0..<5]), tXZ: g.batch.tXZ!.rows(0..<5))
        func run(_ objective: MLPObjective, _ batch: TrainingBatch) -> (Double, [Float]) {
            var gradient = [Float](repeating: 0, count: objective.parameterCount)
            let loss = gradient.withUnsafeMutableBufferPointer { objective.lossAndGradient(batch, gradient: $0) }
            return (loss, gradient)
        }
        let reused = try MLPObjective(network: g.fixture.network, loss: ALICESLoss(alpha: 0.7))
        let first = run(reused, g.batch)
        let second = run(reused, small)
        let third = run(reused, g.batch)
        let freshSmall = run(try MLPObjective(network: g.fixture.network, loss: ALICESLoss(alpha: 0.7)), small)
        XCTAssertEqual(first.0, third.0)
        XCTAssertEqual(first.1, third.1)
        XCTAssertEqual(second.0, freshSmall.0)
        XCTAssertEqual(second.1, freshSmall.1)
        XCTAssertNotEqual(first.0, second.0)
    }
}
