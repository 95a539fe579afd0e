import Foundation
import SBICore
import SBIEstimators
import SBIInference
import SBIReport
import SBISimulation

/// The limits stage of `FitPipeline`, in shards: blocks of grid rows, each scanning every likelihood
/// (a mode, or a mode and one of its estimators: `LimitsUnit`) at its points; the merge joins the
/// blocks and turns each likelihood's log L into q, p-values, contours and the Fisher information.
///
/// ```
/// shard b:  log L_u(θ_j) for every likelihood u, j in block b   → scans.npy [likelihoods, block points], scans.json (names, modes)
/// merge:    q = −2 (log L − max log L), p = χ²_k tail           → contours.json, pvalues.npy, loglikelihood.npy, q.npy, grid.npy (fisher.json)
/// ```
/// A point's log L does not depend on its block: every shard makes the same Asimov data from the
/// recipe's seed, ratios are taken against the whole grid's first point, and the profile's ν̂ search
/// restarts at each grid row (`ProfileLikelihood`), so any number of blocks gives the same bytes. arXiv:1805.00013, 1805.00020 (the methods and the likelihood scan).
extension FitPipeline {
    /// What every limits shard and the merge share: the model, the grid, the data and the rate.
    final class LimitsSetup {
        let sim: any Simulator
        let grid: ParameterGrid
        /// The simulator's nuisance parameters ν (data made at ν = 0) and their nominal values.
        let nuisance: [String]
        let nominal: [Double]
        let rate: EventRate?
        let data: ScanData
        let thetaTrue: [Double]?
        let asimovEvents: Double
        /// The nominal model (ν = 0) and its data, for the θ-only scans.
        let nominalSim: any Simulator
        let nominalData: ScanData
        /// "_fixed_nuisance" when there are simulator nuisance parameters, else "".
        let fixedSuffix: String
        /// Weight variations of real events the estimators learned beside θ.
        let learnedWeights: [String]
        /// LHE or MadMiner weight variations, read at most once.
        var weightNuisanceCache: WeightNuisanceEvents??

        init(sim: any Simulator, grid: ParameterGrid, nuisance: [String], rate: EventRate?, data: ScanData, thetaTrue: [Double]?,
             asimovEvents: Double, nominalSim: any Simulator, learnedWeights: [String]) {
            self.sim = sim
            self.grid = grid
            self.nuisance = nuisance
            self.nominal = [Double](repeating: 0, count: nuisance.count)
            self.rate = rate
            self.data = data
            self.thetaTrue = thetaTrue
            self.asimovEvents = asimovEvents
            self.nominalSim = nominalSim
            self.nominalData = data.restrictingControlVariate(toLeading: grid.parameterCount)
            self.fixedSuffix = nuisance.isEmpty ? "" : FitPipeline.fixedNuisanceSuffix
            self.learnedWeights = learnedWeights
        }

        /// ν = 0 for a ratio estimator of (θ, ν); the estimator itself without nuisance parameters.
        func nominalRatio(_ e: any LogRatioEstimator) throws -> any LogRatioEstimator {
            nuisance.isEmpty ? e : try FixedNuisanceRatio(e, nuisance: nominal)
        }
    }

    /// Infix and mode of an ensemble member's own scan (`alices_member2`), merged into the ensemble's entry.
    static let memberInfix = "_member"
    static let memberMode = "ml_member"

    /// One limits shard: a mode, with the estimator it scans for ml, sally and ideal_sally.
    struct LimitsUnit {
        let mode: RecipeInferenceMode
        let estimator: RecipeEstimator?
        var label: String { mode.rawValue + (estimator.map { " " + $0.name } ?? "") }
    }

    /// The limits shards in result order: the modes in recipe order, a mode's estimators in recipe order.
    func limitsUnits() -> [LimitsUnit] {
        let selected = Set(recipe.inference.estimators)
        return recipe.inference.modes.flatMap { mode -> [LimitsUnit] in
            switch mode {
            case .ml:
                return recipe.estimators.filter { $0.method.isRatio && selected.contains($0.name) }.map { LimitsUnit(mode: mode, estimator: $0) }
            case .sally, .idealSally:
                return recipe.estimators.filter { $0.method == .sally && selected.contains($0.name) }.map { LimitsUnit(mode: mode, estimator: $0) }
            case .sallino:
                return recipe.estimators.filter { $0.method == .sallino && selected.contains($0.name) }.map { LimitsUnit(mode: mode, estimator: $0) }
            default:
                return [LimitsUnit(mode: mode, estimator: nil)]
            }
        }
    }

