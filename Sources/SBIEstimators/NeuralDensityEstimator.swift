import Foundation
import SBICore
import SBINetworks

/// Neural density estimation (NDE): a conditional masked autoregressive flow p̂(x|θ) trained by
/// maximum likelihood on `density` samples (x ~ p(x|θ), θ from a prior); SCANDAL adds the score
/// term on the joint score t(x,z|θ) of the same samples.
///
/// ```
/// nde:      loss = −(1/B) Σ_i log p̂(x_i|θ_i)
/// scandal:  loss = nde + α·(1/B) Σ_i (1/P) Σ_k σ_k² (∂_k log p̂(x_i|θ_i) − t_k(x_i,z_i|θ_i))²
/// log r̂(x|θ, θ_ref) = log p̂(x|θ) − log p̂(x|θ_ref),   θ_ref = the training θ's mean
/// ```
/// As a `LogRatioEstimator` it enters every ratio-based inference (mode ml, Fisher information,
/// toys): the likelihood-ratio statistic does not depend on θ_ref.
/// [1] G. Papamakarios, T. Pavlakou, I. Murray, arXiv:1705.07057 (MAF);
/// [2] J. Brehmer, G. Louppe, J. Pavez, K. Cranmer, arXiv:1805.12244 (NDE for particle physics).
public final class NeuralDensityEstimator: LogRatioEstimator, @unchecked Sendable {
    // @unchecked: every stored property is an immutable `let`; the flow is only read.

    /// The flow p̂(x|θ).
    public let flow: MaskedAutoregressiveFlow
    /// How it was trained (`nde` or `scandal`).
    public let method: EstimatorMethod
    /// Names of θ's components, `[P]`.
    public let parameterNames: [String]
    /// Names of the observables, `[D]`.
    public let observableNames: [String]
    /// Training settings and loss history (nil for a flow built in code).
    public let training: TrainingSettings?
    public let history: TrainingHistory?

    public var parameterCount: Int { flow.architecture.nParameters }
    public var observableCount: Int { flow.architecture.nObservables }
    /// θ_ref of `logRatio`: the training θ's mean (the flow's input scaling).
    public var reference: [Double] { flow.scaling.parameterMean }

    /// An estimator around a trained flow.
    /// - Throws: `SBIError.data` for a flow without parameters or names that do not fit.
    public init(flow: MaskedAutoregressiveFlow, method: EstimatorMethod = .nde, parameterNames: [String]? = nil,
                observableNames: [String]? = nil, training: TrainingSettings? = nil, history: TrainingHistory? = nil) throws {
        try method.require(.likelihood)
        guard flow.architecture.nParameters >= 1 else {
            throw SBIError.data("a likelihood estimator needs at least one parameter θ", field: "nParameters")
        }
        self.flow = flow
        self.method = method
        self.parameterNames = try EstimatorTraining.names(parameterNames, count: flow.architecture.nParameters, prefix: "theta", field: "parameterNames")
        self.observableNames = try EstimatorTraining.names(observableNames, count: flow.architecture.nObservables, prefix: "x", field: "observableNames")
        self.training = training
        self.history = history
    }

    /// The flow's shape besides D and P: MADE blocks, hidden widths per MADE and activation.
    public struct FlowSettings: Codable, Equatable, Sendable {
        /// Number of MADE blocks (default 5).
        public var blocks: Int
        /// Hidden widths of each MADE (default [100, 100]).
        public var hiddenSizes: [Int]
        /// Hidden-layer nonlinearity (default tanh).
        public var activation: Activation

        /// Settings; the defaults (5 MADEs of two tanh layers of 100) are the flow of `sbi bench train`'s
        /// MAF figure.
        public init(blocks: Int = 5, hiddenSizes: [Int] = [100, 100], activation: Activation = .tanh) {
            self.blocks = blocks
            self.hiddenSizes = hiddenSizes
            self.activation = activation
        }
    }

    /// Trains a flow by `method` (nde, or scandal with score weight `alpha`) on `data` (fields x and θ,
    /// and t_xz for scandal: MadMiner's `x_train.npy`, `theta_train.npy`, `t_xz_train.npy` of a density
    /// sample). Initial weights from `SeededRandom(seed).substream(2⁴⁰)`.
    /// - Throws: `SBIError.data` naming the missing field, an invalid flow shape or α; the `Trainer`'s errors.
    public static func train(method: EstimatorMethod = .nde, alpha: Double = 1, data: TrainingDataset, validation: TrainingDataset? = nil,
                             flow settings: FlowSettings = FlowSettings(), training: TrainingSettings, parameterNames: [String]? = nil,
                             observableNames: [String]? = nil, progress: ProgressReporter? = nil) throws -> NeuralDensityEstimator {
        try method.require(.likelihood)
        guard alpha >= 0, alpha.isFinite else { throw SBIError.data("\(alpha) is out of range; expected a finite number ≥ 0", field: "alpha") }
        for d in [data] + (validation.map { [$0] } ?? []) {
            guard d.width(of: .theta) != nil else {
                throw SBIError.data("method \(method.rawValue) needs theta (the parameter points the events were drawn at); the training data have none",
                                    file: d.source(of: .x), field: "theta")
            }
            if method == .scandal, d.width(of: .tXZ) != d.width(of: .theta) {
                throw SBIError.data("method scandal needs t_xz (the joint score, one column per parameter); the training data have none",
                                    file: d.source(of: .x), field: "t_xz")
            }
        }
        let architecture = MAFArchitecture(nObservables: data.width(of: .x)!, nParameters: data.width(of: .theta)!,
                                           blocks: settings.blocks, hiddenSizes: settings.hiddenSizes, activation: settings.activation)
        try architecture.validate()
        let (mx, sx) = EstimatorTraining.moments(data, .x)
        let (mt, st) = EstimatorTraining.moments(data, .theta)
        let scaling = InputScaling(observableMean: mx, observableStd: sx, parameterMean: mt, parameterStd: st)
        let initial = SeededRandom(seed: training.seed).substream(EstimatorTraining.initializationStream)
        let objective = MAFObjective(flow: try MaskedAutoregressiveFlow(architecture: architecture, scaling: scaling, random: initial),
                                     alpha: method == .scandal ? alpha : 0)
        let history = try Trainer(settings: training).train(objective, data: data, validation: validation, progress: progress)
        return try NeuralDensityEstimator(flow: objective.flow, method: method, parameterNames: parameterNames, observableNames: observableNames,
                                          training: training, history: history)
    }

