import Foundation
import SBICore

/// What Slurm's queue (`squeue`) says about some jobs: one entry per job or array task still known
/// to it (pending, running, completing). Finished tasks leave the queue; whether they succeeded is
/// read from their results, since a cluster need not keep accounting (`sacct`).
public struct SlurmQueue: Sendable {
    /// One queued or running job or array task.
    public struct Entry: Sendable, Equatable {
        /// The job id, or for an array task its array's job id.
        public var job: String
        /// The array task id, nil for a job that is not an array.
        public var task: Int?
        /// Slurm's state name (PENDING, RUNNING, COMPLETING, …).
        public var state: String
        /// Slurm's reason for the state ("Resources", "Dependency", "DependencyNeverSatisfied", "None").
        public var reason: String
    }

    /// The entries.
    public var entries: [Entry]

    /// A queue holding `entries`.
    public init(entries: [Entry]) { self.entries = entries }

    /// Entries of `job` (an array's tasks or the job itself).
    public func entries(of job: String) -> [Entry] { entries.filter { $0.job == job } }

    /// True when `job` (or a task of it) is still in the queue.
    public func contains(_ job: String) -> Bool { entries.contains { $0.job == job } }

    /// Parses `squeue -h -r -o '%F|%K|%T|%r'` output: array job id (the job id for plain jobs),
    /// array task id ("N/A" for plain jobs), state, reason.
    public static func parse(_ text: String) -> SlurmQueue {
        SlurmQueue(entries: text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 4, !fields[0].isEmpty else { return nil }
            return Entry(job: fields[0], task: Int(fields[1]), state: fields[2], reason: fields[3])
        })
    }

    /// The queue's entries for `jobs`, read with `squeue`.
    /// - Throws: `SBIError.io` when `squeue` is missing or fails for another reason than the jobs
    ///   having left the queue.
    public static func read(jobs: [String]) throws -> SlurmQueue {
        guard !jobs.isEmpty else { return SlurmQueue(entries: []) }
        let result = try ChildProcess.run("squeue", ["-h", "-r", "-o", "%F|%K|%T|%r", "--jobs=" + jobs.joined(separator: ",")])
        if result.status != 0 {
            // Every id already purged from the controller's memory: squeue refuses the list.
            if result.error.contains("Invalid job id") { return SlurmQueue(entries: []) }
            throw SBIError(.io, field: "squeue", "squeue failed (exit \(result.status)): " + result.error.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let wanted = Set(jobs)
        return SlurmQueue(entries: parse(result.output).entries.filter { wanted.contains($0.job) })
    }
}