    /// The model, grid, Asimov (or observed) data and rate of the limits stage.
    func limitsSetup() throws -> LimitsSetup {
        let sim = try simulator()
        let inference = recipe.inference
        let grid = try inference.parameterGrid(names: recipe.parameterNames)
        // Simulator nuisance parameters ν: the data are made at ν = 0, and truth and ml are profiled over ν.
        let nuisance = recipe.simulatorNuisanceNames
        let nominal = [Double](repeating: 0, count: nuisance.count)
        var rate: EventRate?
        if inference.includeRate, let weighted = sim as? any CrossSectionSimulator {
            var lumi = inference.luminosityInversePicobarn
            if lumi == nil, recipe.simulator.name == .wbfHiggs { lumi = WBFHiggsSimulator.defaultLuminosityInversePicobarn }
            // θ-only scans ask for σ(θ) at ν = 0, profiled ones for σ(θ, ν).
            let full = sim.parameterSpace.count
            if let lumi { rate = EventRate(luminosityInversePicobarn: lumi) { try weighted.crossSection(at: $0.count < full ? $0 + nominal : $0) } }
        }
        let norms = (recipe.nuisance ?? []).filter { $0.kind == .norm }.compactMap(\.uncertainty)
        if !norms.isEmpty { rate?.normalizationLogWidth = ProfiledNormalization.combinedLogWidth(relativeUncertainties: norms) }
        let data: ScanData
        var thetaTrue: [Double]?
        var asimovEvents = 0.0
        switch inference.data {
        case .asimov(let theta):
            thetaTrue = theta
            let n = try rate?.expectedEvents(at: theta) ?? inference.expectedEvents ?? Double(inference.asimovEvents)
            asimovEvents = n
            data = try ScanData.asimov(simulator: sim, thetaTrue: theta + nominal, sampleEvents: inference.asimovEvents, expectedEvents: n,
                                       random: SeededRandom(seed: recipe.seed).substream(1))
        case .observed(let file):
            data = try ScanData.observed(try readObserved(file.resolvedPath, observables: sim.observableNames.count))
        }
        // Every mode's θ-only likelihood runs on the nominal model (ν = 0; without simulator nuisance parameters, the model
        // itself) and is named `<name>_fixed_nuisance` when there are nuisance parameters, which each mode also profiles.
        let nominalSim: any Simulator = try (sim as? any NuisanceSimulator).flatMap { nuisance.isEmpty ? nil : try FixedNuisanceSimulator($0, nuisance: nominal) } ?? sim
        return LimitsSetup(sim: sim, grid: grid, nuisance: nuisance, rate: rate, data: data, thetaTrue: thetaTrue, asimovEvents: asimovEvents,
                           nominalSim: nominalSim, learnedWeights: nuisance.isEmpty ? try learnedNuisanceNames() : [])
    }

    /// The LHE or MadMiner weight variations of `setup`'s events, read once.
    func weightNuisance(_ setup: LimitsSetup) throws -> WeightNuisanceEvents? {
        if let cached = setup.weightNuisanceCache { return cached }
        let read = try weightNuisanceEvents(setup.sim)
        setup.weightNuisanceCache = .some(read)
        return read
    }

    /// One scanned likelihood's log L at the points of a block of the grid.
    typealias BlockScan = (name: String, mode: String, logLikelihood: [Double])

