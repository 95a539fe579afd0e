import Foundation
import SBICore
import SBINetworks
import SBIEstimators
import SBIInference
import SBIEvents

extension RecipeDecoder {
    // MARK: Estimators

    func decodeEstimators(_ node: YAMLNode, samples: [RecipeSample], sampleNode: YAMLNode?, seed: UInt64) -> [RecipeEstimator]? {
        guard let list = reader.list(node, "estimators") else { return nil }
        var out: [RecipeEstimator] = []
        var seen: [String: Int] = [:]
        let keys = ["name", "method", "sample", "hidden_layers", "activation", "alpha", "ensemble", "training", "reference", "blocks", "morphing_aware"]
        for (i, item) in list.enumerated() {
            let path = "estimators[\(i)]"
            guard let m = reader.mapping(item, path, keys: keys, required: ["name", "method", "sample"]) else { continue }
            let name = m["name"].flatMap { reader.name($0, path + ".name") }
            if let name, let first = seen[name], let n = m["name"] {
                reader.report(n, path + ".name", "estimator \"\(name)\" is already defined at estimators[\(first)]")
                continue
            }
            if let name { seen[name] = i }
            let method = m["method"].flatMap { reader.choice($0, path + ".method", RecipeMethod.self) }
            var sampleName = m["sample"].flatMap { reader.string($0, path + ".sample") }
            if let s = sampleName, let n = m["sample"] {
                if let sample = samples.first(where: { $0.name == s }) {
                    if let method, sample.kind != method.sampleKind {
                        reader.report(n, path + ".sample", "sample \"\(s)\" is a \(sample.kind.rawValue) sample; method \(method.rawValue) trains on a \(method.sampleKind.rawValue) sample")
                        sampleName = nil
                    }
                } else if !declaredSampleNames.contains(s) {
                    // A sample that is declared but failed to decode has reported its own problems.
                    let names = declaredSampleNames
                    reader.report(n, path + ".sample", names.isEmpty ? "unknown sample \"\(s)\"; the recipe defines no samples"
                                                                     : "unknown sample \"\(s)\"; expected one of \(names.joined(separator: ", "))")
                    sampleName = nil
                }
            }
            var hidden = method?.isLikelihood == true ? NeuralDensityEstimator.FlowSettings().hiddenSizes : [100]
            if let n = m["hidden_layers"], let l = reader.list(n, path + ".hidden_layers") {
                var widths: [Int] = []
                for (k, w) in l.enumerated() { if let v = reader.integer(w, path + ".hidden_layers[\(k)]", minimum: 1, maximum: 100_000) { widths.append(v) } }
                if widths.count == l.count { hidden = widths }
            }
            let activation = m["activation"].flatMap { reader.choice($0, path + ".activation", RecipeActivation.self) } ?? .tanh
            var alpha = 1.0
            if let n = m["alpha"], let a = reader.number(n, path + ".alpha", "a number ≥ 0", { $0 >= 0 }) {
                alpha = a
                if let method, !method.usesAlpha {
                    reader.report(n, path + ".alpha", "alpha weights the score term of alices, cascal, rascal, scandal (and the doubly parameterised alices2, cascal2, rascal2); method \(method.rawValue) has none")
                }
            }
            let ensemble = m["ensemble"].flatMap { reader.integer($0, path + ".ensemble", minimum: 1, maximum: 100) } ?? 1
            if let method, method.isDoubly || method.isLikelihood, ensemble > 1, let n = m["ensemble"] {
                let what = method.isDoubly ? "doubly parameterised estimators" : "density estimators"
                reader.report(n, path + ".ensemble", "ensembles of \(what) (\(method.rawValue)) are not supported; use ensemble: 1")
            }
            if let method, method.isDoubly || method.isLikelihood, !simulatorNuisanceNames.isEmpty || declaresWeightNuisance, let n = m["method"] {
                let instead = method.isDoubly ? String(method.rawValue.dropLast()) : "a ratio method"
                reader.report(n, path + ".method", "method \(method.rawValue) does not take nuisance parameters yet; use \(instead)")
            }
            var blocks: Int?
            if let n = m["blocks"] {
                if let method, !method.isLikelihood {
                    reader.report(n, path + ".blocks", "blocks is the number of MADE blocks of an nde or scandal flow; method \(method.rawValue) has none")
                } else {
                    blocks = reader.integer(n, path + ".blocks", minimum: 1, maximum: MAFArchitecture.maximumBlocks)
                }
            } else if method?.isLikelihood == true {
                blocks = NeuralDensityEstimator.FlowSettings().blocks
            }
            var reference: [Double]?
            if let n = m["reference"] {
                if let method, !method.isDoubly {
                    reader.report(n, path + ".reference", "reference is θ1 of doubly parameterised methods (carl2 … rascal2); method \(method.rawValue) has none")
                } else if let t = theta(n, path + ".reference") {
                    if let p = t.singlePoint { reference = p } else {
                        reader.report(n, path + ".reference", "expected one point: {point: [...]} or {benchmark: NAME}")
                    }
                }
            }
            var morphingAware: Bool?
            if let n = m["morphing_aware"], let flag = reader.bool(n, path + ".morphing_aware") {
                if flag, let method, !method.isRatio || method.isDoubly || method.isLikelihood {
                    reader.report(n, path + ".morphing_aware", "the morphing-aware form is trained by carl, rolr, alice, alices, cascal or rascal; method \(method.rawValue) is not one")
                } else if flag, ensemble > 1 {
                    reader.report(n, path + ".morphing_aware", "ensembles of morphing-aware estimators are not supported; use ensemble: 1")
                } else if flag, !simulatorNuisanceNames.isEmpty || declaresWeightNuisance {
                    reader.report(n, path + ".morphing_aware", "morphing-aware estimators do not take nuisance parameters yet")
                } else if flag, let s = sampleName, let sample = samples.first(where: { $0.name == s }), sample.theta1?.singlePoint == nil {
                    reader.report(n, path + ".morphing_aware", "the morphing-aware form is relative to one θ1; sample \"\(s)\" needs theta1: {point: [...]} or {benchmark: NAME}")
                } else if flag {
                    morphingAware = true
                }
            }
            var training = RecipeTraining()
            training.seed = seed &+ 1001 &+ UInt64(i)
            if let n = m["training"] { decodeTraining(n, path + ".training", into: &training) }
            guard let name, let method, let sampleName else { continue }
            out.append(RecipeEstimator(name: name, method: method, sample: sampleName, hiddenLayers: hidden, activation: activation,
                                       alpha: alpha, ensemble: ensemble, training: training, reference: reference, blocks: blocks,
                                       morphingAware: morphingAware))
        }
        return out
    }

