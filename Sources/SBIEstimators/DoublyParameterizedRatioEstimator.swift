import Foundation
import SBICore
import SBINetworks

/// The doubly parameterised likelihood-ratio estimator, antisymmetric by construction.
///
/// ```
/// log r̂(x|θ0, θ1) = g(x, θ0, θ1) − g(x, θ1, θ0)
/// ```
/// so log r̂(x|θ0, θ1) = −log r̂(x|θ1, θ0) and log r̂(x|θ, θ) = 0 hold exactly (the two network
/// passes are the same floating-point operations with the roles exchanged). Trained by
/// carl2, rolr2, alice2 (ratio losses) or alices2, cascal2, rascal2 (plus both scores, see
/// `DoublyRatioObjective`). θ0 and θ1 share one standardisation (pooled mean and standard
/// deviation), so the two slots of g see the same scale.
///
/// Shapes: x `[nEvents, nObservables]`, θ0 and θ1 `[nPairs, P]` (paired row by row) →
/// `[nPairs, nEvents]`. Training data (`dataset`): theta `[n, 2P]` = [θ0 | θ1], t_xz `[n, 2P]` =
/// [t_xz0 | t_xz1].
/// [1] arXiv:1805.12244; [2] arXiv:1907.10621 (MadMiner's DoubleParameterizedRatioEstimator).
public final class DoublyParameterizedRatioEstimator: @unchecked Sendable {
    // @unchecked: every stored property is an immutable `let`; MLP is Sendable.

    /// The network g(x, θ0, θ1), 2P θ inputs, one output.
    public let network: MLP
    /// How it was trained (carl2 … alices2).
    public let method: EstimatorMethod
    /// Names of θ's components, `[P]`.
    public let parameterNames: [String]
    /// Names of the observables, `[nObservables]`.
    public let observableNames: [String]
    /// Training settings and loss history (nil for a network built in code).
    public let training: TrainingSettings?
    public let history: TrainingHistory?

    /// Number of parameters P (the network has 2P θ inputs).
    public var parameterCount: Int { network.architecture.nParameters / 2 }
    public var observableCount: Int { network.architecture.nObservables }

    /// An estimator around a network g(x, θ0, θ1) with 2P θ inputs and one output.
    /// - Throws: `SBIError.data` for a method of another family, an odd number of θ inputs,
    ///   more than one output, or names that do not fit.
    public init(network: MLP, method: EstimatorMethod, parameterNames: [String]? = nil, observableNames: [String]? = nil,
                training: TrainingSettings? = nil, history: TrainingHistory? = nil) throws {
        try method.require(.doublyParameterizedRatio)
        let arch = network.architecture
        guard arch.nParameters >= 2, arch.nParameters % 2 == 0, arch.outputSize == 1 else {
            throw SBIError.data("a doubly parameterised network needs 2P θ inputs and one output; got \(arch.nParameters) and \(arch.outputSize)",
                                field: "architecture")
        }
        self.network = network
        self.method = method
        self.parameterNames = try EstimatorTraining.names(parameterNames, count: arch.nParameters / 2, prefix: "theta", field: "parameterNames")
        self.observableNames = try EstimatorTraining.names(observableNames, count: arch.nObservables, prefix: "x", field: "observableNames")
        self.training = training
        self.history = history
    }

    /// Training data in the layout the objective reads: theta = [θ0 | θ1], t_xz = [t_xz0 | t_xz1].
    /// Shapes: x `[n, nObs]`, θ0, θ1, t_xz0, t_xz1 `[n, P]`, y and r_xz n values.
    /// - Throws: `SBIError.data` for mismatched rows or widths, or non-finite values.
    public static func dataset(x: Matrix<Float>, theta0: Matrix<Float>, theta1: Matrix<Float>, y: [Float],
                               rXZ: [Float]? = nil, tXZ0: Matrix<Float>? = nil, tXZ1: Matrix<Float>? = nil) throws -> TrainingDataset {
        guard theta0.rows == x.rows, theta1.rows == x.rows else {
            throw SBIError.data("θ0 has \(theta0.rows) rows and θ1 \(theta1.rows); x has \(x.rows)", field: "theta1")
        }
        guard theta0.columns == theta1.columns else {
            throw SBIError.data("θ0 has \(theta0.columns) components, θ1 \(theta1.columns)", field: "theta1")
        }
        let theta = concatenate(theta0, theta1)
        var scores: Matrix<Float>? = nil
        if tXZ0 != nil || tXZ1 != nil {
            guard let t0 = tXZ0, let t1 = tXZ1 else {
                throw SBIError.data("doubly parameterised score methods need both t_xz0 and t_xz1", field: tXZ0 == nil ? "t_xz0" : "t_xz1")
            }
            guard t0.rows == x.rows, t1.rows == x.rows, t0.columns == theta0.columns, t1.columns == theta0.columns else {
                throw SBIError.data("t_xz0 [\(t0.rows), \(t0.columns)] and t_xz1 [\(t1.rows), \(t1.columns)]; expected [\(x.rows), \(theta0.columns)]",
                                    field: "t_xz")
            }
            scores = concatenate(t0, t1)
        }
        return try TrainingDataset(x: x, theta: theta, y: y, rXZ: rXZ, tXZ: scores)
    }

