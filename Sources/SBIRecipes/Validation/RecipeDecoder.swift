import Foundation
import SBICore
import SBIEvents
import SBISimulation

/// Turns a YAML node tree into a validated `Recipe`, checking every section and the links
/// between them (sample names, method ↔ sample kind, modes ↔ estimators, θ inside ranges)
/// and collecting every problem before giving up.
///
/// ```
/// recipe = {version?, name?, seed?, parameters, simulator, benchmarks?, morphing?,
///           samples?, estimators?, inference, outputs?, nuisance?, execution?}
/// ```
/// The field list, types and defaults are documented in Recipes/README.md.
final class RecipeDecoder {
    static let topKeys = ["version", "name", "seed", "parameters", "simulator", "benchmarks", "morphing",
                          "samples", "estimators", "inference", "outputs", "nuisance", "execution"]

    let reader: RecipeFieldReader
    /// The folder relative paths in the recipe are resolved against.
    let folder: String
    /// The default name (the file name without extension).
    let defaultName: String

    // Facts gathered while decoding, used by later sections.
    var simulatorChoice: BuiltInSimulator?
    /// The parameters of interest of the built-in simulator (its nuisance parameters left out).
    var simulatorSpace: ParameterSpace?
    /// The built-in simulator's nuisance parameters (`NuisanceSimulator.nuisanceNames`).
    var simulatorNuisanceNames: [String] = []
    var observableNames: [String] = []
    var morphingComponentCount: Int?
    /// How many nuisance parameters the `weights` entries give (groups expanded), when their files could be read.
    var weightNuisanceCount = 0
    /// Whether the `nuisance` section has `weights` entries on real events (samples may then learn them).
    var declaresWeightNuisance = false
    /// Whether some sample draws the nuisance parameters (`samples[i].nuisance`).
    var samplesDrawNuisance = false
    /// The nuisance parameters of a `simulator.madminer` file (`decodeMadMiner`).
    var madMinerNuisance: [MadMinerFile.NuisanceParameter] = []
    /// Whether the configured built-in simulator gives weighted events (false for wbf-higgs with a jet energy scale).
    var simulatorIsWeighted = true
    /// Latent variables per event of a built-in simulator (0 for real events).
    var latentCount = 0
    /// Memory the recipe may use, in bytes (`MemoryBudget.usableBytes` unless a test sets less).
    let memoryLimit: Double
    var parameters: [RecipeParameter]?
    var benchmarks: [RecipeBenchmark] = []
    /// Names of the samples as written, including samples that failed to decode.
    var declaredSampleNames: [String] = []
    /// Names of the benchmarks as written, including benchmarks that failed to decode.
    var declaredBenchmarkNames: [String] = []

    init(file: String, folder: String, defaultName: String, memoryLimit: Double = MemoryBudget.usableBytes) {
        reader = RecipeFieldReader(file: file)
        self.memoryLimit = memoryLimit
        self.folder = folder
        self.defaultName = defaultName
    }