    func decodeTraining(_ node: YAMLNode, _ path: String, into t: inout RecipeTraining) {
        let keys = ["optimizer", "epochs", "batch_size", "initial_learning_rate", "final_learning_rate", "validation_split",
                    "early_stopping", "patience", "clip_gradient_norm", "momentum", "seed"]
        guard let m = reader.mapping(node, path, keys: keys) else { return }
        if let n = m["optimizer"], let o = reader.choice(n, path + ".optimizer", RecipeOptimizer.self) { t.optimizer = o }
        if let n = m["epochs"], let v = reader.integer(n, path + ".epochs", minimum: 1, maximum: 100_000) { t.epochs = v }
        if let n = m["batch_size"], let v = reader.integer(n, path + ".batch_size", minimum: 1, maximum: 10_000_000) { t.batchSize = v }
        let maximum = TrainingSettings.maximumLearningRate
        let rate = "a number in (0, \(String(format: "%g", maximum))] (MadMiner's default 1e-3)"
        if let n = m["initial_learning_rate"], let v = reader.number(n, path + ".initial_learning_rate", rate, { $0 > 0 && $0 <= maximum }) {
            t.initialLearningRate = v
        }
        if let n = m["final_learning_rate"], let v = reader.number(n, path + ".final_learning_rate", rate, { $0 > 0 && $0 <= maximum }) {
            t.finalLearningRate = v
        }
        if let n = m["validation_split"], let v = reader.number(n, path + ".validation_split", "a number in [0, 1)", { $0 >= 0 && $0 < 1 }) { t.validationSplit = v }
        if let n = m["early_stopping"], let v = reader.bool(n, path + ".early_stopping") { t.earlyStopping = v }
        if let n = m["patience"], !n.isNull { t.patience = reader.integer(n, path + ".patience", minimum: 1) }
        if let n = m["clip_gradient_norm"], !n.isNull { t.clipGradientNorm = reader.number(n, path + ".clip_gradient_norm", "a number > 0", { $0 > 0 }) }
        if let n = m["momentum"], let v = reader.number(n, path + ".momentum", "a number in [0, 1)", { $0 >= 0 && $0 < 1 }) {
            t.momentum = v
            if t.optimizer != .sgd { reader.report(n, path + ".momentum", "momentum applies only to optimizer sgd, not \(t.optimizer.rawValue)") }
        }
        if let n = m["seed"], let v = reader.seed(n, path + ".seed") { t.seed = v }
        if let n = m["patience"], t.patience != nil, !t.earlyStopping {
            reader.report(n, path + ".patience", "patience needs early_stopping: true")
        }
    }

