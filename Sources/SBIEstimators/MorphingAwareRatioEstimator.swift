#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SBICore
import SBINetworks

/// The morphing-aware likelihood-ratio estimator for EFTs whose squared matrix element is quadratic in the
/// couplings: a network g(x) gives a positive semi-definite quadratic form in v = (1, (θ − θ_ref)/s), so the
/// θ-dependence of r̂ is the physics' own (`QuadraticRatioForm`), trained by CARL, ROLR, ALICE, ALICES, CASCAL
/// or RASCAL on ratio samples whose denominator is one point θ_ref.
///
/// ```
/// R̂(x|θ) = vᵀ Q(x) v = 1 + Σ_i θ̃_i f_i(x) + Σ_{i≤j} θ̃_i θ̃_j g_ij(x)   ≈ dσ(x|θ)/dσ(x|θ_ref)
/// N̂(θ)   = vᵀ Q̄ v                                                  ≈ σ(θ)/σ(θ_ref)
/// log r̂(x|θ, θ_ref) = log R̂(x|θ) − log N̂(θ)
/// ```
/// The network runs once per event whatever the number of θ points (a grid costs O(n²) per point and event
/// on top), and outside the training prior r̂ keeps the exact quadratic structure instead of extrapolating
/// a network. Shapes as `ParameterizedRatioEstimator`.
/// [1] arXiv:2211.02058 (ML4EFT); [2] arXiv:2007.10356; [3] arXiv:1907.10621 (MadMiner's morphing-aware estimator);
/// [4] arXiv:1805.12244 (the losses).
public final class MorphingAwareRatioEstimator: LogRatioEstimator, @unchecked Sendable {
    // @unchecked: every stored property is immutable after init (`let`) and MLP is Sendable.

    /// The network g(x): the K free entries of L(x), Q = L Lᵀ.
    public let network: MLP
    /// The K free entries of L̄, Q̄ = L̄ L̄ᵀ.
    public let normalization: [Float]
    /// θ_ref and the scale s of v.
    public let reference: [Double], scale: [Double]
    /// How it was trained.
    public let method: EstimatorMethod
    /// Names of θ's components and of the observables.
    public let parameterNames: [String], observableNames: [String]
    /// Training settings and history (nil for a model built in code).
    public let training: TrainingSettings?
    public let history: TrainingHistory?

    public var parameterCount: Int { reference.count }
    public var observableCount: Int { network.architecture.nObservables }

    /// An estimator from its parts.
    /// - Throws: `SBIError.data` for a method that is not a parameterised ratio method, a network with θ inputs
    ///   or the wrong number of outputs, or a reference, scale, normalisation or names of the wrong length.
    public init(network: MLP, normalization: [Float], reference: [Double], scale: [Double], method: EstimatorMethod,
                parameterNames: [String]? = nil, observableNames: [String]? = nil,
                training: TrainingSettings? = nil, history: TrainingHistory? = nil) throws {
        try method.require(.parameterizedRatio)
        var description = ModelDescription(kind: .morphingAwareRatio, method: method.rawValue, architecture: network.architecture,
                                           parameterNames: try EstimatorTraining.names(parameterNames, count: reference.count, prefix: "theta", field: "parameterNames"),
                                           observableNames: try EstimatorTraining.names(observableNames, count: network.architecture.nObservables, prefix: "x", field: "observableNames"),
                                           inputScaling: network.scaling)
        description.quadraticForm = QuadraticFormDescription(reference: reference, scale: scale)
        try description.validate()
        guard normalization.count == QuadraticRatioForm.entryCount(parameterCount: reference.count), normalization.allSatisfy(\.isFinite) else {
            throw SBIError.data("\(normalization.count) normalisation entries; expected \(QuadraticRatioForm.entryCount(parameterCount: reference.count)) finite ones",
                                field: "normalization")
        }
        self.network = network
        self.normalization = normalization
        self.reference = reference
        self.scale = scale
        self.method = method
        self.parameterNames = description.parameterNames
        self.observableNames = description.observableNames
        self.training = training
        self.history = history
    }

    // MARK: Training

