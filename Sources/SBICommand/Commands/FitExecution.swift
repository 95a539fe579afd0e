import Foundation
import SBICore
import SBIExecution
import SBIRecipes

/// How `sbi fit` runs a recipe's shards: in this process (`--jobs 1`), in local processes, or on Slurm.
///
/// ```
/// local, jobs 1:  FitPipeline.run()                       (shards one after the other, in this process)
/// local, jobs N:  LocalExecutor    sbi fit R --out D --shard S --shard-index i --threads ⌊cores/N⌋
/// slurm:          SlurmExecutor    the same commands as array tasks; sbi fit R --out D --merge S as merge jobs
/// ```
/// Either way the parent holds the output folder's lock, plans the stages (`FitPipeline.plan`) and
/// reports from the stage records; the shard processes write only their own shard folders.
struct FitExecution {
    enum Kind: String { case local, slurm }

    let kind: Kind
    let jobs: Int
    let slurm: SlurmOptions
    let wait: Bool
    let recipe: Recipe
    let recipePath: String
    let pipeline: FitPipeline
    let log: (String) -> Void

    /// Reads the executor options (command line over the recipe's `execution` section).
    /// - Throws: `SBIError.usage` for an unknown executor, a bad number or Slurm options with the local executor.
    init(parsed: ParsedOptions, recipe: Recipe, recipePath: String, pipeline: FitPipeline, log: @escaping (String) -> Void) throws {
        let section = recipe.execution
        let name = parsed.value("executor") ?? section?.executor ?? Kind.local.rawValue
        guard let kind = Kind(rawValue: name) else {
            throw SBIError.usage("--executor '\(name)': expected local or slurm", field: "--executor")
        }
        let jobs = try parsed.integer("jobs", in: 1...1024) ?? section?.jobs ?? 1
        var options = SlurmOptions(partition: section?.slurm?.partition, account: section?.slurm?.account, time: section?.slurm?.time,
                                   memory: section?.slurm?.memory, cpusPerTask: section?.slurm?.cpusPerTask,
                                   extraArguments: section?.slurm?.sbatchArguments ?? [], startTimeout: section?.slurm?.startTimeout)
        if let v = parsed.value("partition") { options.partition = v }
        if let v = parsed.value("account") { options.account = v }
        if let v = parsed.value("time") { options.time = v }
        if let v = parsed.value("mem") { options.memory = v }
        if let v = try parsed.integer("cpus-per-task", in: 1...1024) { options.cpusPerTask = v }
        let extra = parsed.allValues("sbatch-arg")
        if !extra.isEmpty { options.extraArguments = extra }
        if let text = parsed.value("start-timeout") {
            guard let s = Double(text), s > 0, s.isFinite else {
                throw SBIError.usage("--start-timeout '\(text)': expected a number of seconds > 0", field: "--start-timeout")
            }
            options.startTimeout = s
        }
        let slurmOnly = ["partition", "account", "time", "mem", "cpus-per-task", "sbatch-arg", "start-timeout", "no-wait"]
        if kind == .local, let given = slurmOnly.first(where: { parsed.value($0) != nil || parsed.has($0) }) {
            throw SBIError.usage("--\(given) applies to --executor slurm only", field: "--" + given)
        }
        self.init(kind: kind, jobs: jobs, slurm: options, wait: !parsed.has("no-wait"), recipe: recipe, recipePath: recipePath,
                  pipeline: pipeline, log: log)
    }

    /// An execution with every choice given (`sbi bench fit` times each executor this way).
    init(kind: Kind, jobs: Int, slurm: SlurmOptions = SlurmOptions(), wait: Bool = true, recipe: Recipe, recipePath: String,
         pipeline: FitPipeline, log: @escaping (String) -> Void) {
        self.kind = kind
        self.jobs = jobs
        self.slurm = slurm
        self.wait = wait
        self.recipe = recipe
        self.recipePath = recipePath
        self.pipeline = pipeline
        self.log = log
    }

    /// The stage named `text` (`--shard`, `--merge`).
    static func stage(_ text: String, option: String) throws -> RecipeStage {
        guard let stage = RecipeStage(rawValue: text), FitPipeline.stages.contains(stage) else {
            throw SBIError.usage("--\(option) '\(text)': expected one of " + FitPipeline.stages.map(\.rawValue).joined(separator: ", "),
                                 field: "--" + option)
        }
        return stage
    }

