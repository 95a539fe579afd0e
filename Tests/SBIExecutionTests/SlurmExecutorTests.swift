import XCTest
@testable import SBIExecution

final class SlurmExecutorTests: XCTestCase {
    func testArraySpecificationJoinsRunsOfShardIndices() {
        XCTAssertEqual(SlurmExecutor.arraySpec([0, 1, 2, 3]), "0-3")
        XCTAssertEqual(SlurmExecutor.arraySpec([5, 0, 1, 7, 8, 3]), "0-1,3,5,7-8")
        XCTAssertEqual(SlurmExecutor.arraySpec([4]), "4")
    }

    func testShellQuotingSurvivesSpacesAndQuotes() throws {
        let text = "it's a /path with spaces"
        let result = try ChildProcess.run("sh", ["-c", "printf %s " + SlurmExecutor.shellQuoted(text)])
        XCTAssertEqual(result.output, text)
    }

    func testQueueParsingReadsArrayTasksAndPlainJobs() {
        let queue = SlurmQueue.parse("12|0|RUNNING|None\n12|3|PENDING|Resources\n13|N/A|PENDING|Dependency\n")
        XCTAssertEqual(queue.entries.count, 3)
        XCTAssertEqual(queue.entries(of: "12").compactMap(\.task), [0, 3])
        XCTAssertNil(queue.entries(of: "13")[0].task)
        XCTAssertEqual(queue.entries(of: "13")[0].reason, "Dependency")
        XCTAssertTrue(queue.contains("13"))
        XCTAssertFalse(queue.contains("14"))
    }

    func testOptionsBecomeSbatchArguments() {
        let options = SlurmOptions(partition: "short", account: "atlas", time: "1:00:00", memory: "4G", cpusPerTask: 2,
                                   extraArguments: ["--qos=low"])
        XCTAssertEqual(options.sbatchArguments, ["--partition=short", "--account=atlas", "--time=1:00:00", "--mem=4G",
                                                 "--cpus-per-task=2", "--qos=low"])
    }
}