    /// The training data of `method` from MadMiner's files in `folder` (`x_<suffix>.npy`, `theta0_…`,
    /// `theta1_…`, `y_…`, and as the method needs `r_xz_…`, `t_xz0_…`, `t_xz1_…`, as
    /// `sample_train_more_ratios` writes them), read into memory in the layout of `dataset(x:…)`.
    /// - Throws: `SBIError.data` naming the missing file, a file whose rows differ from x's, a
    ///   non-finite value (row and column) or a shape other than `[n]` / `[n, k]`; `SBIError.io`.
    public static func dataset(method: EstimatorMethod, folder: String, suffix: String) throws -> TrainingDataset {
        func read(_ stem: String, _ what: String) throws -> (Matrix<Float>, String) {
            let path = folder + "/" + stem + "_" + suffix + ".npy"
            guard FileManager.default.fileExists(atPath: path) else {
                throw SBIError.data("missing; method \(method.rawValue) needs \(stem)_\(suffix).npy (\(what))", file: path)
            }
            let a = try NPYFile.read(path)
            guard a.shape.count == 1 || a.shape.count == 2, let rows = a.shape.first else {
                throw SBIError.data("shape \(a.shape); expected [n] or [n, k]", file: path, field: "shape")
            }
            let m: Matrix<Float> = try NPYFile.readMatrix(path)
            return (m.reshaped(rows: rows, columns: a.shape.count == 1 ? 1 : a.shape[1]), path)
        }
        let (x, xPath) = try read("x", "observables")
        func load(_ stem: String, _ what: String) throws -> Matrix<Float> {
            let (m, path) = try read(stem, what)
            guard m.rows == x.rows else {
                throw SBIError.data("\(m.rows) rows, but \(xPath) has \(x.rows); every training file must have one row per sample", file: path, field: "shape")
            }
            if let bad = m.firstNonFinite() {
                throw SBIError.data("non-finite value \(m[bad.row, bad.column]); training inputs must be finite", file: path, field: "row \(bad.row), column \(bad.column)")
            }
            return m
        }
        let theta0 = try load("theta0", "parameter points theta0")
        let theta1 = try load("theta1", "parameter points theta1")
        let y = try load("y", "labels: 0 for x from theta0, 1 for x from theta1")
        let r = method.needsJointRatio ? try load("r_xz", "joint likelihood ratios") : nil
        let t0 = method.usesScore ? try load("t_xz0", "joint scores at theta0") : nil
        let t1 = method.usesScore ? try load("t_xz1", "joint scores at theta1") : nil
        do {
            return try dataset(x: x, theta0: theta0, theta1: theta1, y: y.storage, rXZ: r?.storage, tXZ0: t0, tXZ1: t1)
        } catch let e as SBIError { throw e.inFile(xPath) }
    }

    /// The sample folder's own validation split (`x_validation.npy`, …), nil when it has none.
    public static func validationDataset(method: EstimatorMethod, folder: String) throws -> TrainingDataset? {
        FileManager.default.fileExists(atPath: folder + "/x_validation.npy") ? try dataset(method: method, folder: folder, suffix: "validation") : nil
    }

    private static func concatenate(_ a: Matrix<Float>, _ b: Matrix<Float>) -> Matrix<Float> {
        Matrix(rows: a.rows, columns: a.columns + b.columns) { i, j in j < a.columns ? a[i, j] : b[i, j - a.columns] }
    }

