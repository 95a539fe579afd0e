import Foundation
import SBICore
import SBIEstimators
import SBIInference
import SBIReport
import SBINetworks
import SBISimulation

/// The shards of the stages of `FitPipeline` (see `FitShard`); each writes only into the folder it is given.
///
/// ```
/// augment shard:   SampleAugmenter(simulator).augment(sample.augmentationRequest) → <sample>/x_train.npy, … (or a piece of it:
///                  a range of θ sets, unshuffled, joined and shuffled by mergeAugment)
/// train shard:     ParameterizedRatioEstimator / SALLYEstimator (or one ensemble member) on <sample>/*_train.npy → <estimator>/
/// limits:          FitPipeline+Limits.swift (one shard per block of grid rows, merged into contours.json, pvalues.npy, loglikelihood.npy, q.npy, grid.npy)
/// plot:            outputs.files (contours.svg drawn from contours.json, HEPData, copies of the rest)
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

    /// The augment shards: per sample, `pieceCount` ranges of its θ sets when a simulator without morphing
    /// draws it (each θ set has its own stream) and it has more than one θ set; else the whole sample.
    func augmentShardList() -> [(sample: Int, piece: Int?, pieces: Int)] {
        let plain = recipe.simulator.events == nil && (try? simulator()).map { !($0 is any WeightedSimulator) } == true
        return recipe.samples.indices.flatMap { i -> [(sample: Int, piece: Int?, pieces: Int)] in
            let sample = recipe.samples[i]
            let severalSets = sample.theta0.singlePoint == nil || (sample.theta1.map { $0.singlePoint == nil } ?? false)
            let pieces = plain && severalSets ? pieceCount : 1
            return pieces == 1 ? [(i, nil, 1)] : (0..<pieces).map { (i, $0, pieces) }
        }
    }

    /// Augment shard `index` (see `augmentShardList`): a sample into `folder/<sample>/`, or one piece of it,
    /// unshuffled, for `mergeAugment`. Real events are read by every shard (the read is reproducible); the
    /// first sample's shard reports the read and its warnings.
    func augmentShard(_ index: Int, into folder: String) throws -> (items: Int, detail: String) {
        let (sampleIndex, piece, pieces) = augmentShardList()[index]
        let sample = recipe.samples[sampleIndex]
        if let piece {
            let request = try sample.augmentationRequest(morphing: recipe.morphing, nuisanceCount: try learnedNuisanceNames().count)
            let progress = ProgressReporter(stage: "augment \(sample.name) \(piece + 1)/\(pieces)", total: nil, unit: "events")
            let samples: AugmentedSamples
            do { samples = try SampleAugmenter(simulator: try simulator()).augment(request, eventShard: piece, of: pieces, progress: progress) }
            catch let e as SBIError {
                var e = e
                e.field = "samples.\(sample.name)" + (e.field.map { "." + $0 } ?? "")
                throw e
            }
            progress.finish()
            try samples.write(to: folder + "/" + sample.name)
            // The stage reports the sample once, as an unsharded run does.
            return piece == pieces - 1 ? (sample.events, "\(sample.name) \(sample.events) events") : (0, "")
        }
        let augmenter: SampleAugmenter
        var parts: [String] = []
        let learned = try learnedNuisanceNames()
        if let events = recipe.simulator.events {
            // Weight variations that the samples draw come with the events' nuisance morphing.
            let reading = ProgressReporter(stage: "read events", total: nil, unit: "events")
            let read = try events.read(nuisance: learned.isEmpty ? [] : recipe.nuisance ?? [], progress: reading)
            reading.finish()
            augmenter = try events.augmenter(for: read.sample, nuisance: read.nuisance)
            if sampleIndex == 0 {
                for warning in read.warnings { log?("warning: " + warning) }
                parts.append("\(read.sample.count) weighted events" + read.files.map { " (\($0.summary))" }.joined()
                             + (learned.isEmpty ? "" : " with \(learned.count) weight variation(s)"))
            }
        } else {
            augmenter = SampleAugmenter(simulator: try simulator())
        }
        try checkHistogramEvents(reserved: augmenter.reservedTestEvents?.count)
        let request = try sample.augmentationRequest(morphing: recipe.morphing, nuisanceCount: learned.count)
        let progress = ProgressReporter(stage: "augment \(sample.name)", total: sample.events, unit: "events")
        let samples: AugmentedSamples
        do { samples = try augmenter.augment(request, progress: progress) } catch let e as SBIError {
            var e = e
            e.field = "samples.\(sample.name)" + (e.field.map { "." + $0 } ?? "")
            throw e
        }
        progress.finish()
        try samples.write(to: folder + "/" + sample.name)
        parts.append("\(sample.name) \(sample.events) events")
        return (sample.events, parts.joined(separator: ", "))
    }

    /// Puts the augment shards together: whole samples are moved into place; the pieces of a sample are
    /// joined in order and shuffled (`SampleAugmenter.mergeEventShards`, from disk, in bounded memory),
    /// giving the bytes of an unsharded run.
    func mergeAugment(_ shards: [(folder: String, items: Int, detail: String)], into partial: String) throws -> (items: Int, detail: String) {
        let list = augmentShardList()
        for (i, sample) in recipe.samples.enumerated() {
            let indices = list.indices.filter { list[$0].sample == i }
            if indices.count == 1, let k = indices.first {
                try move(shards[k].folder + "/" + sample.name, to: partial + "/" + sample.name)
                continue
            }
            let request = try sample.augmentationRequest(morphing: recipe.morphing, nuisanceCount: try learnedNuisanceNames().count)
            try SampleAugmenter.mergeEventShards(folders: indices.map { shards[$0].folder + "/" + sample.name }, request: request,
                                                 into: partial + "/" + sample.name)
        }
        return (shards.reduce(0) { $0 + $1.items }, shards.map(\.detail).filter { !$0.isEmpty }.joined(separator: ", "))
    }

    /// The training shards: one per estimator, or per ensemble member (members train independently,
    /// member k with the seed `EnsembleFolder.memberSettings` gives it), in recipe order.
    func trainShardList() -> [(estimator: RecipeEstimator, member: Int?)] {
        recipe.estimators.flatMap { e in e.ensemble == 1 ? [(e, nil)] : (0..<e.ensemble).map { (e, $0) } }
    }

    /// Train shard `index` (see `trainShardList`): the estimator's model folder `folder/<estimator>`, or
    /// one member's `folder/member`.
    func trainShard(_ index: Int, into folder: String) throws -> (items: Int, detail: String) {
        let (estimator, member) = trainShardList()[index]
        let learned = try learnedNuisanceNames()
        let method = estimator.networkMethod
        var fields: [TrainingDataset.Field] = [.x]
        if method.kind != .score { fields += [.theta, .y] }
        if method.needsJointRatio { fields.append(.rXZ) }
        if method.usesScore { fields.append(.tXZ) }
        let sampleFolder = stageFolder(.augment) + "/" + estimator.sample
        if method.kind == .doublyParameterizedRatio { return try trainDoubly(estimator, sampleFolder: sampleFolder, into: folder) }
        if method.kind == .likelihood { return try trainDensity(estimator, sampleFolder: sampleFolder, into: folder) }
        if estimator.isMorphingAware { return try trainMorphingAware(estimator, fields: fields, sampleFolder: sampleFolder, into: folder) }
        let data = try TrainingDataset(folder: sampleFolder, suffix: "train", fields: fields)
        // The sample's own validation split when it has one (the estimator's validation_split then does not apply).
        let validation = try TrainingDataset.validationSplit(folder: sampleFolder, fields: fields)
        let network = estimator.networkSettings
        var training = estimator.training.settings
        let name = estimator.name + (member.map { " member \($0)" } ?? "")
        let progress = ProgressReporter(stage: "train \(name)", total: training.epochs, unit: "epochs")
        let history: TrainingHistory?
        if let member {
            // As RatioEnsemble.train and ScoreEnsemble.train train their member k.
            training = EnsembleFolder.memberSettings(training, seed: training.seed, member: member)
            if method.kind == .score {
                let e = try SALLYEstimator.train(data: data, validation: validation, network: network, training: training,
                                                 progress: ProgressReporter(stage: "train", total: nil, quiet: true))
                try e.save(to: folder + "/member")
                history = e.history
            } else {
                let e = try ParameterizedRatioEstimator.train(method: method, data: data, validation: validation, network: network, training: training)
                try e.save(to: folder + "/member")
                history = e.history
            }
        } else if method.kind == .score {
            let e = try SALLYEstimator.train(data: data, validation: validation, network: network, training: training,
                                             parameterNames: recipe.parameterNames + learned, progress: progress)
            try e.save(to: folder + "/" + estimator.name)
            history = e.history
        } else {
            let e = try ParameterizedRatioEstimator.train(method: method, data: data, validation: validation, network: network, training: training,
                                                          parameterNames: recipe.parameterNames + learned, progress: progress)
            try e.save(to: folder + "/" + estimator.name)
            history = e.history
        }
        progress.finish()
        return trainSummary(estimator.name, history: history, plannedEpochs: training.epochs, rows: data.count)
    }

    /// The train shard's items (rows × epochs run) and detail line (`alices 50 epochs loss 0.7`).
    func trainSummary(_ name: String, history: TrainingHistory?, plannedEpochs: Int, rows: Int) -> (items: Int, detail: String) {
        let epochs = history?.epochCount ?? plannedEpochs
        var detail = "\(name) \(epochs) epochs"
        if let v = history?.validationLoss.last ?? history?.trainingLoss.last { detail += " loss \(format(v))" }
        return (rows * epochs, detail)
    }

    /// Trains one model of `estimator` by `train` (handed the training settings and a progress line), saves it as
    /// `folder/<estimator>` and returns the shard's summary over `rows` training rows.
    func trainSingle(_ estimator: RecipeEstimator, rows: Int, into folder: String,
                     _ train: (TrainingSettings, ProgressReporter) throws -> (history: TrainingHistory?, save: (String) throws -> Void))
        throws -> (items: Int, detail: String) {
        let training = estimator.training.settings
        let progress = ProgressReporter(stage: "train \(estimator.name)", total: training.epochs, unit: "epochs")
        let model = try train(training, progress)
        try model.save(folder + "/" + estimator.name)
        progress.finish()
        return trainSummary(estimator.name, history: model.history, plannedEpochs: training.epochs, rows: rows)
    }

    /// Trains the doubly parameterised estimator `estimator` (carl2 … rascal2; no ensembles, no nuisance
    /// parameters) on its more_ratios sample, with the sample's validation split when it has one.
    func trainDoubly(_ estimator: RecipeEstimator, sampleFolder: String, into folder: String) throws -> (items: Int, detail: String) {
        let method = estimator.networkMethod
        let data = try DoublyParameterizedRatioEstimator.dataset(method: method, folder: sampleFolder, suffix: "train")
        let validation = try DoublyParameterizedRatioEstimator.validationDataset(method: method, folder: sampleFolder)
        return try trainSingle(estimator, rows: data.count, into: folder) { training, progress in
            let e = try DoublyParameterizedRatioEstimator.train(method: method, data: data, validation: validation, network: estimator.networkSettings,
                                                                training: training, parameterNames: recipe.parameterNames, progress: progress)
            return (e.history, e.save(to:))
        }
    }

    /// Trains the morphing-aware estimator `estimator` (carl … rascal with `morphing_aware: true`; no ensembles, no
    /// nuisance parameters) on its ratio sample (θ1 one point), with the sample's validation split when it has one.
    func trainMorphingAware(_ estimator: RecipeEstimator, fields: [TrainingDataset.Field], sampleFolder: String,
                            into folder: String) throws -> (items: Int, detail: String) {
        let data = try TrainingDataset(folder: sampleFolder, suffix: "train", fields: fields + [.theta1])
        let validation = try TrainingDataset.validationSplit(folder: sampleFolder, fields: fields + [.theta1])
        return try trainSingle(estimator, rows: data.count, into: folder) { training, progress in
            let e = try MorphingAwareRatioEstimator.train(method: estimator.networkMethod, data: data, validation: validation,
                                                          network: estimator.networkSettings, training: training,
                                                          parameterNames: recipe.parameterNames, progress: progress)
            return (e.history, e.save(to:))
        }
    }

    /// Trains the density estimator `estimator` (nde or scandal; no ensembles, no nuisance parameters) on
    /// its density sample, with the sample's validation split when it has one.
    func trainDensity(_ estimator: RecipeEstimator, sampleFolder: String, into folder: String) throws -> (items: Int, detail: String) {
        let method = estimator.networkMethod
        let data = try NeuralDensityEstimator.dataset(method: method, folder: sampleFolder, suffix: "train")
        let validation = try NeuralDensityEstimator.validationDataset(method: method, folder: sampleFolder)
        let flow = NeuralDensityEstimator.FlowSettings(blocks: estimator.blocks ?? NeuralDensityEstimator.FlowSettings().blocks, hiddenSizes: estimator.hiddenLayers,
                                                       activation: estimator.networkActivation)
        return try trainSingle(estimator, rows: data.count, into: folder) { training, progress in
            let e = try NeuralDensityEstimator.train(method: method, alpha: estimator.alpha, data: data, validation: validation, flow: flow,
                                                     training: training, parameterNames: recipe.parameterNames, progress: progress)
            return (e.history, e.save(to:))
        }
    }

    /// Puts the training shards together: single estimators are moved into place, an ensemble's members
    /// are written as one ensemble folder (`EnsembleFolder`, members in order). The stage's detail lists
    /// each estimator once (an ensemble by its last member's epochs and loss).
    func mergeTrain(_ shards: [(folder: String, items: Int, detail: String)], into partial: String) throws -> (items: Int, detail: String) {
        let list = trainShardList()
        var parts: [String] = []
        for estimator in recipe.estimators {
            let indices = list.indices.filter { list[$0].estimator.name == estimator.name }
            if estimator.ensemble == 1, let i = indices.first {
                try move(shards[i].folder + "/" + estimator.name, to: partial + "/" + estimator.name)
            } else {
                let models = try indices.map { try ModelFolder.load(from: shards[$0].folder + "/member") }
                try EnsembleFolder.save(models, kind: estimator.networkMethod.kind == .score ? .score : .parameterizedRatio,
                                        to: partial + "/" + estimator.name)
            }
            if let last = indices.last { parts.append(shards[last].detail) }
        }
        return (shards.reduce(0) { $0 + $1.items }, parts.isEmpty ? "no estimators" : parts.joined(separator: ", "))
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

    /// `sally` and `ideal_sally`: log L at the points of `block` (of `grid`) of a histogram of `score`'s
    /// values, adaptive bins (`inference.histogram.bins` per axis, default 20) from the data's scores.
    /// With `nuisance` (the nominal ν of a simulator with nuisance parameters) the histogram holds the
    /// score's θ components, the expectations come from the full model and the likelihood is profiled over ν.
    func scoreHistogramLogLikelihood(_ score: any ScoreEstimator, sim: any Simulator, data: ScanData, grid: ParameterGrid, block: ParameterGrid,
                                     rate: EventRate?, thetaTrue: [Double]?, nuisance: [Double] = []) throws -> [Double] {
        let likelihood = try scoreHistogramLikelihood(score, sim: sim, data: data, grid: grid, thetaTrue: thetaTrue, nuisance: nuisance)
        guard !nuisance.isEmpty else { return try likelihood.evaluator(data: data, rate: rate, asimovTheta: thetaTrue)(block) }
        return try profiledHistogramLogLikelihood(likelihood, sim: sim, data: data, grid: grid, block: block, rate: rate,
                                                  asimovTheta: thetaTrue.map { $0 + nuisance })
    }

    /// SALLY's binned likelihood: adaptive bins (`inference.histogram.bins`, default 20 per axis) on the score
    /// t̂(x) of `data`, expectations from one sample of `sim` at θ_true (followed by `nuisance`) reweighted to every θ.
    func scoreHistogramLikelihood(_ score: any ScoreEstimator, sim: any Simulator, data: ScanData, grid: ParameterGrid,
                                  thetaTrue: [Double]?, nuisance: [Double] = []) throws -> HistogramLikelihood {
        // The histogram holds the score's θ components; the ν components' information enters through the profiled expectations.
        let components = grid.parameterCount
        guard components <= 2, score.parameterCount >= components else {
            throw SBIError.data("sally histograms take at most 2 score components (the parameters of interest)", field: "inference.modes")
        }
        let features = components == score.parameterCount ? HistogramFeatures.score(score) : .leadingScore(score, count: components)
        let histogram = try Histogram.adaptive(sample: try features.evaluate(data.x),
                                               bins: Array(repeating: recipe.inference.histogram?.bins ?? 20, count: components))
        return HistogramLikelihood(histogram: histogram, features: features,
                                   expectation: try expectation(sim, grid: grid, thetaTrue: thetaTrue.map { $0 + nuisance }, nuisance: nuisance))
    }

    /// A histogram likelihood over (θ, ν) profiled over the simulator's nuisance parameters (`ProfileLikelihood`)
    /// at the points of `block` (of `grid`): the expectations are reweighted to every (θ, ν) from one sample,
    /// so log L is smooth in ν.
    func profiledHistogramLogLikelihood(_ likelihood: HistogramLikelihood, sim: any Simulator, data: ScanData, grid: ParameterGrid,
                                        block: ParameterGrid, rate: EventRate?, asimovTheta: [Double]?) throws -> [Double] {
        let nuisance = recipe.simulatorNuisanceNames, names = recipe.modelParameterNames
        let logLikelihood = try likelihood.evaluator(data: data, rate: rate, asimovTheta: asimovTheta)
        return try ProfileLikelihood.profiledLogLikelihood(grid: block, nuisance: nuisance, nuisanceRanges: Array(sim.parameterSpace.ranges.suffix(nuisance.count)),
                                                           chainLength: ProfileLikelihood.chainLength(of: grid)) {
            try logLikelihood(try ParameterGrid(names: names, points: $0))
        }.logLikelihood
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