    /// The validated recipe, or nil when any problem was recorded (see `reader.problems`).
    func decode(_ root: YAMLNode?) -> Recipe? {
        guard let root else {
            reader.report(line: 1, column: 1, "", "the recipe is empty; expected a mapping with keys \(RecipeDecoder.topKeys.joined(separator: ", "))")
            return nil
        }
        guard let top = reader.mapping(root, "", keys: RecipeDecoder.topKeys, required: ["parameters", "simulator", "inference"],
                                       what: "a recipe (a mapping)") else { return nil }
        var version = 1
        if let node = top["version"], let v = reader.integer(node, "version", minimum: 0) {
            if v != 1 { reader.report(node, "version", "unsupported recipe version \(v); this sbi reads version 1") }
            version = v
        }
        let name = top["name"].flatMap { reader.name($0, "name") } ?? defaultName
        let seed = top["seed"].flatMap { reader.seed($0, "seed") } ?? 1

        let simulatorNode = top["simulator"]
        let isEvents = simulatorNode.map(RecipeDecoder.isEvents) ?? false
        var simulator = isEvents ? nil : simulatorNode.flatMap { decodeSimulator($0) }
        parameters = top["parameters"].flatMap { decodeParameters($0) }
        if isEvents, let node = simulatorNode {
            if let events = decodeEvents(node) { simulator = RecipeSimulator(name: nil, events: events) }
            for key in ["benchmarks", "morphing"] where top[key] != nil {
                let at = reader.keyPosition(root, key)
                reader.report(line: at.line, column: at.column, key,
                              "with simulator.events, give benchmarks under simulator.benchmarks and the morphing powers as simulator.max_power")
            }
        } else if let node = top["benchmarks"] { benchmarks = decodeBenchmarks(node) ?? [] }
        let morphing = decodeMorphing(top["morphing"], key: root)
        declaresWeightNuisance = isEvents && (top["nuisance"]?.elements ?? []).contains { $0["kind"]?.scalarText == "weights" }
        let samples = top["samples"].flatMap { decodeSamples($0, seed: seed) } ?? []
        let estimators = top["estimators"].flatMap { decodeEstimators($0, samples: samples, sampleNode: top["samples"], seed: seed) } ?? []
        let inference = top["inference"].flatMap { decodeInference($0, estimators: estimators, seed: seed) }
        let outputs = decodeOutputs(top["outputs"], name: name)
        let nuisance = top["nuisance"].flatMap { decodeNuisance($0, inference: inference, isEvents: isEvents, events: simulator?.events) }

        checkSimulatorNuisance(declared: nuisance, top: top, root: root, inference: inference)
        for mode in [RecipeInferenceMode.truth, .idealSally] where isEvents {
            if let inference, inference.modes.contains(mode), let node = top["inference"] {
                reader.report(node, "inference.modes", "mode \(mode.rawValue) needs a simulator with an exact likelihood; real events have none")
            }
        }
        let execution = top["execution"].flatMap { decodeExecution($0) }
        guard reader.problems.isEmpty, let simulator, let parameters, let inference, let outputs else { return nil }
        let recipe = Recipe(version: version, name: name, seed: seed, parameters: parameters, simulator: simulator,
                            benchmarks: benchmarks, morphing: morphing, samples: samples, estimators: estimators,
                            inference: inference, outputs: outputs, nuisance: nuisance,
                            execution: execution)
        checkMemory(recipe, top: top)
        return reader.problems.isEmpty ? recipe : nil
    }

    /// Every nuisance parameter of the simulator must be declared (`kind: simulator`), in the simulator's
    /// order. `truth`, `ml`, `histogram`, `sally` and `ideal_sally` profile it (each next to its
    /// result with ν fixed at 0); the other modes are refused.
    func checkSimulatorNuisance(declared: [RecipeNuisance]?, top: [String: YAMLNode], root: YAMLNode, inference: RecipeInference?) {
        guard !simulatorNuisanceNames.isEmpty, reader.problems.isEmpty else { return }
        let names = (declared ?? []).filter { $0.kind == .simulator }.map(\.name)
        if names != simulatorNuisanceNames {
            let at = top["nuisance"] ?? top["simulator"] ?? root
            reader.report(at, "nuisance", "the simulator has the nuisance parameter(s) \(simulatorNuisanceNames.joined(separator: ", ")); "
                          + "declare each, in this order, as {name: NAME, kind: simulator}")
            return
        }
        if let inference, let node = top["inference"] {
            for mode in inference.modes where ![.truth, .ml, .sally, .idealSally, .histogram].contains(mode) {
                reader.report(node, "inference.modes", "mode \(mode.rawValue) cannot be used with the simulator's nuisance parameters "
                              + "(\(names.joined(separator: ", "))); use truth, ml, histogram, sally or ideal_sally")
            }
        }
    }

    // MARK: Simulator and parameters