    // MARK: Inference

    func decodeInference(_ node: YAMLNode, estimators: [RecipeEstimator], seed: UInt64) -> RecipeInference? {
        let keys = ["modes", "estimators", "grid", "theta_true", "observed", "asimov_events", "expected_events",
                    "luminosity_inverse_femtobarn", "include_rate", "confidence_levels", "fisher_information", "histogram", "toys", "calibration", "refine"]
        guard let m = reader.mapping(node, "inference", keys: keys, required: ["modes"]) else { return nil }
        var modes: [RecipeInferenceMode] = []
        var modeNodes: [RecipeInferenceMode: YAMLNode] = [:]
        if let n = m["modes"], let list = reader.list(n, "inference.modes", nonEmpty: true) {
            for (i, item) in list.enumerated() {
                guard let mode = reader.choice(item, "inference.modes[\(i)]", RecipeInferenceMode.self) else { continue }
                if modeNodes[mode] != nil {
                    reader.report(item, "inference.modes[\(i)]", "mode \(mode.rawValue) is listed twice")
                    continue
                }
                modes.append(mode)
                modeNodes[mode] = item
            }
        }
        let sim = simulatorChoice
        // Estimators used by the modes.
        func modeOf(_ e: RecipeEstimator) -> RecipeInferenceMode { e.method.isRatio ? .ml : (e.method == .sally ? .sally : .sallino) }
        // A sally estimator serves mode sally and, through its reference point, mode ideal_sally.
        func isUsed(_ e: RecipeEstimator) -> Bool { modes.contains(modeOf(e)) || (e.method == .sally && modes.contains(.idealSally)) }
        var selected = estimators.filter(isUsed)
        if let n = m["estimators"], let list = reader.list(n, "inference.estimators") {
            selected = []
            for (i, item) in list.enumerated() {
                guard let name = reader.string(item, "inference.estimators[\(i)]") else { continue }
                if let e = estimators.first(where: { $0.name == name }) {
                    let mode = modeOf(e)
                    if !isUsed(e) {
                        reader.report(item, "inference.estimators[\(i)]", "estimator \"\(name)\" (\(e.method.rawValue)) is used by mode \(mode.rawValue), which is not in modes")
                    }
                    selected.append(e)
                } else {
                    let names = estimators.map(\.name)
                    reader.report(item, "inference.estimators[\(i)]", names.isEmpty ? "unknown estimator \"\(name)\"; the recipe defines no estimators"
                                                                                    : "unknown estimator \"\(name)\"; expected one of \(names.joined(separator: ", "))")
                }
            }
        }
        // Anything that failed to decode before (a sample, a benchmark it uses, an estimator) may
        // have dropped an estimator, so the mode ↔ estimator links are checked only on a clean slate.
        let estimatorsOK = reader.problems.isEmpty
        for (mode, n) in modeNodes where estimatorsOK || mode == .rate {
            let path = "inference.modes[\(modes.firstIndex(of: mode) ?? 0)]"
            switch mode {
            case .ml where !selected.contains { $0.method.isRatio }:
                reader.report(n, path, "mode ml needs an estimator with a ratio or likelihood method (carl … rascal, carl2 … rascal2, nde, scandal)")
            case .sally where !selected.contains { $0.method == .sally }:
                reader.report(n, path, "mode sally needs an estimator with method sally")
            case .idealSally where !selected.contains { $0.method == .sally }:
                reader.report(n, path, "mode ideal_sally needs an estimator with method sally (its sample's point is the reference θ)")
            case .sallino where !selected.contains { $0.method == .sallino }:
                reader.report(n, path, "mode sallino needs an estimator with method sallino")
            case .rate where sim?.hasRate == false:
                reader.report(n, path, "mode rate needs a simulator with an event rate; \(sim!.rawValue) is shape-only")
            default: break
            }
        }
        // The score histograms bin the score's θ components: at most two axes.
        if let count = parameters?.count, count > 2 {
            for mode in [RecipeInferenceMode.sally, .idealSally] {
                guard let n = modeNodes[mode] else { continue }
                reader.report(n, "inference.modes[\(modes.firstIndex(of: mode) ?? 0)]", "mode \(mode.rawValue) histograms the score's components, at most 2; "
                              + "the recipe has \(count) parameters (use ml, histogram, sallino or truth, which take any number)")
            }
        }
        let grid = decodeGrid(m["grid"], node: node)
        // Data.
        var data: RecipeData?
        if let t = m["theta_true"], let o = m["observed"] {
            reader.report(o, "inference.observed", "give either theta_true (expected data) or observed (a file), not both")
            _ = t
        } else if let o = m["observed"] {
            if let path = reader.string(o, "inference.observed") {
                let resolved = path.hasPrefix("/") ? path : (folder.isEmpty ? path : folder + "/" + path)
                var isDirectory: ObjCBool = false
                if !FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory) {
                    reader.report(o, "inference.observed", "file \"\(path)\" does not exist (paths are relative to the recipe's folder)")
                } else if isDirectory.boolValue {
                    reader.report(o, "inference.observed", "\"\(path)\" is a folder; expected an .npy file of observed events")
                } else if !path.hasSuffix(".npy") {
                    reader.report(o, "inference.observed", "\"\(path)\" is not an .npy file; expected observed events as [nEvents, nObservables] .npy")
                } else {
                    data = .observed(RecipeFile(path: path, resolvedPath: resolved))
                }
            }
        } else if let t = m["theta_true"] {
            if case .scalar(let name, _) = t.value, !t.isNull, RecipeFieldReader.parseNumber(t) == nil {
                if let b = benchmarks.first(where: { $0.name == name }) { data = .asimov(thetaTrue: b.theta) }
                else if !declaredBenchmarkNames.contains(name) { reader.report(t, "inference.theta_true", "unknown benchmark \"\(name)\"; expected a list of numbers or one of the benchmarks\(benchmarks.isEmpty ? " (none defined)" : " " + benchmarks.map(\.name).joined(separator: ", "))") }
            } else if let p = point(t, "inference.theta_true") {
                data = .asimov(thetaTrue: p)
            }
        } else if let params = parameters {
            if let outside = params.first(where: { !$0.range.contains(0) }) {
                reader.report(node, "inference", "theta_true is not given and its default 0 is outside the range of \(outside.name); give theta_true")
            } else {
                data = .asimov(thetaTrue: Array(repeating: 0, count: params.count))
            }
        }
        let asimovEvents = m["asimov_events"].flatMap { reader.integer($0, "inference.asimov_events", minimum: 1, maximum: 1_000_000_000) } ?? 100_000
        var luminosity: Double?
        if let n = m["luminosity_inverse_femtobarn"] {
            luminosity = reader.number(n, "inference.luminosity_inverse_femtobarn", "a number > 0", { $0 > 0 })
            if let sim, !sim.hasRate { reader.report(n, "inference.luminosity_inverse_femtobarn", "the \(sim.rawValue) simulator has no event rate; luminosity does not apply") }
        }
        var includeRate = sim?.hasRate ?? false
        if let n = m["include_rate"], let v = reader.bool(n, "inference.include_rate") {
            includeRate = v
            if v, let sim, !sim.hasRate { reader.report(n, "inference.include_rate", "the \(sim.rawValue) simulator has no event rate") }
            if !v, sim?.hasRate != false, let rateNode = modeNodes[.rate] {
                reader.report(rateNode, "inference.modes[\(modes.firstIndex(of: .rate) ?? 0)]", "mode rate is the rate term alone; it needs include_rate: true")
            }
        }
        var expectedEvents: Double?
        if let n = m["expected_events"] {
            expectedEvents = reader.number(n, "inference.expected_events", "a number > 0", { $0 > 0 && $0 <= 1e12 })
            if includeRate {
                reader.report(n, "inference.expected_events", "the rate term sets the expected events (σ(θ_true)·luminosity); drop expected_events or set include_rate: false")
            }
            if m["observed"] != nil {
                reader.report(n, "inference.expected_events", "expected_events applies to Asimov data; observed data have their own count")
            }
        }
        var levels = [0.68, 0.95]
        if let n = m["confidence_levels"], let list = reader.list(n, "inference.confidence_levels", nonEmpty: true) {
            var values: [Double] = []
            for (i, item) in list.enumerated() {
                guard let cl = reader.number(item, "inference.confidence_levels[\(i)]", "a number in (0, 1)", { $0 > 0 && $0 < 1 }) else { continue }
                if let last = values.last, cl <= last {
                    reader.report(item, "inference.confidence_levels[\(i)]", "confidence levels must increase; \(item.scalarText ?? "") follows \(Self.format(last))")
                }
                values.append(cl)
            }
            if values.count == list.count { levels = values }
        }
        let fisher = m["fisher_information"].flatMap { reader.bool($0, "inference.fisher_information") } ?? true
        var histogram: RecipeHistogram?
        if let n = m["histogram"] {
            if !modes.contains(.histogram) {
                let at = reader.keyPosition(node, "histogram")
                reader.report(line: at.line, column: at.column, "inference.histogram", "histogram settings apply only with mode histogram")
            }
            histogram = decodeHistogram(n)
        } else if modes.contains(.histogram) {
            histogram = RecipeHistogram(observables: observableNames, bins: 20)
        }
        var toys: RecipeToys?
        if let n = m["toys"] {
            toys = decodeToys(n, recipeSeed: seed, grid: grid)
            if m["observed"] != nil {
                reader.report(n, "inference.toys", "toys are drawn at theta_true; with observed data there is none (give theta_true instead of observed)")
            }
        }
        var calibration: RecipeCalibration?
        if let n = m["calibration"] {
            calibration = decodeCalibration(n)
            if !modes.contains(.ml) {
                reader.report(n, "inference.calibration", "calibration checks the ratio estimators of mode ml; add ml to modes or drop calibration")
            }
        }
        var refine: Int?
        if let n = m["refine"], let k = reader.integer(n, "inference.refine", minimum: 1, maximum: 16) {
            if let grid, k > 1, let small = grid.points.first(where: { $0 < 4 }) {
                reader.report(n, "inference.refine", "refining needs at least 4 grid points per axis (bicubic), the grid has \(small)")
            } else {
                refine = k
            }
        }
        guard let grid, let data else { return nil }
        return RecipeInference(modes: modes, estimators: selected.map(\.name), grid: grid, data: data, asimovEvents: asimovEvents,
                               luminosityInverseFemtobarn: luminosity, expectedEvents: expectedEvents, includeRate: includeRate, confidenceLevels: levels,
                               fisherInformation: fisher, histogram: histogram, toys: toys, calibration: calibration, refine: refine)
    }

    /// `inference.calibration: {events, points, bins, closure_tolerance}` (all optional; `{}` for the defaults).
    func decodeCalibration(_ node: YAMLNode) -> RecipeCalibration? {
        guard let m = reader.mapping(node, "inference.calibration", keys: ["events", "points", "bins", "closure_tolerance"], required: []) else { return nil }
        var c = RecipeCalibration(events: 5000, points: 10, bins: 10, closureTolerance: 0.05)
        var ok = true
        if let n = m["events"] { if let v = reader.integer(n, "inference.calibration.events", minimum: 2, maximum: 1_000_000) { c.events = v } else { ok = false } }
        if let n = m["points"] { if let v = reader.integer(n, "inference.calibration.points", minimum: 1, maximum: 1000) { c.points = v } else { ok = false } }
        if let n = m["bins"] { if let v = reader.integer(n, "inference.calibration.bins", minimum: 1, maximum: 1000) { c.bins = v } else { ok = false } }
        if let n = m["closure_tolerance"] {
            if let v = reader.number(n, "inference.calibration.closure_tolerance", "a number in [0, 1]", { (0...1).contains($0) }) {
                c.closureTolerance = v
            } else { ok = false }
        }
        guard ok else { return nil }
        if 2 * c.events * c.points > RatioCalibration.maximumEvents {
            reader.report(node, "inference.calibration", "2 × \(c.events) events × \(c.points) points is more than \(RatioCalibration.maximumEvents); use fewer events or points")
            return nil
        }
        return c
    }

    /// `inference.toys: {count, seed, neyman_points}`.
    func decodeToys(_ node: YAMLNode, recipeSeed: UInt64, grid: RecipeGrid?) -> RecipeToys? {
        guard let m = reader.mapping(node, "inference.toys", keys: ["count", "seed", "neyman_points"], required: ["count"]) else { return nil }
        let count = m["count"].flatMap { reader.integer($0, "inference.toys.count", minimum: 1, maximum: 1_000_000) }
        var seed = recipeSeed
        if let n = m["seed"] {
            guard let s = reader.seed(n, "inference.toys.seed") else { return nil }
            seed = s
        }
        guard let count else { return nil }
        var toys = RecipeToys(count: count, seed: seed)
        if let n = m["neyman_points"], let grid {
            guard grid.points.count <= 2 else {
                reader.report(n, "inference.toys.neyman_points", "the Neyman construction draws regions of 1 or 2 parameters; the grid has \(grid.points.count) "
                              + "(toys without neyman_points check the coverage of the whole region)")
                return nil
            }
            guard let points = decodeNeymanPoints(n, grid: grid) else { return nil }
            let total = points.reduce(1, *)
            guard total * count <= RecipeToys.maximumNeymanToys else {
                reader.report(n, "inference.toys.neyman_points", "\(total) points × \(count) toys is more than \(RecipeToys.maximumNeymanToys) toys; use fewer points or toys")
                return nil
            }
            toys.neymanPoints = points
        }
        return toys
    }

    /// `neyman_points`: an integer for every axis or one per parameter, each n ≥ 2 with (grid points − 1)
    /// a multiple of n − 1, so that the points are grid points.
    func decodeNeymanPoints(_ node: YAMLNode, grid: RecipeGrid) -> [Int]? {
        let path = "inference.toys.neyman_points"
        var values: [Int] = []
        if node.elements != nil {
            guard let list = reader.list(node, path) else { return nil }
            guard list.count == grid.points.count else {
                reader.report(node, path, "expected \(grid.points.count) point counts (one per parameter), got \(list.count)")
                return nil
            }
            for (i, item) in list.enumerated() {
                guard let v = reader.integer(item, path + "[\(i)]", minimum: 2, maximum: 10_001) else { return nil }
                values.append(v)
            }
        } else {
            guard let v = reader.integer(node, path, minimum: 2, maximum: 10_001) else { return nil }
            values = Array(repeating: v, count: grid.points.count)
        }
        for (i, (n, m)) in zip(values, grid.points).enumerated() where (m - 1) % (n - 1) != 0 {
            let valid = (2...m).filter { (m - 1) % ($0 - 1) == 0 }.map(String.init).joined(separator: ", ")
            reader.report(node, path, "\(n) points on axis \(i + 1) do not fall on its \(m) grid points; expected one of \(valid)")
            return nil
        }
        return values
    }

    func decodeHistogram(_ node: YAMLNode) -> RecipeHistogram? {
        guard let m = reader.mapping(node, "inference.histogram", keys: ["observables", "bins"]) else { return nil }
        var observables = observableNames
        if let n = m["observables"], let list = reader.list(n, "inference.histogram.observables", nonEmpty: true) {
            observables = []
            for (i, item) in list.enumerated() {
                guard let name = reader.string(item, "inference.histogram.observables[\(i)]") else { continue }
                if !observableNames.isEmpty && !observableNames.contains(name) {
                    reader.report(item, "inference.histogram.observables[\(i)]", "unknown observable \"\(name)\"; expected one of \(observableNames.joined(separator: ", "))")
                }
                observables.append(name)
            }
        }
        let bins = m["bins"].flatMap { reader.integer($0, "inference.histogram.bins", minimum: 1, maximum: 10_000) } ?? 20
        return RecipeHistogram(observables: observables, bins: bins)
    }

    func decodeGrid(_ gridNode: YAMLNode?, node: YAMLNode) -> RecipeGrid? {
        guard let params = parameters else { return nil }
        var points = Array(repeating: params.count == 1 ? 41 : 21, count: params.count)
        var ranges = params.map(\.range)
        guard let gridNode, let m = reader.mapping(gridNode, "inference.grid", keys: ["points", "ranges"]) else {
            return gridNode == nil ? RecipeGrid(points: points, ranges: ranges) : nil
        }
        var ok = true
        if let n = m["points"] {
            if n.elements != nil {
                guard let list = reader.list(n, "inference.grid.points") else { return nil }
                if list.count != params.count {
                    reader.report(n, "inference.grid.points", "expected \(params.count) point counts (\(params.map(\.name).joined(separator: ", "))), got \(list.count)")
                    ok = false
                } else {
                    for (i, item) in list.enumerated() {
                        if let v = reader.integer(item, "inference.grid.points[\(i)]", minimum: 2, maximum: 10_001) { points[i] = v } else { ok = false }
                    }
                }
            } else if let v = reader.integer(n, "inference.grid.points", minimum: 2, maximum: 10_001) {
                points = Array(repeating: v, count: params.count)
            } else { ok = false }
            let total = points.reduce(1.0) { $0 * Double($1) }
            if ok && total > 1e7 {
                reader.report(n, "inference.grid.points", "the grid has \(Int(total)) points; at most 10000000 are allowed")
                ok = false
            }
        }
        if let n = m["ranges"], let r = reader.mapping(n, "inference.grid.ranges", keys: params.map(\.name)) {
            for (i, p) in params.enumerated() {
                guard let rn = r[p.name] else { continue }
                let path = "inference.grid.ranges." + p.name
                guard let range = reader.range(rn, path) else { ok = false; continue }
                if !(p.range.contains(range.lowerBound) && p.range.contains(range.upperBound)) {
                    reader.report(rn, path, "[\(Self.format(range.lowerBound)), \(Self.format(range.upperBound))] leaves the range [\(Self.format(p.range.lowerBound)), \(Self.format(p.range.upperBound))] of \(p.name)")
                    ok = false
                }
                ranges[i] = range
            }
        } else if m["ranges"] != nil { ok = false }
        return ok ? RecipeGrid(points: points, ranges: ranges) : nil
    }

    // MARK: Outputs

    func decodeOutputs(_ node: YAMLNode?, name: String) -> RecipeOutputs? {
        var result = RecipeOutputs(folder: "sbi-output/" + name, files: RecipeOutputFile.allCases)
        guard let node else { return result }
        guard let m = reader.mapping(node, "outputs", keys: ["folder", "files", "cmenergies"]) else { return nil }
        if let n = m["cmenergies"] {
            result.cmEnergies = reader.number(n, "outputs.cmenergies", "a centre-of-mass energy in GeV, > 0") { $0.isFinite && $0 > 0 }
        }
        if let n = m["folder"], let f = reader.string(n, "outputs.folder") {
            if f == "~" || f.hasPrefix("~/") {
                reader.report(n, "outputs.folder", "\(f): sbi does not expand ~; write the full path or one relative to the recipe's folder")
            } else if URL(fileURLWithPath: f).standardizedFileURL.path == "/" {
                reader.report(n, "outputs.folder", "/ is not an output folder; choose a folder of its own")
            } else {
                result.folder = f
            }
        }
        if let n = m["files"], let list = reader.list(n, "outputs.files", nonEmpty: true) {
            var files: [RecipeOutputFile] = []
            for (i, item) in list.enumerated() {
                guard let f = reader.choice(item, "outputs.files[\(i)]", RecipeOutputFile.self) else { continue }
                if files.contains(f) { reader.report(item, "outputs.files[\(i)]", "\(f.rawValue) is listed twice"); continue }
                files.append(f)
            }
            result.files = files
        }
        return result
    }
}

