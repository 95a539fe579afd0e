import XCTest
import SBICore
@testable import SBINetworks

/// The trainer and its data streaming, on objectives with known answers.
final class TrainerTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "sbi-trainer-tests-\(getpid())-\(name.hashValue & 0xffff)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Noise-free linear data y = x·w* + b* with x ~ N(0, 1), seeded.
    private func linearData(n: Int, seed: UInt64) -> (x: Matrix<Float>, y: [Float], w: [Double], b: Double) {
        let w = [1.5, -2.0, 0.5], b = 0.3
        let random = SeededRandom(seed: seed)
        var x = Matrix<Float>(rows: n, columns: 3)
        x.withUnsafeMutableBufferPointer { random.fillNormal($0) }
        var y = [Float](repeating: 0, count: n)
        for i in 0..<n {
            var v = b
            for j in 0..<3 { v += w[j] * Double(x[i, j]) }
            y[i] = Float(v)
        }
        return (x, y, w, b)
    }

    private func assertReachesOptimum(_ objective: LinearLeastSquaresObjective, w: [Double], b: Double,
                                      file: StaticString = #filePath, line: UInt = #line) {
        // Noise-free data: the least-squares optimum is exactly (w*, b*) on every subset. Adam moves
        // each coordinate by at most ≈ lr per step, so at the final rate 1e-4 the iterate stays within
        // two steps (2e-4) of the optimum; Float32 rounding of the data (6e-8 relative) is far below.
        for j in 0..<3 {
            XCTAssertEqual(Double(objective.parameters[j]), w[j], accuracy: 2e-4, "w[\(j)]", file: file, line: line)
        }
        XCTAssertEqual(Double(objective.parameters[3]), b, accuracy: 2e-4, "b", file: file, line: line)
    }

    func testTrainer_linearLeastSquaresInMemory_reachesClosedFormOptimum() throws {
        let data = linearData(n: 2000, seed: 11)
        let dataset = try TrainingDataset(x: data.x, y: data.y)
        let objective = LinearLeastSquaresObjective(dimension: 3)
        let settings = TrainingSettings(seed: 3, optimizer: .adam, initialLearningRate: 0.05, finalLearningRate: 1e-4,
                                        batchSize: 32, epochs: 30)
        let history = try Trainer(settings: settings).train(objective, data: dataset)
        assertReachesOptimum(objective, w: data.w, b: data.b)
        XCTAssertEqual(history.trainingLoss.count, 30)
        XCTAssertEqual(history.validationLoss.count, 30)
        XCTAssertEqual(history.learningRate.first, 0.05)
        XCTAssertEqual(history.learningRate.last, 1e-4)
        // The validation loss at the optimum is the squared error left: (2e-4)²·(E|x|² + 1) = 1.6e-7.
        XCTAssertLessThan(history.validationLoss.min()!, 1.6e-7)
        // 25 % hold-out of 2000 rows: binomial sd √(2000·0.25·0.75) ≈ 19; 5 sd = 97.
        XCTAssertEqual(Double(history.validationSampleCount), 500, accuracy: 97)
        XCTAssertEqual(history.trainingSampleCount + history.validationSampleCount, 2000)
    }

    func testTrainer_linearLeastSquaresFromNPYFilesInSmallChunks_reachesClosedFormOptimum() throws {
        let data = linearData(n: 1000, seed: 12)
        // x stored as float64 (MadMiner writes float64), y as [n, 1].
        try NPYFile.write(NPYArray(shape: [1000, 3], data: .float64(data.x.storage.map(Double.init))),
                          to: folder + "/x_train.npy")
        try NPYFile.write(NPYArray(shape: [1000, 1], data: .float32(data.y)), to: folder + "/y_train.npy")
        let dataset = try TrainingDataset(folder: folder, fields: [.x, .y])
        XCTAssertEqual(dataset.count, 1000)
        XCTAssertEqual(dataset.width(of: .y), 1)
        let objective = LinearLeastSquaresObjective(dimension: 3)
        // 50-row chunks, 3 per window: 20 chunks, 7 windows, batches crossing window boundaries.
        let settings = TrainingSettings(seed: 5, optimizer: .amsgrad, initialLearningRate: 0.05,
                                        finalLearningRate: 1e-4, batchSize: 32, epochs: 40,
                                        chunkRows: 50, chunksPerWindow: 3)
        _ = try Trainer(settings: settings).train(objective, data: dataset)
        assertReachesOptimum(objective, w: data.w, b: data.b)
    }

    func testBatchStream_oneEpoch_visitsEveryRowExactlyOnceAndKeepsFieldsAligned() throws {
        let n = 1003
        let x = Matrix<Float>(rows: n, columns: 2) { i, j in j == 0 ? Float(i) : 0 }
        let y = (0..<n).map { Float(2 * $0 + 1) }  // y = 2·x0 + 1 ties the fields together
        let dataset = try TrainingDataset(x: x, y: y)
        let settings = TrainingSettings(seed: 9, batchSize: 64, epochs: 1, chunkRows: 100, chunksPerWindow: 2)
        let objective = RecordingObjective()
        let history = try Trainer(settings: settings).train(objective, data: dataset)
        let training = objective.trainingRows.map { Int($0) }
        let validation = objective.validationRows.map { Int($0) }
        // A partition of all rows: each exactly once, training and validation disjoint.
        XCTAssertEqual(Set(training).count, training.count)
        XCTAssertEqual(Set(validation).count, validation.count)
        XCTAssertEqual(Set(training).union(validation), Set(0..<n))
        XCTAssertTrue(Set(training).isDisjoint(with: validation))
        XCTAssertEqual(training.count, history.trainingSampleCount)
        XCTAssertTrue(objective.pairsAligned)
        // Full batches except the last one.
        XCTAssertTrue(objective.trainingBatchSizes.dropLast().allSatisfy { $0 == 64 })
        XCTAssertEqual(objective.trainingBatchSizes.last, training.count - 64 * (objective.trainingBatchSizes.count - 1))
        // Shuffled: the probability that a random order of ~750 rows is sorted is nil.
        XCTAssertNotEqual(training, training.sorted())
        // Validation rows come in file order.
        XCTAssertEqual(validation, validation.sorted())
    }

    func testBatchStream_sameSeed_sameOrderAndOtherSeedOtherOrder() throws {
        let n = 500
        let dataset = try TrainingDataset(x: Matrix<Float>(rows: n, columns: 1) { i, _ in Float(i) })
        func order(seed: UInt64) throws -> [Float] {
            let objective = RecordingObjective()
            let settings = TrainingSettings(seed: seed, batchSize: 50, epochs: 2, chunkRows: 64, chunksPerWindow: 2)
            _ = try Trainer(settings: settings).train(objective, data: dataset)
            return objective.trainingRows
        }
        let first = try order(seed: 1)
        XCTAssertEqual(first, try order(seed: 1))
        XCTAssertNotEqual(first, try order(seed: 2))
        // The two epochs use different sub-streams: different orders of the same rows.
        let half = first.count / 2
        XCTAssertNotEqual(Array(first[..<half]), Array(first[half...]))
        XCTAssertEqual(Set(first[..<half]), Set(first[half...]))
    }

    func testBatchStream_moreSamples_sameBufferedMemory() throws {
        // The stream holds one window (chunkRows × chunksPerWindow rows), whatever the row count.
        func footprint(_ n: Int) throws -> Int {
            let dataset = try TrainingDataset(x: Matrix<Float>(rows: n, columns: 4), y: [Float](repeating: 0, count: n))
            return BatchStream(dataset: dataset, batchSize: 128, chunkRows: 1000, chunksPerWindow: 4).bufferedElementCount
        }
        XCTAssertEqual(try footprint(10_000), try footprint(200_000))
    }

    func testTrainer_earlyStopping_restoresParametersOfBestValidationEpoch() throws {
        // 100 training rows, batch 10 → 10 SGD steps per epoch of +0.01 each: θ_e = 0.1·(e+1).
        // Validation loss (θ − 0.32)² is lowest after epoch 2 (θ = 0.3), then rises to θ = 1.0 at epoch 9.
        let train = try TrainingDataset(x: Matrix<Float>(rows: 100, columns: 1))
        let validation = try TrainingDataset(x: Matrix<Float>(rows: 10, columns: 1))
        let objective = RampObjective(target: 0.32)
        let settings = TrainingSettings(seed: 1, optimizer: .sgd, initialLearningRate: 0.01, finalLearningRate: 0.01,
                                        batchSize: 10, epochs: 10, momentum: 0)
        let history = try Trainer(settings: settings).train(objective, data: train, validation: validation)
        XCTAssertEqual(history.bestEpoch, 2)
        XCTAssertEqual(history.validationLoss.count, 10)
        XCTAssertEqual(history.validationLoss.firstIndex(of: history.validationLoss.min()!), 2)
        // Restored bit for bit to the parameters seen at the validation after epoch 2.
        XCTAssertEqual(objective.thetaAtValidation.count, 10)
        XCTAssertEqual(objective.theta[0], objective.thetaAtValidation[2])
        // 30 Float32 additions of 0.01: rounding ≤ 30 ulps of 0.3 ≈ 1e-6.
        XCTAssertEqual(Double(objective.theta[0]), 0.3, accuracy: 1e-5)
        XCTAssertEqual(history.validationSampleCount, 10)
        XCTAssertEqual(history.trainingSampleCount, 100)
        XCTAssertFalse(history.stoppedEarly)
    }

    func testTrainer_patienceRunsOut_stopsAfterPatienceEpochs() throws {
        let train = try TrainingDataset(x: Matrix<Float>(rows: 100, columns: 1))
        let validation = try TrainingDataset(x: Matrix<Float>(rows: 10, columns: 1))
        let objective = RampObjective(target: 0.32)
        let settings = TrainingSettings(seed: 1, optimizer: .sgd, initialLearningRate: 0.01, finalLearningRate: 0.01,
                                        batchSize: 10, epochs: 10, patience: 2, momentum: 0)
        let history = try Trainer(settings: settings).train(objective, data: train, validation: validation)
        // Best at epoch 2; epochs 3 and 4 do not improve → stop after epoch 4 (5 epochs run).
        XCTAssertTrue(history.stoppedEarly)
        XCTAssertEqual(history.epochCount, 5)
        XCTAssertEqual(history.bestEpoch, 2)
        XCTAssertEqual(objective.theta[0], objective.thetaAtValidation[2])
    }

    func testTrainer_nanLoss_throwsNamingEpochAndBatch() throws {
        // 10 batches per epoch; call 22 (0-based) is epoch 3, batch 3 counted from 1.
        let train = try TrainingDataset(x: Matrix<Float>(rows: 100, columns: 1))
        let objective = RampObjective(target: 0, nanAtCall: 22)
        let settings = TrainingSettings(seed: 1, optimizer: .sgd, batchSize: 10, epochs: 5, validationFraction: 0)
        XCTAssertThrowsError(try Trainer(settings: settings).train(objective, data: train)) { error in
            guard let error = error as? SBIError else { return XCTFail("not an SBIError: \(error)") }
            XCTAssertEqual(error.kind, .numerical)
            XCTAssertEqual(error.field, "epoch 3, batch 3")
            XCTAssertTrue(error.message.hasPrefix("training loss is nan at epoch 3 of 5, batch 3"), error.message)
        }
    }

    func testTrainer_progressOnTerminal_reportsStageEpochLossAndBestEpoch() throws {
        final class Lines { var text = "" }
        let lines = Lines()
        let train = try TrainingDataset(x: Matrix<Float>(rows: 100, columns: 1))
        let validation = try TrainingDataset(x: Matrix<Float>(rows: 10, columns: 1))
        let settings = TrainingSettings(seed: 1, optimizer: .sgd, initialLearningRate: 0.01, finalLearningRate: 0.01,
                                        batchSize: 10, epochs: 4, momentum: 0)
        // A fake clock advancing 1 s per reading, so every update is due for a redraw.
        final class Clock { var now = 0.0 }
        let clock = Clock()
        let reporter = ProgressReporter(stage: "train", total: 400, unit: "samples", quiet: false, isTerminal: true,
                                        sink: { lines.text += $0 }, clock: { clock.now += 1; return clock.now })
        _ = try Trainer(settings: settings).train(RampObjective(target: 0.32), data: train, validation: validation,
                                                  progress: reporter)
        XCTAssertTrue(lines.text.contains("[train]  400/400  100%"), lines.text)
        XCTAssertTrue(lines.text.contains("epoch 1/4  loss "), lines.text)
        // Final line: epoch 4 trains θ from 0.3 to 0.4, so the mean training loss −θ is −0.345 and the
        // validation loss (0.4 − 0.32)² = 0.0064 (4 significant figures hide the Float32 rounding);
        // the best epoch, counted from 1, is 3 (θ = 0.3).
        XCTAssertTrue(lines.text.contains("epoch 4/4  loss -0.345  val 0.0064  best epoch 3\n"), lines.text)
        XCTAssertTrue(lines.text.hasSuffix("\n"))
    }

    /// A reporter counting epochs (as `sbi fit`'s train stage passes one) is advanced in whole epochs: the line
    /// reads `2/4 50% … epochs/s` half way, never samples against an epoch total.
    func testTrainer_progressInEpochs_countsEpochsNotSamples() throws {
        final class Lines { var text = "" }
        let lines = Lines()
        let train = try TrainingDataset(x: Matrix<Float>(rows: 100, columns: 1))
        let settings = TrainingSettings(seed: 1, optimizer: .sgd, initialLearningRate: 0.01, finalLearningRate: 0.01,
                                        batchSize: 10, epochs: 4, validationFraction: 0, momentum: 0)
        final class Clock { var now = 0.0 }
        let clock = Clock()
        let reporter = ProgressReporter(stage: "train alices", total: 4, unit: "epochs", quiet: false, isTerminal: true,
                                        sink: { lines.text += $0 }, clock: { clock.now += 1; return clock.now })
        _ = try Trainer(settings: settings).train(RampObjective(target: 0.32), data: train, progress: reporter)
        XCTAssertTrue(lines.text.contains("[train alices]  2/4  50%"), lines.text)
        XCTAssertTrue(lines.text.contains("[train alices]  4/4  100%"), lines.text)
        XCTAssertTrue(lines.text.contains(" epochs/s"), lines.text)
        XCTAssertFalse(lines.text.contains("/4  1000%") || lines.text.contains("10/4"), lines.text)
    }

    func testTrainer_invalidSettings_throwsNamingField() throws {
        let train = try TrainingDataset(x: Matrix<Float>(rows: 10, columns: 1))
        let settings = TrainingSettings(seed: 1, batchSize: 0)
        XCTAssertThrowsError(try Trainer(settings: settings).train(RampObjective(target: 0), data: train)) { error in
            XCTAssertEqual(String(describing: error), "batchSize: 0 is out of range; expected an integer ≥ 1")
        }
    }

    func testTrainer_validationSetWithOtherFields_throwsNamingField() throws {
        let train = try TrainingDataset(x: Matrix<Float>(rows: 10, columns: 2), y: [Float](repeating: 0, count: 10))
        let validation = try TrainingDataset(x: Matrix<Float>(rows: 5, columns: 2))
        XCTAssertThrowsError(try Trainer(settings: TrainingSettings(seed: 1)).train(RampObjective(target: 0),
                                                                                   data: train, validation: validation)) { error in
            XCTAssertEqual((error as? SBIError)?.field, "y")
        }
    }
}