    /// The log L of one limits unit at the points of `block` (rows of `s.grid`; nil: no scan) and the
    /// Fisher information sources the unit contributes (cheap: estimators are loaded, nothing is scanned).
    /// `progress` receives the fraction done of the unit's main scan (truth, or a ratio estimator's event sums).
    func runLimitsUnit(_ unit: LimitsUnit, _ s: LimitsSetup, block: ParameterGrid?,
                       progress: ((Double) -> Void)? = nil) throws -> (scans: [BlockScan], fisher: [FitFisherSource]) {
        let (sim, grid, data, rate, nuisance, nominal) = (s.sim, s.grid, s.data, s.rate, s.nuisance, s.nominal)
        let (thetaTrue, fixedSuffix, nominalData, nominalSim) = (s.thetaTrue, s.fixedSuffix, s.nominalData, s.nominalSim)
        let chain = ProfileLikelihood.chainLength(of: grid)
        var scans: [BlockScan] = []
        var fisherSources: [FitFisherSource] = []
        /// The ratio estimator's log L at the block's points profiled over `names` (ranges `ranges`).
        func profiled(_ estimator: any LogRatioEstimator, _ names: [String], _ ranges: [ClosedRange<Double>], rate: EventRate?,
                      block: ParameterGrid) throws -> [Double] {
            try ProfileLikelihood.profiledLogLikelihood(grid: block, nuisance: names, nuisanceRanges: ranges, chainLength: chain,
                                                        logLikelihood: ProfileLikelihood.ratioLogLikelihood(estimator: estimator, data: data,
                                                                                                            names: grid.names + names, rate: rate)).logLikelihood
        }
        switch unit.mode {
        case .truth:
            guard let exact = sim as? any ExactLikelihoodSimulator else {
                throw SBIError.data("simulator \(sim.name) has no exact likelihood", field: "inference.modes")
            }
            guard let block else { break }
            // Every block's ratios are against the whole grid's first point, so their log L share one constant.
            if !nuisance.isEmpty {
                try grid.validate(against: sim.parameterSpace.leading(grid.parameterCount))
                let estimator = try ExactLogRatio(simulator: exact, reference: grid.point(0) + nominal)
                let ranges = Array(sim.parameterSpace.ranges.suffix(nuisance.count))
                scans.append(("truth", "truth", try profiled(estimator, nuisance, ranges, rate: rate, block: block)))
            }
            try grid.validate(against: nominalSim.parameterSpace)
            let fixed = try s.nominalRatio(try ExactLogRatio(simulator: exact, reference: grid.point(0) + nominal))
            scans.append(("truth" + fixedSuffix, "truth", try LikelihoodScan.mlLogLikelihood(estimator: fixed, data: nominalData, grid: block, rate: rate,
                                                                                              progress: progress)))
        case .rate:
            guard let rate else { throw SBIError.data("mode rate needs a simulator with a cross section", field: "inference.modes") }
            fisherSources.append(.rate)
            guard let block else { break }
            guard data.eventCount.isFinite, data.eventCount >= 0 else {
                throw SBIError.data("observed events \(data.eventCount); expected a finite number ≥ 0", field: "n")
            }
            var logL = [Double](repeating: 0, count: block.count)
            try LikelihoodScan.addRateTerm(&logL, rate: rate, observed: data.eventCount, grid: block)
            scans.append(("rate", "rate", logL))
        case .ml:
            guard let e = unit.estimator else { break }
            let estimator = try trainedRatioEstimator(e)
            if !s.learnedWeights.isEmpty, let weighted = try weightNuisance(s) {
                // Weight variations learned beside θ: profiled over their ν with the events' σ(θ, ν), next to ν = 0.
                let learned = s.learnedWeights
                let fixed = try FixedNuisanceRatio(estimator, nuisance: learned.map { _ in 0 })
                fisherSources.append(.ratio(name: e.name, estimator: fixed))
                guard let block else { break }
                let profiledRate = try weightNuisanceExpectation(weighted, rate: rate).rate
                scans.append((e.name, "ml", try profiled(estimator, learned, learned.map { _ in Self.weightNuisanceRange }, rate: profiledRate, block: block)))
                scans.append((e.name + Self.fixedNuisanceSuffix, "ml", try LikelihoodScan.mlLogLikelihood(estimator: fixed, data: nominalData, grid: block, rate: rate)))
                break
            }
            fisherSources.append(.ratio(name: e.name, estimator: estimator))
            guard let block else { break }
            if !nuisance.isEmpty {
                guard estimator.parameterCount == grid.parameterCount + nuisance.count, estimator.observableCount == data.x.columns else {
                    throw SBIError.data("the model takes \(estimator.observableCount) observables and \(estimator.parameterCount) parameters; "
                                        + "expected \(data.x.columns) and \(grid.parameterCount + nuisance.count) (θ and the nuisance parameters)", field: "model")
                }
                scans.append((e.name, "ml", try profiled(estimator, nuisance, Array(sim.parameterSpace.ranges.suffix(nuisance.count)), rate: rate, block: block)))
            }
            scans.append((e.name + fixedSuffix, "ml",
                          try LikelihoodScan.mlLogLikelihood(estimator: try s.nominalRatio(estimator), data: nominalData, grid: block, rate: rate,
                                                             progress: progress)))
            // An ensemble's members, each scanned alone: the band of its regions (merged into the ensemble's entry).
            for (k, member) in ((estimator as? RatioEnsemble)?.members ?? []).enumerated() {
                scans.append((e.name + fixedSuffix + Self.memberInfix + "\(k + 1)", Self.memberMode,
                              try LikelihoodScan.mlLogLikelihood(estimator: try s.nominalRatio(member), data: nominalData, grid: block, rate: rate)))
            }
        case .histogram:
            let (histogram, features) = try observableHistogram(sim, data: data)
            fisherSources.append(.histogram(name: "histogram", histogram: histogram, features: features))
            guard let block else { break }
            var histogramSuffix = fixedSuffix
            if !nuisance.isEmpty {
                let reference = thetaTrue.map { $0 + nominal }
                let likelihood = HistogramLikelihood(histogram: histogram, features: features,
                                                     expectation: try expectation(sim, grid: grid, thetaTrue: reference, nuisance: nominal))
                scans.append(("histogram", "histogram", try profiledHistogramLogLikelihood(likelihood, sim: sim, data: data, grid: grid, block: block,
                                                                                          rate: rate, asimovTheta: reference)))
            } else if let weighted = try weightNuisance(s) {
                // Real events with weight variations: the histogram likelihood profiled over their ν.
                let morphed = try weightNuisanceExpectation(weighted, rate: rate)
                let likelihood = HistogramLikelihood(histogram: histogram, features: features, expectation: morphed.expectation)
                let names = morphed.nuisance.names
                let logLikelihood = try likelihood.evaluator(data: data, rate: morphed.rate, asimovTheta: thetaTrue)
                let values = try ProfileLikelihood.profiledLogLikelihood(grid: block, nuisance: names, nuisanceRanges: names.map { _ in Self.weightNuisanceRange },
                                                                         chainLength: chain) {
                    try logLikelihood(try ParameterGrid(names: recipe.parameterNames + names, points: $0))
                }
                scans.append(("histogram", "histogram", values.logLikelihood))
                histogramSuffix = Self.fixedNuisanceSuffix
            }
            let fixed = HistogramLikelihood(histogram: histogram, features: features,
                                            expectation: try expectation(nominalSim, grid: grid, thetaTrue: thetaTrue))
            scans.append(("histogram" + histogramSuffix, "histogram",
                          try fixed.evaluator(data: nominalData, rate: rate, asimovTheta: thetaTrue)(block)))
        case .sally:
            guard let e = unit.estimator else { break }
            let score = try trainedScoreEstimator(e)
            // SALLY's information E[t̂ t̂ᵀ] holds at its reference point only (arXiv:1805.00020 §4.2).
            let reference = recipe.samples.first { $0.name == e.sample }?.theta0.singlePoint
            if let reference, let thetaTrue, Self.samePoint(reference, thetaTrue), score.parameterCount == recipe.modelParameterNames.count {
                fisherSources.append(.score(name: e.name, estimator: score))
            }
            guard let block else { break }
            if !nuisance.isEmpty {
                scans.append((e.name, "sally", try scoreHistogramLogLikelihood(score, sim: sim, data: data, grid: grid, block: block, rate: rate,
                                                                              thetaTrue: thetaTrue, nuisance: nominal)))
            }
            scans.append((e.name + fixedSuffix, "sally",
                          try scoreHistogramLogLikelihood(score, sim: nominalSim, data: nominalData, grid: grid, block: block, rate: rate, thetaTrue: thetaTrue)))
        case .idealSally:
            guard let exact = sim as? any ExactLikelihoodSimulator else {
                throw SBIError.data("mode ideal_sally needs a simulator with an exact likelihood; \(sim.name) has none", field: "inference.modes")
            }
            guard let e = unit.estimator else { break }
            guard let reference = recipe.samples.first(where: { $0.name == e.sample })?.theta0.singlePoint else {
                throw SBIError.data("mode ideal_sally: the sample of estimator \(e.name) has no single reference point", field: "inference.modes")
            }
            let score = try ExactScore(simulator: exact, reference: reference + nominal)
            if let thetaTrue, Self.samePoint(reference, thetaTrue) {
                fisherSources.append(.score(name: e.name + "_ideal", estimator: score))
            }
            guard let block else { break }
            if !nuisance.isEmpty {
                scans.append((e.name + "_ideal", "ideal_sally", try scoreHistogramLogLikelihood(score, sim: sim, data: data, grid: grid, block: block,
                                                                                              rate: rate, thetaTrue: thetaTrue, nuisance: nominal)))
            }
            scans.append((e.name + "_ideal" + fixedSuffix, "ideal_sally",
                          try scoreHistogramLogLikelihood(score, sim: nominalSim, data: nominalData, grid: grid, block: block, rate: rate, thetaTrue: thetaTrue)))
        case .sallino:
            // The θ-only scan on the nominal model: the score's θ components projected on θ − θ_ref, in 1-D histograms.
            guard let e = unit.estimator, let block else { break }
            let score = try trainedScoreEstimator(e)
            guard let reference = recipe.samples.first(where: { $0.name == e.sample })?.theta0.singlePoint else {
                throw SBIError.data("mode sallino: the sample of estimator \(e.name) has no single reference point", field: "inference.modes")
            }
            let likelihood = SALLINOLikelihood(score: score, reference: reference, bins: recipe.inference.histogram?.bins ?? 20,
                                               expectation: try expectation(nominalSim, grid: grid, thetaTrue: thetaTrue))
            scans.append((e.name + fixedSuffix, "sallino", try likelihood.logLikelihood(data: nominalData, grid: block, rate: rate, asimovTheta: thetaTrue)))
        }
        return (scans, fisherSources)
    }

