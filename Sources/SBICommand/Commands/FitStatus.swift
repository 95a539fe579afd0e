import Foundation
import SBICore
import SBIExecution
import SBIRecipes

/// `sbi fit --status DIR`: what a run's output folder holds, stage by stage, and what its Slurm jobs
/// are doing: done (with the stage's result line), shards done of all, queued or running array
/// tasks, and failed shards (their task left the queue without a result) with their logs.
enum FitStatus {
    /// The status lines of the run in `folder`.
    /// - Throws: `SBIError.io` when `folder` is not a folder; `squeue` errors.
    static func lines(folder: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SBIError.io("no such output folder", file: folder)
        }
        let logs = FitExecution.absolute(folder) + "/logs"
        let record = SlurmJobRecord.read(folder: logs)
        let queue = try record.map { r in ChildProcess.resolve("squeue") == nil ? SlurmQueue(entries: []) : try SlurmQueue.read(jobs: r.jobIDs) }
        var lines: [String] = []
        var earlierUnfinished = false
        for stage in FitPipeline.stages {
            defer { earlierUnfinished = earlierUnfinished || FitStageRecord.read(folder + "/" + stage.rawValue + "/stage.json") == nil }
            let name = stage.rawValue.padding(toWidth: 9)
            if let done = FitStageRecord.read(folder + "/" + stage.rawValue + "/stage.json") {
                lines.append(name + "done      " + done.detail)
                continue
            }
            let shardsFolder = folder + "/.shards/" + stage.rawValue
            let stored = ((try? FileManager.default.contentsOfDirectory(atPath: shardsFolder)) ?? []).compactMap {
                FitShardRecord.read(shardsFolder + "/" + $0 + "/shard.json")
            }
            var text = stored.isEmpty ? "" : "\(stored.count) of \(stored[0].count) shard(s) done"
            var state = stored.isEmpty ? "not run" : "partial"
            if let jobs = record?.stages.first(where: { $0.name == stage.rawValue }), let queue {
                let tasks: [SlurmQueue.Entry] = jobs.arrayJob.map { queue.entries(of: $0) } ?? []
                let merge: [SlurmQueue.Entry] = queue.entries(of: jobs.mergeJob)
                let all = tasks + merge
                let states = Dictionary(grouping: all, by: { $0.state }).map { "\($0.value.count) \($0.key.lowercased())" }.sorted()
                if !states.isEmpty {
                    state = tasks.contains { $0.state == "RUNNING" } || merge.contains { $0.state == "RUNNING" } ? "running" : "queued"
                    let reasons = Set(all.map(\.reason)).subtracting(["None"]).sorted()
                    text += (text.isEmpty ? "" : "; ") + "jobs " + ([jobs.arrayJob].compactMap { $0 } + [jobs.mergeJob]).joined(separator: ", ")
                        + ": " + states.joined(separator: ", ") + (reasons.isEmpty ? "" : " (" + reasons.joined(separator: ", ") + ")")
                } else if !earlierUnfinished {
                    let have = Set(stored.map(\.index))
                    let failed = jobs.shards.filter { !have.contains($0) }
                    if !failed.isEmpty {
                        state = "failed"
                        text += (text.isEmpty ? "" : "; ") + "shard(s) " + failed.map { "\($0) (log \(logs)/\(stage.rawValue)-\($0).log)" }.joined(separator: ", ")
                            + " ended without a result; run sbi fit again to resubmit them"
                    } else if jobs.arrayJob != nil || !stored.isEmpty {
                        state = "failed"
                        text += (text.isEmpty ? "" : "; ") + "the merge ended without finishing the stage (log \(logs)/\(stage.rawValue)-merge.log)"
                    }
                }
            }
            lines.append(name + state.padding(toWidth: 10) + text)
        }
        return lines
    }
}
