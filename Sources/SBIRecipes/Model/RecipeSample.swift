/// One sample to draw and augment: kind, where θ comes from, size, splits and seed.
///
/// ```
/// n_validation = round(n·validation_split),  n_test = round(n·test_split),  n_train = n − n_validation − n_test
/// ratio:        theta0 (numerator, y = 0) and theta1 (denominator, y = 1)
/// more_ratios:  as ratio, scores at both, every event reused at additional_thetas (doubly
///               parameterised methods; events·(1 + A) rows)
/// local:    theta = one point (the SALLY reference)
/// density:  theta = points or a prior
/// test:     theta = one point; one split called "test"
/// ```
/// [1] MadMiner documentation, `SampleAugmenter.sample_train_ratio/more_ratios/local/density`, `sample_test`.
public struct RecipeSample: Codable, Sendable, Equatable {
    /// Unique name; also the sample's folder name.
    public var name: String
    /// The sample kind.
    public var kind: RecipeSampleKind
    /// θ for local, density and test samples; θ0 for ratio samples.
    public var theta0: RecipeTheta
    /// θ1 of ratio and more_ratios samples (nil for the other kinds).
    public var theta1: RecipeTheta?
    /// more_ratios samples: further θ at which every event is reused (MadMiner's `additional_thetas`);
    /// nil when there are none, so the stage hashes of samples without them stay what they were.
    public var additionalThetas: [RecipeTheta]? = nil
    /// Total number of events over all splits (≥ 1).
    public var events: Int
    /// Fraction of events in the validation split, [0, 1) (default 0).
    public var validationSplit: Double
    /// Fraction of events in the test split, [0, 1) (default 0.2 as MadMiner; 0 for test samples).
    public var testSplit: Double
    /// θ points drawn from a prior per split (nil: min(events, 1000)).
    public var priorPoints: Int?
    /// Seed of every draw (default: recipe seed + 1 + index of the sample).
    public var seed: UInt64
    /// How the simulator's nuisance parameters are drawn where θ comes from a prior (nil: `flat`).
    public var nuisance: RecipeNuisanceDraw? = nil
}

/// How a sample draws the simulator's nuisance parameters ν where θ comes from a prior (at a
/// single θ point, ν is always 0). MadMiner's sampling offers the nominal value or draws from the
/// constraint; `flat` covers the whole range the profile likelihood searches.
public enum RecipeNuisanceDraw: String, RecipeChoice {
    /// ν flat over the simulator's range (default).
    case flat
    /// ν ~ N(0, 1), the constraint (redrawn outside the range).
    case constraint
    /// ν = 0: the nominal simulator.
    case nominal
}

/// Where the parameter points of a sample come from.
///
/// YAML forms:
/// ```
/// theta: benchmarks                          every benchmark (the morphing basis)
/// theta: {benchmark: sm}                     one named benchmark
/// theta: {point: [0.5, -0.2]}                one point
/// theta: {points: [[0, 0], [0.5, 0]]}        explicit points
/// theta: {prior: flat}                       flat over every parameter range
/// theta: {prior: {fW: {flat: [-0.5, 0.5]}, fWW: {gaussian: {mean: 0, std: 0.3}}}}
/// ```
/// Parameters missing from a prior mapping are flat over their range.
public enum RecipeTheta: Codable, Sendable, Equatable {
    /// All benchmarks of the recipe.
    case benchmarks
    /// One benchmark by name, resolved to its point.
    case benchmark(name: String, theta: [Double])
    /// One point.
    case point([Double])
    /// Explicit points: `values` row-major `[count, nParameters]`.
    case points(count: Int, values: [Double])
    /// A product prior, one term per parameter in order.
    case prior([RecipePrior])

    /// The single point of `.point` or `.benchmark`, nil otherwise.
    public var singlePoint: [Double]? {
        switch self {
        case .point(let p), .benchmark(_, let p): return p
        default: return nil
        }
    }
}

/// A one-dimensional prior, truncated to the parameter range.
public enum RecipePrior: Codable, Sendable, Equatable {
    /// Uniform on [lower, upper].
    case flat(lower: Double, upper: Double)
    /// Normal with `mean` and standard deviation `std` (> 0), redrawn outside the range.
    case gaussian(mean: Double, std: Double)
}
