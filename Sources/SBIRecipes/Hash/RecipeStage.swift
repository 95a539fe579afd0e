/// The stages of `sbi fit` in order, and the hash of the recipe sections each one depends on,
/// so a re-run can skip a stage whose inputs did not change (Recipes/README.md, the stages).
///
/// ```
/// simulate, augment: version, seed, parameters, simulator, benchmarks, morphing, samples (and the `weights`
///                    nuisance entries when a sample draws them)
/// train:             … + estimators
/// limits:            … + inference, nuisance (the pipeline adds the observed file's content hash)
/// plot:              … + outputs.files      (outputs.folder is where results go, not an input)
/// ```
/// From limits on the inputs also hold `resultFormat`, the version of the files those stages write:
/// when a new sbi writes more (the log L and q scans, figures, the report page), a fit finished by an
/// older one redoes its limits and plot stages instead of lacking them.
/// Each stage's inputs include all earlier stages', so a change invalidates everything after it.
public enum RecipeStage: String, CaseIterable, Codable, Sendable, Comparable {
    case simulate, augment, train, limits, plot

    /// Position in the pipeline.
    public var order: Int { RecipeStage.allCases.firstIndex(of: self) ?? 0 }

    public static func < (a: RecipeStage, b: RecipeStage) -> Bool { a.order < b.order }
}

extension Recipe {
    /// The sections a stage reads, encoded canonically (later sections nil for early stages).
    private struct StageInputs: Encodable {
        var stage: RecipeStage
        var version: Int
        var seed: UInt64
        var parameters: [RecipeParameter]
        var simulator: RecipeSimulator
        var benchmarks: [RecipeBenchmark]
        var morphing: RecipeMorphing?
        var samples: [RecipeSample]
        var estimators: [RecipeEstimator]?
        var inference: RecipeInference?
        var nuisance: [RecipeNuisance]?
        var outputFiles: [RecipeOutputFile]?
        var resultFormat: Int?
    }

    /// The version of the limits and plot stages' files (see `RecipeStage`): 2 added loglikelihood.npy and q.npy,
    /// 3 the figures.
    static let resultFormat = 3

    /// The `weights` nuisance entries when a sample draws them (the samples then depend on them), else nil.
    private var learnedWeightNuisance: [RecipeNuisance]? {
        guard samples.contains(where: { $0.nuisance != nil }) else { return nil }
        let weights = (nuisance ?? []).filter { $0.kind == .weights }
        return weights.isEmpty ? nil : weights
    }

    /// Lowercase hex SHA-256 of the sections `stage` depends on (see `RecipeStage`).
    public func inputHash(for stage: RecipeStage) -> String {
        let inputs = StageInputs(stage: stage, version: version, seed: seed, parameters: parameters, simulator: simulator,
                                 benchmarks: benchmarks, morphing: morphing, samples: samples,
                                 estimators: stage >= .train ? estimators : nil,
                                 inference: stage >= .limits ? inference : nil,
                                 nuisance: stage >= .limits ? nuisance : learnedWeightNuisance,
                                 outputFiles: stage >= .plot ? outputs.files : nil,
                                 resultFormat: stage >= .limits ? Self.resultFormat : nil)
        return RecipeHash.hex(of: inputs)
    }
}