// MARK: - Objectives with closed-form behaviour for the trainer tests
/// Mean squared error of a linear model, `L = (1/B) Σ_i (x_i·w + b − y_i)²`,
/// gradient `∂L/∂w = (2/B) Σ_i r_i x_i`, `∂L/∂b = (2/B) Σ_i r_i`. Parameters `[w..., b]`.
final class LinearLeastSquaresObjective: TrainingObjective {
    var parameters: [Float]
    let dimension: Int

    init(dimension: Int) {
        self.dimension = dimension
        parameters = [Float](repeating: 0, count: dimension + 1)
    }

    var parameterCount: Int { dimension + 1 }

    func withParameters<R>(_ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try parameters.withUnsafeMutableBufferPointer { try body(&$0) }
    }

    private func evaluate(_ batch: TrainingBatch, gradient: UnsafeMutableBufferPointer<Float>?) -> Double {
        let d = dimension, n = batch.count
        let y = batch.y!
        var loss = 0.0
        if let gradient { for j in 0...d { gradient[j] = 0 } }
        for i in 0..<n {
            var r = Double(parameters[d]) - Double(y[i])
            for j in 0..<d { r += Double(parameters[j]) * Double(batch.x[i, j]) }
            loss += r * r
            if let gradient {
                for j in 0..<d { gradient[j] += Float(2 * r * Double(batch.x[i, j]) / Double(n)) }
                gradient[d] += Float(2 * r / Double(n))
            }
        }
        return loss / Double(n)
    }

