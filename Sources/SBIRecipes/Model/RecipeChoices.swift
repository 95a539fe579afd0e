/// The names a recipe may choose from, as `CaseIterable` enums so that an error can list the
/// valid values. Raw values are the spellings used in YAML.
///
/// ```
/// simulator   gaussian | gaussian-3d | drell-yan | wbf-higgs
/// kind        ratio | more_ratios | local | density | test
/// method      carl | rolr | alice | alices | cascal | rascal | sally | sallino
///             carl2 | rolr2 | alice2 | alices2 | cascal2 | rascal2 (doubly parameterised) | nde | scandal
/// activation  tanh | relu | sigmoid | elu | softplus | leaky_relu
/// optimizer   adam | amsgrad | sgd
/// mode        ml | sally | ideal_sally | sallino | histogram | rate | truth
/// ```
/// [1] arXiv:1805.00013, 1805.00020, 1805.12244 (methods); MadMiner documentation (names).
public protocol RecipeChoice: RawRepresentable, CaseIterable, Codable, Sendable, Hashable where RawValue == String {}

extension RecipeChoice {
    /// `a, b, c` for error messages.
    static var spellings: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// A built-in simulator (Recipes/README.md, `simulator`).
public enum BuiltInSimulator: String, RecipeChoice {
    /// z ~ N(θ, 2²), x ~ N(z, 1²); one parameter, exact likelihood, no rate.
    case gaussian
    /// z ~ N(θ, 4R), x ~ N(z, 1) in three dimensions with correlations R; three parameters, exact likelihood, no
    /// rate: the check of profiles over several couplings.
    case gaussian3D = "gaussian-3d"
    /// e⁺e⁻ → μ⁺μ⁻ near the Z pole with shifted muon couplings; weighted, morphable.
    case drellYan = "drell-yan"
    /// Weak-boson-fusion-like Higgs toy with two dimension-six couplings; weighted, morphable.
    case wbfHiggs = "wbf-higgs"

    /// Whether the simulator writes weighted events with morphing (benchmarks apply).
    public var isWeighted: Bool { self == .drellYan || self == .wbfHiggs }
    /// Whether the simulator predicts an event rate (σ(θ)·luminosity).
    public var hasRate: Bool { self == .drellYan || self == .wbfHiggs }
}

/// The kind of an augmented sample (MadMiner's `sample_train_ratio/more_ratios/local/density`, `sample_test`).
public enum RecipeSampleKind: String, RecipeChoice {
    case ratio
    case moreRatios = "more_ratios"
    case local, density, test

    /// Whether the kind has a numerator θ0 and a denominator θ1.
    public var hasTheta1: Bool { self == .ratio || self == .moreRatios }
}

/// A training method, by its paper acronym.
public enum RecipeMethod: String, RecipeChoice {
    case carl, rolr, alice, alices, cascal, rascal, sally, sallino
    case carl2, rolr2, alice2, alices2, cascal2, rascal2
    /// Neural density estimation: a masked autoregressive flow p̂(x|θ) on a density sample.
    case nde
    /// NDE plus α times the score term on the density sample's joint score.
    case scandal

    /// Whether the method's model enters mode ml as log r̂(x|θ): a parameterised ratio, a doubly
    /// parameterised log r̂(x|θ, θ1) against a fixed θ1 (the estimator's `reference`), or an NDE's
    /// log p̂(x|θ) − log p̂(x|θ_ref).
    public var isRatio: Bool { self != .sally && self != .sallino }
    /// Whether the network takes both θ0 and θ1 (carl2 … rascal2).
    public var isDoubly: Bool { rawValue.hasSuffix("2") }
    /// Whether the estimator is a density p̂(x|θ) (nde, scandal).
    public var isLikelihood: Bool { self == .nde || self == .scandal }
    /// Whether the loss has a score term weighted by α.
    public var usesAlpha: Bool { [.alices, .cascal, .rascal, .alices2, .cascal2, .rascal2, .scandal].contains(self) }
    /// The sample kind the method trains on.
    public var sampleKind: RecipeSampleKind { isLikelihood ? .density : isDoubly ? .moreRatios : isRatio ? .ratio : .local }
}

/// The nonlinearity of hidden layers.
public enum RecipeActivation: String, RecipeChoice {
    case tanh, relu, sigmoid, elu, softplus
    case leakyRelu = "leaky_relu"
}

/// The optimiser (MadMiner's default is AMSGrad).
public enum RecipeOptimizer: String, RecipeChoice {
    case adam, amsgrad, sgd
}

/// An inference mode (Recipes/README.md, `inference`).
public enum RecipeInferenceMode: String, RecipeChoice {
    /// Likelihood ratio from every ratio estimator (carl … rascal).
    case ml
    /// Histogram of the estimated score of every sally estimator.
    case sally
    /// Histogram of the exact score t(x|θ_ref) at every sally estimator's reference point, binned
    /// like `sally` (simulators with an exact likelihood): the best the SALLY method can reach.
    case idealSally = "ideal_sally"
    /// One-dimensional density of the projected score of every sallino estimator.
    case sallino
    /// Histogram of chosen observables.
    case histogram
    /// Event counts only.
    case rate
    /// The simulator's exact likelihood.
    case truth
}

/// A file the last stage writes into the output folder (Recipes/README.md, `outputs`).
public enum RecipeOutputFile: String, RecipeChoice {
    case contoursJSON = "contours.json"
    case contoursSVG = "contours.svg"
    case hepdata = "hepdata.yaml"
    case pValues = "pvalues.npy"
    case grid = "grid.npy"
}