    /// The `histogram` mode's binning: adaptive bins (`inference.histogram.bins`, default 20 per axis) on at most
    /// two of `inference.histogram.observables` (default: the first observable) of `data`.
    func observableHistogram(_ sim: any Simulator, data: ScanData) throws -> (histogram: Histogram, features: HistogramFeatures) {
        let inference = recipe.inference
        let names = sim.observableNames
        let columns = (inference.histogram?.observables ?? [names[0]]).compactMap { names.firstIndex(of: $0) }
        let features = HistogramFeatures.observables(Array(columns.prefix(2)))
        let histogram = try Histogram.adaptive(sample: try features.evaluate(data.x),
                                               bins: Array(repeating: inference.histogram?.bins ?? 20, count: min(columns.count, 2)))
        return (histogram, features)
    }

    /// How many blocks of grid rows the limits stage is split into (fewer when the grid has fewer rows):
    /// `pieceCount`. Each block repeats the set-up (data, histograms), so as many blocks as processes
    /// is fastest.
    var limitsBlockCount: Int { pieceCount }

    /// `pieces`, else the recipe's `execution.pieces`, else 1.
    var pieceCount: Int { pieces ?? recipe.execution?.pieces ?? 1 }

    /// The limits shards: blocks of whole chains of the profile's ν̂ search (rows along the grid's last
    /// axis; 32 points of a one-dimensional grid), as ranges of grid point indices, as even as they allow.
    func limitsBlocks() throws -> [Range<Int>] {
        let grid = try recipe.inference.parameterGrid(names: recipe.parameterNames)
        let chain = ProfileLikelihood.chainLength(of: grid)
        let rows = (grid.count + chain - 1) / chain
        let blocks = max(1, min(rows, limitsBlockCount))
        return (0..<blocks).map { b in
            (rows * b / blocks * chain) ..< min(grid.count, rows * (b + 1) / blocks * chain)
        }
    }