    func lossAndGradient(_ batch: TrainingBatch, gradient: UnsafeMutableBufferPointer<Float>) -> Double {
        evaluate(batch, gradient: gradient)
    }

    func loss(_ batch: TrainingBatch) -> Double { evaluate(batch, gradient: nil) }

    func validate(_ batch: TrainingBatch) throws {
        guard batch.y?.count == batch.count else { throw SBIError.data("needs one y per row", field: "y") }
        guard batch.x.columns == dimension else { throw SBIError.data("needs \(dimension) columns", field: "x") }
    }
}

/// One parameter θ that every training step pushes up by the same amount (gradient −1,
/// training loss −θ), with validation loss `(θ − target)²`: with constant-rate SGD the
/// best validation epoch is known in advance. Optionally returns NaN on one call.
final class RampObjective: TrainingObjective {
    var theta: [Float] = [0]
    let target: Double
    /// 0-based index of the `lossAndGradient` call that returns NaN, if any.
    let nanAtCall: Int?
    private(set) var calls = 0
    /// θ after each validation pass (one per epoch).
    private(set) var thetaAtValidation: [Float] = []

    init(target: Double, nanAtCall: Int? = nil) {
        self.target = target
        self.nanAtCall = nanAtCall
    }

    var parameterCount: Int { 1 }