    /// Runs the recipe; nil when the work was submitted and left running (`--no-wait`).
    func run() throws -> FitReport? {
        if kind == .local && jobs == 1 {
            try refuseWhileJobsQueued()
            return try pipeline.run()
        }
        // As many pieces as processes (each limits block repeats the set-up); 4 on Slurm.
        var pipeline = pipeline
        pipeline.pieces = pipeline.pieces ?? recipe.execution?.pieces ?? (kind == .local ? jobs : 4)
        let lock = try pipeline.lockFolder()
        defer { lock.release() }
        try Self.claimLogFolder(logFolder)
        try refuseWhileJobsQueued()
        let plans = try pipeline.plan()
        for plan in plans where plan.done { log("\(plan.stage.rawValue): skipped (inputs unchanged)") }
        let stages = plans.filter { !$0.done }.map { shardedStage($0, pipeline: pipeline) }
        let logs = logFolder
        let executable = try Self.executablePath()
        switch kind {
        case .local:
            var ran: [RecipeStage: Double] = [:]
            let executor = LocalExecutor(executable: executable, jobs: jobs, logFolder: logs, threadArguments: { ["--threads", "\($0)"] }, log: log)
            for (plan, stage) in zip(plans.filter { !$0.done }, stages) {
                let start = ProgressReporter.monotonicSeconds()
                _ = try executor.execute([stage])
                ran[plan.stage] = ProgressReporter.monotonicSeconds() - start
                log("\(plan.stage.rawValue): done in \(String(format: "%.2f", ran[plan.stage] ?? 0)) s")
            }
            return pipeline.report(ran: ran)
        case .slurm:
            let name = "sbi-" + recipe.name.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
            var executor = SlurmExecutor(executable: executable, logFolder: logs, options: slurm, wait: wait, jobName: name,
                                         threadArguments: { ["--threads", "\($0)"] }, log: log)
            // A stage's wall time: from the previous stage's end (or the submission) to its own, as seen in the queue.
            let clock = StageClock()
            executor.stageFinished = { clock.lap($0) }
            if case .submitted = try executor.execute(stages) { return nil }
            var ran: [RecipeStage: Double] = [:]
            for (name, seconds) in clock.laps { if let stage = RecipeStage(rawValue: name) { ran[stage] = seconds } }
            return pipeline.report(ran: ran)
        }
    }

    /// Seconds between successive calls of `lap`, by name.
    final class StageClock {
        private var last = ProgressReporter.monotonicSeconds()
        private(set) var laps: [(String, Double)] = []

        func lap(_ name: String) {
            let now = ProgressReporter.monotonicSeconds()
            laps.append((name, now - last))
            last = now
        }
    }

    /// `<out>/logs`, absolute.
    var logFolder: String { Self.absolute(pipeline.folder) + "/logs" }

    /// One stage as the executors see it: shard and merge commands by absolute path.
    func shardedStage(_ plan: FitStagePlan, pipeline: FitPipeline) -> ShardedStage {
        let base = ["fit", Self.absolute(recipePath), "--out", Self.absolute(pipeline.folder), "--quiet"]
            + (pipeline.pieces.map { ["--pieces", "\($0)"] } ?? [])
        let stage = plan.stage
        return ShardedStage(name: stage.rawValue, shardLabels: plan.shards.map(\.label), pending: plan.pending,
                            shardArguments: base + ["--shard", stage.rawValue], mergeArguments: base + ["--merge", stage.rawValue],
                            shardIsDone: { pipeline.storedShardIsDone(stage, $0) }, isDone: { pipeline.stageIsDone(stage) })
    }

    /// Makes `<out>/logs` sbi's: created and marked (`OwnedFolder`) when missing; an existing one without
    /// the marker that holds anything is the user's and is refused, since shard logs would overwrite files in it.
    /// - Throws: `SBIError.io` naming the folder.
    static func claimLogFolder(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw SBIError.io("exists and is not a folder; the shard logs go here", file: path) }
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            guard entries.isEmpty || entries.contains(OwnedFolder.markerName) else {
                throw SBIError.io("refusing to write shard logs into this folder: sbi did not create it and it is not empty; "
                                  + "choose another outputs.folder (or --out) or move it", file: path)
            }
            return
        }
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw SBIError.io("cannot create the log folder: \(error.localizedDescription)", file: path)
        }
        try OwnedFolder.mark(path, writer: "sbi fit")
    }

    /// Refuses to run while jobs of an earlier Slurm submission into this folder are queued or running.
    func refuseWhileJobsQueued() throws {
        try SlurmExecutor.refuseWhileQueued(logFolder: logFolder, log: log)
    }

    /// This program's absolute path (the shard tasks run it).
    static func executablePath() throws -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        let argument0 = CommandLine.arguments.first ?? "sbi"
        if let path = ChildProcess.resolve(argument0) { return absolute(path) }
        throw SBIError.io("cannot find this program's own path to start shard processes", file: argument0)
    }

    /// `path` made absolute against the working directory.
    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
