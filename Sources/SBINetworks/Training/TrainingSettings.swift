import SBICore

/// How a `Trainer` trains: optimiser, learning-rate schedule, batches, validation, early stopping.
///
/// Defaults are MadMiner's (arXiv:1805.12244 and its `train` methods): AMSGrad,
/// learning rate decaying exponentially from 1e-3 to 1e-4,
/// ```
/// lr_e = lr_0 · (lr_1 / lr_0)^(e / (E − 1))
/// ```
/// batch 128, 50 epochs, 25 % of the samples held out for validation, and early
/// stopping that keeps the parameters of the epoch with the lowest validation loss.
/// Stored in `model.json` with the model.
public struct TrainingSettings: Codable, Equatable, Sendable {
    /// The optimiser.
    public var optimizer: OptimizerKind
    /// Learning rate of the first epoch.
    public var initialLearningRate: Double
    /// Learning rate of the last epoch.
    public var finalLearningRate: Double
    /// Samples per gradient step (the last batch of an epoch may be smaller).
    public var batchSize: Int
    /// Number of passes over the training samples.
    public var epochs: Int
    /// Fraction of samples held out for validation when no explicit validation set is given.
    public var validationFraction: Double
    /// Restore the parameters of the best validation epoch at the end.
    public var earlyStopping: Bool
    /// Stop after this many epochs without a better validation loss (nil: run every epoch).
    public var patience: Int?
    /// Clip the global gradient norm to this value (nil: no clipping).
    public var clipGradientNorm: Double?
    /// Momentum μ of `.sgd`.
    public var momentum: Double
    /// Seed of the shuffles and of the validation split.
    public var seed: UInt64
    /// Rows per chunk read from disk (the unit of the chunk-order shuffle; see `BatchStream`).
    public var chunkRows: Int
    /// Chunks held in memory together and shuffled as one window.
    public var chunksPerWindow: Int

    /// Largest learning rate accepted from user input. Adam-type optimizers move each weight by about
    /// the learning rate per step; above 1 a step is larger than the weights themselves (MadMiner's
    /// defaults are 1e-3 → 1e-4).
    public static let maximumLearningRate = 1.0

    /// Settings with MadMiner's defaults unless given.
    public init(seed: UInt64, optimizer: OptimizerKind = .amsgrad, initialLearningRate: Double = 1e-3,
                finalLearningRate: Double = 1e-4, batchSize: Int = 128, epochs: Int = 50,
                validationFraction: Double = 0.25, earlyStopping: Bool = true, patience: Int? = nil,
                clipGradientNorm: Double? = nil, momentum: Double = 0.9,
                chunkRows: Int = 256, chunksPerWindow: Int = 512) {
        self.seed = seed
        self.optimizer = optimizer
        self.initialLearningRate = initialLearningRate
        self.finalLearningRate = finalLearningRate
        self.batchSize = batchSize
        self.epochs = epochs
        self.validationFraction = validationFraction
        self.earlyStopping = earlyStopping
        self.patience = patience
        self.clipGradientNorm = clipGradientNorm
        self.momentum = momentum
        self.chunkRows = chunkRows
        self.chunksPerWindow = chunksPerWindow
    }

    /// The learning-rate schedule these settings describe.
    public var schedule: LearningRateSchedule {
        LearningRateSchedule(initial: initialLearningRate, final: finalLearningRate, epochs: epochs)
    }

    /// Checks every value; throws `SBIError.data` naming the field and the valid range.
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ expected: String, _ value: Any) throws {
            if !ok { throw SBIError.data("\(value) is out of range; expected \(expected)", field: field) }
        }
        try check(initialLearningRate > 0 && initialLearningRate.isFinite, "initialLearningRate", "a positive number", initialLearningRate)
        try check(finalLearningRate > 0 && finalLearningRate.isFinite, "finalLearningRate", "a positive number", finalLearningRate)
        try check(batchSize >= 1, "batchSize", "an integer ≥ 1", batchSize)
        try check(epochs >= 1, "epochs", "an integer ≥ 1", epochs)
        try check(validationFraction >= 0 && validationFraction < 1, "validationFraction", "a number in [0, 1)", validationFraction)
        if let patience { try check(patience >= 1, "patience", "an integer ≥ 1", patience) }
        if let clip = clipGradientNorm { try check(clip > 0 && clip.isFinite, "clipGradientNorm", "a positive number", clip) }
        try check(momentum >= 0 && momentum < 1, "momentum", "a number in [0, 1)", momentum)
        try check(chunkRows >= 1, "chunkRows", "an integer ≥ 1", chunkRows)
        try check(chunksPerWindow >= 1, "chunksPerWindow", "an integer ≥ 1", chunksPerWindow)
    }
}