    func decodeSimulator(_ node: YAMLNode) -> RecipeSimulator? {
        guard let m = reader.mapping(node, "simulator", keys: ["name", "options"], required: ["name"]),
              let nameNode = m["name"], let choice = reader.choice(nameNode, "simulator.name", BuiltInSimulator.self) else { return nil }
        var result = RecipeSimulator(name: choice, drellYan: nil)
        var simulator: (any Simulator)?
        switch choice {
        case .gaussian:
            simulator = GaussianSimulator()
            if let optionsNode = m["options"], let opts = reader.mapping(optionsNode, "simulator.options", keys: ["calibration_offset"]),
               let n = opts["calibration_offset"] {
                guard let offset = reader.number(n, "simulator.options.calibration_offset", "a number in [0, 10] (shift of x per unit of ν)",
                                                 { (0...10).contains($0) }) else { return nil }
                result.calibrationOffset = offset
                simulator = try? GaussianSimulator(calibrationOffset: offset)
            }
        case .gaussian3D:
            simulator = TrivariateGaussianSimulator()
            if let optionsNode = m["options"] { _ = reader.mapping(optionsNode, "simulator.options", keys: []) }
        case .wbfHiggs:
            simulator = WBFHiggsSimulator()
            if let optionsNode = m["options"], let opts = reader.mapping(optionsNode, "simulator.options", keys: ["jet_energy_scale"]),
               let n = opts["jet_energy_scale"] {
                let largest = WBFHiggsJetEnergyScaleSimulator.maximumScale
                guard let scale = reader.number(n, "simulator.options.jet_energy_scale",
                                                "a relative uncertainty in [0, \(largest)] (measured p_T × (1 + s·ν))",
                                                { (0...largest).contains($0) }) else { return nil }
                result.jetEnergyScale = scale
                simulator = try? WBFHiggsJetEnergyScaleSimulator(relativeScale: scale)
            }
        case .drellYan:
            var o = RecipeSimulator.DrellYanOptions()
            let path = "simulator.options"
            if let optionsNode = m["options"],
               let opts = reader.mapping(optionsNode, path, keys: ["sqrt_s", "beam_spread", "cos_theta_resolution", "energy_resolution"]) {
                let maximumSqrtS = DrellYanSimulator.maximumSqrtS
                if let n = opts["sqrt_s"], let x = reader.number(n, path + ".sqrt_s", "a number in (0, \(Int(maximumSqrtS))] (GeV)",
                                                                 { $0 > 0 && $0 <= maximumSqrtS }) { o.sqrtS = x }
                if let n = opts["beam_spread"], let x = reader.number(n, path + ".beam_spread", "a number ≥ 0 (GeV)", { $0 >= 0 }) { o.beamSpread = x }
                if let n = opts["cos_theta_resolution"],
                   let x = reader.number(n, path + ".cos_theta_resolution", "a number in (0, 2] (the cos θ range)", { $0 > 0 && $0 <= 2 }) {
                    o.cosThetaResolution = x
                }
                let halfSqrtS = 0.5 * o.sqrtS
                if let n = opts["energy_resolution"],
                   let x = reader.number(n, path + ".energy_resolution", "a number in (0, √s/2 = \(halfSqrtS)] (GeV, the lepton energy)",
                                         { $0 > 0 && $0 <= halfSqrtS }) {
                    o.energyResolution = x
                }
                if o.sqrtS - 5 * o.beamSpread <= 1, let n = opts["beam_spread"] ?? opts["sqrt_s"] {
                    reader.report(n, path + (opts["beam_spread"] != nil ? ".beam_spread" : ".sqrt_s"),
                                  "the beam window sqrt_s ± 5·beam_spread reaches √s ≤ 1 GeV; reduce beam_spread")
                    return nil
                }
            }
            result.drellYan = o
            do {
                simulator = try DrellYanSimulator(nominalSqrtS: o.sqrtS, beamSpread: o.beamSpread,
                                                  cosThetaResolution: o.cosThetaResolution, energyResolution: o.energyResolution)
            } catch let error as SBIError {
                reader.report(node, "simulator.options", error.message)
                return nil
            } catch {
                reader.report(node, "simulator.options", "\(error)")
                return nil
            }
        }
        if let simulator {
            simulatorChoice = choice
            let space = simulator.parameterSpace
            simulatorNuisanceNames = (simulator as? any NuisanceSimulator)?.nuisanceNames ?? []
            simulatorSpace = space.leading(space.count - simulatorNuisanceNames.count)
            observableNames = simulator.observableNames
            latentCount = simulator.latentNames.count
            simulatorIsWeighted = simulator is any WeightedSimulator
            if let weighted = simulator as? any WeightedSimulator {
                morphingComponentCount = try? MorphingComponents(maxPowers: weighted.morphingMaxPowers,
                                                                 maxOverallPower: weighted.morphingMaxOverallPower).count
            }
        }
        return result
    }

