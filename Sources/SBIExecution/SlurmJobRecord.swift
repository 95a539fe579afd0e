import Foundation
import SBICore

/// The jobs one `SlurmExecutor` submission made, kept in the log folder (`slurm-jobs.json`) so that
/// `sbi fit --status` and the next submission know what is queued.
///
/// ```json
/// {"stages": [{"name": "train", "shards": [0, 2], "arrayJob": "1041", "mergeJob": "1042"}, …]}
/// ```
public struct SlurmJobRecord: Codable, Sendable, Equatable {
    /// One stage's jobs.
    public struct Stage: Codable, Sendable, Equatable {
        /// The stage name.
        public var name: String
        /// The shards its array runs (array task ids).
        public var shards: [Int]
        /// The array job's id (nil when no shard had to run).
        public var arrayJob: String?
        /// The merge job's id.
        public var mergeJob: String
    }

    /// The stages submitted, in order.
    public var stages: [Stage]

    /// Every job id of the record.
    public var jobIDs: [String] { stages.flatMap { ($0.arrayJob.map { [$0] } ?? []) + [$0.mergeJob] } }

    /// The file name in the log folder.
    public static let fileName = "slurm-jobs.json"

    /// Reads the record of `folder`, nil when there is none or it is unreadable.
    public static func read(folder: String) -> SlurmJobRecord? {
        guard let data = FileManager.default.contents(atPath: folder + "/" + fileName) else { return nil }
        return try? JSONDecoder().decode(SlurmJobRecord.self, from: data)
    }

    /// Writes the record into `folder`, atomically.
    /// - Throws: `SBIError.io` when the file cannot be written.
    public func write(folder: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let bytes: [UInt8] = Array((try? encoder.encode(self)) ?? Data()) + [0x0A]
        try AtomicFileWriter.write(bytes, to: folder + "/" + Self.fileName)
    }
}