    func withParameters<R>(_ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try theta.withUnsafeMutableBufferPointer { try body(&$0) }
    }

    func lossAndGradient(_ batch: TrainingBatch, gradient: UnsafeMutableBufferPointer<Float>) -> Double {
        defer { calls += 1 }
        gradient[0] = -1
        if calls == nanAtCall { return .nan }
        return -Double(theta[0])
    }

    func loss(_ batch: TrainingBatch) -> Double {
        if thetaAtValidation.last != theta[0] || thetaAtValidation.isEmpty { thetaAtValidation.append(theta[0]) }
        let d = Double(theta[0]) - target
        return d * d
    }

    /// Reads no field of the batch.
    func validate(_ batch: TrainingBatch) throws {}
}

/// Records the first column of x of every batch it sees (training and validation apart); zero gradient.
final class RecordingObjective: TrainingObjective {
    var parameters: [Float] = [0]
    private(set) var trainingRows: [Float] = []
    private(set) var validationRows: [Float] = []
    private(set) var trainingBatchSizes: [Int] = []
    /// (x[i,0], y[i]) pairs seen in training, to check that fields stay aligned.
    private(set) var pairsAligned = true

    var parameterCount: Int { 1 }

    func withParameters<R>(_ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try parameters.withUnsafeMutableBufferPointer { try body(&$0) }
    }