    func decodeParameters(_ node: YAMLNode) -> [RecipeParameter]? {
        guard let list = reader.list(node, "parameters", nonEmpty: true) else { return nil }
        if let space = simulatorSpace, let sim = simulatorChoice, list.count != space.count {
            reader.report(node, "parameters", "the \(sim.rawValue) simulator has \(space.count) parameter\(space.count == 1 ? "" : "s") (\(space.names.joined(separator: ", "))), got \(list.count)")
            return nil
        }
        var out: [RecipeParameter] = []
        var ok = true
        for (i, item) in list.enumerated() {
            let path = "parameters[\(i)]"
            guard let m = reader.mapping(item, path, keys: ["name", "range", "unit", "latex"], required: ["name", "range"]) else { ok = false; continue }
            let name = m["name"].flatMap { reader.string($0, path + ".name") }
            let range = m["range"].flatMap { reader.range($0, path + ".range") }
            let unit = m["unit"].flatMap { reader.string($0, path + ".unit", nonEmpty: false) } ?? ""
            var latex = m["latex"].flatMap { reader.string($0, path + ".latex") }
            if let space = simulatorSpace, let sim = simulatorChoice, i < space.count {
                if let name, let nameNode = m["name"], name != space.names[i] {
                    var message = "unknown parameter \"\(name)\" at position \(i + 1) of \(sim.rawValue); expected \(space.names[i])"
                    if !space.names.contains(name) { message += " (its parameters are \(space.names.joined(separator: ", ")))" }
                    else { message += " (parameters are listed in the simulator's order: \(space.names.joined(separator: ", ")))" }
                    reader.report(nameNode, path + ".name", message)
                    ok = false
                }
                if let range, let rangeNode = m["range"], !(space.ranges[i].contains(range.lowerBound) && space.ranges[i].contains(range.upperBound)) {
                    reader.report(rangeNode, path + ".range",
                                  "range [\(Self.format(range.lowerBound)), \(Self.format(range.upperBound))] leaves the simulator's range [\(Self.format(space.ranges[i].lowerBound)), \(Self.format(space.ranges[i].upperBound))] of \(space.names[i])")
                    ok = false
                }
                if latex == nil { latex = space.latexLabels[i] }
            }
            guard let name, let range else { ok = false; continue }
            out.append(RecipeParameter(name: name, range: range, unit: unit, latex: latex ?? name))
        }
        return ok && out.count == list.count ? out : nil
    }

    /// Shortest text of a double (`1` for 1.0, `0.25`).
    static func format(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
        return "\(x)"
    }

    /// A θ point: one finite number per parameter, each inside its range.
    func point(_ node: YAMLNode, _ path: String) -> [Double]? {
        guard let params = parameters else {
            // Without valid parameters only the form can be checked.
            return reader.numbers(node, path)
        }
        guard let theta = reader.numbers(node, path, count: params.count, names: params.map(\.name)) else { return nil }
        var ok = true
        for (i, p) in params.enumerated() where !p.range.contains(theta[i]) {
            let element = node.elements?[i] ?? node
            reader.report(element, path + "[\(i)]", "\(p.name) = \(Self.format(theta[i])) is outside its range [\(Self.format(p.range.lowerBound)), \(Self.format(p.range.upperBound))]")
            ok = false
        }
        return ok ? theta : nil
    }

    // MARK: Benchmarks and morphing

    func decodeBenchmarks(_ node: YAMLNode) -> [RecipeBenchmark]? {
        guard let list = reader.list(node, "benchmarks") else { return nil }
        if let sim = simulatorChoice, !sim.isWeighted, !list.isEmpty {
            reader.report(node, "benchmarks", "the \(sim.rawValue) simulator is not weighted; give parameter points with point: or points: instead")
            return nil
        }
        var out: [RecipeBenchmark] = []
        var seen: [String: Int] = [:]
        for (i, item) in list.enumerated() {
            let path = "benchmarks[\(i)]"
            guard let m = reader.mapping(item, path, keys: ["name", "theta"], required: ["name", "theta"]) else { continue }
            if let text = m["name"]?.scalarText { declaredBenchmarkNames.append(text) }
            let name = m["name"].flatMap { reader.name($0, path + ".name") }
            let theta = m["theta"].flatMap { point($0, path + ".theta") }
            if let name, let first = seen[name], let n = m["name"] {
                reader.report(n, path + ".name", "benchmark \"\(name)\" is already defined at benchmarks[\(first)]")
                continue
            }
            guard let name, let theta else { continue }
            seen[name] = i
            out.append(RecipeBenchmark(name: name, theta: theta))
        }
        return out
    }

