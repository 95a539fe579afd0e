import SBICore

/// What kind of function a saved network computes (MadMiner's estimator classes, arXiv:1907.10621).
public enum ModelKind: String, CaseIterable, Codable, Sendable {
    /// log r̂(x|θ, θ_ref) = f(x, θ): CARL, ROLR, ALICE, RASCAL, CASCAL, ALICES.
    case parameterizedRatio = "parameterized-ratio"
    /// log r̂(x|θ0, θ1) = f(x, θ0, θ1): the doubly parameterised variants.
    case doublyParameterizedRatio = "doubly-parameterized-ratio"
    /// t̂(x|θ_ref) = g(x): SALLY, SALLINO.
    case score
    /// log p̂(x|θ): a conditional masked autoregressive flow (NDE); `flowBlocks` MADEs, each of
    /// `architecture`'s shape (D + P inputs, 2D outputs).
    case likelihood
    /// log r̂(x|θ, θ_ref) = log vᵀQ(x)v − log vᵀQ̄v, a quadratic form in v = (1, (θ − θ_ref)/s) from a network g(x)
    /// (`QuadraticRatioForm`, MadMiner's morphing-aware estimator for quadratic |M|²); `quadraticForm` holds θ_ref
    /// and s, `weights.npy` the network's weights followed by the entries of L̄.
    case morphingAwareRatio = "morphing-aware-ratio"
}

/// Kind `morphing-aware-ratio`: the reference point and scale of v = (1, (θ − θ_ref)/s).
public struct QuadraticFormDescription: Codable, Equatable, Sendable {
    /// θ_ref, where r̂ = 1 (the training samples' θ1).
    public var reference: [Double]
    /// s, one positive value per parameter.
    public var scale: [Double]
    public init(reference: [Double], scale: [Double]) {
        self.reference = reference
        self.scale = scale
    }
}

/// The contents of a model folder's `model.json`: everything needed to rebuild and use a trained network.
///
/// ```json
/// { "formatVersion": 1, "kind": "parameterized-ratio", "method": "alices",
///   "architecture": { "nObservables": 10, "nParameters": 1, "hiddenSizes": [100, 100],
///                     "activation": "tanh", "outputSize": 1 },
///   "observableNames": [...], "parameterNames": [...], "inputScaling": {...},
///   "training": {...}, "history": {...}, "programVersion": "0.1.0" }
/// ```
/// The activation is stored inside `architecture`. The weights live next to it in
/// `weights.npy` as one flat `<f4` vector `[architecture.parameterCount]` (layer after
/// layer, `W` `[out, in]` row-major then `b`), the layout of `TrainingObjective`.
/// Following MadMiner's saved estimators (a settings JSON plus the weights), arXiv:1907.10621.
public struct ModelDescription: Codable, Equatable, Sendable {
    /// The `formatVersion` this build writes and the newest it reads.
    public static let currentFormatVersion = 1

    /// Version of this file layout.
    public var formatVersion: Int
    /// What the network computes.
    public var kind: ModelKind
    /// The training method by its paper acronym, lower case (`carl`, `alices`, `sally`, ...).
    public var method: String
    /// Layer sizes and activation.
    public var architecture: MLPArchitecture
    /// Names of the parameter inputs θ, `[architecture.nParameters]`.
    public var parameterNames: [String]
    /// Names of the observables x, `[architecture.nObservables]`.
    public var observableNames: [String]
    /// Input standardisation (training mean and standard deviation).
    public var inputScaling: InputScaling
    /// How it was trained (nil for an untrained network).
    public var training: TrainingSettings?
    /// Losses per epoch (nil for an untrained network).
    public var history: TrainingHistory?
    /// The sbi version that wrote the file.
    public var programVersion: String
    /// Kind `likelihood`: the number of MADE blocks of the flow (absent for the other kinds).
    public var flowBlocks: Int?