    /// Limits shard `index`: every scanned likelihood's log L at the points of block `index`
    /// (`limitsBlocks`), as `folder/scans.npy` `[scans, block points]` (Double) with their names and
    /// modes in `folder/scans.json`.
    func limitsShard(_ index: Int, into folder: String, setup: LimitsSetup? = nil) throws -> (items: Int, detail: String) {
        let s = try setup ?? limitsSetup()
        let blocks = try limitsBlocks()
        guard index < blocks.count else {
            let toyBlockCount = toyBlocks().count
            if index < blocks.count + toyBlockCount { return try toysShard(index - blocks.count, into: folder, setup: s) }
            return try neymanShard(index - blocks.count - toyBlockCount, into: folder, setup: s)
        }
        let range = blocks[index]
        let block = try ParameterGrid(names: s.grid.names, points: Matrix(rows: range.count, columns: s.grid.parameterCount) { r, c in
            s.grid.points[range.lowerBound + r, c]
        })
        var scans: [BlockScan] = []
        let units = limitsUnits()
        // Counted in grid points of every unit, moving within a unit as its event sums proceed, so the ETA follows a slow estimator.
        let progress = ProgressReporter(stage: "limits block \(index + 1)", total: units.count * block.count, unit: "points")
        for (k, unit) in units.enumerated() {
            scans += try runLimitsUnit(unit, s, block: block) { fraction in
                progress.update(step: k * block.count + Int(fraction * Double(block.count)), detail: unit.label)
            }.scans
            progress.update(step: (k + 1) * block.count, detail: unit.label)
        }
        progress.finish()
        let names = LimitsShardScans(scans: scans.map { .init(name: $0.name, mode: $0.mode) })
        try AtomicFileWriter.write(names.jsonBytes(), to: folder + "/" + LimitsShardScans.fileName)
        if !scans.isEmpty {
            let logL = Matrix<Double>(rows: scans.count, columns: block.count, storage: scans.flatMap(\.logLikelihood))
            try NPYFile.write(NPYArray(logL), to: folder + "/scans.npy")
        }
        return (s.data.x.rows * scans.count * block.count, "grid points \(range.lowerBound)..<\(range.upperBound)")
    }