    func decodeMorphing(_ node: YAMLNode?, key root: YAMLNode) -> RecipeMorphing? {
        guard let sim = simulatorChoice else { return nil }
        guard sim.isWeighted, simulatorIsWeighted else {
            if let node {
                let at = reader.keyPosition(root, "morphing")
                let why = sim.isWeighted ? "with a jet energy scale the measured p_T changes with ν, which event weights cannot follow"
                                         : "the \(sim.rawValue) simulator is not weighted"
                reader.report(line: at.line, column: at.column, "morphing", "\(why); morphing does not apply")
                _ = node
            }
            return nil
        }
        var result = RecipeMorphing(basis: .optimized, poolFactor: 4, proposal: nil)
        guard let node, let m = reader.mapping(node, "morphing", keys: ["basis", "pool_factor", "proposal"]) else { return result }
        if let n = m["basis"], let b = reader.choice(n, "morphing.basis", RecipeMorphing.Basis.self) {
            result.basis = b
            if b == .benchmarks, let count = morphingComponentCount, benchmarks.count != count {
                reader.report(n, "morphing.basis", "a benchmark basis for \(sim.rawValue) needs \(count) benchmarks (one per morphing component), got \(benchmarks.count)")
            }
        }
        let largest = Double(SampleAugmenter.maximumPoolFactor)
        if let n = m["pool_factor"],
           let x = reader.number(n, "morphing.pool_factor", "a number in [1, \(Int(largest))] (pools never grow beyond \(Int(largest))× the events)",
                                 { $0 >= 1 && $0 <= largest }) { result.poolFactor = x }
        if let n = m["proposal"] { result.proposal = point(n, "morphing.proposal") }
        return result
    }

    // MARK: Samples

