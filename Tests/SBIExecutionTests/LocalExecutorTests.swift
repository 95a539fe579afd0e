import Foundation
import XCTest
import SBICore
@testable import SBIExecution
import SBITestSupport

/// The local executor with `sh` as the program: each shard writes a file named after its index, so
/// what ran, in what order relative to the merge, and what a failure leaves behind can be read back.
final class LocalExecutorTests: XCTestCase {
    /// A stage of `count` shards: shard i writes `<folder>/shard-i` (shard `failing` exits 3 first);
    /// the merge writes `<folder>/merged` with every shard file's content, in index order.
    func stage(_ folder: String, count: Int, pending: [Int]? = nil, failing: Int? = nil) -> ShardedStage {
        let fail = failing.map { "[ \"$2\" = \($0) ] && { echo \"shard $2 broke\"; exit 3; }; " } ?? ""
        // sh -c SCRIPT NAME --shard-index I [--threads N]: $1 = --shard-index, $2 = I.
        let shard = ["-c", fail + "echo $2 > \(folder)/shard-$2", "shard"]
        let merge = ["-c", "cat " + (0..<count).map { "\(folder)/shard-\($0)" }.joined(separator: " ") + " > \(folder)/merged", "merge"]
        return ShardedStage(name: "work", shardLabels: (0..<count).map { "piece \($0)" }, pending: pending ?? Array(0..<count),
                            shardArguments: shard, mergeArguments: merge,
                            shardIsDone: { FileManager.default.fileExists(atPath: folder + "/shard-\($0)") },
                            isDone: { FileManager.default.fileExists(atPath: folder + "/merged") })
    }

    func testEveryPendingShardRunsBeforeTheMerge() throws {
        let folder = try makeTemporaryDirectory(self)
        let executor = LocalExecutor(executable: "/bin/sh", jobs: 2, logFolder: folder + "/logs")
        XCTAssertEqual(try executor.execute([stage(folder, count: 5)]), .finished)
        XCTAssertEqual(try String(contentsOfFile: folder + "/merged", encoding: .utf8), "0\n1\n2\n3\n4\n")
    }

    func testOnlyPendingShardsRun() throws {
        let folder = try makeTemporaryDirectory(self)
        try "kept\n".write(toFile: folder + "/shard-1", atomically: true, encoding: .utf8)
        let executor = LocalExecutor(executable: "/bin/sh", jobs: 2, logFolder: folder + "/logs")
        _ = try executor.execute([stage(folder, count: 3, pending: [0, 2])])
        XCTAssertEqual(try String(contentsOfFile: folder + "/merged", encoding: .utf8), "0\nkept\n2\n")
    }

    func testFailedShardIsNamedWithItsLogAndTheOthersAreKept() throws {
        let folder = try makeTemporaryDirectory(self)
        let executor = LocalExecutor(executable: "/bin/sh", jobs: 1, logFolder: folder + "/logs")
        XCTAssertThrowsError(try executor.execute([stage(folder, count: 3, failing: 1)])) { error in
            let e = error as? SBIError
            XCTAssertEqual(e?.file, folder + "/logs/work-1.log")
            XCTAssertTrue(e?.message.contains("1 of 3 work shard(s) failed") == true, "\(error)")
            XCTAssertTrue(e?.message.contains("shard 1 broke") == true, "the log's last lines are shown: \(error)")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/shard-0"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/merged"), "no merge after a failed shard")
        // With one job, nothing starts after the failure: shard 2 is left for the next run.
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/shard-2"))
        // The next run with the shard fixed runs only the missing ones.
        _ = try executor.execute([stage(folder, count: 3, pending: [1, 2])])
        XCTAssertEqual(try String(contentsOfFile: folder + "/merged", encoding: .utf8), "0\n1\n2\n")
    }
}
