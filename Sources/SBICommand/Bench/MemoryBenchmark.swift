import Foundation
import SBICore
import SBIRecipes

/// `sbi bench memory`: the peak resident memory of a one-process `sbi fit` that augments and trains a
/// large sample, cut into pieces so that augmentation holds one piece at a time and the merge gathers
/// from disk (`SampleAugmenter.mergeEventShards`).
///
/// ```
/// memory_<events>_pieces                 pieces the sample is cut into (one per 2·10⁶ events)
/// memory_<events>_augment, _train, _wall seconds
/// memory_<events>_max_rss                MiB, the process's peak resident set (VmHWM)
/// ```
/// The recipe: gaussian, one ratio sample of `events` events (θ0 flat prior, θ1 = 0, 20 % validation),
/// ALICES with one hidden layer of 20, one epoch; limits on 41 points. Runs in a temporary folder.
enum MemoryBenchmark {
    static func figures(events: Int) throws -> [(name: String, value: Double, unit: String)] {
        let pieces = max(1, (events + 1_999_999) / 2_000_000)
        let text = """
            name: memory
            seed: 4
            parameters:
              - {name: theta, range: [-3, 3]}
            simulator: {name: gaussian}
            samples:
              - {name: train, kind: ratio, theta0: {prior: flat}, theta1: {point: [0]}, events: \(events), validation_split: 0.2, test_split: 0}
            estimators:
              - {name: alices, method: alices, sample: train, hidden_layers: [20], training: {epochs: 1}}
            inference: {modes: [truth, ml], theta_true: [1], expected_events: 50, asimov_events: 2000, grid: {points: 41}}
            outputs: {folder: out}

            """
        let folder = NSTemporaryDirectory() + "sbi-bench-memory-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let recipe = try RecipeLoader.parse(text, file: "memory.yaml", folder: NSTemporaryDirectory())
        let start = ProgressReporter.monotonicSeconds()
        let report = try FitPipeline(recipe: recipe, folder: folder, force: true, pieces: pieces, log: nil).run()
        let wall = ProgressReporter.monotonicSeconds() - start
        let label = "memory_\(events)"
        var out: [(name: String, value: Double, unit: String)] = [(label + "_pieces", Double(pieces), "pieces")]
        for row in report.rows where row.stage == .augment || row.stage == .train { out.append((label + "_" + row.stage.rawValue, row.seconds, "s")) }
        out.append((label + "_wall", wall, "s"))
        out.append((label + "_max_rss", peakResidentMiB(), "MiB"))
        return out
    }

    /// VmHWM of /proc/self/status in MiB (0 where there is none).
    static func peakResidentMiB() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }
}