    func decodeSamples(_ node: YAMLNode, seed: UInt64) -> [RecipeSample]? {
        guard let list = reader.list(node, "samples") else { return nil }
        var out: [RecipeSample] = []
        var seen: [String: Int] = [:]
        let keys = ["name", "kind", "theta", "theta0", "theta1", "additional_thetas", "events", "validation_split", "test_split",
                    "prior_points", "seed", "nuisance"]
        for (i, item) in list.enumerated() {
            let path = "samples[\(i)]"
            guard let m = reader.mapping(item, path, keys: keys, required: ["name", "kind", "events"]) else { continue }
            if let text = m["name"]?.scalarText, !declaredSampleNames.contains(text) { declaredSampleNames.append(text) }
            let name = m["name"].flatMap { reader.name($0, path + ".name") }
            if let name, let first = seen[name], let n = m["name"] {
                reader.report(n, path + ".name", "sample \"\(name)\" is already defined at samples[\(first)]")
                continue
            }
            if let name { seen[name] = i }
            guard let kindNode = m["kind"], let kind = reader.choice(kindNode, path + ".kind", RecipeSampleKind.self) else { continue }
            var theta0: RecipeTheta?, theta1: RecipeTheta?
            var additional: [RecipeTheta] = []
            if let n = m["additional_thetas"] {
                if kind != .moreRatios {
                    let at = reader.keyPosition(item, "additional_thetas")
                    reader.report(line: at.line, column: at.column, path + ".additional_thetas",
                                  "only more_ratios samples take additional_thetas; \(kind.rawValue) samples do not")
                } else if let list = reader.list(n, path + ".additional_thetas") {
                    additional = list.enumerated().compactMap { theta($1, path + ".additional_thetas[\($0)]") }
                }
            }
            if kind.hasTheta1 {
                if m["theta"] != nil {
                    let at = reader.keyPosition(item, "theta")
                    reader.report(line: at.line, column: at.column, path + ".theta", "\(kind.rawValue) samples take theta0 and theta1, not theta")
                }
                for key in ["theta0", "theta1"] where m[key] == nil {
                    reader.report(item, path, "missing required key \"\(key)\" (\(kind.rawValue) samples need theta0 and theta1)")
                }
                theta0 = m["theta0"].flatMap { theta($0, path + ".theta0") }
                theta1 = m["theta1"].flatMap { theta($0, path + ".theta1") }
            } else {
                for key in ["theta0", "theta1"] where m[key] != nil {
                    let at = reader.keyPosition(item, key)
                    reader.report(line: at.line, column: at.column, path + "." + key,
                                  "only ratio and more_ratios samples take \(key); \(kind.rawValue) samples take theta")
                }
                if m["theta"] == nil { reader.report(item, path, "missing required key \"theta\"") }
                theta0 = m["theta"].flatMap { theta($0, path + ".theta") }
                if kind == .local, let t = theta0, t.singlePoint == nil, let n = m["theta"] {
                    reader.report(n, path + ".theta", "local (SALLY) samples need one reference point ({point: [...]} or {benchmark: name})")
                    theta0 = nil
                }
            }
            let events = m["events"].flatMap { reader.integer($0, path + ".events", minimum: 1) }
            var validation = 0.0, test = kind == .test ? 0.0 : 0.2
            if let n = m["validation_split"], let x = reader.number(n, path + ".validation_split", "a number in [0, 1)", { $0 >= 0 && $0 < 1 }) {
                validation = x
                if kind == .test && x != 0 { reader.report(n, path + ".validation_split", "test samples are one split called test; validation_split must be 0") }
            }
            if let n = m["test_split"], let x = reader.number(n, path + ".test_split", "a number in [0, 1)", { $0 >= 0 && $0 < 1 }) {
                test = x
                if kind == .test && x != 0 { reader.report(n, path + ".test_split", "test samples are one split called test; test_split must be 0") }
            }
            if let events, kind != .test {
                let nValidation = Int((Double(events) * validation).rounded()), nTest = Int((Double(events) * test).rounded())
                if events - nValidation - nTest < 1 {
                    reader.report(m["events"]!, path + ".events", "validation (\(nValidation)) and test (\(nTest)) events leave no training events of \(events)")
                }
            }
            var priorPoints: Int?
            if let n = m["prior_points"] {
                priorPoints = reader.integer(n, path + ".prior_points", minimum: 1)
                let hasPrior = ([theta0, theta1] + additional.map { $0 }).contains { if case .prior? = $0 { return true } else { return false } }
                if !hasPrior && (theta0 != nil || !kind.hasTheta1) {
                    reader.report(n, path + ".prior_points", "prior_points applies only to a theta drawn from a prior")
                }
            }
            let sampleSeed = m["seed"].flatMap { reader.seed($0, path + ".seed") } ?? seed &+ 1 &+ UInt64(i)
            var nuisanceDraw: RecipeNuisanceDraw?
            if let n = m["nuisance"] {
                guard !simulatorNuisanceNames.isEmpty || declaresWeightNuisance else {
                    reader.report(n, path + ".nuisance", "the simulator has no nuisance parameters to draw")
                    continue
                }
                samplesDrawNuisance = true
                guard let draw = reader.choice(n, path + ".nuisance", RecipeNuisanceDraw.self) else { continue }
                nuisanceDraw = draw
            }
            guard let name, let theta0, let events, !kind.hasTheta1 || theta1 != nil else { continue }
            out.append(RecipeSample(name: name, kind: kind, theta0: theta0, theta1: theta1, additionalThetas: additional.isEmpty ? nil : additional, events: events,
                                    validationSplit: validation, testSplit: test, priorPoints: priorPoints, seed: sampleSeed,
                                    nuisance: nuisanceDraw))
        }
        return out
    }

