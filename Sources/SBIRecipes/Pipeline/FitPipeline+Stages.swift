import Foundation
import SBICore
import SBIEstimators
import SBIInference
import SBINetworks
import SBISimulation

/// The bodies of the stages of `FitPipeline`; each writes only into the folder it is given.
///
/// ```
/// augment: SampleAugmenter(simulator).augment(sample.augmentationRequest)  → <sample>/x_train.npy, …
/// train:   ParameterizedRatioEstimator / SALLYEstimator / ensembles on <sample>/*_train.npy → <estimator>/
/// limits:  log L(θ) on the grid (truth, ml, rate, histogram, sally, ideal_sally), q = −2 Δlog L, p from χ²_k → contours.json, pvalues.npy, grid.npy
/// plot:    outputs.files (contours.svg drawn from contours.json, HEPData, copies of the rest)
/// ```
/// arXiv:1805.00013, 1805.00020 (methods and the likelihood scan).
extension FitPipeline {
    func simulator() throws -> any Simulator {
        var lumi = recipe.inference.luminosityInversePicobarn
        if lumi == nil, recipe.simulator.name == .wbfHiggs { lumi = WBFHiggsSimulator.defaultLuminosityInversePicobarn }
        return try recipe.simulator.make(luminosityInversePicobarn: lumi)
    }

    /// Real events make their Asimov data from the events reserved for tests, and the histogram modes bin
    /// those adaptively: too few of them for `inference.histogram.bins` is refused here, before any
    /// training, instead of in the limits stage.
    /// - Throws: `SBIError.data` (field `inference.histogram.bins`).
    func checkHistogramEvents(reserved: Int?) throws {
        let inference = recipe.inference
        guard let reserved, case .asimov = inference.data,
              inference.modes.contains(where: { [.histogram, .sally, .idealSally].contains($0) }) else { return }
        let bins = inference.histogram?.bins ?? 20
        guard reserved >= bins else {
            throw SBIError.data("the events keep \(reserved) events aside for the Asimov data, too few for \(bins) adaptive bins; "
                                + "give more events or fewer bins", field: "inference.histogram.bins")
        }
    }

    /// The nuisance parameters the estimators learn beside θ: the simulator's, or (real events) the weight
    /// variations of the `weights` entries, groups expanded, when a sample draws them (`samples[i].nuisance`).
    func learnedNuisanceNames() throws -> [String] {
        if !recipe.simulatorNuisanceNames.isEmpty { return recipe.simulatorNuisanceNames }
        guard let events = recipe.simulator.events, recipe.samples.contains(where: { $0.nuisance != nil }),
              recipe.nuisance?.contains(where: { $0.kind == .weights }) == true else { return [] }
        return try events.weightNuisanceNames(for: recipe.nuisance ?? [])
    }

    func runAugment(into partial: String) throws -> (items: Int, detail: String) {
        // Real events: read once, one augmenter for every sample (its splits partition the events).
        let augmenter: SampleAugmenter
        var parts: [String] = []
        let learned = try learnedNuisanceNames()
        if let events = recipe.simulator.events {
            // Weight variations that the samples draw come with the events' nuisance morphing.
            let reading = ProgressReporter(stage: "read events", total: nil, unit: "events")
            let read = try events.read(nuisance: learned.isEmpty ? [] : recipe.nuisance ?? [], progress: reading)
            reading.finish()
            for warning in read.warnings { log?("warning: " + warning) }
            augmenter = try events.augmenter(for: read.sample, nuisance: read.nuisance)
            parts.append("\(read.sample.count) weighted events" + read.files.map { " (\($0.summary))" }.joined()
                         + (learned.isEmpty ? "" : " with \(learned.count) weight variation(s)"))
        } else {
            augmenter = SampleAugmenter(simulator: try simulator())
        }
        try checkHistogramEvents(reserved: augmenter.reservedTestEvents?.count)
        var total = 0
        for sample in recipe.samples {
            let request = try sample.augmentationRequest(morphing: recipe.morphing, nuisanceCount: learned.count)
            let progress = ProgressReporter(stage: "augment \(sample.name)", total: sample.events, unit: "events")
            let samples: AugmentedSamples
            do { samples = try augmenter.augment(request, progress: progress) } catch let e as SBIError {
                var e = e
                e.field = "samples.\(sample.name)" + (e.field.map { "." + $0 } ?? "")
                throw e
            }
            progress.finish()
            try samples.write(to: partial + "/" + sample.name)
            total += sample.events
            parts.append("\(sample.name) \(sample.events) events")
        }
        return (total, parts.joined(separator: ", "))
    }

