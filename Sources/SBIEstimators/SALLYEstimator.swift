import SBICore
import SBINetworks

/// SALLY: a network g(x) ≈ t(x|θ_ref), the score at a reference point, regressed on the joint score.
///
/// ```
/// ℓ = (1/P) Σ_k (g_k(x) − t_k(x,z|θ_ref))²,    argmin_g E[ℓ] = E[t(x,z|θ_ref) | x] = t(x|θ_ref)
/// ```
/// t̂(x) are the locally sufficient statistics: near θ_ref, p(x|θ) ≈ p(t̂(x)|θ), so inference
/// can use the P-dimensional t̂ instead of x (a histogram of t̂, or SALLINO's 1-D projection,
/// `SALLINOStatistic`). x is standardised inside the network; there are no θ inputs.
/// Shapes: x `[nEvents, nObservables]` → t̂ `[nEvents, nParameters]`.
/// [1] arXiv:1805.00013, 1805.00020 (SALLY, SALLINO), 1805.12244; [2] arXiv:1907.10621.
public final class SALLYEstimator: ScoreEstimator, @unchecked Sendable {
    // @unchecked: every stored property is an immutable `let`; MLP is Sendable.

    /// The network g(x), `outputSize` = number of parameters.
    public let network: MLP
    /// Names of θ's components (the score's), `[nParameters]`.
    public let parameterNames: [String]
    /// Names of the observables, `[nObservables]`.
    public let observableNames: [String]
    /// Training settings and loss history (nil for a network built in code).
    public let training: TrainingSettings?
    public let history: TrainingHistory?

    public var parameterCount: Int { network.architecture.outputSize }
    public var observableCount: Int { network.architecture.nObservables }

    /// An estimator around a network of x alone.
    /// - Throws: `SBIError.data` when the network has θ inputs or the names do not fit.
    public init(network: MLP, parameterNames: [String]? = nil, observableNames: [String]? = nil,
                training: TrainingSettings? = nil, history: TrainingHistory? = nil) throws {
        let arch = network.architecture
        guard arch.nParameters == 0 else {
            throw SBIError.data("SALLY's network takes x alone; got \(arch.nParameters) θ inputs", field: "architecture.nParameters")
        }
        self.network = network
        self.parameterNames = try EstimatorTraining.names(parameterNames, count: arch.outputSize, prefix: "theta", field: "parameterNames")
        self.observableNames = try EstimatorTraining.names(observableNames, count: arch.nObservables, prefix: "x", field: "observableNames")
        self.training = training
        self.history = history
    }

    /// Trains g(x) on local samples (fields x and t_xz, the joint score at θ_ref; MadMiner's
    /// `x_train.npy`, `t_xz_train.npy`). Initial weights from `SeededRandom(seed).substream(2⁴⁰)`.
    /// - Throws: `SBIError.data` when t_xz is missing; the `Trainer`'s errors.
    public static func train(data: TrainingDataset, validation: TrainingDataset? = nil,
                             network settings: NetworkSettings = NetworkSettings(), training: TrainingSettings,
                             parameterNames: [String]? = nil, observableNames: [String]? = nil,
                             progress: ProgressReporter? = nil) throws -> SALLYEstimator {
        try EstimatorTraining.requireFields(.sally, in: data, thetaFields: [])
        if let validation { try EstimatorTraining.requireFields(.sally, in: validation, thetaFields: []) }
        let nObs = data.width(of: .x)!, nPar = data.width(of: .tXZ)!
        let architecture = MLPArchitecture(nObservables: nObs, nParameters: 0, hiddenSizes: settings.hiddenSizes,
                                           activation: settings.activation, outputSize: nPar)
        try architecture.validate()
        let (mx, sx) = EstimatorTraining.moments(data, .x)
        let scaling = InputScaling(observableMean: mx, observableStd: sx)
        let initial = SeededRandom(seed: training.seed).substream(EstimatorTraining.initializationStream)
        let objective = try MLPObjective(network: MLP(architecture: architecture, scaling: scaling, random: initial), loss: SALLYLoss())
        let history = try Trainer(settings: training).train(objective, data: data, validation: validation, progress: progress)
        return try SALLYEstimator(network: objective.network, parameterNames: parameterNames, observableNames: observableNames,
                                  training: training, history: history)
    }

    /// t̂(x_i|θ_ref) = g(x_i) for every event, in chunks of 4096 on one workspace.
    /// Shapes: `x` `[nEvents, nObservables]` → `[nEvents, nParameters]`.
    /// - Throws: `SBIError.data` naming `x` for a wrong width or a non-finite value.
    public func score(x: Matrix<Double>) throws -> Matrix<Double> {
        try EstimatorInput.check(x, columns: observableCount, field: "x", what: "observables")
        let n = x.rows, p = parameterCount
        var result = Matrix<Double>(rows: n, columns: p)
        if n == 0 { return result }
        let evaluator = NetworkEvaluator(network: network, capacity: min(EstimatorInput.chunkRows, n), tangents: false)
        var start = 0
        while start < n {
            let rows = start..<min(n, start + evaluator.capacity)
            evaluator.loadX(x, rows: rows)
            evaluator.run(count: rows.count)
            let o = evaluator.workspace.output
            result.withUnsafeMutableBufferPointer { r in
                for k in 0..<(rows.count * p) { r[rows.lowerBound * p + k] = Double(o[k]) }
            }
            start = rows.upperBound
        }
        return result
    }

    // MARK: Persistence

    /// The model folder contents (`model.json` + `weights.npy`), kind `score`, method `sally`.
    /// `model.json`'s `parameterNames` lists the network's θ inputs, of which SALLY has none, so the
    /// score components are named `theta0, theta1, …` again on loading.
    public var modelFolder: ModelFolder {
        ModelFolder(mlp: network, kind: .score, method: EstimatorMethod.sally.rawValue, parameterNames: [],
                    observableNames: observableNames, training: training, history: history)
    }

    /// Writes the model folder atomically.
    public func save(to path: String) throws { try modelFolder.save(to: path) }

    /// Reads a model folder written by `save`.
    /// - Throws: `ModelFolder.load`'s errors; `SBIError.data` naming `model.json` for another kind.
    public static func load(from path: String) throws -> SALLYEstimator {
        try SALLYEstimator(folder: ModelFolder.load(from: path), path: path)
    }

    /// An estimator from a loaded model folder (`path` only names it in errors).
    public convenience init(folder: ModelFolder, path: String) throws {
        let d = folder.description
        let file = path + "/" + ModelFolder.descriptionFile
        guard d.kind == .score else {
            throw SBIError.data("kind \(d.kind.rawValue); expected \(ModelKind.score.rawValue)", file: file, field: "kind")
        }
        do {
            try self.init(network: folder.mlp(), observableNames: d.observableNames,
                          training: d.training, history: d.history)
        } catch let e as SBIError { throw e.inFile(file) }
    }
}
