import SBICore
import SBINetworks

/// The parameterised likelihood-ratio estimator: one network f(x, θ) ≈ log r(x|θ, θ_ref),
/// trained by CARL, ROLR, ALICE, ALICES, CASCAL or RASCAL.
///
/// ```
/// log r̂(x|θ, θ_ref) = f(x, θ)          ŝ = 1/(1 + r̂)          t̂(x|θ) = ∇_θ f(x, θ)
/// training samples: x ~ p(x|θ0) (y = 0) and x ~ p(x|θ_ref) (y = 1), θ0 as network input
/// ```
/// θ and x are standardised inside the network with the training mean and standard
/// deviation (`InputScaling`, stored with the model); the θ-tangents carry the chain rule
/// ∂f/∂θ = (∂f/∂θ̃)/σ_θ, so the score term of the loss compares t̂ in raw θ units with
/// t_xz at training time, and `logRatioAndScore` returns t̂ in the same raw units at
/// evaluation — one code path for both (MadMiner un-scales inconsistently for its
/// doubly parameterised and likelihood estimators).
///
/// Shapes: x `[nEvents, nObservables]`, θ grids `[nTheta, nParameters]`, results
/// `[nTheta, nEvents]` (log r̂) and `[nTheta·nEvents, nParameters]` (t̂, row j·nEvents + i).
/// [1] arXiv:1805.00020, 1805.12244; [2] arXiv:1808.00973 (ALICE/ALICES); [3] arXiv:1907.10621.
public final class ParameterizedRatioEstimator: LogRatioEstimator, @unchecked Sendable {
    // @unchecked: every stored property is immutable after init (`let`) and MLP is Sendable.

    /// The trained network f(x, θ).
    public let network: MLP
    /// How it was trained.
    public let method: EstimatorMethod
    /// Names of θ's components, `[nParameters]`.
    public let parameterNames: [String]
    /// Names of the observables, `[nObservables]`.
    public let observableNames: [String]
    /// Training settings and history (nil for a network built in code).
    public let training: TrainingSettings?
    public let history: TrainingHistory?

    public var parameterCount: Int { network.architecture.nParameters }
    public var observableCount: Int { network.architecture.nObservables }

    /// An estimator around a network f(x, θ) with one output.
    /// - Throws: `SBIError.data` when the method is not a parameterised ratio method, the network
    ///   has no θ inputs or more than one output, or the names do not fit.
    public init(network: MLP, method: EstimatorMethod, parameterNames: [String]? = nil, observableNames: [String]? = nil,
                training: TrainingSettings? = nil, history: TrainingHistory? = nil) throws {
        try method.require(.parameterizedRatio)
        let arch = network.architecture
        guard arch.nParameters >= 1, arch.outputSize == 1 else {
            throw SBIError.data("a parameterised ratio network needs θ inputs and one output; got \(arch.nParameters) θ inputs and \(arch.outputSize) outputs",
                                field: "architecture")
        }
        self.network = network
        self.method = method
        self.parameterNames = try EstimatorTraining.names(parameterNames, count: arch.nParameters, prefix: "theta", field: "parameterNames")
        self.observableNames = try EstimatorTraining.names(observableNames, count: arch.nObservables, prefix: "x", field: "observableNames")
        self.training = training
        self.history = history
    }

    // MARK: Training

