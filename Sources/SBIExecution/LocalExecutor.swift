import Foundation
import SBICore

/// Runs each stage's shards as processes on this machine, at most `jobs` at once, then its merge.
///
/// ```
/// <executable> shardArguments --shard-index i [threadArguments]   → <logs>/<stage>-<i>.log
/// <executable> mergeArguments                         → <logs>/<stage>-merge.log
/// ```
/// The cores are shared out: each shard gets ⌊cores/jobs⌋ (at least 1) BLAS threads through
/// `threadArguments`. When a shard fails the running ones are let finish (their results are kept),
/// no new one starts, and the error names every failed shard's log.
public struct LocalExecutor: ShardExecutor {
    /// The program every task runs (this `sbi`, by absolute path).
    public var executable: String
    /// Most shards running at once (≥ 1).
    public var jobs: Int
    /// Where the tasks' logs go.
    public var logFolder: String
    /// Arguments appended to every shard's command for a thread count (e.g. `["--threads", "1"]`).
    public var threadArguments: (Int) -> [String]
    /// Receives one line per finished stage or failure ("train: 3 shards done"); nil: silent.
    public var log: ((String) -> Void)?
    /// Seconds between checks of the running processes.
    public var pollInterval: Double = 0.05

    /// An executor running `jobs` shards at once with `executable`.
    public init(executable: String, jobs: Int, logFolder: String, threadArguments: @escaping (Int) -> [String] = { _ in [] },
                log: ((String) -> Void)? = nil) {
        self.executable = executable
        self.jobs = max(1, jobs)
        self.logFolder = logFolder
        self.threadArguments = threadArguments
        self.log = log
    }

    public func execute(_ stages: [ShardedStage]) throws -> ExecutionOutcome {
        let threads = max(1, ProcessInfo.processInfo.activeProcessorCount / jobs)
        for stage in stages {
            if stage.pending.isEmpty && stage.isDone() { continue }
            try runShards(of: stage, threads: threads)
            let mergeLog = stage.mergeLog(in: logFolder)
            let merge = try ChildProcess.start(executable, stage.mergeArguments, log: mergeLog)
            merge.waitUntilExit()
            guard merge.terminationStatus == 0, merge.terminationReason == .exit, stage.isDone() else {
                throw SBIError.io("merging the \(stage.name) shards failed (exit \(merge.terminationStatus))"
                                  + Self.excerpt(mergeLog), file: mergeLog)
            }
        }
        return .finished
    }

    /// Runs the pending shards of `stage`, `jobs` at a time.
    func runShards(of stage: ShardedStage, threads: Int) throws {
        var queue = stage.pending[...]
        var running: [(index: Int, process: Process)] = []
        var failed: [Int] = []
        let progress = ProgressReporter(stage: stage.name + " shards", total: stage.pending.count, unit: "shards")
        while !queue.isEmpty || !running.isEmpty {
            while failed.isEmpty, running.count < jobs, let i = queue.popFirst() {
                let process = try ChildProcess.start(executable, stage.arguments(ofShard: i) + threadArguments(threads),
                                                     log: stage.shardLog(i, in: logFolder))
                running.append((i, process))
            }
            // After a failure nothing new starts: stop once the running shards are done.
            if !failed.isEmpty, running.isEmpty { break }
            Thread.sleep(forTimeInterval: pollInterval)
            running.removeAll { task in
                guard !task.process.isRunning else { return false }
                task.process.waitUntilExit()
                if task.process.terminationReason != .exit || task.process.terminationStatus != 0 || !stage.shardIsDone(task.index) {
                    failed.append(task.index)
                }
                progress.advance(detail: stage.shardLabels[task.index])
                return true
            }
        }
        progress.finish()
        guard failed.isEmpty else {
            let first = failed.min() ?? 0
            let list = failed.sorted().map { "\($0) (\(stage.shardLabels[$0])): \(stage.shardLog($0, in: logFolder))" }
            throw SBIError.io("\(failed.count) of \(stage.shardCount) \(stage.name) shard(s) failed; the others' results are kept and the next run "
                              + "redoes only the missing ones. Failed: " + list.joined(separator: "; ")
                              + Self.excerpt(stage.shardLog(first, in: logFolder)),
                              file: stage.shardLog(first, in: logFolder))
        }
        log?("\(stage.name): \(stage.pending.count) shard(s) done on \(jobs) local job(s)")
    }

    /// The last lines of a log, indented, for an error message ("" when the log is empty).
    static func excerpt(_ path: String) -> String {
        let lines = ChildProcess.tail(of: path, lines: 3)
        return lines.isEmpty ? "" : "; its log ends:\n    " + lines.joined(separator: "\n    ")
    }
}