    /// Trains g(x) and L̄ by `method` on ratio samples (fields x, theta, theta1, y and, as the method needs,
    /// r_xz, t_xz) whose θ1 is one point, θ_ref, then sets Q̄ to the mean of Q(x) over the training events drawn at
    /// θ_ref (`normalized(onReferenceEvents:)`). The scale s is the training θ0's standard deviation; x is
    /// standardised inside the network; weights from `SeededRandom(seed: settings.seed).substream(2⁴⁰)`, so the
    /// same seed and data give the same model bit for bit.
    /// - Throws: `SBIError.data` for a method of another family, a missing field (naming its MadMiner file stem),
    ///   θ1 that is not one point (naming `theta1` and the first differing row), labels other than 0 and 1;
    ///   the `Trainer`'s errors.
    public static func train(method: EstimatorMethod, data: TrainingDataset, validation: TrainingDataset? = nil,
                             network settings: NetworkSettings = NetworkSettings(), training: TrainingSettings,
                             parameterNames: [String]? = nil, observableNames: [String]? = nil,
                             progress: ProgressReporter? = nil) throws -> MorphingAwareRatioEstimator {
        try method.require(.parameterizedRatio)
        try settings.validate()
        try EstimatorTraining.requireFields(method, in: data, thetaFields: [.theta, .theta1])
        if let validation { try EstimatorTraining.requireFields(method, in: validation, thetaFields: [.theta, .theta1]) }
        try data.checkClassLabels()
        try validation?.checkClassLabels()
        let reference = try commonReference(data)
        if let validation {
            let other = try commonReference(validation)
            guard other == reference else {
                throw SBIError.data("θ1 = \(other) in the validation samples, \(reference) in the training samples; a morphing-aware ratio has one reference",
                                    file: validation.source(of: .theta1), field: "theta1")
            }
        }
        let nObs = data.width(of: .x)!, nPar = reference.count
        let architecture = MLPArchitecture(nObservables: nObs, nParameters: 0, hiddenSizes: settings.hiddenSizes,
                                           activation: settings.activation, outputSize: QuadraticRatioForm.entryCount(parameterCount: nPar))
        try architecture.validate()
        let (mx, sx) = EstimatorTraining.moments(data, .x)
        let (_, st) = EstimatorTraining.moments(data, .theta)
        let scaling = InputScaling(observableMean: mx, observableStd: sx, parameterMean: [], parameterStd: [])
        let initial = SeededRandom(seed: training.seed).substream(EstimatorTraining.initializationStream)
        let objective = try QuadraticRatioObjective(network: MLP(architecture: architecture, scaling: scaling, random: initial),
                                                    loss: method.parameterizedLoss(alpha: settings.alpha, parameterStd: st),
                                                    reference: reference, scale: st)
        let history = try Trainer(settings: training).train(objective, data: data, validation: validation, progress: progress)
        let trained = try MorphingAwareRatioEstimator(network: objective.network, normalization: objective.normalization, reference: reference,
                                                      scale: st, method: method, parameterNames: parameterNames, observableNames: observableNames,
                                                      training: training, history: history)
        // The trained L̄ only approximates E_ref[Q(x)]; the training events drawn at θ_ref estimate it directly (on
        // wbf-higgs this moved the Asimov best fit from ~0.03 to ~0.003 away from θ_true).
        return try trained.normalized(onReferenceEvents: referenceEvents(data))
    }

    /// The same estimator with Q̄ = (1/M) Σ_m Q(x_m) over events x_m drawn at θ_ref: the Monte Carlo estimate of
    /// E_ref[Q(x)], so that N̂(θ) = E_ref[R̂(x|θ)] and r̂(x|θ) averages to 1 over those events at every θ (the
    /// normalisation p(x|θ) must have), instead of the trained L̄. L̄ is the Cholesky factor of Q̄ (Q̄₀₀ = 1 since R̂(x|θ_ref) = 1).
    /// - Throws: `SBIError.data` naming `x` for no events, a wrong width or a non-finite value.
    public func normalized(onReferenceEvents x: Matrix<Double>) throws -> MorphingAwareRatioEstimator {
        try EstimatorInput.check(x, columns: observableCount, field: "x", what: "observables")
        guard x.rows > 0 else { throw SBIError.data("no events to normalise on; expected events drawn at θ_ref", field: "x") }
        let n = parameterCount, m = n + 1, k = QuadraticRatioForm.entryCount(parameterCount: n)
        var mean = [Double](repeating: 0, count: m * m), l = mean
        var start = 0
        while start < x.rows {
            let rows = start..<min(x.rows, start + EstimatorInput.chunkRows)
            let entries = formEntries(x.rows(rows))
            entries.withUnsafeBufferPointer { e in
                l.withUnsafeMutableBufferPointer { lp in
                    for r in 0..<rows.count {
                        QuadraticRatioForm.fill(e.baseAddress! + r * k, into: lp.baseAddress!, m: m)
                        for a in 0..<m { for b in 0...a { for c in 0...b { mean[a * m + b] += lp[a * m + c] * lp[b * m + c] } } }
                    }
                }
            }
            start = rows.upperBound
        }
        for a in 0..<m { for b in 0...a { mean[a * m + b] /= Double(x.rows); mean[b * m + a] = mean[a * m + b] } }
        // Cholesky of the positive semi-definite mean (a pivot rounded below zero is taken as zero).
        var factor = [Double](repeating: 0, count: m * m)
        for a in 0..<m {
            for b in 0...a {
                var sum = mean[a * m + b]
                for c in 0..<b { sum -= factor[a * m + c] * factor[b * m + c] }
                if a == b { factor[a * m + a] = max(sum, 0).squareRoot() } else { factor[a * m + b] = factor[b * m + b] > 0 ? sum / factor[b * m + b] : 0 }
            }
        }
        var entries: [Float] = []
        for a in 1..<m { for b in 0...a { entries.append(Float(factor[a * m + b])) } }
        return try MorphingAwareRatioEstimator(network: network, normalization: entries, reference: reference, scale: scale, method: method,
                                               parameterNames: parameterNames, observableNames: observableNames, training: training, history: history)
    }