extension RecipeDecoder {
    /// `nuisance:` — a list of `{name, kind, uncertainty}`. A `norm` uncertainty scales the expected
    /// event count, so it needs the rate term (a simulator or events with a cross section and
    /// `include_rate` on). A `simulator` entry names one of the simulator's own nuisance parameters
    /// and takes no uncertainty (its constraint is N(0, 1) in the simulator's units).
    func decodeNuisance(_ node: YAMLNode, inference: RecipeInference?, isEvents: Bool, events: RecipeEvents? = nil) -> [RecipeNuisance]? {
        guard let list = reader.list(node, "nuisance", nonEmpty: true) else { return nil }
        var out: [RecipeNuisance] = []
        let thetaNames = Set((parameters ?? []).map(\.name))
        let largest = ProfiledNormalization.maximumRelativeUncertainty
        for (i, item) in list.enumerated() {
            let path = "nuisance[\(i)]"
            guard let m = reader.mapping(item, path, keys: ["name", "kind", "uncertainty", "up", "down", "group"], required: ["name", "kind"]),
                  let nameNode = m["name"], let name = reader.name(nameNode, path + ".name"),
                  let kind = m["kind"].flatMap({ reader.choice($0, path + ".kind", RecipeNuisanceKind.self) })
            else { continue }
            var uncertainty: Double?
            var variation: (up: String?, down: String?, group: String?) = (nil, nil, nil)
            if kind != .weights {
                if let key = ["up", "down", "group"].first(where: { m[$0] != nil }), let node = m[key] {
                    reader.report(node, path + "." + key, "\(key) belongs to kind weights")
                    continue
                }
            }
            switch kind {
            case .norm:
                guard let node = m["uncertainty"] else {
                    reader.report(item, path, "a norm nuisance needs uncertainty: a relative uncertainty in (0, \(String(format: "%g", largest))]")
                    continue
                }
                guard let u = reader.number(node, path + ".uncertainty", "a relative uncertainty in (0, \(String(format: "%g", largest))]",
                                            { $0 > 0 && $0 <= largest }) else { continue }
                uncertainty = u
            case .weights:
                guard let v = decodeWeightVariation(m, item: item, path: path, inference: inference, isEvents: isEvents, events: events) else { continue }
                variation = v
            case .simulator:
                if let node = m["uncertainty"] {
                    reader.report(node, path + ".uncertainty", "a simulator nuisance parameter is constrained by N(0, 1) in the simulator's own units; remove uncertainty")
                    continue
                }
                guard simulatorNuisanceNames.contains(name) else {
                    let known = simulatorNuisanceNames.isEmpty ? "it has none (gaussian has nu with options: {calibration_offset: s}, wbf-higgs has jes with options: {jet_energy_scale: s})"
                                                               : "it has \(simulatorNuisanceNames.joined(separator: ", "))"
                    reader.report(nameNode, path + ".name", "\"\(name)\" is not a nuisance parameter of the simulator; \(known)")
                    continue
                }
            }
            if thetaNames.contains(name) || out.contains(where: { $0.name == name }) {
                reader.report(nameNode, path + ".name", "\"\(name)\" is already the name of a parameter or nuisance parameter")
                continue
            }
            if kind == .norm, let inference, !inference.includeRate || (!isEvents && simulatorChoice?.hasRate != true) {
                reader.report(item, path, "a norm uncertainty scales the expected events; it needs the rate term (a simulator with a cross section and include_rate: true)")
                continue
            }
            out.append(RecipeNuisance(name: name, kind: kind, uncertainty: uncertainty, up: variation.up, down: variation.down, group: variation.group))
        }
        // The histogram mode profiles weight variations with a simplex search per grid point: a bounded number.
        let profiled = FitPipeline.maximumProfiledWeightNuisances
        if weightNuisanceCount > profiled, let inference, inference.modes.contains(.histogram) || samplesDrawNuisance {
            reader.report(node, "nuisance", "the weights entries give \(weightNuisanceCount) nuisance parameters; mode histogram and samples "
                          + "that draw them (samples[i].nuisance) take at most \(profiled) (fisher.json takes any number): "
                          + "drop those or select fewer variations")
            return nil
        }
        return out.count == list.count ? out : nil
    }
}

