import Foundation
import SBICore

/// Runs each stage as Slurm jobs: one job array for its pending shards (one task per shard), then
/// a merge job, chained so that nothing starts before what it reads is finished.
///
/// ```
/// stage s:  A_s = sbatch --array=<pending> --dependency=afterok:M_{s-1}  <logs>/<s>.sbatch   → <logs>/<s>-%a.log
///           M_s = sbatch --dependency=afterok:A_s                        <logs>/<s>-merge.sbatch → <logs>/<s>-merge.log
/// ```
/// The batch scripts run the executable and the pipeline's arguments by absolute path, so the
/// output folder must be on a file system every node sees. The job ids go to `slurm-jobs.json` in
/// the log folder; a submission refuses to start while jobs of the previous one are still queued.
/// With `wait` the executor then follows the stages: a shard whose task left the queue without its
/// result is named with its log and every later job is cancelled (other shards keep their results,
/// so the next run submits only what is missing); no job started within `options.startTimeout`
/// cancels everything.
/// [1] Slurm documentation: `sbatch` (`--array`, `--dependency=afterok`, `--parsable`), `squeue`, `scancel`.
public struct SlurmExecutor: ShardExecutor {
    /// The program every task runs, by absolute path.
    public var executable: String
    /// Where batch scripts, logs and `slurm-jobs.json` go.
    public var logFolder: String
    /// Resources asked for every job.
    public var options: SlurmOptions
    /// Follow the jobs until the last stage is finished (false: submit and return).
    public var wait: Bool
    /// Job name prefix ("sbi-<recipe>"); the stage name is appended.
    public var jobName: String
    /// Arguments appended to shard commands for a thread count (from `options.cpusPerTask`).
    public var threadArguments: (Int) -> [String]
    /// Receives one line per submission, finished stage or failure; nil: silent.
    public var log: ((String) -> Void)?
    /// Seconds between looks at the queue.
    public var pollInterval: Double = 1
    /// Called with a stage's name when `wait` sees it finished (for per-stage wall times).
    public var stageFinished: ((String) -> Void)?

    /// An executor submitting with `options` from `logFolder`.
    public init(executable: String, logFolder: String, options: SlurmOptions = SlurmOptions(), wait: Bool = true,
                jobName: String = "sbi", threadArguments: @escaping (Int) -> [String] = { _ in [] }, log: ((String) -> Void)? = nil) {
        self.executable = executable
        self.logFolder = logFolder
        self.options = options
        self.wait = wait
        self.jobName = jobName
        self.threadArguments = threadArguments
        self.log = log
    }

    public func execute(_ stages: [ShardedStage]) throws -> ExecutionOutcome {
        for tool in ["sbatch", "squeue", "scancel"] where ChildProcess.resolve(tool) == nil {
            throw SBIError(.io, field: tool, "\(tool) is not on PATH; the slurm executor needs Slurm's commands (use --executor local on a machine without Slurm)")
        }
        try Self.refuseWhileQueued(logFolder: logFolder, log: log)
        let work = stages.filter { !($0.pending.isEmpty && $0.isDone()) }
        guard !work.isEmpty else { return .finished }
        let record = try submit(work)
        guard wait else { return .submitted(jobs: record.jobIDs) }
        try follow(work, record: record)
        return .finished
    }