    /// The x of the rows of `data` with y = 1 (drawn at θ1 = θ_ref), as Double.
    static func referenceEvents(_ data: TrainingDataset) -> Matrix<Double> {
        let d = data.width(of: .x)!, chunk = 16_384
        var xs = [Float](repeating: 0, count: chunk * d), ys = [Float](repeating: 0, count: chunk)
        var out: [Double] = []
        var start = 0
        while start < data.count {
            let rows = start..<min(data.count, start + chunk)
            xs.withUnsafeMutableBufferPointer { data.readRows(rows, of: .x, into: UnsafeMutableBufferPointer(rebasing: $0[0..<(rows.count * d)])) }
            ys.withUnsafeMutableBufferPointer { data.readRows(rows, of: .y, into: UnsafeMutableBufferPointer(rebasing: $0[0..<rows.count])) }
            for r in 0..<rows.count where ys[r] == 1 { for c in 0..<d { out.append(Double(xs[r * d + c])) } }
            start = rows.upperBound
        }
        return Matrix(rows: out.count / d, columns: d, storage: out)
    }

    /// The one θ1 of every row of `data`.
    /// - Throws: `SBIError.data` naming `theta1` and the first row that differs from row 0.
    static func commonReference(_ data: TrainingDataset) throws -> [Double] {
        let p = data.width(of: .theta1)!
        var first = [Float](repeating: 0, count: p)
        first.withUnsafeMutableBufferPointer { data.readRows(0..<1, of: .theta1, into: $0) }
        let chunk = 16_384
        var buffer = [Float](repeating: 0, count: chunk * p)
        var start = 0
        while start < data.count {
            let rows = start..<min(data.count, start + chunk)
            buffer.withUnsafeMutableBufferPointer { data.readRows(rows, of: .theta1, into: UnsafeMutableBufferPointer(rebasing: $0[0..<(rows.count * p)])) }
            for (r, i) in rows.enumerated() where (0..<p).contains(where: { buffer[r * p + $0] != first[$0] }) {
                throw SBIError.data("row \(i) has θ1 = \(Array(buffer[(r * p)..<((r + 1) * p)])), row 0 \(first); a morphing-aware ratio needs one reference point θ1 "
                                    + "(augment with --theta1 point:…)", file: data.source(of: .theta1), field: "theta1")
            }
            start = rows.upperBound
        }
        return first.map(Double.init)
    }

    // MARK: Evaluation

    /// The K entries of L(x_i) for every event, `[nEvents, K]` (one network pass per event).
    func formEntries(_ x: Matrix<Double>) -> Matrix<Float> {
        network.evaluate(x: Matrix<Float>(rows: x.rows, columns: x.columns, storage: x.storage.map(Float.init)), theta: nil)
    }

