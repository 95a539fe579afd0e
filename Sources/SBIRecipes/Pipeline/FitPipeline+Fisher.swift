import Foundation
import SBICore
import SBIEstimators
import SBIInference
import SBIReport
import SBISimulation

/// The Fisher information at θ_true that the limits stage of `sbi fit` writes to `fisher.json`
/// when `inference.fisher_information` is set and the data are Asimov data.
///
/// ```
/// I_ij(θ) = N · E_x[t_i(x|θ) t_j(x|θ)]  (+ rate term),  t = ∇_θ log p(x|θ)
/// truth: exact score of the simulator on the same sample as the other entries (or the joint score on a sample of
/// its own if it has no exact likelihood); ml: score of r̂ by central
/// differences; sally: the estimated score t̂; histogram: Σ_b ∂ν_b ∂ν_bᵀ/ν_b of its bins; rate: ∂ν ∂νᵀ/ν
/// fisher.json = [{ "name", "mode", "parameters", "matrix": row-major [k·k] }]
/// with simulator nuisance parameters ν: entries over (θ, ν), then each profiled over ν with its N(0, 1)
/// constraint, named "<name>_profiled":  I_prof = I_θθ − I_θν (I_νν + 1)⁻¹ I_νθ
/// with `weights` nuisance parameters of real events: truth_events = L Σ_e ∇w_e ∇w_eᵀ / w_e over (θ, ν),
/// and truth_events_profiled
/// ```
/// arXiv:1805.00020 §4 (Fisher information), arXiv:1805.00013. The entries are `FisherFileEntry`s.

/// A likelihood of the limits stage whose Fisher information `fisher.json` records.
enum FitFisherSource {
    /// A ratio estimator (`ml` mode): score of log r̂ by central differences.
    case ratio(name: String, estimator: any LogRatioEstimator)
    /// A SALLY estimator (`sally` mode): I = N·E[t̂ t̂ᵀ], the information of the estimated score.
    case score(name: String, estimator: any ScoreEstimator)
    /// A histogram (`histogram` mode): the binned information Σ_b ∂ν_b ∂ν_bᵀ/ν_b.
    case histogram(name: String, histogram: Histogram, features: HistogramFeatures)
    /// The rate term alone (`rate` mode).
    case rate
}

/// Real events with the nuisance morphing of a recipe's `weights` entries, read once per limits stage.
struct WeightNuisanceEvents {
    /// Every event, with its weights at the benchmarks.
    let sample: WeightedEventSample
    /// a, b per event and nuisance parameter.
    let nuisance: NuisanceMorphing
    /// The events' morphing over the benchmarks.
    let morpher: Morpher
}

extension FitPipeline {
    /// The events and nuisance morphing of the recipe's `weights` entries; nil without them (or for a built-in simulator).
    func weightNuisanceEvents(_ sim: any Simulator) throws -> WeightNuisanceEvents? {
        let weights = (recipe.nuisance ?? []).filter { $0.kind == .weights }
        guard !weights.isEmpty, let events = recipe.simulator.events, let eventSim = sim as? EventSampleSimulator else { return nil }
        let read = try events.read(nuisance: weights)
        return read.nuisance.map { WeightNuisanceEvents(sample: read.sample, nuisance: $0, morpher: eventSim.morpher) }
    }

    /// With `weights` nuisance parameters (LHE scale and PDF variations of real events): the events'
    /// full-truth information over (θ, ν) at θ_true, ν = 0 (`FisherInformation.weightedEvents`, luminosity
    /// L of the recipe) and its profile over ν with N(0, 1) constraints, as entries `truth_events` and
    /// `truth_events_profiled` (empty without such nuisance parameters).
    func weightNuisanceFisher(_ weighted: WeightNuisanceEvents?, theta: [Double]) throws -> [FisherFileEntry] {
        guard let weighted, let lumi = recipe.inference.luminosityInversePicobarn else { return [] }
        let (sample, morphing) = (weighted.sample, weighted.nuisance)
        let full = try FisherInformation.weightedEvents(sample, morpher: weighted.morpher, nuisance: morphing, at: theta,
                                                        nu: [Double](repeating: 0, count: morphing.count), luminosity: lumi)
        let profiled = try full.addingGaussianConstraints(on: morphing.names).profiled(keeping: recipe.parameterNames)
        return [FisherFileEntry(name: "truth_events", mode: "truth_events", parameters: full.names, matrix: full.matrix.storage),
                FisherFileEntry(name: "truth_events_profiled", mode: "truth_events", parameters: profiled.names, matrix: profiled.matrix.storage)]
    }

