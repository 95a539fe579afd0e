/// One estimator to train: method, the sample it trains on, network shape, training settings,
/// ensemble size.
///
/// ```
/// f(x, θ): inputs → hidden_layers (activation) → linear output
/// loss = method's loss (+ α·|t̂ − t(x,z)|² for alices, cascal, rascal)
/// ```
/// Defaults are MadMiner's: one hidden layer of 100 tanh units, α = 1, training as
/// `RecipeTraining`.
/// [1] arXiv:1805.00013, 1805.00020, 1805.12244; [2] arXiv:1808.00973 (ALICE, ALICES).
public struct RecipeEstimator: Codable, Sendable, Equatable {
    /// Unique name; also the model folder's name and the legend entry.
    public var name: String
    /// The training method.
    public var method: RecipeMethod
    /// Name of the sample it trains on (ratio sample for ratio methods, local for sally/sallino).
    public var sample: String
    /// Widths of the hidden layers (default [100]).
    public var hiddenLayers: [Int]
    /// Hidden-layer nonlinearity (default tanh).
    public var activation: RecipeActivation
    /// Weight α of the score term (alices, cascal, rascal; default 1).
    public var alpha: Double
    /// Number of independently trained members (default 1).
    public var ensemble: Int
    /// Training settings.
    public var training: RecipeTraining
    /// Doubly parameterised methods (carl2 … rascal2): the fixed θ1 of log r̂(x|θ, θ1) in the limits
    /// (nil: θ_true of the Asimov data, or the origin for observed data; see `Recipe.ratioReference`).
    public var reference: [Double]? = nil
    /// nde: the number of MADE blocks of the flow (default 5; nil for the other methods).
    public var blocks: Int? = nil
    /// carl … rascal: train the morphing-aware quadratic form (`MorphingAwareRatioEstimator`: log r̂ = log vᵀQ(x)v −
    /// log vᵀQ̄v, exact for |M|² quadratic in θ) instead of a network of (x, θ); needs a ratio sample with one θ1.
    /// nil (absent from the recipe hash) means false.
    public var morphingAware: Bool? = nil

    /// Whether the estimator is the morphing-aware quadratic form.
    public var isMorphingAware: Bool { morphingAware == true }
}

/// Training settings with MadMiner's defaults.
///
/// ```
/// lr_e = lr_initial · (lr_final / lr_initial)^(e / (epochs − 1))
/// ```
/// [1] MadMiner documentation, `Estimator.train` (optimizer "amsgrad", n_epochs 50,
/// batch_size 128, initial_lr 1e-3, final_lr 1e-4, validation_split 0.25, early_stopping).
public struct RecipeTraining: Codable, Sendable, Equatable {
    /// The optimiser (default amsgrad).
    public var optimizer: RecipeOptimizer = .amsgrad
    /// Passes over the training data (default 50).
    public var epochs: Int = 50
    /// Samples per step (default 128).
    public var batchSize: Int = 128
    /// Learning rate of the first epoch (default 1e-3).
    public var initialLearningRate: Double = 1e-3
    /// Learning rate of the last epoch (default 1e-4).
    public var finalLearningRate: Double = 1e-4
    /// Fraction of the training split held out for validation, [0, 1) (default 0.25); used only when the
    /// sample has no validation split of its own (its `_validation` files are used when present).
    public var validationSplit: Double = 0.25
    /// Keep the parameters of the best validation epoch (default true).
    public var earlyStopping: Bool = true
    /// Stop after this many epochs without improvement (default: never).
    public var patience: Int?
    /// Clip the gradient norm to this value (default: no clipping).
    public var clipGradientNorm: Double?
    /// Momentum of sgd, [0, 1) (default 0.9).
    public var momentum: Double = 0.9
    /// Seed of shuffles, splits and initial weights (default: recipe seed + 1001 + index of the estimator).
    public var seed: UInt64 = 0

    /// MadMiner's defaults.
    public init() {}
}
