import Foundation
import SBICore
import SBIEstimators
import SBIInference
import SBISimulation

/// Pseudo-experiments of the limits stage (`inference.toys`): toys drawn at θ_true from the nominal model
/// (n_t ~ Pois(ν(θ_true)) with a rate, else the Asimov data's N), each fitted with every θ-only likelihood
/// the stage scans, in blocks of toys that are shards of their own; the merge writes
///
/// ```
/// toys.npy       [toys, likelihoods, 2 + k]  <f8: n_t, q_t(θ_true), θ̂_t (k parameters)
/// coverage.json  per likelihood × CL: toys, covered, ĉ, σ(ĉ) = √(ĉ(1 − ĉ)/toys); the likelihoods' names as in contours.json
/// ```
/// Toy t draws from sub-stream t of `SeededRandom(seed: toys.seed).substream(5)`, so any number of blocks
/// gives the same bytes. Profiled likelihoods (simulator nuisance parameters, learned weight variations)
/// are fitted at ν = 0 (their `_fixed_nuisance` scans). arXiv:1007.1727 §3 (toys), `PseudoExperiments`.
extension FitPipeline {
    /// The blocks of toys, one limits shard each after the grid blocks (none without `inference.toys`).
    /// Blocks start at multiples of `ToyLikelihood.toyGroup`, so every split evaluates the same groups of toys.
    func toyBlocks() -> [Range<Int>] {
        guard let count = recipe.inference.toys?.count else { return [] }
        let group = ToyLikelihood.toyGroup
        let groups = (count + group - 1) / group
        let blocks = max(1, min(groups, pieceCount))
        return (0..<blocks).map { b in min(count, group * (groups * b / blocks)) ..< min(count, group * (groups * (b + 1) / blocks)) }
    }

    /// The generator of the recipe's toys (toy t: its sub-stream t).
    func toyRandom(_ toys: RecipeToys) -> SeededRandom { SeededRandom(seed: toys.seed).substream(5) }

    /// The θ-only likelihood of every limits unit, named as its scan in contours.json.
    func toyLikelihoods(_ s: LimitsSetup) throws -> [PseudoExperiments.Likelihood] {
        let (grid, nominal, fixedSuffix) = (s.grid, s.nominal, s.fixedSuffix)
        var out: [PseudoExperiments.Likelihood] = []
        for unit in limitsUnits() {
            switch unit.mode {
            case .truth:
                guard let exact = s.sim as? any ExactLikelihoodSimulator else {
                    throw SBIError.data("simulator \(s.sim.name) has no exact likelihood", field: "inference.modes")
                }
                let ratio = try s.nominalRatio(try ExactLogRatio(simulator: exact, reference: grid.point(0) + nominal))
                out.append(.init(name: "truth" + fixedSuffix, mode: "truth", likelihood: .ratio(ratio)))
            case .rate:
                out.append(.init(name: "rate", mode: "rate", likelihood: .rateOnly))
            case .ml:
                guard let e = unit.estimator else { continue }
                let (name, ratio) = try nominalRatioEstimator(e, s)
                out.append(.init(name: name, mode: "ml", likelihood: .ratio(ratio)))
            case .histogram:
                let (histogram, features) = try observableHistogram(s.sim, data: s.data)
                let likelihood = HistogramLikelihood(histogram: histogram, features: features,
                                                     expectation: try expectation(s.nominalSim, grid: grid, thetaTrue: s.thetaTrue))
                let hasWeightNuisance = try weightNuisance(s) != nil
                let suffix = s.nuisance.isEmpty && !hasWeightNuisance ? "" : Self.fixedNuisanceSuffix
                out.append(.init(name: "histogram" + suffix, mode: "histogram", likelihood: .histogram(likelihood)))
            case .sally:
                guard let e = unit.estimator else { continue }
                let likelihood = try scoreHistogramLikelihood(try trainedScoreEstimator(e), sim: s.nominalSim, data: s.nominalData, grid: grid, thetaTrue: s.thetaTrue)
                out.append(.init(name: e.name + fixedSuffix, mode: "sally", likelihood: .histogram(likelihood)))
            case .idealSally:
                guard let exact = s.sim as? any ExactLikelihoodSimulator, let e = unit.estimator,
                      let reference = recipe.samples.first(where: { $0.name == e.sample })?.theta0.singlePoint else { continue }
                let score = try ExactScore(simulator: exact, reference: reference + nominal)
                let likelihood = try scoreHistogramLikelihood(score, sim: s.nominalSim, data: s.nominalData, grid: grid, thetaTrue: s.thetaTrue)
                out.append(.init(name: e.name + "_ideal" + fixedSuffix, mode: "ideal_sally", likelihood: .histogram(likelihood)))
            case .sallino:
                continue   // a binning per grid point: toys do not refit it (Recipes/README.md, toys)
            }
        }
        return out
    }

    /// The trained ratio estimator `e` (its ensemble when it has members) from the train stage's folder.
    func trainedRatioEstimator(_ e: RecipeEstimator) throws -> any LogRatioEstimator {
        let folder = stageFolder(.train) + "/" + e.name
        if e.method.isDoubly { return try DoublyParameterizedRatioEstimator.load(from: folder).against(reference: recipe.ratioReference(for: e)) }
        if e.method.isLikelihood { return try NeuralDensityEstimator.load(from: folder) }
        if e.isMorphingAware { return try MorphingAwareRatioEstimator.load(from: folder) }
        return e.ensemble > 1 ? try RatioEnsemble.load(from: folder) : try ParameterizedRatioEstimator.load(from: folder)
    }