extension RecipeDecoder {
    /// A `weights` nuisance entry: `up` (with optional `down`) or `group`, on LHE events, with the
    /// Fisher information and a luminosity to compute it. The ids and the group are checked against
    /// the first signal file's `<initrwgt>` when it can be read (reading its events is left to the fit).
    func decodeWeightVariation(_ m: [String: YAMLNode], item: YAMLNode, path: String, inference: RecipeInference?,
                               isEvents: Bool, events: RecipeEvents?) -> (up: String?, down: String?, group: String?)? {
        if let node = m["uncertainty"] {
            reader.report(node, path + ".uncertainty", "a weights nuisance parameter is defined by its ±1σ weights; remove uncertainty")
            return nil
        }
        guard isEvents, let events, events.isFolder == false else {
            reader.report(item, path, "kind weights needs LHE files as simulator.events (their weight ids) or simulator.madminer (its nuisance parameters)")
            return nil
        }
        let up = m["up"].flatMap { reader.string($0, path + ".up") }
        let down = m["down"].flatMap { reader.string($0, path + ".down") }
        let group = m["group"].flatMap { reader.string($0, path + ".group") }
        if events.isMadMiner == true {
            guard up == nil, down == nil else {
                reader.report(item, path, "a MadMiner file's variations are its nuisance parameters: give the file's nuisance parameter as name, "
                              + "or a systematic's name as group; up and down are LHE weight ids")
                return nil
            }
            let name = m["name"].flatMap { reader.string($0, path + ".name") } ?? ""
            do {
                weightNuisanceCount += try MadMinerFile.NuisanceParameter.select([(name, group)], from: madMinerNuisance,
                                                                                file: events.files.first?.path ?? "").count
            } catch let e as SBIError {
                reader.report(m[group == nil ? "name" : "group"] ?? item, path + (group == nil ? ".name" : ".group"), e.message)
                return nil
            } catch { return nil }
        } else {
            guard (up != nil) != (group != nil), group == nil || down == nil else {
                reader.report(item, path, "give either up (a weight id, with down for a two-sided variation) or group (a weight group's name)")
                return nil
            }
        }
        if let inference {
            var asimov = false
            if case .asimov = inference.data { asimov = true }
            guard inference.fisherInformation, inference.luminosityInversePicobarn != nil, asimov else {
                reader.report(item, path, "weight variations enter the Fisher information at θ_true; set inference.fisher_information: true, "
                              + "luminosity_inverse_femtobarn and theta_true (Asimov data)")
                return nil
            }
        }
        if events.isMadMiner != true, let file = events.files.first, let header = try? LHEReader(path: file.resolvedPath).header, !header.weights.isEmpty {
            if let group {
                do { weightNuisanceCount += try LHEWeightVariation.group(group, of: header, prefix: "", field: path + ".group").count } catch let e as SBIError {
                    reader.report(m["group"] ?? item, path + ".group", e.message + " (in \(file.path))")
                    return nil
                } catch { return nil }
            }
            if up != nil { weightNuisanceCount += 1 }
            let declared = Set(header.weights.map(\.id))
            for (key, id) in [("up", up), ("down", down)] {
                if let id, !declared.contains(id) {
                    reader.report(m[key] ?? item, path + "." + key, "weight id '\(id)' is not declared in the <initrwgt> of \(file.path)")
                    return nil
                }
            }
        }
        return (up, down, group)
    }
}