    /// The training data of `method` from a density sample in `folder`: `x_<suffix>.npy`,
    /// `theta_<suffix>.npy` and for scandal `t_xz_<suffix>.npy` (MadMiner's `sample_train_density`
    /// files; `sbi augment --kind density`).
    /// - Throws: `SBIError.data` naming a missing file; the dataset's errors (shapes, rows, values).
    public static func dataset(method: EstimatorMethod = .nde, folder: String, suffix: String) throws -> TrainingDataset {
        var files: [TrainingDataset.Field: String] = [:]
        var needed: [(TrainingDataset.Field, String, String)] = [(.x, "x", "observables"), (.theta, "theta", "the parameter points the events were drawn at")]
        if method == .scandal { needed.append((.tXZ, "t_xz", "the joint scores")) }
        for (field, stem, what) in needed {
            let path = folder + "/" + stem + "_" + suffix + ".npy"
            guard FileManager.default.fileExists(atPath: path) else {
                throw SBIError.data("missing; method \(method.rawValue) needs \(stem)_\(suffix).npy (\(what)), as a density sample has", file: path)
            }
            files[field] = path
        }
        return try TrainingDataset(files: files)
    }

    /// The sample folder's own validation split (`x_validation.npy`, …), nil when it has none.
    public static func validationDataset(method: EstimatorMethod = .nde, folder: String) throws -> TrainingDataset? {
        FileManager.default.fileExists(atPath: folder + "/x_validation.npy") ? try dataset(method: method, folder: folder, suffix: "validation") : nil
    }

    /// log p̂(x_i|θ_j) as `[nTheta, nEvents]`, the grid points split over one worker per OpenBLAS thread
    /// with OpenBLAS single-threaded meanwhile (restored after); the values do not depend on the number of
    /// workers (`MaskedAutoregressiveFlow.logDensity(x:thetas:workers:)`).
    /// - Throws: `SBIError.data` naming `x` or `thetas` for a wrong width or a non-finite value.
    public func logLikelihood(x: Matrix<Double>, thetas: Matrix<Double>) throws -> Matrix<Double> {
        try EstimatorInput.check(x, columns: observableCount, field: "x", what: "observables")
        try EstimatorInput.check(thetas, columns: parameterCount, field: "thetas", what: "parameters")
        let threads = BLASLibrary.threadCount
        BLASLibrary.setThreadCount(1)
        defer { BLASLibrary.setThreadCount(threads) }
        return flow.logDensity(x: x, thetas: thetas, workers: max(1, min(threads, thetas.rows)))
    }

    /// log r̂(x_i|θ_j, θ_ref) = log p̂(x_i|θ_j) − log p̂(x_i|θ_ref) as `[nTheta, nEvents]`.
    /// - Throws: as `logLikelihood`.
    public func logRatio(x: Matrix<Double>, thetas: Matrix<Double>) throws -> Matrix<Double> {
        var result = try logLikelihood(x: x, thetas: thetas)
        let base = try logLikelihood(x: x, thetas: Matrix(rows: 1, columns: parameterCount, storage: reference))
        for j in 0..<result.rows { for i in 0..<result.columns { result[j, i] -= base[0, i] } }
        return result
    }

    // MARK: Persistence

    /// The model folder contents (`model.json` + `weights.npy`), kind `likelihood`.
    public var modelFolder: ModelFolder {
        ModelFolder(flow: flow, method: method.rawValue, parameterNames: parameterNames, observableNames: observableNames,
                    training: training, history: history)
    }

    /// Writes the model folder atomically.
    public func save(to path: String) throws { try modelFolder.save(to: path) }

    /// Reads a model folder written by `save`.
    /// - Throws: `ModelFolder.load`'s errors; `SBIError.data` naming `model.json` for another kind.
    public static func load(from path: String) throws -> NeuralDensityEstimator {
        try NeuralDensityEstimator(folder: ModelFolder.load(from: path), path: path)
    }

    /// An estimator from a loaded model folder (`path` only names it in errors).
    public convenience init(folder: ModelFolder, path: String) throws {
        let d = folder.description
        let file = path + "/" + ModelFolder.descriptionFile
        guard d.kind == .likelihood else {
            throw SBIError.data("kind \(d.kind.rawValue); expected \(ModelKind.likelihood.rawValue)", file: file, field: "kind")
        }
        do {
            let method = try EstimatorMethod.parse(d.method)
            try self.init(flow: folder.flow(), method: method, parameterNames: d.parameterNames, observableNames: d.observableNames,
                          training: d.training, history: d.history)
        } catch let e as SBIError { throw e.inFile(file) }
    }
}