    func runTrain(into partial: String) throws -> (items: Int, detail: String) {
        let learned = try learnedNuisanceNames()
        var total = 0
        var parts: [String] = []
        for estimator in recipe.estimators {
            let method = estimator.networkMethod
            var fields: [TrainingDataset.Field] = [.x]
            if method.kind != .score { fields += [.theta, .y] }
            if method.needsJointRatio { fields.append(.rXZ) }
            if method.usesScore { fields.append(.tXZ) }
            let sampleFolder = stageFolder(.augment) + "/" + estimator.sample
            let data = try TrainingDataset(folder: sampleFolder, suffix: "train", fields: fields)
            // The sample's own validation split when it has one (the estimator's validation_split then does not apply).
            let validation = try TrainingDataset.validationSplit(folder: sampleFolder, fields: fields)
            let network = NetworkSettings(hiddenSizes: estimator.hiddenLayers, activation: estimator.networkActivation, alpha: estimator.alpha)
            let training = estimator.training.settings
            let out = partial + "/" + estimator.name
            let progress = ProgressReporter(stage: "train \(estimator.name)", total: training.epochs, unit: "epochs")
            var history: TrainingHistory?
            switch (method.kind, estimator.ensemble) {
            case (.score, 1):
                let e = try SALLYEstimator.train(data: data, validation: validation, network: network, training: training,
                                                 parameterNames: recipe.parameterNames + learned, progress: progress)
                try e.save(to: out)
                history = e.history
            case (.score, let n):
                let e = try ScoreEnsemble.train(count: n, seed: training.seed, data: data, validation: validation, network: network, training: training)
                try e.save(to: out)
                history = e.members.last?.history
            case (_, 1):
                let e = try ParameterizedRatioEstimator.train(method: method, data: data, validation: validation, network: network, training: training,
                                                              parameterNames: recipe.parameterNames + learned, progress: progress)
                try e.save(to: out)
                history = e.history
            case (_, let n):
                let e = try RatioEnsemble.train(count: n, seed: training.seed, method: method, data: data, validation: validation,
                                                network: network, training: training)
                try e.save(to: out)
                history = e.members.last?.history
            }
            progress.finish()
            total += data.count * estimator.ensemble * (history?.epochCount ?? training.epochs)
            var part = "\(estimator.name) \(history?.epochCount ?? training.epochs) epochs"
            if let v = history?.validationLoss.last ?? history?.trainingLoss.last { part += " loss \(format(v))" }
            parts.append(part)
        }
        return (total, parts.isEmpty ? "no estimators" : parts.joined(separator: ", "))
    }