    /// The trained score estimator `e` (sally or sallino; its ensemble when it has members).
    func trainedScoreEstimator(_ e: RecipeEstimator) throws -> any ScoreEstimator {
        let folder = stageFolder(.train) + "/" + e.name
        return e.ensemble > 1 ? try ScoreEnsemble.load(from: folder) : try SALLYEstimator.load(from: folder)
    }

    /// The trained ratio estimator `e` as a θ-only log r̂ at the nominal nuisance values (ν = 0) and
    /// the name of its θ-only scan in contours.json.
    func nominalRatioEstimator(_ e: RecipeEstimator, _ s: LimitsSetup) throws -> (name: String, ratio: any LogRatioEstimator) {
        let estimator = try trainedRatioEstimator(e)
        if !s.learnedWeights.isEmpty, try weightNuisance(s) != nil {
            return (e.name + Self.fixedNuisanceSuffix, try FixedNuisanceRatio(estimator, nuisance: s.learnedWeights.map { _ in 0 }))
        }
        return (e.name + s.fixedSuffix, try s.nominalRatio(estimator))
    }

    /// The likelihood names and the concatenated `file` arrays of the toy or Neyman shards `folders`
    /// (one per block, in order); `shape(block size, likelihoods)` is each array's expected shape.
    /// - Throws: `SBIError.io`/`.data` naming the shard file that is missing, unreadable, of another shape
    ///   or lists other likelihoods than the first block.
    func readShardTables(_ folders: [String], blocks: [Range<Int>], file: String, what: String,
                         shape: (Int, Int) -> [Int]) throws -> (scans: [LimitsShardScans.Scan], values: [Double]) {
        var names: [LimitsShardScans.Scan]?
        var values: [Double] = []
        for (range, folder) in zip(blocks, folders) {
            let listPath = folder + "/" + LimitsShardScans.fileName
            guard let data = FileManager.default.contents(atPath: listPath),
                  let list = try? JSONDecoder().decode(LimitsShardScans.self, from: data) else {
                throw SBIError.io("the \(what) shard's likelihood list is missing or unreadable; run sbi fit again", file: listPath)
            }
            if names == nil { names = list.scans }
            guard list.scans == names else { throw SBIError.data("the \(what) blocks fitted different likelihoods; run sbi fit again", file: listPath) }
            let array = try NPYFile.read(folder + "/" + file)
            let expected = shape(range.count, list.scans.count)
            guard case .float64(let v) = array.data, array.shape == expected else {
                throw SBIError.data("shape \(array.shape); expected \(expected) float64", file: folder + "/" + file)
            }
            values += v
        }
        return (names ?? [], values)
    }

    /// Toys shard `index` (of `toyBlocks`): its toys' fits with every likelihood, `folder/toys.npy`
    /// `[block toys, likelihoods, 2 + k]` with the likelihoods' names in `folder/scans.json`.
    func toysShard(_ index: Int, into folder: String, setup: LimitsSetup? = nil) throws -> (items: Int, detail: String) {
        let s = try setup ?? limitsSetup()
        guard let toys = recipe.inference.toys, let theta = s.thetaTrue else {
            throw SBIError.data("toys are drawn at theta_true; these data have none", field: "inference.toys")
        }
        let range = toyBlocks()[index]
        let likelihoods = try toyLikelihoods(s)
        let width = 2 + s.grid.parameterCount
        let fixedEvents = s.rate == nil ? s.asimovEvents : nil
        let expected = try s.rate?.expectedEvents(at: theta) ?? s.asimovEvents
        let progress = ProgressReporter(stage: "toys \(range.lowerBound)..<\(range.upperBound)",
                                        total: ToyTable.chunkCount(toys: range.count, grid: s.grid, expectedEvents: expected) * likelihoods.count,
                                        unit: "fits")
        let (table, eventCount) = try ToyTable.fit(likelihoods, simulator: s.nominalSim, theta: theta, toys: range, grid: s.grid, rate: s.rate,
                                                   fixedEvents: fixedEvents, random: toyRandom(toys), progress: progress)
        progress.finish()
        let names = LimitsShardScans(scans: likelihoods.map { .init(name: $0.name, mode: $0.mode) })
        try AtomicFileWriter.write(names.jsonBytes(), to: folder + "/" + LimitsShardScans.fileName)
        try NPYFile.write(NPYArray(shape: [range.count, likelihoods.count, width], data: .float64(table.storage)), to: folder + "/toys.npy")
        return (eventCount * likelihoods.count * s.grid.count, "toys \(range.lowerBound)..<\(range.upperBound)")
    }

    /// Joins the toy shards (`folders` in block order) into `partial/toys.npy` and `partial/coverage.json`;
    /// the stage summary's words on them (none without toys).
    func mergeToys(_ folders: [String], into partial: String, setup s: LimitsSetup) throws -> [String] {
        guard let toys = recipe.inference.toys, let theta = s.thetaTrue else { return [] }
        let k = s.grid.parameterCount, width = 2 + k
        let (scans, values) = try readShardTables(folders, blocks: toyBlocks(), file: "toys.npy", what: "toys") { [$0, $1, width] }
        try NPYFile.write(NPYArray(shape: [toys.count, scans.count, width], data: .float64(values)), to: partial + "/toys.npy")
        let file = ToyCoverageFile(table: values, likelihoods: scans.map { ($0.name, $0.mode) }, confidenceLevels: recipe.inference.confidenceLevels,
                                   parameterNames: recipe.parameterNames, seed: toys.seed, thetaTrue: theta)
        try AtomicFileWriter.write(file.jsonBytes(), to: partial + "/" + ToyCoverageFile.fileName)
        return ["coverage over \(toys.count) toys"]
    }
}