    /// Trains f(x, θ) by `method` on `data` (fields x, theta, y and, as the method needs, r_xz, t_xz).
    ///
    /// The input scaling is the training data's mean and standard deviation of x and of θ0;
    /// initial weights come from `SeededRandom(seed: settings.seed).substream(2⁴⁰)`, the
    /// shuffles and the validation split from the same seed (`Trainer`), so the same seed and
    /// data give the same network bit for bit.
    /// - Throws: `SBIError.data` for a method of another family, a field the method needs
    ///   but the data lack (naming the MadMiner file stem, e.g. `r_xz`) or a label y other than
    ///   0 and 1 (naming file, row and column); the `Trainer`'s errors.
    public static func train(method: EstimatorMethod, data: TrainingDataset, validation: TrainingDataset? = nil,
                             network settings: NetworkSettings = NetworkSettings(), training: TrainingSettings,
                             parameterNames: [String]? = nil, observableNames: [String]? = nil,
                             progress: ProgressReporter? = nil) throws -> ParameterizedRatioEstimator {
        try method.require(.parameterizedRatio)
        try settings.validate()
        try EstimatorTraining.requireFields(method, in: data, thetaFields: [.theta])
        if let validation { try EstimatorTraining.requireFields(method, in: validation, thetaFields: [.theta]) }
        try data.checkClassLabels()
        try validation?.checkClassLabels()
        let nObs = data.width(of: .x)!, nPar = data.width(of: .theta)!
        let architecture = MLPArchitecture(nObservables: nObs, nParameters: nPar, hiddenSizes: settings.hiddenSizes,
                                           activation: settings.activation, outputSize: 1)
        try architecture.validate()
        let (mx, sx) = EstimatorTraining.moments(data, .x)
        let (mt, st) = EstimatorTraining.moments(data, .theta)
        let scaling = InputScaling(observableMean: mx, observableStd: sx, parameterMean: mt, parameterStd: st)
        let initial = SeededRandom(seed: training.seed).substream(EstimatorTraining.initializationStream)
        let network = MLP(architecture: architecture, scaling: scaling, random: initial)
        let objective = try MLPObjective(network: network, loss: method.parameterizedLoss(alpha: settings.alpha, parameterStd: st))
        let history = try Trainer(settings: training).train(objective, data: data, validation: validation, progress: progress)
        return try ParameterizedRatioEstimator(network: objective.network, method: method, parameterNames: parameterNames,
                                               observableNames: observableNames, training: training, history: history)
    }

    // MARK: Evaluation

    /// log r̂(x_i|θ_j, θ_ref) = f(x_i, θ_j) for every θ_j of the grid and every event x_i.
    ///
    /// Events are evaluated in chunks of 4096 with one preallocated workspace; each chunk of x
    /// is converted to Float once and run against every θ of the grid.
    /// Shapes: `x` `[nEvents, nObservables]`, `thetas` `[nTheta, nParameters]` → `[nTheta, nEvents]`.
    /// - Throws: `SBIError.data` naming `x` or `thetas` for a wrong width or a non-finite value.
    ///
    /// Runs `MLP.logRatioGrid` (the first layer's x part once per event, not once per θ) on one
    /// worker per OpenBLAS thread, with OpenBLAS single-threaded meanwhile (restored after), so
    /// the activations use every core too; the values do not depend on the number of workers or
    /// threads (the same SGEMM shapes on one thread each).
    public func logRatio(x: Matrix<Double>, thetas: Matrix<Double>) throws -> Matrix<Double> {
        try EstimatorInput.check(x, columns: observableCount, field: "x", what: "observables")
        try EstimatorInput.check(thetas, columns: parameterCount, field: "thetas", what: "parameters")
        if x.rows == 0 || thetas.rows == 0 { return Matrix<Double>(rows: thetas.rows, columns: x.rows) }
        let xf = Matrix<Float>(rows: x.rows, columns: x.columns, storage: x.storage.map(Float.init))
        let tf = Matrix<Float>(rows: thetas.rows, columns: thetas.columns, storage: thetas.storage.map(Float.init))
        var out = Matrix<Float>(rows: thetas.rows, columns: x.rows)
        let threads = BLASLibrary.threadCount
        let workers = max(1, min(threads, x.rows / (2 * MLP.evaluationChunk)))
        BLASLibrary.setThreadCount(1)
        defer { BLASLibrary.setThreadCount(threads) }
        network.logRatioGrid(x: xf, thetas: tf, into: &out, workers: workers)
        return Matrix<Double>(rows: out.rows, columns: out.columns, storage: out.storage.map(Double.init))
    }

    /// log r̂ and t̂(x_i|θ_j) = ∇_θ f(x_i, θ_j) (raw θ units) on the grid.
    ///
    /// Shapes: `logRatio` `[nTheta, nEvents]`; `score` `[nTheta·nEvents, nParameters]`, row j·nEvents + i.
    /// - Throws: as `logRatio(x:thetas:)`.
    public func logRatioAndScore(x: Matrix<Double>, thetas: Matrix<Double>) throws -> (logRatio: Matrix<Double>, score: Matrix<Double>) {
        let r = try evaluateGrid(x: x, thetas: thetas, withScore: true)
        return (r.logRatio, r.score!)
    }

