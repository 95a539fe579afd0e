import Foundation
import SBICore
import SBIEvents
import SBISimulation

/// Decoding of `simulator: {events: …}` (real events instead of a built-in simulator).
///
/// ```
/// simulator:
///   events: [run_sm.lhe.gz, run_bsm.lhe.gz]    # LHE files (relative to the recipe), or one events folder
///   benchmarks:                                 # LHE only: name, weight id, θ
///     - {name: sm, weight_id: "1", theta: [0, 0]}
///   observables: {pt_j1: "j[0].pt", mjj: "(j[0] + j[1]).m", pt_j2: {expression: "j[1].pt", default: 0}}
///   cuts: ["j[0].pt > 30"]                      # optional
///   sampling_benchmarks: [sm, bsm]              # optional, one per file
///   weight_normalization: auto                  # auto | sum | average
///   max_power: [2, 2]                           # morphing; default 2 per parameter
///   background: [ttbar.lhe.gz]                  # optional: θ-independent processes (XWGTUP only)
///   k_factors: {ttbar.lhe.gz: 1.4}              # optional: weights of a file × K
/// ```
/// Field documentation: Recipes/README.md.
extension RecipeDecoder {
    static let eventKeys = ["events", "benchmarks", "observables", "cuts", "sampling_benchmarks", "weight_normalization", "max_power",
                            "background", "k_factors"]

    /// Whether the simulator mapping describes real events.
    static func isEvents(_ node: YAMLNode) -> Bool { node.entries?.contains { $0.key == "events" || $0.key == "madminer" } ?? false }

    /// The events part of the simulator, once the parameters are known; sets the decoder's
    /// benchmarks and observable names. nil (with problems recorded) when invalid.
    func decodeEvents(_ node: YAMLNode) -> RecipeEvents? {
        if node.entries?.contains(where: { $0.key == "madminer" }) == true { return decodeMadMiner(node) }
        guard let m = reader.mapping(node, "simulator", keys: Self.eventKeys, required: ["events"]), let eventsNode = m["events"] else { return nil }
        guard let parameters else { return nil }
        // Files or one folder.
        var paths: [(String, YAMLNode)] = []
        if let elements = eventsNode.elements {
            if elements.isEmpty { reader.report(eventsNode, "simulator.events", "expected at least one LHE file or one events folder"); return nil }
            for (i, e) in elements.enumerated() { if let p = reader.string(e, "simulator.events[\(i)]") { paths.append((p, e)) } }
            guard paths.count == elements.count else { return nil }
        } else if let p = reader.string(eventsNode, "simulator.events") {
            paths = [(p, eventsNode)]
        } else { return nil }
        guard let (files, folders) = resolveFiles(paths, list: eventsNode.elements != nil, key: "events") else { return nil }
        if folders > 0 && files.count > 1 {
            reader.report(eventsNode, "simulator.events", "give one weighted events folder or LHE files, not both")
            return nil
        }
        let names = parameters.map(\.name)
        var events = RecipeEvents(files: files, isFolder: folders == 1, benchmarks: [], observables: [], cuts: [], samplingBenchmarks: nil,
                                  weightNormalization: "auto", maxPower: nil, parameterNames: names, parameterRanges: parameters.map(\.range))
        if let n = m["max_power"] {
            if let k = n.scalarText.flatMap({ Int($0) }), k >= 0, k <= 8, n.elements == nil {
                events.maxPower = [Int](repeating: k, count: names.count)
            } else if let values = reader.numbers(n, "simulator.max_power", count: names.count, names: names),
                      values.allSatisfy({ $0 >= 0 && $0 <= 8 && $0 == $0.rounded() }) {
                events.maxPower = values.map { Int($0) }
            } else {
                reader.report(n, "simulator.max_power", "expected an integer in 0…8, or one per parameter (\(names.joined(separator: ", ")))")
                return nil
            }
        }
        var statedComponents: MorphingComponents?
        if let n = m["background"], let list = reader.list(n, "simulator.background", nonEmpty: true) {
            var backgroundPaths: [(String, YAMLNode)] = []
            for (i, e) in list.enumerated() { if let p = reader.string(e, "simulator.background[\(i)]") { backgroundPaths.append((p, e)) } }
            guard backgroundPaths.count == list.count, let (background, backgroundFolders) = resolveFiles(backgroundPaths, list: true, key: "background") else {
                return nil
            }
            guard backgroundFolders == 0, !events.isFolder else {
                reader.report(n, "simulator.background", "background files are LHE files added to LHE signal files; an events folder states its own events")
                return nil
            }
            events.backgroundFiles = background
        }
        if let n = m["k_factors"] {
            guard let entries = n.entries, !entries.isEmpty else {
                reader.report(n, "simulator.k_factors", "expected a mapping FILE: K (files as written in events or background)")
                return nil
            }
            let written = events.files.map(\.path) + (events.backgroundFiles ?? []).map(\.path)
            var factors: [String: Double] = [:]
            for entry in entries {
                let path = "simulator.k_factors." + entry.key
                guard written.contains(entry.key), !events.isFolder else {
                    reader.report(line: entry.keyLine, column: entry.keyColumn, path,
                                  "\"\(entry.key)\" is not one of the LHE files in events or background (\(written.joined(separator: ", ")))")
                    continue
                }
                if let k = reader.number(entry.value, path, "a number > 0", { $0 > 0 }) { factors[entry.key] = k }
            }
            guard factors.count == entries.count else { return nil }
            events.kFactors = factors
        }
        if events.isFolder {
            for key in ["benchmarks", "observables", "cuts", "sampling_benchmarks", "weight_normalization"] where m[key] != nil {
                let at = reader.keyPosition(node, key)
                reader.report(line: at.line, column: at.column, "simulator." + key, "an events folder states its own benchmarks and observables; \(key) applies to LHE files")
            }
            let sample: WeightedEventSample
            do { sample = try WeightedEventSample.read(folder: URL(fileURLWithPath: files[0].resolvedPath)) } catch let e as SBIError {
                reader.report(eventsNode, "simulator.events", "cannot read the events folder: \(e)")
                return nil
            } catch {
                reader.report(eventsNode, "simulator.events", "cannot read the events folder: \(error)")
                return nil
            }
            guard sample.parameterNames == names else {
                reader.report(eventsNode, "simulator.events", "the events folder has parameters \(sample.parameterNames.joined(separator: ", ")); the recipe lists \(names.joined(separator: ", "))")
                return nil
            }
            events.benchmarks = sample.benchmarkNames.indices.map { RecipeEvents.Benchmark(name: sample.benchmarkNames[$0], weightID: nil, theta: sample.benchmarks.row($0)) }
            events.observables = sample.observableNames.map { RecipeEvents.Observable(name: $0, expression: "") }
            statedComponents = sample.morphingComponents
        } else {
            guard decodeLHEEventSettings(m, node: node, into: &events, fileCount: files.count) else { return nil }
        }
        // The morphing the augment stage will build (RecipeEvents.augmenter): enough benchmarks, not singular.
        do {
            let powers = events.morphingMaxPowers
            let components = try statedComponents ?? MorphingComponents(maxPowers: powers, maxOverallPower: powers.max())
            guard events.benchmarks.count >= components.count else {
                reader.report(m["benchmarks"] ?? eventsNode, "simulator.benchmarks",
                              "\(events.benchmarks.count) benchmarks cannot fix \(components.count) morphing components (maximum powers \(powers)); "
                              + "give at least \(components.count) benchmarks or lower simulator.max_power")
                return nil
            }
            let basis = Matrix(rows: events.benchmarks.count, columns: names.count, storage: events.benchmarks.flatMap(\.theta))
            _ = try Morpher(components: components, basis: basis)
        } catch let e as SBIError {
            reader.report(m["benchmarks"] ?? eventsNode, "simulator.benchmarks", e.message)
            return nil
        } catch {
            reader.report(m["benchmarks"] ?? eventsNode, "simulator.benchmarks", "\(error)")
            return nil
        }
        benchmarks = events.benchmarks.map { RecipeBenchmark(name: $0.name, theta: $0.theta) }
        declaredBenchmarkNames = benchmarks.map(\.name)
        observableNames = events.observables.map(\.name)
        return events
    }