    func lossAndGradient(_ batch: TrainingBatch, gradient: UnsafeMutableBufferPointer<Float>) -> Double {
        gradient[0] = 0
        trainingBatchSizes.append(batch.count)
        for i in 0..<batch.count {
            trainingRows.append(batch.x[i, 0])
            if let y = batch.y, y[i] != 2 * batch.x[i, 0] + 1 { pairsAligned = false }
        }
        return 0
    }

    func loss(_ batch: TrainingBatch) -> Double {
        for i in 0..<batch.count { validationRows.append(batch.x[i, 0]) }
        return 0
    }

    func validate(_ batch: TrainingBatch) throws {
        guard batch.x.columns >= 1 else { throw SBIError.data("needs at least one column", field: "x") }
    }
}

/// The chunk-order permutation.
final class IndexPermutationTests: XCTestCase {
    func testIndexPermutation_variousCounts_isBijection() {
        for count in [1, 2, 3, 7, 64, 1000, 1025, 4099] {
            let p = IndexPermutation(count: count, random: SeededRandom(seed: UInt64(count)))
            let image = (0..<count).map { p($0) }
            XCTAssertEqual(Set(image), Set(0..<count), "count \(count)")
        }
    }

    func testIndexPermutation_seed_decidesOrder() {
        let a = (0..<500).map(IndexPermutation(count: 500, random: SeededRandom(seed: 1)).callAsFunction)
        let b = (0..<500).map(IndexPermutation(count: 500, random: SeededRandom(seed: 1)).callAsFunction)
        let c = (0..<500).map(IndexPermutation(count: 500, random: SeededRandom(seed: 2)).callAsFunction)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        // Not the identity, and not a rotation: fewer than 5 of 500 fixed points expected (mean 1).
        XCTAssertLessThan(zip(a, 0..<500).filter { $0 == $1 }.count, 5)
    }
}

