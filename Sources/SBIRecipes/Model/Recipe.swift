import SBICore

/// A validated analysis recipe: every section as typed values with defaults filled in
/// (MadMiner's where it has one), ready for the staged pipeline of `sbi fit`.
///
/// ```
/// recipe → parameters + simulator (+ benchmarks, morphing) → samples → estimators → inference → outputs
/// ```
/// Built only by `RecipeLoader`, which reports every problem of a file at once. Seeds of
/// samples and estimators are resolved (explicit, or derived from `seed`), so two runs of
/// the same recipe draw the same numbers. `canonicalHash` identifies the analysis for stage
/// caching: it changes when any value that affects a result changes and not when only
/// formatting, comments or spelled-out defaults do.
///
/// [1] Recipes/README.md (stages); MadMiner's stage map, arXiv:1907.10621.
public struct Recipe: Codable, Sendable, Equatable {
    /// Format version of the recipe file (1).
    public var version: Int
    /// Name of the analysis (default: the file name without extension).
    public var name: String
    /// Master seed; seeds of samples and estimators derive from it unless given.
    public var seed: UInt64
    /// The parameters θ, in the simulator's order.
    public var parameters: [RecipeParameter]
    /// The simulator and its options.
    public var simulator: RecipeSimulator
    /// Named parameter points (morphing basis, θ specs, θ_true).
    public var benchmarks: [RecipeBenchmark]
    /// Morphing settings of weighted simulators (nil for unweighted ones).
    public var morphing: RecipeMorphing?
    /// The samples to draw, in order.
    public var samples: [RecipeSample]
    /// The estimators to train, in order.
    public var estimators: [RecipeEstimator]
    /// The limit setting.
    public var inference: RecipeInference
    /// Where results go.
    public var outputs: RecipeOutputs
    /// Nuisance parameters with their constraints (nil: none).
    public var nuisance: [RecipeNuisance]? = nil
    /// Where the shards run (nil: in the sbi process). Not part of `canonicalHash`: it changes no result.
    public var execution: RecipeExecution? = nil

    private enum CodingKeys: String, CodingKey {
        case version, name, seed, parameters, simulator, benchmarks, morphing, samples, estimators, inference, outputs, nuisance
    }

    /// Parameter names in order.
    public var parameterNames: [String] { parameters.map(\.name) }

    /// The sample called `name`.
    public func sample(named name: String) -> RecipeSample? { samples.first { $0.name == name } }

    /// The estimator called `name`.
    public func estimator(named name: String) -> RecipeEstimator? { estimators.first { $0.name == name } }

    /// The benchmark called `name`.
    public func benchmark(named name: String) -> RecipeBenchmark? { benchmarks.first { $0.name == name } }

    /// Lowercase hex SHA-256 of the canonical serialisation (sorted-key JSON of this value).
    public var canonicalHash: String { RecipeHash.hex(of: self) }
}

/// One parameter θ_i: name, allowed range, unit and LaTeX label.
public struct RecipeParameter: Codable, Sendable, Equatable {
    /// Name as in files and plots (must equal the simulator's name for this parameter).
    public var name: String
    /// Range for priors, grids and plots; inside the simulator's own range.
    public var range: ClosedRange<Double>
    /// Unit ("" when dimensionless).
    public var unit: String
    /// LaTeX label for plots (default: the simulator's label).
    public var latex: String
}

/// A named parameter point.
public struct RecipeBenchmark: Codable, Sendable, Equatable {
    /// Name used by θ specifications (`{benchmark: sm}`) and `theta_true`.
    public var name: String
    /// One value per parameter, inside the parameter ranges.
    public var theta: [Double]
}