    /// Refuses to go on while jobs of the submission recorded in `logFolder` are queued or running.
    /// Jobs that can never start (pending with reason DependencyNeverSatisfied: what they wait for
    /// failed or was cancelled) are cancelled instead, so they do not block the next run.
    /// Does nothing without a record or without `squeue` (a machine without Slurm).
    /// - Throws: `SBIError.io` naming the record file and the queued jobs.
    public static func refuseWhileQueued(logFolder: String, log: ((String) -> Void)? = nil) throws {
        guard let record = SlurmJobRecord.read(folder: logFolder), ChildProcess.resolve("squeue") != nil else { return }
        let queue = try SlurmQueue.read(jobs: record.jobIDs)
        // A stuck job and every job of the stages after it (they wait on it) can never run.
        let neverStart = Set(queue.entries.filter { $0.reason == "DependencyNeverSatisfied" }.map(\.job))
        let first = record.stages.firstIndex { stage in ([stage.arrayJob, stage.mergeJob].compactMap { $0 }).contains(where: neverStart.contains) }
        let stuck = first.map { record.stages[$0...].flatMap { [$0.arrayJob, $0.mergeJob].compactMap { $0 } } }?.filter(queue.contains) ?? []
        if !stuck.isEmpty {
            _ = try? ChildProcess.run("scancel", stuck)
            log?("cancelled job(s) \(stuck.joined(separator: ", ")) of the previous submission: what they waited for failed or was cancelled")
        }
        let live = Set(queue.entries.map(\.job)).subtracting(stuck).sorted()
        guard live.isEmpty else {
            throw SBIError.io("Slurm jobs \(live.joined(separator: ", ")) of the previous submission into this folder are still queued or running; "
                              + "wait for them (sbi fit --status) or cancel them (scancel \(live.joined(separator: " "))) before running again",
                              file: logFolder + "/" + SlurmJobRecord.fileName)
        }
    }

    /// Submits every stage's array and merge, chained; cancels what it submitted if a submission fails.
    func submit(_ stages: [ShardedStage]) throws -> SlurmJobRecord {
        do { try FileManager.default.createDirectory(atPath: logFolder, withIntermediateDirectories: true) } catch {
            throw SBIError.io("cannot create the log folder: \(error.localizedDescription)", file: logFolder)
        }
        var record = SlurmJobRecord(stages: [])
        var previous: String?
        do {
            for stage in stages {
                var array: String?
                if !stage.pending.isEmpty {
                    let threads = options.cpusPerTask ?? 1
                    let script = try writeScript(stage.name, command: [executable] + stage.shardArguments + threadArguments(threads)
                                                 + [ShardedStage.indexOption], indexFromArray: true)
                    array = try sbatch(["--array=" + Self.arraySpec(stage.pending), "--job-name=\(jobName)-\(stage.name)",
                                        "--output=" + logFolder + "/" + stage.name + "-%a.log"]
                                       + (previous.map { ["--dependency=afterok:" + $0] } ?? []), script: script)
                }
                let mergeScript = try writeScript(stage.name + "-merge", command: [executable] + stage.mergeArguments, indexFromArray: false)
                let after = array ?? previous
                let merge = try sbatch(["--job-name=\(jobName)-\(stage.name)-merge", "--output=" + stage.mergeLog(in: logFolder)]
                                       + (after.map { ["--dependency=afterok:" + $0] } ?? []), script: mergeScript)
                record.stages.append(.init(name: stage.name, shards: stage.pending, arrayJob: array, mergeJob: merge))
                log?("\(stage.name): submitted " + (array.map { "array job \($0) (\(stage.pending.count) of \(stage.shardCount) shards), " } ?? "")
                     + "merge job \(merge)")
                previous = merge
                try record.write(folder: logFolder)
            }
        } catch {
            cancel(record.jobIDs)
            throw error
        }
        return record
    }

