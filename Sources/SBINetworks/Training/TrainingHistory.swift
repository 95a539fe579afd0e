/// What happened during training: losses per epoch, learning rates, the best epoch.
///
/// ```
/// trainingLoss[e]   = Σ_batches B_b·L_b / Σ_b B_b   (mean over the epoch's batches, as they were trained)
/// validationLoss[e] = mean loss over the validation samples after epoch e
/// ```
/// Epochs are 0-based here; messages to people count from 1. Stored in `model.json`.
public struct TrainingHistory: Codable, Equatable, Sendable {
    /// Mean training loss of each epoch.
    public var trainingLoss: [Double] = []
    /// Validation loss after each epoch (empty without validation samples).
    public var validationLoss: [Double] = []
    /// Learning rate of each epoch.
    public var learningRate: [Double] = []
    /// The epoch whose parameters were kept (lowest validation loss), nil without validation.
    public var bestEpoch: Int?
    /// True when patience ran out before the last epoch.
    public var stoppedEarly = false
    /// Samples used for training.
    public var trainingSampleCount = 0
    /// Samples used for validation.
    public var validationSampleCount = 0

    /// An empty history.
    public init() {}

    /// Number of epochs run.
    public var epochCount: Int { trainingLoss.count }
}
