import Foundation
import SBICore
import SBIEvents
import SBISimulation

/// Conversions from a recipe's `events` to the library's types:
///
/// ```
/// events.sample()      → WeightedEventSample (LHEEventSampleBuilder, a MadMiner file, or the folder read)
/// events.read(nuisance:) → the same, with the nuisance morphing of the recipe's `weights` entries
/// events.augmenter()   → SampleAugmenter(events:) with the morphing powers
/// events.makeSimulator → EventSampleSimulator (Asimov data, histograms, rate, Fisher information)
/// ```
/// [1] arXiv:1805.00020 §III–IV.
extension RecipeEvents {
    /// The weighted events: read from the folder, or built from the LHE files; with the recipe's
    /// parameter names and ranges.
    /// - Throws: `SBIError` naming the file for unreadable input, `.data` if a folder's benchmarks
    ///   or parameters disagree with the recipe.
    public func sample(progress: ProgressReporter? = nil) throws -> (sample: WeightedEventSample, files: [LHEEventSampleBuilder.FileReport]) {
        let r = try read(progress: progress)
        return (r.sample, r.files)
    }

    /// What reading the events gives.
    public struct ReadEvents {
        /// The weighted events, with the recipe's parameter names and ranges.
        public var sample: WeightedEventSample
        /// What happened to each LHE file (empty for a folder or MadMiner file).
        public var files: [LHEEventSampleBuilder.FileReport]
        /// Warnings of the reader (a MadMiner file's unused nuisance benchmarks, for example), each naming the file.
        public var warnings: [String]
        /// The nuisance morphing of the `weights` entries asked for, one row per event (nil without them).
        public var nuisance: NuisanceMorphing?
    }

    /// The events, and with `weights` entries among `nuisance` their nuisance morphing: LHE weight ids or
    /// groups (`weightVariations`, read with the events), or the nuisance parameters of a MadMiner file, each
    /// with its ±1σ nuisance benchmarks relative to the reference benchmark's weight (MadMiner stores the
    /// variations at θ_ref): a = log(w₊/w_ref), b from w₋ when two-sided (`NuisanceMorphing`).
    /// - Throws: as `sample(progress:)`; `SBIError.data` naming the file for a nuisance parameter it lacks,
    ///   and (field `nuisance`) for weight variations of an events folder, which has none.
    public func read(nuisance: [RecipeNuisance] = [], progress: ProgressReporter? = nil) throws -> ReadEvents {
        let entries = nuisance.filter { $0.kind == .weights }
        if isMadMiner == true {
            guard let file = files.first else { throw SBIError(.internal, "simulator.madminer without a file") }
            let madMiner = try MadMinerFile(path: file.resolvedPath)
            let (sample, warnings) = try madMinerSample(madMiner)
            let morphing = entries.isEmpty ? nil : try madMinerNuisance(madMiner, sample: sample, entries: entries, file: file.resolvedPath)
            return ReadEvents(sample: sample, files: [], warnings: warnings, nuisance: morphing)
        }
        if isFolder, let folder = files.first {
            guard entries.isEmpty else {
                throw SBIError.data("weight variations need LHE files or a MadMiner file; an events folder has none", field: "nuisance")
            }
            var sample = try WeightedEventSample.read(folder: URL(fileURLWithPath: folder.resolvedPath))
            guard sample.parameterNames == parameterNames else {
                throw SBIError.data("the events folder has parameters \(sample.parameterNames.joined(separator: ", ")), the recipe \(parameterNames.joined(separator: ", "))",
                                    file: folder.resolvedPath, field: "simulator.events")
            }
            sample.parameterRanges = parameterRanges
            return ReadEvents(sample: sample, files: [], warnings: [], nuisance: nil)
        }
        var builder = lheBuilder()
        builder.variations = try weightVariations(entries)
        let built = try builder.buildWithNuisance(progress: progress)
        return ReadEvents(sample: built.sample, files: built.files, warnings: [], nuisance: built.nuisance)
    }

    /// The nuisance morphing of the MadMiner file's parameters that `entries` select, for the events of `sample`.
    private func madMinerNuisance(_ madMiner: MadMinerFile, sample: WeightedEventSample, entries: [RecipeNuisance],
                                  file: String) throws -> NuisanceMorphing {
        let chosen = try MadMinerFile.NuisanceParameter.select(entries.map { ($0.name, $0.group) }, from: madMiner.nuisanceParameters, file: file)
        let weights = madMiner.nuisanceBenchmarkWeights(), all = sample.benchmarkWeights
        let reference = madMiner.referenceBenchmark ?? 0
        let nominal = (0..<all.rows).map { all[$0, reference] }
        let variations = chosen.map { p in
            NuisanceVariation(name: p.name, up: (0..<weights.rows).map { weights[$0, p.positive] },
                              down: p.negative.map { k in (0..<weights.rows).map { weights[$0, k] } })
        }
        do {
            return try NuisanceMorphing(nominal: nominal, variations: variations, source: "nuisance")
        } catch let error as SBIError { throw error.inFile(file) }
    }

