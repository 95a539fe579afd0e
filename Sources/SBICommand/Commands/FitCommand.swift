import Foundation
import SBICore
import SBIExecution
import SBIRecipes

/// `sbi fit RECIPE`: the staged pipeline augment → train → limits → plot (Recipes/README.md, the stages),
/// in this process, in several local processes, or as Slurm jobs.
enum FitCommand {
    static let command = SubCommand(
        name: "fit",
        summary: "Run a recipe end to end: samples, training, limits, contour files (staged, resumable; local or on Slurm).",
        synopsis: "RECIPE [--out DIR] [--force] [--executor local|slurm] [--jobs N] [--quiet] [--threads N]  |  --status DIR",
        discussion: """
        Reads and validates RECIPE (problems are printed as FILE:LINE:COLUMN: KEY.PATH: MESSAGE,
        exit 1, nothing written), then runs the stages in the output folder (outputs.folder, or
        --out), each in its own subfolder:
          augment/<sample>/   augmented samples (x, theta0, theta1, y, r_xz, t_xz as .npy)
          train/<estimator>/  model folders
          limits/             contours.json, pvalues.npy, grid.npy (3 or more parameters: profiles/<a>/ and
                              profiles/<a>_vs_<b>/, each parameter and pair with the others profiled, instead of contours.json)
          plot/               the result files listed in outputs.files (contours.svg, hepdata.yaml, ...)
        Each stage is written to a temporary folder and renamed into place with a stage.json
        holding the hash of its inputs. A re-run skips stages whose inputs did not change;
        after an interruption the run resumes at the first unfinished stage. --force redoes all.
        A summary table (stage, wall time, samples/s, best fit, interval or contour area) and the
        closure report (every estimator's region size per confidence level and, when the truth
        mode ran, its ratio to the exact likelihood's region) end the run.

        Stages are made of shards (augment: one per sample; train: one per estimator or ensemble
        member; limits: one per block of grid rows; --pieces N cuts the grid, and each sample of a plain
        simulator, into N shards) whose results do not depend on where they ran:
          --executor local --jobs N   N shard processes at once on this machine (default 1: this process)
          --executor slurm            each stage a Slurm job array (one task per shard) and a merge job,
                                      chained with --dependency=afterok; batch scripts and logs in DIR/logs/
        The recipe's execution section sets the same (the command line wins). Shards finished
        by an earlier run are kept: after a failure or a scancel, running sbi fit again runs only
        the missing ones. --status DIR shows what is done, queued, running or failed.
        """,
        options: [
            .value("out", "DIR", "Output folder (default: the recipe's outputs.folder)."),
            .flag("force", "Redo every stage, even if its inputs are unchanged."),
            .value("executor", "NAME", "local (default) or slurm."),
            .value("jobs", "N", "local: shard processes at once (default: the recipe's, else 1)."),
            .flag("no-wait", "slurm: submit and return instead of following the jobs to the end."),
            .value("pieces", "N", "Shards per grid and plain-simulator sample (default: the recipe's, else --jobs; 4 on Slurm)."),
            .flag("status", "Show the state of the run in DIR (done, queued, running, failed shards)."),
            .value("partition", "NAME", "slurm: sbatch --partition."),
            .value("account", "NAME", "slurm: sbatch --account."),
            .value("time", "LIMIT", "slurm: sbatch --time per task (\"2:00:00\")."),
            .value("mem", "SIZE", "slurm: sbatch --mem per task (\"4G\")."),
            .value("cpus-per-task", "N", "slurm: sbatch --cpus-per-task (each task then uses N threads)."),
            .value("sbatch-arg", "ARG", "slurm: one more sbatch argument, repeatable (--sbatch-arg=--qos=short)."),
            .value("start-timeout", "SECONDS", "slurm: fail (and cancel every job) if no job has started by then."),
            .value("shard", "STAGE", "Internal: run one shard of STAGE (with --shard-index) into DIR/.shards/."),
            .value("shard-index", "I", "Internal: the shard to run."),
            .value("merge", "STAGE", "Internal: merge the finished shards of STAGE into its stage folder."),
        ],
        run: { parsed, console in
            if parsed.has("status") {
                guard parsed.positionals.count == 1, let folder = parsed.positionals.first else {
                    throw SBIError.usage("--status expects the output folder of a run (sbi fit --status DIR)")
                }
                for line in try FitStatus.lines(folder: folder) { console.print(line) }
                return
            }
            guard parsed.positionals.count == 1, let path = parsed.positionals.first else {
                throw SBIError.usage(parsed.positionals.isEmpty ? "expected a recipe file" : "expected one recipe file, got \(parsed.positionals.count)")
            }
            let recipe = try RecipeInput.load(path, console: console, consequence: "; nothing was run")
            let quiet = parsed.has("quiet")
            // Stage lines are progress (silenced by --quiet); warnings are always shown.
            let log: (String) -> Void = { line in
                guard !quiet || line.hasPrefix("warning:") else { return }
                FileHandle.standardError.write(Data(("sbi fit: " + line + "\n").utf8))
            }
            let pipeline = FitPipeline(recipe: recipe, folder: parsed.value("out"), force: parsed.has("force"),
                                       pieces: try parsed.integer("pieces", in: 1...100_000), log: log)
            if let stage = parsed.value("shard") {
                guard let index = try parsed.integer("shard-index", in: 0...1_000_000) else {
                    throw SBIError.usage("--shard needs --shard-index I")
                }
                try pipeline.runStoredShard(try FitExecution.stage(stage, option: "shard"), index: index)
                return
            }
            if let stage = parsed.value("merge") {
                try pipeline.mergeStoredShards(try FitExecution.stage(stage, option: "merge"))
                return
            }
            let execution = try FitExecution(parsed: parsed, recipe: recipe, recipePath: path, pipeline: pipeline, log: log)
            guard let report = try execution.run() else {
                console.print("submitted to Slurm; follow with: sbi fit --status \(pipeline.folder)")
                return
            }
            // The report page again, now with the wall time of every stage this run did.
            var seconds: [RecipeStage: Double] = [:]
            for row in report.rows where !row.skipped { seconds[row.stage] = row.seconds }
            if FileManager.default.fileExists(atPath: report.resultFolder + "/" + FitReportPage.fileName) {
                try FitReportPage.write(fit: pipeline.folder, seconds: seconds)
            }
            for line in report.tableLines() { console.print(line) }
            let closure = report.closureLines()
            if !closure.isEmpty {
                console.print("")
                for line in closure { console.print(line) }
            }
            console.print("results in \(report.resultFolder)")
            for file in report.resultFiles { console.print("wrote \(file)") }
        })
}