    /// Merges the limits shards (`folders` in block order) into contours.json, the scans (pvalues.npy, loglikelihood.npy, q.npy, grid.npy)
    /// and, when asked for, fisher.json.
    func mergeLimits(_ folders: [String], into partial: String, setup: LimitsSetup? = nil) throws -> (items: Int, detail: String) {
        let s = try setup ?? limitsSetup()
        let (grid, inference, space) = (s.grid, recipe.inference, recipe.parameterSpace)
        let blocks = try limitsBlocks()
        var names: [LimitsShardScans.Scan]?
        var logL: [[Double]] = []
        for (range, folder) in zip(blocks, folders) {
            let listPath = folder + "/" + LimitsShardScans.fileName
            guard let data = FileManager.default.contents(atPath: listPath),
                  let list = try? JSONDecoder().decode(LimitsShardScans.self, from: data) else {
                throw SBIError.io("the limits shard's scan list is missing or unreadable; run sbi fit again", file: listPath)
            }
            if names == nil { names = list.scans; logL = list.scans.map { _ in [] } }
            guard list.scans == names else { throw SBIError.data("the limits blocks scanned different likelihoods; run sbi fit again", file: listPath) }
            guard !list.scans.isEmpty else { continue }
            let values = try NPYFile.read(folder + "/scans.npy")
            guard case .float64(let v) = values.data, values.shape == [list.scans.count, range.count] else {
                throw SBIError.data("shape \(values.shape); expected [\(list.scans.count), \(range.count)] float64", file: folder + "/scans.npy")
            }
            for k in list.scans.indices { logL[k] += v[(k * range.count)..<((k + 1) * range.count)] }
        }
        let scanned = try zip(names ?? [], logL).map { scan, values in
            (name: scan.name, mode: scan.mode, result: try LikelihoodScanResult(grid: grid, logLikelihood: values))
        }
        var fisherSources: [FitFisherSource] = []
        if inference.fisherInformation, s.thetaTrue != nil {
            for unit in limitsUnits() { fisherSources += try runLimitsUnit(unit, s, block: nil).fisher }
        }
        guard !scanned.isEmpty else { throw SBIError.data("no likelihood to scan: no mode produced a result", field: "inference.modes") }
        guard let axes = grid.axes else { throw SBIError.data("the grid is not regular", field: "inference.grid") }
        let parameters = (0..<space.count).map { i -> ContoursFile.Parameter in
            let axis: [Double] = axes[i].values
            let lo = axis.first ?? 0, hi = axis.last ?? 0
            return ContoursFile.Parameter(name: space.names[i], unit: space.units[i], label: space.latexLabels[i], range: lo...hi)
        }
        let memberResults = scanned.filter { $0.mode == Self.memberMode }
        let results = scanned.filter { $0.mode != Self.memberMode }
        var observed: String?
        if case .observed(let data) = inference.data { observed = data.path }
        let notes = ResultNotes.lines(simulator: s.sim.name, recipe: recipe.name, eventCount: s.data.eventCount,
                                      luminosityInversePicobarn: s.rate?.luminosityInversePicobarn, thetaTrue: s.thetaTrue, observedFile: observed)
        var summary: [String]
        var neymanWords: [String] = []
        if grid.parameterCount > 2 {
            // Three or more parameters: the whole grid's scans, and every parameter's and pair's profile as its own result folder.
            var members: [String: [(name: String, mode: String, result: LikelihoodScanResult)]] = [:]
            for r in results {
                let prefix = r.name + Self.memberInfix
                members[r.name] = memberResults.filter { $0.name.hasPrefix(prefix) && Int($0.name.dropFirst(prefix.count)) != nil }
            }
            let profiles = try ProfileResultWriter.write(results: results, grid: grid, parameters: parameters, confidenceLevels: inference.confidenceLevels,
                                                         thetaTrue: s.thetaTrue, refinement: inference.refine ?? 1, notes: notes,
                                                         recipeHash: recipe.canonicalHash, members: members, to: partial)
            summary = ["\(profiles.count) profiles"] + profiles.filter { $0.kept.count == 1 }.map { profile in
                "\(profile.file.parameters[0].name) (profiled) " + FitPipeline.describe(profile.file)
            }
        } else {
            var file = try ContoursFile.make(space: parameters, grid: grid, results: results, confidenceLevels: inference.confidenceLevels,
                                             thetaTrue: s.thetaTrue, refinement: inference.refine ?? 1, recipeHash: recipe.canonicalHash)
            if !memberResults.isEmpty {
                let members = try ContoursFile.make(space: parameters, grid: grid, results: memberResults, confidenceLevels: inference.confidenceLevels,
                                                    thetaTrue: s.thetaTrue, refinement: inference.refine ?? 1).estimators
                for i in file.estimators.indices {
                    let prefix = file.estimators[i].name + Self.memberInfix
                    let own = members.filter { $0.name.hasPrefix(prefix) && Int($0.name.dropFirst(prefix.count)) != nil }
                    if !own.isEmpty { file.estimators[i].members = own }
                }
            }
            let neyman = try mergeNeyman(Array(folders.dropFirst(blocks.count + toyBlocks().count)), results: results, into: partial, setup: s)
            file.estimators += neyman.estimators
            neymanWords = neyman.words
            file.notes = notes
            try file.write(to: partial + "/contours.json")
            summary = [FitPipeline.describe(file)]
        }
        try ResultWriter.writeScans(results.map(\.result), grid: grid, to: partial)
        if inference.fisherInformation, let theta = s.thetaTrue {
            let bytes = try fisherJSON(simulator: s.sim, sources: fisherSources, withTruth: inference.modes.contains(.truth),
                                       sample: try fisherSample(s.sim, data: s.data, theta: theta + s.nominal), theta: theta + s.nominal,
                                       events: s.asimovEvents, rate: s.rate, extra: try weightNuisanceFisher(try weightNuisance(s), theta: theta))
            try AtomicFileWriter.write(bytes, to: partial + "/fisher.json")
        }
        let toyFolders = Array(folders.dropFirst(blocks.count).prefix(toyBlocks().count))
        let coverage = try mergeToys(toyFolders, into: partial, setup: s)
        let calibration = try calibrate(into: partial, setup: s)
        return (s.data.x.rows * results.count * grid.count, (summary + coverage + neymanWords + calibration).joined(separator: "; "))
    }
}

/// The names and modes of a limits shard's scans (`scans.json`), in the row order of `scans.npy`.
struct LimitsShardScans: Codable {
    struct Scan: Codable, Equatable { var name: String; var mode: String }
    var scans: [Scan]
    static let fileName = "scans.json"

    func jsonBytes() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return Array((try? encoder.encode(self)) ?? Data()) + [0x0a]
    }
}