    /// log r̂(x_i|θ_i, θ_ref) for paired rows (event i at its own θ_i).
    /// Shapes: `x` `[n, nObservables]`, `thetas` `[n, nParameters]` → n values.
    /// - Throws: `SBIError.data` for mismatched row counts, wrong widths or non-finite values.
    public func logRatio(x: Matrix<Double>, pairedThetas thetas: Matrix<Double>) throws -> [Double] {
        try EstimatorInput.check(x, columns: observableCount, field: "x", what: "observables")
        try EstimatorInput.check(thetas, columns: parameterCount, field: "thetas", what: "parameters")
        guard thetas.rows == x.rows else {
            throw SBIError.data("\(thetas.rows) parameter points for \(x.rows) events; paired evaluation needs one per event", field: "thetas")
        }
        let evaluator = NetworkEvaluator(network: network, capacity: min(EstimatorInput.chunkRows, max(x.rows, 1)), tangents: false)
        var out = [Double](repeating: 0, count: x.rows)
        var start = 0
        while start < x.rows {
            let rows = start..<min(x.rows, start + evaluator.capacity)
            evaluator.loadX(x, rows: rows)
            evaluator.loadTheta(thetas, rows: rows)
            evaluator.run(count: rows.count)
            let o = evaluator.workspace.output
            for (r, i) in rows.enumerated() { out[i] = Double(o[r]) }
            start = rows.upperBound
        }
        return out
    }

    private func evaluateGrid(x: Matrix<Double>, thetas: Matrix<Double>, withScore: Bool) throws -> (logRatio: Matrix<Double>, score: Matrix<Double>?) {
        try EstimatorInput.check(x, columns: observableCount, field: "x", what: "observables")
        try EstimatorInput.check(thetas, columns: parameterCount, field: "thetas", what: "parameters")
        let n = x.rows, nTheta = thetas.rows, p = parameterCount
        var result = Matrix<Double>(rows: nTheta, columns: n)
        var score = Matrix<Double>(rows: withScore ? nTheta * n : 0, columns: p)
        if n == 0 || nTheta == 0 { return (result, withScore ? score : nil) }
        let evaluator = NetworkEvaluator(network: network, capacity: min(EstimatorInput.chunkRows, n), tangents: withScore)
        var start = 0
        while start < n {
            let rows = start..<min(n, start + evaluator.capacity)
            evaluator.loadX(x, rows: rows)
            for j in 0..<nTheta {
                thetas.withUnsafeBufferPointer { tp in
                    evaluator.broadcastTheta(UnsafeBufferPointer(rebasing: tp[(j * p)..<((j + 1) * p)]), count: rows.count)
                }
                evaluator.run(count: rows.count)
                let o = evaluator.workspace.output
                result.withUnsafeMutableBufferPointer { rp in
                    for (r, i) in rows.enumerated() { rp[j * n + i] = Double(o[r]) }
                }
                if withScore {
                    evaluator.gradient.withUnsafeBufferPointer { g in
                        score.withUnsafeMutableBufferPointer { sp in
                            for (r, i) in rows.enumerated() {
                                for k in 0..<p { sp[(j * n + i) * p + k] = Double(g[r * p + k]) }
                            }
                        }
                    }
                }
            }
            start = rows.upperBound
        }
        return (result, withScore ? score : nil)
    }

    // MARK: Persistence

    /// The model folder contents (`model.json` + `weights.npy`).
    public var modelFolder: ModelFolder {
        ModelFolder(mlp: network, kind: .parameterizedRatio, method: method.rawValue, parameterNames: parameterNames,
                    observableNames: observableNames, training: training, history: history)
    }

    /// Writes the model folder atomically (see `ModelFolder.save`).
    public func save(to path: String) throws { try modelFolder.save(to: path) }

    /// Reads a model folder written by `save`.
    /// - Throws: `ModelFolder.load`'s errors; `SBIError.data` naming `model.json` when it holds another kind or method.
    public static func load(from path: String) throws -> ParameterizedRatioEstimator {
        let folder = try ModelFolder.load(from: path)
        return try ParameterizedRatioEstimator(folder: folder, path: path)
    }

    /// An estimator from a loaded model folder (`path` only names it in errors).
    public convenience init(folder: ModelFolder, path: String) throws {
        let d = folder.description
        let file = path + "/" + ModelFolder.descriptionFile
        guard d.kind == .parameterizedRatio else {
            throw SBIError.data("kind \(d.kind.rawValue); expected \(ModelKind.parameterizedRatio.rawValue)", file: file, field: "kind")
        }
        let method: EstimatorMethod
        do { method = try EstimatorMethod.parse(d.method) } catch let e as SBIError { throw e.inFile(file) }
        do {
            try self.init(network: folder.mlp(), method: method, parameterNames: d.parameterNames,
                          observableNames: d.observableNames, training: d.training, history: d.history)
        } catch let e as SBIError { throw e.inFile(file) }
    }
}