    func runLimits(into partial: String) throws -> (items: Int, detail: String) {
        let sim = try simulator()
        let inference = recipe.inference
        let space = recipe.parameterSpace
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
        var fisherSources: [FitFisherSource] = []
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
        let fixedSuffix = nuisance.isEmpty ? "" : Self.fixedNuisanceSuffix
        let nominalData = data.restrictingControlVariate(toLeading: grid.parameterCount)
        let nominalRatio = { (e: any LogRatioEstimator) throws -> any LogRatioEstimator in
            nuisance.isEmpty ? e : try FixedNuisanceRatio(e, nuisance: nominal)
        }
        // LHE or MadMiner weight variations: read at most once, by the histogram mode or the Fisher information.
        var weightNuisanceCache: WeightNuisanceEvents??
        func weightNuisance() throws -> WeightNuisanceEvents? {
            if let cached = weightNuisanceCache { return cached }
            let read = try weightNuisanceEvents(sim)
            weightNuisanceCache = .some(read)
            return read
        }
        // Weight variations of real events that the estimators learned beside θ (samples[i].nuisance).
        let learnedWeights = nuisance.isEmpty ? try learnedNuisanceNames() : []
        let selected = Set(inference.estimators)
        var results: [(name: String, mode: String, result: LikelihoodScanResult)] = []
        let progress = ProgressReporter(stage: "limits", total: inference.modes.count, unit: "modes")
        for mode in inference.modes {
            defer { progress.advance(detail: mode.rawValue) }
            switch mode {
            case .truth:
                guard let exact = sim as? any ExactLikelihoodSimulator else {
                    throw SBIError.data("simulator \(sim.name) has no exact likelihood", field: "inference.modes")
                }
                if !nuisance.isEmpty {
                    results.append(("truth", "truth", try ProfileLikelihood.truth(simulator: exact, data: data, grid: grid, nuisance: nuisance,
                                                                                  rate: rate).scan))
                }
                try grid.validate(against: nominalSim.parameterSpace)
                let fixed = try nominalRatio(try ExactLogRatio(simulator: exact, reference: grid.point(0) + nominal))
                results.append(("truth" + fixedSuffix, "truth", try LikelihoodScan.ml(estimator: fixed, data: nominalData, grid: grid, rate: rate)))
            case .rate:
                guard let rate else { throw SBIError.data("mode rate needs a simulator with a cross section", field: "inference.modes") }
                results.append(("rate", "rate", try LikelihoodScan.rateOnly(rate: rate, observedEvents: data.eventCount, grid: grid)))
                fisherSources.append(.rate)
            case .ml:
                for e in recipe.estimators where e.method.isRatio && selected.contains(e.name) {
                    let folder = stageFolder(.train) + "/" + e.name
                    let estimator: any LogRatioEstimator = e.ensemble > 1 ? try RatioEnsemble.load(from: folder)
                                                                          : try ParameterizedRatioEstimator.load(from: folder)
                    if !learnedWeights.isEmpty, let weighted = try weightNuisance() {
                        // Weight variations learned beside θ: profiled over their ν with the events' σ(θ, ν), next to ν = 0.
                        let fixed = try FixedNuisanceRatio(estimator, nuisance: learnedWeights.map { _ in 0 })
                        fisherSources.append(.ratio(name: e.name, estimator: fixed))
                        let profiledRate = try weightNuisanceExpectation(weighted, rate: rate).rate
                        results.append((e.name, "ml", try ProfileLikelihood.ml(estimator: estimator, data: data, grid: grid, nuisance: learnedWeights,
                                                                              nuisanceRanges: learnedWeights.map { _ in Self.weightNuisanceRange },
                                                                              rate: profiledRate).scan))
                        results.append((e.name + Self.fixedNuisanceSuffix, "ml", try LikelihoodScan.ml(estimator: fixed, data: nominalData, grid: grid, rate: rate)))
                        continue
                    }
                    fisherSources.append(.ratio(name: e.name, estimator: estimator))
                    if !nuisance.isEmpty {
                        let ranges = Array(sim.parameterSpace.ranges.suffix(nuisance.count))
                        results.append((e.name, "ml", try ProfileLikelihood.ml(estimator: estimator, data: data, grid: grid, nuisance: nuisance,
                                                                              nuisanceRanges: ranges, rate: rate).scan))
                    }
                    results.append((e.name + fixedSuffix, "ml",
                                    try LikelihoodScan.ml(estimator: try nominalRatio(estimator), data: nominalData, grid: grid, rate: rate)))
                }
            case .histogram:
                let names = sim.observableNames
                let columns = (inference.histogram?.observables ?? [names[0]]).compactMap { names.firstIndex(of: $0) }
                let bins = inference.histogram?.bins ?? 20
                let features = HistogramFeatures.observables(Array(columns.prefix(2)))
                let histogram = try Histogram.adaptive(sample: try features.evaluate(data.x), bins: Array(repeating: bins, count: min(columns.count, 2)))
                var histogramSuffix = fixedSuffix
                if !nuisance.isEmpty {
                    let reference = thetaTrue.map { $0 + nominal }
                    let likelihood = HistogramLikelihood(histogram: histogram, features: features,
                                                         expectation: try expectation(sim, grid: grid, thetaTrue: reference, nuisance: nominal))
                    results.append(("histogram", "histogram", try profiledHistogramScan(likelihood, sim: sim, data: data, grid: grid, rate: rate,
                                                                                        asimovTheta: reference)))
                } else if let weighted = try weightNuisance() {
                    // Real events with weight variations: the histogram likelihood profiled over their ν.
                    let morphed = try weightNuisanceExpectation(weighted, rate: rate)
                    let likelihood = HistogramLikelihood(histogram: histogram, features: features, expectation: morphed.expectation)
                    let names = morphed.nuisance.names
                    let logLikelihood = try likelihood.evaluator(data: data, rate: morphed.rate, asimovTheta: thetaTrue)
                    let profile = try ProfileLikelihood.profile(grid: grid, nuisance: names,
                                                                nuisanceRanges: names.map { _ in Self.weightNuisanceRange }) {
                        try logLikelihood(try ParameterGrid(names: recipe.parameterNames + names, points: $0))
                    }
                    results.append(("histogram", "histogram", profile.scan))
                    histogramSuffix = Self.fixedNuisanceSuffix
                }
                let fixed = HistogramLikelihood(histogram: histogram, features: features,
                                                expectation: try expectation(nominalSim, grid: grid, thetaTrue: thetaTrue))
                results.append(("histogram" + histogramSuffix, "histogram", try fixed.scan(data: nominalData, grid: grid, rate: rate, asimovTheta: thetaTrue)))
                fisherSources.append(.histogram(name: "histogram", histogram: histogram, features: features))
            case .sally:
                for e in recipe.estimators where e.method == .sally && selected.contains(e.name) {
                    let folder = stageFolder(.train) + "/" + e.name
                    let score: any ScoreEstimator = e.ensemble > 1 ? try ScoreEnsemble.load(from: folder) : try SALLYEstimator.load(from: folder)
                    if !nuisance.isEmpty {
                        results.append((e.name, "sally", try scoreHistogramScan(score, sim: sim, data: data, grid: grid, rate: rate,
                                                                              thetaTrue: thetaTrue, nuisance: nominal)))
                    }
                    results.append((e.name + fixedSuffix, "sally",
                                    try scoreHistogramScan(score, sim: nominalSim, data: nominalData, grid: grid, rate: rate, thetaTrue: thetaTrue)))
                    // SALLY's information E[t̂ t̂ᵀ] holds at its reference point only (arXiv:1805.00020 §4.2).
                    let reference = recipe.samples.first { $0.name == e.sample }?.theta0.singlePoint
                    if let reference, let thetaTrue, Self.samePoint(reference, thetaTrue), score.parameterCount == recipe.modelParameterNames.count {
                        fisherSources.append(.score(name: e.name, estimator: score))
                    }
                }
            case .idealSally:
                guard let exact = sim as? any ExactLikelihoodSimulator else {
                    throw SBIError.data("mode ideal_sally needs a simulator with an exact likelihood; \(sim.name) has none", field: "inference.modes")
                }
                for e in recipe.estimators where e.method == .sally && selected.contains(e.name) {
                    guard let reference = recipe.samples.first(where: { $0.name == e.sample })?.theta0.singlePoint else {
                        throw SBIError.data("mode ideal_sally: the sample of estimator \(e.name) has no single reference point", field: "inference.modes")
                    }
                    let score = try ExactScore(simulator: exact, reference: reference + nominal)
                    if !nuisance.isEmpty {
                        results.append((e.name + "_ideal", "ideal_sally", try scoreHistogramScan(score, sim: sim, data: data, grid: grid, rate: rate,
                                                                                               thetaTrue: thetaTrue, nuisance: nominal)))
                    }
                    results.append((e.name + "_ideal" + fixedSuffix, "ideal_sally",
                                    try scoreHistogramScan(score, sim: nominalSim, data: nominalData, grid: grid, rate: rate, thetaTrue: thetaTrue)))
                    if let thetaTrue, Self.samePoint(reference, thetaTrue) {
                        fisherSources.append(.score(name: e.name + "_ideal", estimator: score))
                    }
                }
            case .sallino:
                throw SBIError.data("mode sallino is not supported by sbi fit yet", field: "inference.modes")
            }
        }
        progress.finish()
        guard !results.isEmpty else { throw SBIError.data("no likelihood to scan: no mode produced a result", field: "inference.modes") }
        guard let axes = grid.axes else { throw SBIError.data("the grid is not regular", field: "inference.grid") }
        let parameters = (0..<space.count).map { i -> ContoursFile.Parameter in
            let axis: [Double] = axes[i].values
            let lo = axis.first ?? 0, hi = axis.last ?? 0
            return ContoursFile.Parameter(name: space.names[i], unit: space.units[i], label: space.latexLabels[i], range: lo...hi)
        }
        let file = try ContoursFile.make(space: parameters, grid: grid, results: results, confidenceLevels: inference.confidenceLevels,
                                         thetaTrue: thetaTrue, recipeHash: recipe.canonicalHash)
        let p = Matrix<Double>(rows: results.count, columns: grid.count, storage: results.flatMap(\.result.pValues))
        try file.write(to: partial + "/contours.json")
        try NPYFile.write(NPYArray(p), to: partial + "/pvalues.npy")
        try NPYFile.write(NPYArray(grid.points), to: partial + "/grid.npy")
        if inference.fisherInformation, let theta = thetaTrue {
            let bytes = try fisherJSON(simulator: sim, sources: fisherSources, withTruth: inference.modes.contains(.truth),
                                       sample: try fisherSample(sim, data: data, theta: theta + nominal), theta: theta + nominal,
                                       events: asimovEvents, rate: rate, extra: try weightNuisanceFisher(try weightNuisance(), theta: theta))
            try AtomicFileWriter.write(bytes, to: partial + "/fisher.json")
        }
        return (data.x.rows * results.count * grid.count, FitPipeline.describe(file))
    }