    /// Kind `morphing-aware-ratio`: θ_ref and s of the quadratic form (absent for the other kinds).
    public var quadraticForm: QuadraticFormDescription?

    /// Number of weights in `weights.npy`: `flowBlocks` networks of `architecture` for a flow, one network plus the
    /// entries of L̄ for a morphing-aware ratio, else one network.
    public var parameterCount: Int {
        if let q = quadraticForm { return architecture.parameterCount + QuadraticRatioForm.entryCount(parameterCount: q.reference.count) }
        return (flowBlocks ?? 1) * architecture.parameterCount
    }

    /// A description in the current format.
    public init(kind: ModelKind, method: String, architecture: MLPArchitecture,
                parameterNames: [String], observableNames: [String], inputScaling: InputScaling,
                training: TrainingSettings? = nil, history: TrainingHistory? = nil) {
        formatVersion = ModelDescription.currentFormatVersion
        self.kind = kind
        self.method = method
        self.architecture = architecture
        self.parameterNames = parameterNames
        self.observableNames = observableNames
        self.inputScaling = inputScaling
        self.training = training
        self.history = history
        programVersion = SBIVersion.string
    }

    /// Checks that the parts fit together (architecture, names, scaling, training settings).
    /// - Throws: `SBIError.data` naming the field (`architecture.hiddenSizes[0]`, `parameterNames`, ...).
    public func validate() throws {
        do {
            try architecture.validate()
        } catch let error as SBIError {
            var copy = error
            copy.field = "architecture." + (error.field ?? "")
            throw copy
        }
        if kind == .morphingAwareRatio {
            guard let q = quadraticForm, !q.reference.isEmpty, q.scale.count == q.reference.count,
                  q.reference.allSatisfy(\.isFinite), q.scale.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw SBIError.data("a morphing-aware ratio needs quadraticForm with a finite reference and a positive scale per parameter",
                                    field: "quadraticForm")
            }
            guard architecture.nParameters == 0, architecture.outputSize == QuadraticRatioForm.entryCount(parameterCount: q.reference.count) else {
                throw SBIError.data("a morphing-aware network takes x only and has \(QuadraticRatioForm.entryCount(parameterCount: q.reference.count)) outputs "
                                    + "for \(q.reference.count) parameters; got \(architecture.nParameters) θ inputs and \(architecture.outputSize) outputs",
                                    field: "architecture")
            }
            guard parameterNames.count == q.reference.count else {
                throw SBIError.data("\(parameterNames.count) names for \(q.reference.count) parameters", field: "parameterNames")
            }
        } else if quadraticForm != nil {
            throw SBIError.data("quadraticForm belongs to morphing-aware ratio models only, not \(kind.rawValue)", field: "quadraticForm")
        } else if parameterNames.count != architecture.nParameters {
            throw SBIError.data("\(parameterNames.count) names for \(architecture.nParameters) parameter inputs",
                                field: "parameterNames")
        }
        guard observableNames.count == architecture.nObservables else {
            throw SBIError.data("\(observableNames.count) names for \(architecture.nObservables) observables",
                                field: "observableNames")
        }
        try inputScaling.validate(for: architecture)
        if kind == .likelihood {
            guard let blocks = flowBlocks, (1...MAFArchitecture.maximumBlocks).contains(blocks) else {
                throw SBIError.data("a likelihood model needs flowBlocks in 1…\(MAFArchitecture.maximumBlocks)", field: "flowBlocks")
            }
            guard architecture.outputSize == 2 * architecture.nObservables else {
                throw SBIError.data("a flow's MADE has 2 outputs per observable, got \(architecture.outputSize)", field: "architecture.outputSize")
            }
        } else if flowBlocks != nil {
            throw SBIError.data("flowBlocks belongs to likelihood models only, not \(kind.rawValue)", field: "flowBlocks")
        }
        if let training {
            do {
                try training.validate()
            } catch let error as SBIError {
                var copy = error
                copy.field = "training." + (error.field ?? "")
                throw copy
            }
        }
    }
}
