import Foundation
import SBICore
import SBIEvents
import SBISimulation

/// Decoding of `simulator: {madminer: FILE.h5}`: the events, benchmarks, observables and morphing
/// set-up of a MadMiner analysis file, as real events (`RecipeEvents` with `isMadMiner`).
///
/// ```
/// simulator:
///   madminer: analysis.h5     # relative to the recipe's folder
/// ```
/// The recipe's parameters must be the file's, in its order; the benchmarks and observables are
/// the file's; the morphing uses the file's components. Weights get MadMiner's sampling factors
/// (`MadMinerFile.benchmarkWeights()`).
///
/// [1] arXiv:1907.10621 (MadMiner); [2] arXiv:1805.00020 §III (morphing).
extension RecipeDecoder {
    /// The MadMiner file of the simulator mapping; sets the decoder's benchmarks and observable
    /// names. nil (with the problem recorded at the node) when the file is missing or refused.
    func decodeMadMiner(_ node: YAMLNode) -> RecipeEvents? {
        guard let m = reader.mapping(node, "simulator", keys: ["madminer"], required: ["madminer"]),
              let fileNode = m["madminer"], let path = reader.string(fileNode, "simulator.madminer") else { return nil }
        guard let parameters else { return nil }
        let resolved = path.hasPrefix("/") ? path : (folder.isEmpty ? path : folder + "/" + path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory), !isDirectory.boolValue else {
            reader.report(fileNode, "simulator.madminer", "file \"\(path)\" does not exist (paths are relative to the recipe's folder)")
            return nil
        }
        let file: MadMinerFile
        do { file = try MadMinerFile(path: resolved) } catch {
            reader.report(fileNode, "simulator.madminer", "cannot read the MadMiner file: \(error)")
            return nil
        }
        let names = parameters.map(\.name)
        guard file.parameters.map(\.name) == names else {
            reader.report(fileNode, "simulator.madminer",
                          "the MadMiner file has parameters \(file.parameters.map(\.name).joined(separator: ", ")); the recipe lists \(names.joined(separator: ", "))")
            return nil
        }
        var events = RecipeEvents(files: [RecipeFile(path: path, resolvedPath: resolved)], isFolder: false, benchmarks: [], observables: [],
                                  cuts: [], samplingBenchmarks: nil, weightNormalization: "auto", maxPower: nil,
                                  parameterNames: names, parameterRanges: parameters.map(\.range), isMadMiner: true)
        events.benchmarks = file.benchmarkNames.indices.map {
            RecipeEvents.Benchmark(name: file.benchmarkNames[$0], weightID: nil, theta: file.benchmarks.row($0))
        }
        events.observables = file.observableNames.indices.map {
            RecipeEvents.Observable(name: file.observableNames[$0], expression: file.observableDefinitions[$0])
        }
        madMinerNuisance = file.nuisanceParameters
        benchmarks = events.benchmarks.map { RecipeBenchmark(name: $0.name, theta: $0.theta) }
        declaredBenchmarkNames = benchmarks.map(\.name)
        observableNames = events.observables.map(\.name)
        return events
    }
}

extension RecipeEvents {
    /// The weighted events of `madMiner` (read from `files[0]`), with the recipe's parameter ranges, and the
    /// file's warnings (unused nuisance benchmarks, missing summaries).
    /// - Throws: `SBIError` naming the file if it is inconsistent, `.data` if its parameters are not the recipe's.
    func madMinerSample(_ madMiner: MadMinerFile) throws -> (sample: WeightedEventSample, warnings: [String]) {
        guard let file = files.first else { throw SBIError(.internal, "simulator.madminer without a file") }
        var sample = try WeightedEventSample(madMiner: madMiner)
        guard sample.parameterNames == parameterNames else {
            throw SBIError.data("the MadMiner file has parameters \(sample.parameterNames.joined(separator: ", ")), the recipe \(parameterNames.joined(separator: ", "))",
                                file: file.resolvedPath, field: "simulator.madminer")
        }
        sample.parameterRanges = parameterRanges
        return (sample, madMiner.warnings)
    }
}

extension MadMinerFile.NuisanceParameter {
    /// The file's nuisance parameters that a recipe's `weights` entries select: by name (`group` nil),
    /// or every parameter of the systematic `group`, in the file's order, each once.
    /// - Throws: `SBIError.data` naming `file` and the list of the file's nuisance parameters when a
    ///   name or systematic is not in it.
    static func select(_ entries: [(name: String, group: String?)], from available: [MadMinerFile.NuisanceParameter],
                       file: String) throws -> [MadMinerFile.NuisanceParameter] {
        var chosen: [MadMinerFile.NuisanceParameter] = []
        for (i, entry) in entries.enumerated() {
            let matches = available.filter { entry.group == nil ? $0.name == entry.name : $0.systematic == entry.group }
            guard !matches.isEmpty else {
                let known = available.isEmpty ? "it has none" : "it has " + available.map { "\($0.name) (systematic \($0.systematic ?? "-"))" }.joined(separator: ", ")
                let what = entry.group.map { "no nuisance parameter of systematic \"\($0)\"" } ?? "no nuisance parameter \"\(entry.name)\""
                throw SBIError.data("the MadMiner file has \(what); \(known)", file: file, field: "nuisance[\(i)]")
            }
            for m in matches where !chosen.contains(m) { chosen.append(m) }
        }
        return chosen
    }
}