    func runPlot(into partial: String) throws -> (items: Int, detail: String) {
        let limits = stageFolder(.limits)
        let file = try ContoursFile.read(limits + "/contours.json")
        for output in recipe.outputs.files {
            let path = partial + "/" + output.rawValue
            switch output {
            case .contoursSVG: try ContourPlot.write(file, to: path)
            case .hepdata: try HEPDataWriter.write(file, to: path)
            case .contoursJSON, .pValues, .grid:
                do { try FileManager.default.copyItem(atPath: limits + "/" + output.rawValue, toPath: path) } catch {
                    throw SBIError.io("cannot copy the limits result: \(error.localizedDescription)", file: limits + "/" + output.rawValue)
                }
            }
        }
        return (0, recipe.outputs.files.map(\.rawValue).joined(separator: ", "))
    }

    /// Suffix of the results with the simulator's nuisance parameters fixed at 0 (no systematics), drawn
    /// next to the profiled ones.
    static let fixedNuisanceSuffix = "_fixed_nuisance"

    /// Where the profile searches a weight variation's ν: ±5σ of its N(0, 1) constraint.
    static let weightNuisanceRange = -5.0...5.0

    /// The most weight variations the histogram mode profiles (a Nelder–Mead search per grid point grows
    /// with their number; fisher.json profiles any number in closed form).
    public static let maximumProfiledWeightNuisances = 8

