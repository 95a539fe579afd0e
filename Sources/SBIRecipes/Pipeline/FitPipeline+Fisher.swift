import Foundation
import SBICore
import SBIEstimators
import SBIInference
import SBISimulation

/// The Fisher information at θ_true that the limits stage of `sbi fit` writes to `fisher.json`
/// when `inference.fisher_information` is set and the data are Asimov data.
///
/// ```
/// I_ij(θ) = N · E_x[t_i(x|θ) t_j(x|θ)]  (+ rate term),  t = ∇_θ log p(x|θ)
/// truth: exact score of the simulator (or joint score if it has no exact likelihood); ml: score of r̂ by central differences
/// fisher.json = [{ "name", "mode", "parameters", "matrix": row-major [k·k] }]
/// ```
/// arXiv:1805.00020 §4 (Fisher information), arXiv:1805.00013.
struct FitFisherEntry: Codable, Equatable {
    var name: String
    var mode: String
    var parameters: [String]
    var matrix: [Double]
}

extension FitPipeline {
    /// Fisher information of every truth and ml result at `theta`, as `fisher.json` bytes.
    func fisherJSON(simulator sim: any Simulator, ratioEstimators: [(String, any LogRatioEstimator)], withTruth: Bool,
                    sample x: Matrix<Double>, theta: [Double], events: Double, rate: EventRate?) throws -> [UInt8] {
        let names = recipe.parameterNames
        var entries: [FitFisherEntry] = []
        if withTruth {
            let seed = SeededRandom.splitmix64(recipe.seed &+ 3)
            let info: FisherInformation
            if let exact = sim as? any ExactLikelihoodSimulator {
                info = try FisherInformation.exact(simulator: exact, at: theta, events: rate == nil ? events : nil, rate: rate,
                                                   sampleSize: 20_000, seed: seed)
            } else {
                info = try FisherInformation.truth(simulator: sim, at: theta, events: rate == nil ? events : nil, rate: rate,
                                                   sampleSize: 20_000, seed: seed)
            }
            entries.append(FitFisherEntry(name: "truth", mode: "truth", parameters: names, matrix: info.matrix.storage))
        }
        for (name, estimator) in ratioEstimators {
            let info = try FisherInformation.ml(estimator: estimator, names: names, sample: x, at: theta,
                                                events: rate == nil ? events : nil, rate: rate)
            entries.append(FitFisherEntry(name: name, mode: "ml", parameters: names, matrix: info.matrix.storage))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array(try encoder.encode(entries)) + [0x0a]
    }
}