    /// Trains g by `method` on data built by `dataset(...)` (theta = [θ0 | θ1]; t_xz = [t_xz0 | t_xz1]
    /// for alices2, cascal2, rascal2). Initial weights from `SeededRandom(seed).substream(2⁴⁰)`.
    /// - Throws: `SBIError.data` for a method of another family, missing fields or a label y other
    ///   than 0 and 1; the `Trainer`'s errors.
    public static func train(method: EstimatorMethod, data: TrainingDataset, validation: TrainingDataset? = nil,
                             network settings: NetworkSettings = NetworkSettings(), training: TrainingSettings,
                             parameterNames: [String]? = nil, observableNames: [String]? = nil,
                             progress: ProgressReporter? = nil) throws -> DoublyParameterizedRatioEstimator {
        try method.require(.doublyParameterizedRatio)
        try settings.validate()
        try EstimatorTraining.requireFields(method, in: data, thetaFields: [.theta])
        try data.checkClassLabels()
        try validation?.checkClassLabels()
        let nObs = data.width(of: .x)!, q = data.width(of: .theta)!
        guard q % 2 == 0 else {
            throw SBIError.data("theta has \(q) columns; expected [θ0 | θ1] with an even count", field: "theta")
        }
        let architecture = MLPArchitecture(nObservables: nObs, nParameters: q, hiddenSizes: settings.hiddenSizes,
                                           activation: settings.activation, outputSize: 1)
        try architecture.validate()
        let (mx, sx) = EstimatorTraining.moments(data, .x)
        let (mt, st) = data.meanAndStandardDeviation(of: .theta)
        // Pooled moments of θ0 and θ1 per component: E[θ] and E[θ²] averaged over both slots.
        let p = q / 2
        var mean = [Double](repeating: 0, count: q), std = [Double](repeating: 1, count: q)
        for k in 0..<p {
            let m = (mt[k] + mt[p + k]) / 2
            let second = (st[k] * st[k] + mt[k] * mt[k] + st[p + k] * st[p + k] + mt[p + k] * mt[p + k]) / 2
            let s = (second - m * m).squareRoot()
            mean[k] = m; mean[p + k] = m
            std[k] = s > 0 && s.isFinite ? s : 1; std[p + k] = std[k]
        }
        let scaling = InputScaling(observableMean: mx, observableStd: sx, parameterMean: mean, parameterStd: std)
        let initial = SeededRandom(seed: training.seed).substream(EstimatorTraining.initializationStream)
        let objective = DoublyRatioObjective(network: MLP(architecture: architecture, scaling: scaling, random: initial),
                                             method: method, alpha: settings.alpha)
        let history = try Trainer(settings: training).train(objective, data: data, validation: validation, progress: progress)
        return try DoublyParameterizedRatioEstimator(network: objective.network, method: method, parameterNames: parameterNames,
                                                     observableNames: observableNames, training: training, history: history)
    }

    /// log r̂(x_i|θ0_j, θ1_j) for every pair j (rows of `theta0`, `theta1`) and every event i.
    /// Shapes: `x` `[nEvents, nObservables]`, `theta0`, `theta1` `[nPairs, P]` → `[nPairs, nEvents]`.
    /// - Throws: `SBIError.data` for wrong widths, different pair counts or non-finite values.
    public func logRatio(x: Matrix<Double>, theta0: Matrix<Double>, theta1: Matrix<Double>) throws -> Matrix<Double> {
        let p = parameterCount
        try EstimatorInput.check(x, columns: observableCount, field: "x", what: "observables")
        try EstimatorInput.check(theta0, columns: p, field: "theta0", what: "parameters")
        try EstimatorInput.check(theta1, columns: p, field: "theta1", what: "parameters")
        guard theta0.rows == theta1.rows else {
            throw SBIError.data("\(theta1.rows) θ1 rows for \(theta0.rows) θ0 rows; pairs need one of each", field: "theta1")
        }
        let n = x.rows, pairs = theta0.rows
        var result = Matrix<Double>(rows: pairs, columns: n)
        if n == 0 || pairs == 0 { return result }
        let cap = min(EstimatorInput.chunkRows, n)
        let a = NetworkEvaluator(network: network, capacity: cap, tangents: false)
        let b = NetworkEvaluator(network: network, capacity: cap, tangents: false)
        var forward = [Double](repeating: 0, count: 2 * p), backward = forward
        var start = 0
        while start < n {
            let rows = start..<min(n, start + cap)
            a.loadX(x, rows: rows)
            b.loadX(x, rows: rows)
            for j in 0..<pairs {
                for k in 0..<p {
                    forward[k] = theta0[j, k]; forward[p + k] = theta1[j, k]
                    backward[k] = theta1[j, k]; backward[p + k] = theta0[j, k]
                }
                forward.withUnsafeBufferPointer { a.broadcastTheta($0, count: rows.count) }
                backward.withUnsafeBufferPointer { b.broadcastTheta($0, count: rows.count) }
                a.run(count: rows.count)
                b.run(count: rows.count)
                let oa = a.workspace.output, ob = b.workspace.output
                result.withUnsafeMutableBufferPointer { r in
                    for (k, i) in rows.enumerated() { r[j * n + i] = Double(oa[k] - ob[k]) }
                }
            }
            start = rows.upperBound
        }
        return result
    }