    /// The LHE conversion of these events (files, benchmarks, observables, cuts, backgrounds, k-factors).
    func lheBuilder() -> LHEEventSampleBuilder {
        let normalization = LHEWeightNormalization(rawValue: weightNormalization == "auto" ? "automatic" : weightNormalization) ?? .automatic
        return LHEEventSampleBuilder(
            files: files.map(\.resolvedPath), parameterNames: parameterNames, parameterRanges: parameterRanges,
            benchmarks: benchmarks.map { LHEBenchmark(name: $0.name, weightID: $0.weightID ?? $0.name, theta: $0.theta) },
            observables: observables.map { ($0.name, $0.expression) }, cuts: cuts,
            samplingBenchmarks: samplingBenchmarks.map { $0.map { Optional($0) } }, normalization: normalization,
            backgroundFiles: (backgroundFiles ?? []).map(\.resolvedPath),
            kFactors: Dictionary(uniqueKeysWithValues: (files + (backgroundFiles ?? [])).compactMap { f in kFactors?[f.path].map { (f.resolvedPath, $0) } }),
            observableDefaults: Dictionary(uniqueKeysWithValues: observables.compactMap { o in o.defaultValue.map { (o.name, $0) } }))
    }

    /// The LHE weight variations of a recipe's `weights` nuisance entries, groups expanded into one
    /// one-sided variation per weight (`<name>_<id>`) from the first signal file's header.
    /// - Throws: `SBIError.data` naming `nuisance[i].group` for an unknown group; errors reading the header.
    public func weightVariations(_ nuisance: [RecipeNuisance]) throws -> [LHEWeightVariation] {
        var out: [LHEWeightVariation] = []
        for (i, n) in nuisance.enumerated() where n.kind == .weights {
            if let group = n.group {
                guard let file = files.first else { throw SBIError.data("no LHE file to read weight group \(group) from", field: "nuisance[\(i)].group") }
                out += try LHEWeightVariation.group(group, of: try LHEReader(path: file.resolvedPath).header, prefix: n.name,
                                                    field: "nuisance[\(i)].group")
            } else if let up = n.up {
                out.append(LHEWeightVariation(name: n.name, up: up, down: n.down))
            }
        }
        return out
    }

    /// The LHE events with the nuisance morphing of `variations` (see `LHEEventSampleBuilder.buildWithNuisance`).
    /// - Throws: as `LHEEventSampleBuilder.buildWithNuisance`; `.data` for a folder or MadMiner input.
    /// The names of the nuisance parameters a recipe's `weights` entries give, groups expanded (reads the
    /// first LHE file's header, or the MadMiner file).
    /// - Throws: as `weightVariations` and `MadMinerFile.NuisanceParameter.select`.
    public func weightNuisanceNames(for nuisance: [RecipeNuisance]) throws -> [String] {
        let entries = nuisance.filter { $0.kind == .weights }
        guard isMadMiner == true else { return try weightVariations(entries).map(\.name) }
        guard let file = files.first else { throw SBIError(.internal, "simulator.madminer without a file") }
        return try MadMinerFile.NuisanceParameter.select(entries.map { ($0.name, $0.group) },
                                                         from: try MadMinerFile(path: file.resolvedPath).nuisanceParameters,
                                                         file: file.resolvedPath).map(\.name)
    }

    /// The maximum morphing power of each parameter: `maxPower`, default 2 per parameter (the total
    /// power is at most the largest of them).
    public var morphingMaxPowers: [Int] { maxPower ?? [Int](repeating: 2, count: parameterNames.count) }

    /// The augmenter of `sample`: its own morphing components, else `morphingMaxPowers`; with `nuisance`
    /// (one row per event) the samples carry those nuisance parameters beside θ.
    public func augmenter(for sample: WeightedEventSample, nuisance: NuisanceMorphing? = nil) throws -> SampleAugmenter {
        let powers = morphingMaxPowers
        return try SampleAugmenter(events: sample, morphingMaxPowers: powers, morphingMaxOverallPower: powers.max(), nuisance: nuisance)
    }

    /// The events as a weighted simulator (see `EventSampleSimulator`).
    /// `path:size:mtime` of every event file (for a folder: of its three files), `;`-separated:
    /// what `FitPipeline` adds to the stage hashes so regenerated event files are read again.
    /// Files that cannot be inspected contribute `path:missing`.
    public func fileFingerprint() -> String {
        var paths: [String] = []
        for file in files + (backgroundFiles ?? []) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: file.resolvedPath, isDirectory: &isDirectory), isDirectory.boolValue {
                paths += ["events.json", "observables.npy", "weights.npy"].map { file.resolvedPath + "/" + $0 }
            } else {
                paths.append(file.resolvedPath)
            }
        }
        return paths.map { path in
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  let size = attributes[.size] as? NSNumber, let date = attributes[.modificationDate] as? Date else { return path + ":missing" }
            return "\(path):\(size.int64Value):\(date.timeIntervalSince1970)"
        }.joined(separator: ";")
    }

    /// Its `simulate` (Asimov data) draws from the events reserved for test samples, which no
    /// training sample uses.
    public func makeSimulator() throws -> EventSampleSimulator {
        let (sample, _) = try sample()
        let augmenter = try augmenter(for: sample)
        guard let morpher = augmenter.eventMorphing else { throw SBIError(.internal, "events augmenter without morphing") }
        return try EventSampleSimulator(sample: sample, morpher: morpher,
                                        parameterSpace: ParameterSpace(names: parameterNames, ranges: parameterRanges),
                                        simulationRows: augmenter.reservedTestEvents)
    }
}