    /// Calls `body(j, i, R̂, N̂, w, w̄)` for every grid point θ_j and event x_i, with w = Q(x_i) v and w̄ = Q̄ v (m = n + 1 each).
    /// v_j, N̂(θ_j) and w̄_j are computed once per point, Q(x_i) = L Lᵀ once per event; a pair then costs one m×m
    /// matrix-vector product.
    private func forEachPair(x: Matrix<Double>, thetas: Matrix<Double>,
                             _ body: (Int, Int, Double, Double, UnsafePointer<Double>, UnsafePointer<Double>) -> Void) throws {
        try EstimatorInput.check(x, columns: observableCount, field: "x", what: "observables")
        try EstimatorInput.check(thetas, columns: parameterCount, field: "thetas", what: "parameters")
        let n = parameterCount, m = n + 1, k = QuadraticRatioForm.entryCount(parameterCount: n), nTheta = thetas.rows
        // Per grid point: v_j, N̂(θ_j), w̄_j = Q̄ v_j.
        var vs = [Double](repeating: 0, count: nTheta * m), wbars = vs, norms = [Double](repeating: 0, count: nTheta)
        var scratch = [Double](repeating: 0, count: 2 * m * m + 2 * m)
        scratch.withUnsafeMutableBufferPointer { s in
            let lbar = s.baseAddress!, u = lbar + m * m
            normalization.withUnsafeBufferPointer { QuadraticRatioForm.fill($0.baseAddress!, into: lbar, m: m) }
            vs.withUnsafeMutableBufferPointer { v in
                wbars.withUnsafeMutableBufferPointer { wb in
                    for j in 0..<nTheta {
                        v[j * m] = 1
                        for a in 0..<n { v[j * m + a + 1] = (thetas[j, a] - reference[a]) / scale[a] }
                        norms[j] = QuadraticRatioForm.value(l: lbar, v: v.baseAddress! + j * m, m: m, u: u, w: wb.baseAddress! + j * m)
                    }
                }
            }
        }
        var start = 0
        while start < x.rows {
            let rows = start..<min(x.rows, start + EstimatorInput.chunkRows)
            let entries = formEntries(x.rows(rows))
            scratch.withUnsafeMutableBufferPointer { s in
                let l = s.baseAddress!, q = l + m * m, w = q + m * m
                entries.withUnsafeBufferPointer { e in
                    vs.withUnsafeBufferPointer { v in
                        wbars.withUnsafeBufferPointer { wb in
                            for (r, i) in rows.enumerated() {
                                QuadraticRatioForm.fill(e.baseAddress! + r * k, into: l, m: m)
                                for a in 0..<m {
                                    for b in 0...a {
                                        var sum = 0.0
                                        for c in 0...b { sum += l[a * m + c] * l[b * m + c] }
                                        q[a * m + b] = sum
                                        q[b * m + a] = sum
                                    }
                                }
                                for j in 0..<nTheta {
                                    let vj = v.baseAddress! + j * m
                                    var rr = QuadraticRatioForm.floor
                                    for a in 0..<m {
                                        var sum = 0.0
                                        for b in 0..<m { sum += q[a * m + b] * vj[b] }
                                        w[a] = sum
                                        rr += sum * vj[a]
                                    }
                                    body(j, i, rr, norms[j], UnsafePointer(w), wb.baseAddress! + j * m)
                                }
                            }
                        }
                    }
                }
            }
            start = rows.upperBound
        }
    }

    /// log r̂(x_i|θ_j, θ_ref) = log R̂(x_i|θ_j) − log N̂(θ_j), `[nTheta, nEvents]`.
    /// - Throws: `SBIError.data` naming `x` or `thetas` for a wrong width or a non-finite value.
    public func logRatio(x: Matrix<Double>, thetas: Matrix<Double>) throws -> Matrix<Double> {
        var out = Matrix<Double>(rows: thetas.rows, columns: x.rows)
        let n = x.rows
        try out.withUnsafeMutableBufferPointer { o in
            try forEachPair(x: x, thetas: thetas) { j, i, r, nn, _, _ in o[j * n + i] = log(r) - log(nn) }
        }
        return out
    }

    /// log r̂ and t̂(x_i|θ_j) = ∇_θ log r̂ (raw θ units): `[nTheta, nEvents]` and `[nTheta·nEvents, nParameters]`, row j·nEvents + i.
    /// - Throws: as `logRatio(x:thetas:)`.
    public func logRatioAndScore(x: Matrix<Double>, thetas: Matrix<Double>) throws -> (logRatio: Matrix<Double>, score: Matrix<Double>) {
        var out = Matrix<Double>(rows: thetas.rows, columns: x.rows)
        let p = parameterCount, n = x.rows
        var score = Matrix<Double>(rows: thetas.rows * n, columns: p)
        try out.withUnsafeMutableBufferPointer { o in
            try score.withUnsafeMutableBufferPointer { s in
                try forEachPair(x: x, thetas: thetas) { j, i, r, nn, w, wbar in
                    o[j * n + i] = log(r) - log(nn)
                    for a in 0..<p { s[(j * n + i) * p + a] = (2 * w[a + 1] / r - 2 * wbar[a + 1] / nn) / scale[a] }
                }
            }
        }
        return (out, score)
    }