    /// Fisher information at `theta` of the truth (when `withTruth`) and of every source, as `fisher.json` bytes.
    func fisherJSON(simulator sim: any Simulator, sources: [FitFisherSource], withTruth: Bool,
                    sample x: Matrix<Double>, theta: [Double], events: Double, rate: EventRate?,
                    extra: [FisherFileEntry] = []) throws -> [UInt8] {
        let names = recipe.modelParameterNames
        let n: Double? = rate == nil ? events : nil
        let seed = SeededRandom.splitmix64(recipe.seed &+ 3)
        var entries: [FisherFileEntry] = []
        if withTruth {
            let info: FisherInformation
            if let exact = sim as? any ExactLikelihoodSimulator {
                // The same events as every other entry: t² is heavy-tailed (wbf-higgs: two samples of 20 000 and
                // 50 000 events gave I(fWW, fWW) 61.8 and 68.0), so only a common sample makes the ratios meaningful.
                info = try FisherInformation.sally(estimator: try ExactScore(simulator: exact, reference: theta), names: names,
                                                   sample: x, at: theta, events: n, rate: rate)
            } else {
                info = try FisherInformation.truth(simulator: sim, at: theta, events: n, rate: rate, sampleSize: 20_000, seed: seed)
            }
            entries.append(FisherFileEntry(name: "truth", mode: "truth", parameters: names, matrix: info.matrix.storage))
        }
        for source in sources {
            switch source {
            case .ratio(let name, let estimator):
                let info = try FisherInformation.ml(estimator: estimator, names: names, sample: x, at: theta, events: n, rate: rate)
                entries.append(FisherFileEntry(name: name, mode: "ml", parameters: names, matrix: info.matrix.storage))
            case .score(let name, let estimator):
                let info = try FisherInformation.sally(estimator: estimator, names: names, sample: x, at: theta, events: n, rate: rate)
                entries.append(FisherFileEntry(name: name, mode: "sally", parameters: names, matrix: info.matrix.storage))
            case .histogram(let name, let histogram, let features):
                let info = try FisherInformation.histogram(histogram, features: features, simulator: sim, at: theta, events: n, rate: rate,
                                                           sampleSize: 100_000, seed: seed)
                entries.append(FisherFileEntry(name: name, mode: "histogram", parameters: names, matrix: info.matrix.storage))
            case .rate:
                guard let rate else { continue }
                let info = try FisherInformation.rate(rate, names: names, at: theta)
                entries.append(FisherFileEntry(name: "rate", mode: "rate", parameters: names, matrix: info.matrix.storage))
            }
        }
        // With simulator nuisance parameters: each entry profiled over them, N(0, 1) constraints added.
        let nuisance = recipe.simulatorNuisanceNames
        if !nuisance.isEmpty {
            for entry in entries {
                let full = FisherInformation(names: entry.parameters, matrix: Matrix(rows: names.count, columns: names.count, storage: entry.matrix))
                let profiled = try full.addingGaussianConstraints(on: nuisance).profiled(keeping: recipe.parameterNames)
                entries.append(FisherFileEntry(name: entry.name + "_profiled", mode: entry.mode, parameters: profiled.names,
                                              matrix: profiled.matrix.storage))
            }
        }
        entries += extra
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array(try encoder.encode(entries)) + [0x0a]
    }
}