    /// For real events with `weights` nuisance entries: the bin expectation over (θ, ν) from every event's
    /// morphed weight w_e(θ)·exp(Σ aν + bν²), and the rate σ(θ, ν) = Σ_e w_e(θ, ν) (θ alone: ν = 0) with
    /// `rate`'s luminosity and normalisation.
    /// - Throws: `SBIError.data` (field `nuisance`) for more than `maximumProfiledWeightNuisances` parameters.
    func weightNuisanceExpectation(_ weighted: WeightNuisanceEvents, rate: EventRate?)
        throws -> (expectation: BinExpectation, nuisance: NuisanceMorphing, rate: EventRate?) {
        let (sample, morphing) = (weighted.sample, weighted.nuisance)
        guard morphing.count <= Self.maximumProfiledWeightNuisances else {
            throw SBIError.data("the weights entries give \(morphing.count) nuisance parameters; mode histogram profiles at most "
                                + "\(Self.maximumProfiledWeightNuisances)", field: "nuisance")
        }
        let morpher = weighted.morpher, np = morpher.parameterCount
        let expectation = BinExpectation.nuisanceMorphed(observables: sample.observables, benchmarkWeights: sample.benchmarkWeights,
                                                         morpher: morpher, nuisance: morphing)
        var profiledRate: EventRate?
        if let rate {
            profiledRate = EventRate(luminosityInversePicobarn: rate.luminosityInversePicobarn) { point in
                let w = morpher.eventWeights(benchmarkWeights: sample.benchmarkWeights, at: Array(point.prefix(np)))
                return (point.count == np ? w : try morphing.weights(w, at: Array(point.suffix(morphing.count)))).reduce(0, +)
            }
            profiledRate?.normalizationLogWidth = rate.normalizationLogWidth
        }
        return (expectation, morphing, profiledRate)
    }

