import Foundation
import SBICore
import SBIRecipes

/// `sbi bench fit`: the wall time of a whole `sbi fit` of each shipped recipe (README.md, "Benchmarks").
///
/// ```
/// fit_<recipe>_wall       seconds of augment + train + limits + plot, every stage forced
/// fit_<recipe>_<stage>    seconds of one stage
/// fit_<recipe>_<estimator>_cl<CL>_vs_truth   region size / truth region size (closure report; 3 or more parameters:
///                                            fit_<recipe>_<profile>_<estimator>_cl<CL>_vs_truth for every profile)
/// with --jobs N (N > 1), the same recipe again with N local shard processes:
/// fit_<recipe>_jobs<N>_wall, fit_<recipe>_jobs<N>_<stage>   seconds
/// fit_<recipe>_jobs<N>_vs_jobs1_<stage>                     stage seconds / the one-process run's (stages of > 1 shard)
/// fit_<recipe>_jobs<N>_same_bytes                           1 when contours.json and pvalues.npy equal the one-process run's, else 0
/// with --executor slurm, again as Slurm jobs (SLURM_CONF as for sbi fit):
/// fit_<recipe>_slurm_wall  seconds;  fit_<recipe>_slurm_overhead  seconds over the one-process run;  fit_<recipe>_slurm_same_bytes
/// ```
/// Each recipe runs in a fresh temporary folder that is removed afterwards; progress is off.
enum FitBenchmark {
    /// The shipped recipes, in the order the README lists them.
    static let shipped = ["gaussian-quickstart.yaml", "drell-yan.yaml", "wbf-higgs.yaml"]

    /// The recipes to time: the given files, or the shipped ones found in ./Recipes or next to the
    /// package sources.
    static func locate(_ given: [String]) throws -> [String] {
        if !given.isEmpty {
            for path in given where !FileManager.default.fileExists(atPath: path) { throw SBIError.io("no such file (--recipe)", file: path) }
            return given
        }
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        for folder in ["Recipes", package.appendingPathComponent("Recipes").path] {
            let paths = shipped.map { folder + "/" + $0 }
            if paths.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) { return paths }
        }
        throw SBIError.usage("cannot find the shipped recipes (looked in ./Recipes and \(package.path)/Recipes); give --recipe FILE", field: "--recipe")
    }

    /// `(name, value, unit)` figures of one forced run of `path`: wall times, then the ratio of every
    /// closed region to the truth region.
    static func figures(recipePath path: String, console: Console, jobs: Int = 1, slurm: Bool = false) throws -> [(name: String, value: Double, unit: String)] {
        let recipe = try RecipeInput.load(path, console: console, consequence: "; nothing was run")
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let (wall, report, reference) = try timed(recipe: recipe, path: path, kind: .local, jobs: 1)
        var out: [(name: String, value: Double, unit: String)] = [("fit_\(name)_wall", wall, "s")]
        out += report.rows.map { ("fit_\(name)_\($0.stage.rawValue)", $0.seconds, "s") }
        // With 3 or more parameters every profile's ratios, named after it (`fit_<recipe>_theta1_vs_theta2_alices_cl68_vs_truth`).
        for (prefix, estimators) in [("", report.closure)] + report.profileClosure.map({ ($0.name + "_", $0.estimators) }) {
            for e in estimators where e.mode != "truth" {
                for r in e.regions ?? [] {
                    guard let ratio = r.ratioToTruth else { continue }
                    out.append(("fit_\(name)_\(prefix)\(e.name)_cl\(String(format: "%g", r.confidenceLevel * 100))_vs_truth", ratio, "x"))
                }
            }
        }
        if jobs > 1 {
            let other = try timed(recipe: recipe, path: path, kind: .local, jobs: jobs)
            out.append(("fit_\(name)_jobs\(jobs)_wall", other.wall, "s"))
            out.append(("fit_\(name)_jobs\(jobs)_same_bytes", other.results == reference ? 1 : 0, "bool"))
            out += other.report.rows.map { ("fit_\(name)_jobs\(jobs)_\($0.stage.rawValue)", $0.seconds, "s") }
            let pipeline = FitPipeline(recipe: recipe, pieces: recipe.execution?.pieces ?? jobs)
            for (row, single) in zip(other.report.rows, report.rows) where pipeline.shards(of: row.stage).count > 1 && single.seconds > 0 {
                out.append(("fit_\(name)_jobs\(jobs)_vs_jobs1_\(row.stage.rawValue)", row.seconds / single.seconds, "x"))
            }
        }
        if slurm {
            let run = try timed(recipe: recipe, path: path, kind: .slurm, jobs: 1)
            out.append(("fit_\(name)_slurm_wall", run.wall, "s"))
            out.append(("fit_\(name)_slurm_overhead", run.wall - wall, "s"))
            out.append(("fit_\(name)_slurm_same_bytes", run.results == reference ? 1 : 0, "bool"))
        }
        return out
    }

    /// A forced run of `recipe` through an executor (local with one job: in this process) in a fresh
    /// temporary folder of its own, removed afterwards: wall seconds, the report and the limits' bytes.
    static func timed(recipe: Recipe, path: String, kind: FitExecution.Kind, jobs: Int) throws -> (wall: Double, report: FitReport, results: [Data?]) {
        let folder = NSTemporaryDirectory() + "sbi-bench-fit-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pipeline = FitPipeline(recipe: recipe, folder: folder, force: true, log: nil)
        let start = DispatchTime.now().uptimeNanoseconds
        let execution = FitExecution(kind: kind, jobs: jobs, recipe: recipe, recipePath: path, pipeline: pipeline, log: { _ in })
        guard let report = try execution.run() else { throw SBIError(.internal, "the benchmark's executor returned before the run finished") }
        return (Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9, report, results(folder))
    }

    /// The bytes of a run's limits results (contours.json, pvalues.npy).
    static func results(_ folder: String) -> [Data?] {
        ["contours.json", "pvalues.npy"].map { FileManager.default.contents(atPath: folder + "/limits/" + $0) }
    }
}