    /// Follows the submitted stages to the end (see the type's doc).
    func follow(_ stages: [ShardedStage], record: SlurmJobRecord) throws {
        let start = ProgressReporter.monotonicSeconds()
        var started = false
        for (stage, jobs) in zip(stages, record.stages) {
            let progress = ProgressReporter(stage: stage.name + " (slurm)", total: stage.pending.count, unit: "shards")
            var reported = 0
            while true {
                let queue = try SlurmQueue.read(jobs: [jobs.arrayJob, jobs.mergeJob].compactMap { $0 })
                if stage.isDone() { break }
                let done = stage.pending.filter(stage.shardIsDone).count
                if done > reported { progress.advance(by: done - reported); reported = done }
                let arrayQueued = jobs.arrayJob.map(queue.contains) ?? false
                if !arrayQueued {
                    let missing = stage.pending.filter { !stage.shardIsDone($0) }
                    if !missing.isEmpty {
                        cancel(record.jobIDs)
                        let list = missing.map { "\($0) (\(stage.shardLabels[$0])): \(stage.shardLog($0, in: logFolder))" }
                        throw SBIError.io("\(missing.count) of \(stage.shardCount) \(stage.name) shard(s) failed or were cancelled; the other "
                                          + "shards' results are kept and the next run submits only the missing ones; later jobs were cancelled. "
                                          + "Missing: " + list.joined(separator: "; ") + LocalExecutor.excerpt(stage.shardLog(missing[0], in: logFolder)),
                                          file: stage.shardLog(missing[0], in: logFolder))
                    }
                    if !queue.contains(jobs.mergeJob) {
                        cancel(record.jobIDs)
                        throw SBIError.io("the \(stage.name) merge job \(jobs.mergeJob) ended without finishing the stage; later jobs were cancelled"
                                          + LocalExecutor.excerpt(stage.mergeLog(in: logFolder)), file: stage.mergeLog(in: logFolder))
                    }
                }
                if !started {
                    started = done > 0 || queue.entries.contains { $0.state != "PENDING" }
                    if !started, let limit = options.startTimeout, ProgressReporter.monotonicSeconds() - start > limit {
                        cancel(record.jobIDs)
                        let reasons = Set(queue.entries.map(\.reason)).sorted().joined(separator: ", ")
                        throw SBIError(.io, field: "start_timeout", "no job started within \(Self.seconds(limit)) (Slurm's reason: \(reasons.isEmpty ? "none given" : reasons)); "
                                          + "every job was cancelled; check the partition, account and limits")
                    }
                }
                Thread.sleep(forTimeInterval: pollInterval)
            }
            progress.finish()
            stageFinished?(stage.name)
            log?("\(stage.name): finished on Slurm (\(stage.pending.count) shard(s))")
        }
    }

    /// `sbatch --parsable ARGS OPTIONS SCRIPT`, returning the job id.
    func sbatch(_ arguments: [String], script: String) throws -> String {
        let result = try ChildProcess.run("sbatch", ["--parsable"] + arguments + options.sbatchArguments + [script])
        let message = result.error.trimmingCharacters(in: .whitespacesAndNewlines)
        // --parsable prints "jobid" or "jobid;cluster".
        guard result.status == 0, let id = result.output.split(whereSeparator: { $0 == ";" || $0.isNewline }).first.map(String.init),
              !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw SBIError.io("sbatch refused the job: " + (message.isEmpty ? "exit \(result.status), no message" : message), file: script)
        }
        return id
    }

    /// Writes `<logs>/<name>.sbatch`: a POSIX shell script running `command`, quoted; with
    /// `indexFromArray` the array task id is appended as the shard index.
    func writeScript(_ name: String, command: [String], indexFromArray: Bool) throws -> String {
        let path = logFolder + "/" + name + ".sbatch"
        var line = "exec " + command.map(Self.shellQuoted).joined(separator: " ")
        if indexFromArray { line += " \"$SLURM_ARRAY_TASK_ID\"" }
        try AtomicFileWriter.write("#!/bin/sh\n# Written by sbi; submitted with sbatch.\n" + line + "\n", to: path)
        return path
    }

    /// `scancel` of `jobs` (errors ignored: a job may have left the queue).
    func cancel(_ jobs: [String]) {
        guard !jobs.isEmpty else { return }
        _ = try? ChildProcess.run("scancel", jobs)
    }

    /// A job array specification for `indices`: runs joined ("0-3,5,7-8").
    static func arraySpec(_ indices: [Int]) -> String {
        var parts: [String] = []
        var runStart: Int?, last = Int.min
        for i in indices.sorted() {
            if runStart != nil, i == last + 1 { last = i; continue }
            if let s = runStart { parts.append(s == last ? "\(s)" : "\(s)-\(last)") }
            runStart = i; last = i
        }
        if let s = runStart { parts.append(s == last ? "\(s)" : "\(s)-\(last)") }
        return parts.joined(separator: ",")
    }

    /// `'text'` with embedded single quotes escaped, for a POSIX shell.
    static func shellQuoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    static func seconds(_ s: Double) -> String { String(format: "%.0f s", s) }
}