    /// This estimator with θ1 fixed at `reference`, as a `LogRatioEstimator` for inference.
    /// - Throws: `SBIError.data` naming `reference` for a wrong length or a non-finite value.
    public func against(reference: [Double]) throws -> FixedReferenceRatioEstimator {
        guard reference.count == parameterCount, reference.allSatisfy(\.isFinite) else {
            throw SBIError.data("expected \(parameterCount) finite values, got \(reference)", field: "reference")
        }
        return FixedReferenceRatioEstimator(estimator: self, reference: reference)
    }

    // MARK: Persistence

    /// The model folder contents (`model.json` + `weights.npy`), kind `doubly-parameterized-ratio`.
    public var modelFolder: ModelFolder {
        ModelFolder(mlp: network, kind: .doublyParameterizedRatio, method: method.rawValue,
                    parameterNames: parameterNames + parameterNames.map { $0 + "_1" },
                    observableNames: observableNames, training: training, history: history)
    }

    /// Writes the model folder atomically. `model.json` lists the 2P θ inputs as `name…`, `name_1…`.
    public func save(to path: String) throws { try modelFolder.save(to: path) }

    /// Reads a model folder written by `save`.
    /// - Throws: `ModelFolder.load`'s errors; `SBIError.data` naming `model.json` for another kind or method.
    public static func load(from path: String) throws -> DoublyParameterizedRatioEstimator {
        try DoublyParameterizedRatioEstimator(folder: ModelFolder.load(from: path), path: path)
    }

    /// An estimator from a loaded model folder (`path` only names it in errors).
    public convenience init(folder: ModelFolder, path: String) throws {
        let d = folder.description
        let file = path + "/" + ModelFolder.descriptionFile
        guard d.kind == .doublyParameterizedRatio else {
            throw SBIError.data("kind \(d.kind.rawValue); expected \(ModelKind.doublyParameterizedRatio.rawValue)", file: file, field: "kind")
        }
        do {
            let method = try EstimatorMethod.parse(d.method)
            try self.init(network: folder.mlp(), method: method, parameterNames: Array(d.parameterNames.prefix(d.parameterNames.count / 2)),
                          observableNames: d.observableNames, training: d.training, history: d.history)
        } catch let e as SBIError { throw e.inFile(file) }
    }
}

/// A doubly parameterised estimator with θ1 fixed: log r̂(x|θ, θ_ref) for the inference APIs.
///
/// ```
/// log r̂(x|θ, θ_ref) = g(x, θ, θ_ref) − g(x, θ_ref, θ)
/// ```
/// Shapes as `LogRatioEstimator`. [1] arXiv:1805.12244.
public struct FixedReferenceRatioEstimator: LogRatioEstimator, Sendable {
    /// The doubly parameterised estimator.
    public let estimator: DoublyParameterizedRatioEstimator
    /// θ_ref, `[P]`.
    public let reference: [Double]
    public var parameterCount: Int { estimator.parameterCount }
    public var observableCount: Int { estimator.observableCount }

    /// log r̂(x_i|θ_j, θ_ref) `[nTheta, nEvents]`.
    /// - Throws: `SBIError.data` for wrong widths or non-finite inputs.
    public func logRatio(x: Matrix<Double>, thetas: Matrix<Double>) throws -> Matrix<Double> {
        let p = estimator.parameterCount
        guard thetas.columns == p else {
            throw SBIError.data("expected \(p) parameters per row, got shape [\(thetas.rows), \(thetas.columns)]", field: "thetas")
        }
        let ref = Matrix<Double>(rows: thetas.rows, columns: p) { _, k in reference[k] }
        return try estimator.logRatio(x: x, theta0: thetas, theta1: ref)
    }
}