    /// True when two parameter points agree to rounding (1e-12 relative): SALLY's information holds
    /// only at its reference point.
    static func samePoint(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) }
    }

    /// `sally` and `ideal_sally`: log L of a histogram of `score`'s values, adaptive bins
    /// (`inference.histogram.bins` per axis, default 20) from the data's scores. With `nuisance` (the
    /// nominal ν of a simulator with nuisance parameters) the histogram holds the score's θ components,
    /// the expectations come from the full model and the likelihood is profiled over ν.
    func scoreHistogramScan(_ score: any ScoreEstimator, sim: any Simulator, data: ScanData, grid: ParameterGrid,
                            rate: EventRate?, thetaTrue: [Double]?, nuisance: [Double] = []) throws -> LikelihoodScanResult {
        // The histogram holds the score's θ components; the ν components' information enters through the profiled expectations.
        let components = grid.parameterCount
        guard components <= 2, score.parameterCount >= components else {
            throw SBIError.data("sally histograms take at most 2 score components (the parameters of interest)", field: "inference.modes")
        }
        let features = components == score.parameterCount ? HistogramFeatures.score(score) : .leadingScore(score, count: components)
        let histogram = try Histogram.adaptive(sample: try features.evaluate(data.x),
                                               bins: Array(repeating: recipe.inference.histogram?.bins ?? 20, count: components))
        let reference = thetaTrue.map { $0 + nuisance }
        let likelihood = HistogramLikelihood(histogram: histogram, features: features,
                                             expectation: try expectation(sim, grid: grid, thetaTrue: reference, nuisance: nuisance))
        guard !nuisance.isEmpty else { return try likelihood.scan(data: data, grid: grid, rate: rate, asimovTheta: thetaTrue) }
        return try profiledHistogramScan(likelihood, sim: sim, data: data, grid: grid, rate: rate, asimovTheta: reference)
    }

    /// A histogram likelihood over (θ, ν) profiled over the simulator's nuisance parameters (`ProfileLikelihood`):
    /// the expectations are reweighted to every (θ, ν) from one sample, so log L is smooth in ν.
    func profiledHistogramScan(_ likelihood: HistogramLikelihood, sim: any Simulator, data: ScanData, grid: ParameterGrid,
                               rate: EventRate?, asimovTheta: [Double]?) throws -> LikelihoodScanResult {
        let nuisance = recipe.simulatorNuisanceNames, names = recipe.modelParameterNames
        let logLikelihood = try likelihood.evaluator(data: data, rate: rate, asimovTheta: asimovTheta)
        return try ProfileLikelihood.profile(grid: grid, nuisance: nuisance, nuisanceRanges: Array(sim.parameterSpace.ranges.suffix(nuisance.count))) {
            try logLikelihood(try ParameterGrid(names: names, points: $0))
        }.scan
    }

    /// Expected bin contents from one sample at θ_true (observed data: the grid's centre, followed by
    /// `nuisance`), reweighted to every θ.
    func expectation(_ sim: any Simulator, grid: ParameterGrid, thetaTrue: [Double]?, nuisance: [Double] = []) throws -> BinExpectation {
        let centre: [Double] = (grid.axes ?? []).map(\.values).map { 0.5 * (($0.first ?? 0) + ($0.last ?? 0)) }
        return try BinExpectation.sample(for: sim, reference: thetaTrue ?? (centre + nuisance), random: SeededRandom(seed: recipe.seed).substream(2))
    }

    /// Events at θ_true for the Fisher information (a mean over events): for a built-in simulator
    /// max(asimov_events, 20 000) unweighted events drawn at θ_true (the entries' relative noise
    /// ≈ √(Var t²/M)/E t², common to all of them); for real events the unweighted Asimov sample, or
    /// an unweighted one drawn at θ_true from a weighted one.
    func fisherSample(_ sim: any Simulator, data: ScanData, theta: [Double]) throws -> Matrix<Double> {
        let builtIn = recipe.simulator.events == nil
        guard builtIn || data.rowWeights != nil else { return data.x }
        let count = builtIn ? max(recipe.inference.asimovEvents, 20_000) : recipe.inference.asimovEvents
        return try sim.simulate(at: theta, count: count, random: SeededRandom(seed: recipe.seed).substream(4)).observables
    }

    /// Observed events `[n, observables]` as Double.
    func readObserved(_ path: String, observables: Int) throws -> Matrix<Double> {
        let array = try NPYFile.read(path)
        let width = array.shape.count == 1 ? 1 : (array.shape.count == 2 ? array.shape[1] : -1)
        guard width == observables, let n = array.shape.first, n >= 1 else {
            throw SBIError.data("shape \(array.shape); expected [n, \(observables)] with n ≥ 1", file: path, field: "shape")
        }
        switch array.data {
        case .float64(let v): return Matrix(rows: n, columns: observables, storage: v)
        case .float32(let v): return Matrix(rows: n, columns: observables, storage: v.map(Double.init))
        default: throw SBIError.data("dtype \(array.dtype); expected float32 or float64", file: path, field: "dtype")
        }
    }

    func format(_ x: Double) -> String { FitPipeline.format(x) }

    static func format(_ x: Double) -> String { String(format: "%.4g", x) }

    /// "name: best θ̂, 68% [lo, hi]" (1 parameter) or "name: best θ̂, 68% area A" (2 parameters; "reaches
    /// the grid edge" when a contour is open, since the area inside the grid is then not the region's),
    /// followed by "(×R truth)" when the closure report has a ratio to the truth region.
    public static func describe(_ file: ContoursFile) -> String {
        file.estimators.map { e in
            var text = "\(e.name): best (\(e.bestFit.map(format).joined(separator: ", ")))"
            if let set = e.intervals.first {
                let iv = set.intervals.map { "[\(format($0.lower)), \(format($0.upper))]" }.joined(separator: "∪")
                text += " \(Int((set.confidenceLevel * 100).rounded()))% \(iv.isEmpty ? "empty" : iv)"
            } else if let set = e.contours.first {
                let level = "\(Int((set.confidenceLevel * 100).rounded()))%"
                if set.paths.isEmpty {
                    text += " \(level) empty"
                } else if set.paths.contains(where: { !$0.closed }) {
                    text += " \(level) reaches the grid edge"
                } else {
                    text += " \(level) area \(format(RegionSummary.area(set.paths)))"
                }
            }
            if let ratio = e.regions?.first?.ratioToTruth, e.mode != "truth" { text += " (×\(String(format: "%.3f", ratio)) truth)" }
            return text
        }.joined(separator: "; ")
    }
}
