import SBICore
import SBIInference
import SBINetworks

/// `sbi bench toy`: MadMiner's toy closure test (`MadMinerToyStudy`) for network seeds 1, 2, 3,
/// with MadMiner's tutorial settings (`madminer`), with `MadMinerToyStudy.Settings.tuned` (`tuned`) and
/// doubly parameterised (`doubly`: alices2 on more_ratios samples, `Settings.doubly`).
///
/// ```
/// toy_alices_<c>_mse_seed<s>          MSE of log r̂ against the exact log r on θ ∈ [−5, 5]
/// toy_alices_<c>_mse_inside_seed<s>   the same on |θ| ≤ 4 (inside the training prior)
/// toy_alices_<c>_mse_mean             mean of the three seeds (MadMiner 0.9.6, tutorial settings: 0.060)
/// toy_alices_<c>_train_rate           training samples/s (rows × epochs / training seconds)
/// toy_alices_<c>_wall                 seconds for the three trainings and their evaluation
/// ```
enum ToyBenchmark {
    static let seeds: [UInt64] = [1, 2, 3]

    static func figures() throws -> [(name: String, value: Double, unit: String)] {
        let data = try MadMinerToyStudy.trainingData(MadMinerToyStudy.Settings())
        let doubly = try MadMinerToyStudy.trainingData(.doubly)
        return try figures("madminer", MadMinerToyStudy.Settings(), data) + figures("tuned", .tuned, data)
            + figures("doubly", .doubly, doubly)
    }

    static func figures(_ label: String, _ settings: MadMinerToyStudy.Settings, _ data: TrainingDataset) throws
        -> [(name: String, value: Double, unit: String)] {
        let start = ProgressReporter.monotonicSeconds()
        let name = "toy_alices_" + label
        var figures: [(name: String, value: Double, unit: String)] = []
        var total = 0.0, rows = 0.0, seconds = 0.0
        for seed in seeds {
            let result = try MadMinerToyStudy.run(seed: seed, data: data, settings: settings)
            figures.append(("\(name)_mse_seed\(seed)", result.meanSquaredError, "mse"))
            figures.append(("\(name)_mse_inside_seed\(seed)", result.meanSquaredErrorInsidePrior, "mse"))
            total += result.meanSquaredError
            rows += result.samplesPerSecond * result.trainingSeconds
            seconds += result.trainingSeconds
        }
        figures.append(("\(name)_mse_mean", total / Double(seeds.count), "mse"))
        figures.append(("\(name)_train_rate", rows / seconds, "samples/s"))
        figures.append(("\(name)_wall", ProgressReporter.monotonicSeconds() - start, "s"))
        return figures
    }
}
