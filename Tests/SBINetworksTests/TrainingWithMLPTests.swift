import XCTest
import SBICore
@testable import SBINetworks

/// End-to-end training of real networks on problems with an exact answer.
final class TrainingWithMLPTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "sbi-training-mlp-tests-\(getpid())-\(name.hashValue & 0xffff)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// f(x) on a grid, through a fresh workspace.
    private func evaluate(_ mlp: MLP, at xs: [Float]) -> [Float] {
        let workspace = MLPWorkspace(architecture: mlp.architecture, batchCapacity: xs.count, thetaTangents: false)
        xs.withUnsafeBufferPointer { mlp.forward(x: $0, theta: nil, count: xs.count, workspace: workspace) }
        return Array(workspace.output.prefix(xs.count))
    }

    func testTrainer_mlpOnSine_reachesStatedMeanSquaredError() throws {
        // Regression g(x) ≈ sin(x), x ~ U(−π, π), through SALLY's squared-error loss (target in t_xz).
        let n = 4000
        let random = SeededRandom(seed: 21)
        var x = Matrix<Float>(rows: n, columns: 1)
        x.withUnsafeMutableBufferPointer { random.fillUniform($0, lower: -Double.pi, upper: Double.pi) }
        let t = Matrix<Float>(rows: n, columns: 1) { i, _ in sin(x[i, 0]) }
        let data = try TrainingDataset(x: x, tXZ: t)
        let (mean, sd) = data.meanAndStandardDeviation(of: .x)
        let architecture = MLPArchitecture(nObservables: 1, nParameters: 0, hiddenSizes: [32, 32], activation: .tanh)
        let mlp = MLP(architecture: architecture, scaling: InputScaling(observableMean: mean, observableStd: sd),
                      random: random.substream(1))
        let objective = try MLPObjective(network: mlp, loss: SALLYLoss())
        let settings = TrainingSettings(seed: 4, optimizer: .amsgrad, initialLearningRate: 1e-2, finalLearningRate: 1e-4,
                                        batchSize: 64, epochs: 40)
        let history = try Trainer(settings: settings).train(objective, data: data)
        // Exact truth on a grid inside the training range.
        let grid = (0..<201).map { Float(-3.0 + 6.0 * Double($0) / 200) }
        let fitted = evaluate(objective.network, at: grid)
        var mse = 0.0
        for (g, f) in zip(grid, fitted) { mse += pow(Double(f) - sin(Double(g)), 2) }
        mse /= Double(grid.count)
        // Var(sin x) = 1/2 on U(−π, π); the bound 1e-3 is 0.2 % of that variance. This seed reaches
        // 3.4e-4 in 40 epochs (~1900 AMSGrad steps); the bound leaves a factor 3 for other platforms' BLAS.
        XCTAssertLessThan(mse, 1e-3)
        XCTAssertLessThan(history.validationLoss.min()!, 1e-3)
        XCTAssertLessThan(history.trainingLoss.last!, history.trainingLoss.first!)
    }

    func testTrainer_carlOnTwoGaussiansFromSortedNPYFiles_recoversExactLogRatio() throws {
        // x ~ N(θ, 1) with θ0 = 0 (y = 0) and θ1 = 1 (y = 1), equal numbers:
        // log r(x) = log N(x; 0, 1) − log N(x; 1, 1) = 1/2 − x, CARL's optimum for balanced classes.
        // Files sorted by label, as a simple augmenter writes them, streamed in 100-row chunks, 50 per
        // window: 20 windows per epoch, so the chunk shuffle (not one in-memory shuffle) mixes the classes.
        let half = 50_000, n = 2 * half
        let random = SeededRandom(seed: 77)
        var x = [Double](repeating: 0, count: n)
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let theta = i < half ? 0.0 : 1.0
            x[i] = random.normal(mean: theta)
            y[i] = theta
        }
        try NPYFile.write(NPYArray(shape: [n, 1], data: .float64(x)), to: folder + "/x_train.npy")
        try NPYFile.write(NPYArray(shape: [n], data: .float64(y)), to: folder + "/y_train.npy")
        let data = try TrainingDataset(folder: folder, fields: [.x, .y])
        let (mean, sd) = data.meanAndStandardDeviation(of: .x)
        let architecture = MLPArchitecture(nObservables: 1, nParameters: 0, hiddenSizes: [20, 20], activation: .tanh)
        let mlp = MLP(architecture: architecture, scaling: InputScaling(observableMean: mean, observableStd: sd),
                      random: random.substream(1))
        let objective = try MLPObjective(network: mlp, loss: CARLLoss())
        let settings = TrainingSettings(seed: 8, initialLearningRate: 1e-2, finalLearningRate: 1e-4,
                                        batchSize: 128, epochs: 20, chunkRows: 100, chunksPerWindow: 50)
        let history = try Trainer(settings: settings).train(objective, data: data)
        XCTAssertNotNil(history.bestEpoch)
        // Compare with the exact log ratio where both classes have density (x ∈ [−1, 2], ±1.5σ of the far class).
        let grid = (0..<61).map { Float(-1.0 + 3.0 * Double($0) / 60) }
        let logRatio = evaluate(objective.network, at: grid)
        var worst = 0.0
        for (g, f) in zip(grid, logRatio) { worst = max(worst, abs(Double(f) - (0.5 - Double(g)))) }
        // Two sources of error: the finite sample (75 000 training rows; with one full in-memory
        // shuffle this set-up reaches 0.03) and the windows, whose class fractions scatter by
        // ≈ 1/√50 = 14 % around ½ (a logit shift the small final learning rate mostly averages
        // out). Over trainer seeds 1–4 and 8 the worst error was 0.05–0.10 (0.07 for this seed);
        // tolerance 0.15.
        XCTAssertLessThan(worst, 0.15)

        // The trained model saved and loaded gives the same outputs bit for bit.
        let model = ModelFolder(mlp: objective.network, kind: .parameterizedRatio, method: "carl",
                                parameterNames: [], observableNames: ["x"], training: settings, history: history)
        try model.save(to: folder + "/carl-model")
        let loaded = try ModelFolder.load(from: folder + "/carl-model")
        XCTAssertEqual(evaluate(try loaded.mlp(), at: grid).map(\.bitPattern), logRatio.map(\.bitPattern))
        XCTAssertEqual(loaded.description.history, history)
    }
}