    /// The files of `simulator.<key>` resolved against the recipe's folder and the number of folders
    /// among them; nil (with a problem per missing path) when any does not exist.
    private func resolveFiles(_ paths: [(String, YAMLNode)], list: Bool, key: String) -> (files: [RecipeFile], folders: Int)? {
        var files: [RecipeFile] = []
        var folders = 0
        for (i, (path, n)) in paths.enumerated() {
            let resolved = path.hasPrefix("/") ? path : (folder.isEmpty ? path : folder + "/" + path)
            var isDirectory: ObjCBool = false
            let field = list ? "simulator.\(key)[\(i)]" : "simulator.\(key)"
            guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory) else {
                reader.report(n, field, "file \"\(path)\" does not exist (paths are relative to the recipe's folder)")
                continue
            }
            if isDirectory.boolValue { folders += 1 }
            files.append(RecipeFile(path: path, resolvedPath: resolved))
        }
        return files.count == paths.count ? (files, folders) : nil
    }

    /// benchmarks, observables, cuts, sampling_benchmarks and weight_normalization of LHE input.
    private func decodeLHEEventSettings(_ m: [String: YAMLNode], node: YAMLNode, into events: inout RecipeEvents, fileCount: Int) -> Bool {
        var ok = true
        let names = events.parameterNames
        guard let benchmarksNode = m["benchmarks"], let observablesNode = m["observables"] else {
            for key in ["benchmarks", "observables"] where m[key] == nil { reader.report(node, "simulator", "missing required key \"\(key)\" (LHE files need it)") }
            return false
        }
        if let list = reader.list(benchmarksNode, "simulator.benchmarks", nonEmpty: true) {
            for (i, item) in list.enumerated() {
                let path = "simulator.benchmarks[\(i)]"
                guard let b = reader.mapping(item, path, keys: ["name", "weight_id", "theta"], required: ["name", "weight_id", "theta"]),
                      let name = b["name"].flatMap({ reader.name($0, path + ".name") }),
                      let idNode = b["weight_id"], let thetaNode = b["theta"] else { ok = false; continue }
                guard let id = idNode.scalarText, !idNode.isNull, !id.isEmpty else {
                    reader.report(idNode, path + ".weight_id", "expected the weight id (a string such as \"1\" or \"rwgt_sm\"), got \(idNode.kindDescription)")
                    ok = false
                    continue
                }
                guard let theta = reader.numbers(thetaNode, path + ".theta", count: names.count, names: names) else { ok = false; continue }
                if let first = events.benchmarks.firstIndex(where: { $0.name == name }) {
                    reader.report(b["name"]!, path + ".name", "benchmark \"\(name)\" is already defined at simulator.benchmarks[\(first)]")
                    ok = false
                    continue
                }
                if let first = events.benchmarks.firstIndex(where: { $0.weightID == id }) {
                    reader.report(idNode, path + ".weight_id", "weight id \"\(id)\" is already used by simulator.benchmarks[\(first)]")
                    ok = false
                    continue
                }
                events.benchmarks.append(.init(name: name, weightID: id, theta: theta))
            }
        } else { ok = false }
        if let entries = observablesNode.entries, !entries.isEmpty {
            for entry in entries {
                let path = "simulator.observables." + entry.key
                // NAME: EXPRESSION, or NAME: {expression: EXPRESSION, default: V} (MadMiner's required=False, default=V).
                var expressionNode = entry.value
                var defaultValue: Double?
                if entry.value.entries != nil {
                    guard let om = reader.mapping(entry.value, path, keys: ["expression", "default"], required: ["expression"]),
                          let e = om["expression"] else { ok = false; continue }
                    expressionNode = e
                    if let d = om["default"] {
                        guard let v = reader.number(d, path + ".default") else { ok = false; continue }
                        defaultValue = v
                    }
                }
                guard let expression = reader.string(expressionNode, path) else { ok = false; continue }
                do {
                    let compiled = try ObservableExpression(expression)
                    if compiled.isCondition { reader.report(entry.value, path, "a comparison is a cut, not an observable"); ok = false; continue }
                } catch let e as SBIError {
                    reader.report(entry.value, path, "\(e.message)\(e.column.map { " (column \($0) of the expression)" } ?? "")")
                    ok = false
                    continue
                } catch { ok = false; continue }
                events.observables.append(.init(name: entry.key, expression: expression, defaultValue: defaultValue))
            }
        } else {
            reader.report(observablesNode, "simulator.observables", "expected a mapping NAME: EXPRESSION with at least one observable, got \(observablesNode.kindDescription)")
            ok = false
        }
        if let n = m["cuts"], let list = reader.list(n, "simulator.cuts") {
            for (i, item) in list.enumerated() {
                guard let text = reader.string(item, "simulator.cuts[\(i)]") else { ok = false; continue }
                do {
                    let compiled = try ObservableExpression(text)
                    if !compiled.isCondition { reader.report(item, "simulator.cuts[\(i)]", "a cut must be a comparison such as j[0].pt > 30"); ok = false; continue }
                } catch let e as SBIError {
                    reader.report(item, "simulator.cuts[\(i)]", "\(e.message)\(e.column.map { " (column \($0) of the expression)" } ?? "")")
                    ok = false
                    continue
                } catch { ok = false; continue }
                events.cuts.append(text)
            }
        }
        if let n = m["sampling_benchmarks"], let list = reader.list(n, "simulator.sampling_benchmarks") {
            if list.count != fileCount {
                reader.report(n, "simulator.sampling_benchmarks", "expected one benchmark per file (\(fileCount)), got \(list.count)")
                ok = false
            }
            var out: [String] = []
            for (i, item) in list.enumerated() {
                guard let name = reader.string(item, "simulator.sampling_benchmarks[\(i)]") else { ok = false; continue }
                if !events.benchmarks.contains(where: { $0.name == name }) {
                    reader.report(item, "simulator.sampling_benchmarks[\(i)]",
                                  "unknown benchmark \"\(name)\"; expected one of \(events.benchmarks.map(\.name).joined(separator: ", "))")
                    ok = false
                }
                out.append(name)
            }
            events.samplingBenchmarks = out
        }
        if let n = m["weight_normalization"], let text = reader.string(n, "simulator.weight_normalization") {
            if ["auto", "sum", "average"].contains(text) { events.weightNormalization = text } else {
                reader.report(n, "simulator.weight_normalization", "unknown \"\(text)\"; expected one of auto, sum, average")
                ok = false
            }
        }
        return ok
    }
}