/// Training data without a field the loss reads is refused before any step, with an error naming
/// the field, instead of trapping on the missing column.
final class TrainerFieldValidationTests: XCTestCase {
    private func ratioData(n: Int, withRatios: Bool, withScores: Bool) throws -> TrainingDataset {
        let x = Matrix<Float>(rows: n, columns: 2) { i, j in Float(i % 7) * 0.1 + Float(j) }
        let theta = Matrix<Float>(rows: n, columns: 1) { i, _ in Float(i % 3) }
        let y = (0..<n).map { Float($0 % 2) }
        return try TrainingDataset(x: x, theta: theta, y: y,
                                   rXZ: withRatios ? [Float](repeating: 1, count: n) : nil,
                                   tXZ: withScores ? Matrix<Float>(rows: n, columns: 1) : nil)
    }

    private func objective(_ loss: any NetworkLoss, nParameters: Int = 1) throws -> MLPObjective {
        let arch = MLPArchitecture(nObservables: 2, nParameters: nParameters, hiddenSizes: [4], activation: .tanh)
        return try MLPObjective(network: MLP(architecture: arch, random: SeededRandom(seed: 1)), loss: loss)
    }

    func testTrainer_aliceLossWithoutRatios_throwsNamingRXZ() throws {
        let data = try ratioData(n: 64, withRatios: false, withScores: true)
        let trainer = Trainer(settings: TrainingSettings(seed: 1, batchSize: 16, epochs: 1))
        XCTAssertThrowsError(try trainer.train(objective(ALICELoss()), data: data)) { error in
            XCTAssertEqual((error as? SBIError)?.field, "r_xz", "\(error)")
        }
    }

    func testTrainer_alicesLossWithoutScores_throwsNamingTXZ() throws {
        let data = try ratioData(n: 64, withRatios: true, withScores: false)
        let trainer = Trainer(settings: TrainingSettings(seed: 1, batchSize: 16, epochs: 1))
        XCTAssertThrowsError(try trainer.train(objective(ALICESLoss(alpha: 1)), data: data)) { error in
            XCTAssertEqual((error as? SBIError)?.field, "t_xz", "\(error)")
        }
    }

    func testTrainer_networkWithTwoParametersOnOneThetaColumn_throwsNamingTheta() throws {
        let data = try ratioData(n: 64, withRatios: true, withScores: true)
        let trainer = Trainer(settings: TrainingSettings(seed: 1, batchSize: 16, epochs: 1))
        XCTAssertThrowsError(try trainer.train(objective(CARLLoss(), nParameters: 2), data: data)) { error in
            XCTAssertEqual((error as? SBIError)?.field, "theta", "\(error)")
        }
    }

    func testTrainer_completeFields_trainsOneEpoch() throws {
        // The counterpart: the same data with every field trains (the checks do not refuse valid input).
        let data = try ratioData(n: 64, withRatios: true, withScores: true)
        let trainer = Trainer(settings: TrainingSettings(seed: 1, batchSize: 16, epochs: 1))
        let history = try trainer.train(objective(ALICESLoss(alpha: 1)), data: data)
        XCTAssertEqual(history.trainingLoss.count, 1)
        XCTAssertTrue(history.trainingLoss[0].isFinite)
    }
}