    /// A θ specification (forms in `RecipeTheta`).
    func theta(_ node: YAMLNode, _ path: String) -> RecipeTheta? {
        let forms = "benchmarks, {benchmark: NAME}, {point: [...]}, {points: [[...], ...]}, {prior: flat}, {prior: {PARAMETER: {flat: [LOW, HIGH]} | {gaussian: {mean: M, std: S}}}}"
        if case .scalar(let text, _) = node.value, !node.isNull {
            guard text == "benchmarks" else {
                reader.report(node, path, "unknown \"\(text)\"; expected one of \(forms)")
                return nil
            }
            guard simulatorChoice?.isWeighted != false else {
                reader.report(node, path, "the \(simulatorChoice!.rawValue) simulator is not weighted; it has no benchmarks")
                return nil
            }
            return .benchmarks
        }
        guard let entries = node.entries, entries.count == 1 else {
            reader.report(node, path, "expected one of \(forms), got \(node.kindDescription)\(node.entries != nil ? " with \(node.entries!.count) keys" : "")")
            return nil
        }
        let entry = entries[0]
        let sub = path + "." + entry.key
        switch entry.key {
        case "benchmark":
            guard let name = reader.string(entry.value, sub) else { return nil }
            guard let b = benchmarks.first(where: { $0.name == name }) else {
                // A benchmark that is declared but failed to decode has reported its own problems.
                if declaredBenchmarkNames.contains(name) { return nil }
                let names = benchmarks.map(\.name)
                reader.report(entry.value, sub, names.isEmpty ? "unknown benchmark \"\(name)\"; the recipe defines no benchmarks"
                                                             : "unknown benchmark \"\(name)\"; expected one of \(names.joined(separator: ", "))")
                return nil
            }
            return .benchmark(name: name, theta: b.theta)
        case "point":
            return point(entry.value, sub).map { .point($0) }
        case "points":
            guard let list = reader.list(entry.value, sub, nonEmpty: true) else { return nil }
            var values: [Double] = []
            var ok = true
            for (i, p) in list.enumerated() {
                if let theta = point(p, sub + "[\(i)]") { values += theta } else { ok = false }
            }
            return ok ? .points(count: list.count, values: values) : nil
        case "prior":
            return prior(entry.value, sub).map { .prior($0) }
        default:
            var message = "unknown key \"\(entry.key)\""
            let keys = ["benchmark", "point", "points", "prior"]
            if let close = RecipeFieldReader.closest(to: entry.key, among: keys) { message += "; did you mean \"\(close)\"?" }
            else { message += "; expected one of \(keys.joined(separator: ", "))" }
            reader.report(line: entry.keyLine, column: entry.keyColumn, sub, message)
            return nil
        }
    }

    /// `flat` for every parameter, or a mapping parameter → `flat` | `{flat: [lo, hi]}` | `{gaussian: {mean, std}}`.
    func prior(_ node: YAMLNode, _ path: String) -> [RecipePrior]? {
        guard let params = parameters else { return nil }
        if case .scalar(let text, _) = node.value, !node.isNull {
            guard text == "flat" else {
                reader.report(node, path, "unknown prior \"\(text)\"; expected flat, or a mapping from parameter names to {flat: [LOW, HIGH]} or {gaussian: {mean: M, std: S}}")
                return nil
            }
            return params.map { .flat(lower: $0.range.lowerBound, upper: $0.range.upperBound) }
        }
        guard let m = reader.mapping(node, path, keys: params.map(\.name), what: "flat or a mapping") else { return nil }
        var out: [RecipePrior] = []
        var ok = true
        for p in params {
            guard let term = m[p.name] else {
                out.append(.flat(lower: p.range.lowerBound, upper: p.range.upperBound))
                continue
            }
            let sub = path + "." + p.name
            if case .scalar("flat", _) = term.value {
                out.append(.flat(lower: p.range.lowerBound, upper: p.range.upperBound))
                continue
            }
            guard let t = reader.mapping(term, sub, keys: ["flat", "gaussian"], what: "flat, {flat: [LOW, HIGH]} or {gaussian: {mean: M, std: S}}") else { ok = false; continue }
            if t.count != 1 {
                reader.report(term, sub, "expected exactly one of flat, gaussian")
                ok = false
                continue
            }
            if let f = t["flat"] {
                guard let r = reader.range(f, sub + ".flat") else { ok = false; continue }
                guard p.range.contains(r.lowerBound), p.range.contains(r.upperBound) else {
                    reader.report(f, sub + ".flat", "[\(Self.format(r.lowerBound)), \(Self.format(r.upperBound))] leaves the range [\(Self.format(p.range.lowerBound)), \(Self.format(p.range.upperBound))] of \(p.name)")
                    ok = false
                    continue
                }
                out.append(.flat(lower: r.lowerBound, upper: r.upperBound))
            } else if let g = t["gaussian"] {
                guard let gm = reader.mapping(g, sub + ".gaussian", keys: ["mean", "std"], required: ["mean", "std"]),
                      let mean = gm["mean"].flatMap({ reader.number($0, sub + ".gaussian.mean") }),
                      let std = gm["std"].flatMap({ reader.number($0, sub + ".gaussian.std", "a number > 0", { $0 > 0 }) }) else { ok = false; continue }
                out.append(.gaussian(mean: mean, std: std))
            }
        }
        return ok ? out : nil
    }
}