    /// R̂(x_i|θ_j), the unnormalised ratio dσ̂(x|θ)/dσ̂(x|θ_ref) (1 at θ_ref, a quadratic polynomial in θ), `[nTheta, nEvents]`.
    /// - Throws: as `logRatio(x:thetas:)`.
    public func unnormalizedRatio(x: Matrix<Double>, thetas: Matrix<Double>) throws -> Matrix<Double> {
        var out = Matrix<Double>(rows: thetas.rows, columns: x.rows)
        let n = x.rows
        try out.withUnsafeMutableBufferPointer { o in
            try forEachPair(x: x, thetas: thetas) { j, i, r, _, _, _ in o[j * n + i] = r - QuadraticRatioForm.floor }
        }
        return out
    }

    /// N̂(θ) = vᵀ Q̄ v, the learned σ(θ)/σ(θ_ref).
    /// - Throws: `SBIError.data` naming `theta` for the wrong length or a non-finite value.
    public func crossSectionRatio(at theta: [Double]) throws -> Double {
        guard theta.count == parameterCount, theta.allSatisfy(\.isFinite) else {
            throw SBIError.data("θ = \(theta); expected \(parameterCount) finite values", field: "theta")
        }
        let m = parameterCount + 1
        var scratch = [Double](repeating: 0, count: m * m + 3 * m)
        return scratch.withUnsafeMutableBufferPointer { s in
            let l = s.baseAddress!, v = l + m * m, u = v + m, w = u + m
            normalization.withUnsafeBufferPointer { QuadraticRatioForm.fill($0.baseAddress!, into: l, m: m) }
            v[0] = 1
            for a in 0..<(m - 1) { v[a + 1] = (theta[a] - reference[a]) / scale[a] }
            return QuadraticRatioForm.value(l: l, v: v, m: m, u: u, w: w) - QuadraticRatioForm.floor
        }
    }

    // MARK: Persistence

    /// The model folder contents (`model.json` + `weights.npy`: the network's weights, then L̄'s entries).
    public var modelFolder: ModelFolder {
        var description = ModelDescription(kind: .morphingAwareRatio, method: method.rawValue, architecture: network.architecture,
                                           parameterNames: parameterNames, observableNames: observableNames, inputScaling: network.scaling,
                                           training: training, history: history)
        description.quadraticForm = QuadraticFormDescription(reference: reference, scale: scale)
        return ModelFolder(description: description, parameters: network.parameters + normalization)
    }

    /// Writes the model folder atomically (see `ModelFolder.save`).
    public func save(to path: String) throws { try modelFolder.save(to: path) }

    /// Reads a model folder written by `save`.
    /// - Throws: `ModelFolder.load`'s errors; `SBIError.data` naming `model.json` when it holds another kind or method.
    public static func load(from path: String) throws -> MorphingAwareRatioEstimator {
        try MorphingAwareRatioEstimator(folder: try ModelFolder.load(from: path), path: path)
    }

    /// An estimator from a loaded model folder (`path` only names it in errors).
    public convenience init(folder: ModelFolder, path: String) throws {
        let d = folder.description
        let file = path + "/" + ModelFolder.descriptionFile
        guard d.kind == .morphingAwareRatio, let q = d.quadraticForm else {
            throw SBIError.data("kind \(d.kind.rawValue); expected \(ModelKind.morphingAwareRatio.rawValue)", file: file, field: "kind")
        }
        do {
            let method = try EstimatorMethod.parse(d.method)
            let count = d.architecture.parameterCount
            let network = try MLP(architecture: d.architecture, scaling: d.inputScaling, parameters: Array(folder.parameters[0..<count]))
            try self.init(network: network, normalization: Array(folder.parameters[count...]), reference: q.reference, scale: q.scale,
                          method: method, parameterNames: d.parameterNames, observableNames: d.observableNames,
                          training: d.training, history: d.history)
        } catch let e as SBIError { throw e.inFile(file) }
    }
}
