import Foundation
import XCTest
import SBICore

/// The recipe and comparisons the executor tests share.
enum ShardedFit {
    /// Shards of every kind: two samples (augment), an ensemble of two and a SALLY network (train:
    /// three shards), truth, ml and sally scans (limits: three shards). About 2 s in one process.
    static let recipe = """
        name: shards
        seed: 11
        parameters:
          - name: theta
            range: [-3, 3]
        simulator:
          name: gaussian
        samples:
          - name: train
            kind: ratio
            theta0: {prior: flat}
            theta1: {point: [0]}
            events: 8000
            test_split: 0
          - name: local
            kind: local
            theta: {point: [1]}
            events: 4000
            test_split: 0
        estimators:
          - name: alices
            method: alices
            sample: train
            hidden_layers: [16]
            ensemble: 2
            training: {epochs: 8}
          - name: sally
            method: sally
            sample: local
            hidden_layers: [16]
            training: {epochs: 5}
        inference:
          modes: [truth, ml, sally]
          theta_true: [1]
          expected_events: 50
          asimov_events: 800
          grid: {points: 41}
          fisher_information: true
        outputs:
          folder: out
        """

    /// Every file of the stage folders, by path relative to `folder` (logs, locks and shard scratch left out).
    static func results(_ folder: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for stage in ["augment", "train", "limits", "plot"] {
            let root = folder + "/" + stage
            let enumerator = FileManager.default.enumerator(atPath: root)
            while let path = enumerator?.nextObject() as? String {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
                files[stage + "/" + path] = resultBytes(root + "/" + path)   // report.html's wall times masked
            }
        }
        return files
    }

    static func assertSameResults(_ a: [String: Data], _ b: [String: Data], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.keys.sorted(), b.keys.sorted(), what, file: file, line: line)
        for key in ["limits/contours.json", "limits/pvalues.npy", "limits/fisher.json", "train/alices/member-1/weights.npy"] {
            XCTAssertNotNil(a[key], "\(key) is written", file: file, line: line)
        }
        for (path, bytes) in a where b[path] != bytes { XCTFail("\(what): \(path) differs", file: file, line: line) }
    }
}

/// `sbi fit` with its shards in other processes: several local ones (`--executor local --jobs 2`)
/// or Slurm job arrays (`--executor slurm`, on the single-node cluster scripts/test.sh starts with
/// scripts/slurm-local.sh). Whatever ran the shards, the result files are the bytes of a run in one
/// process.
final class FitExecutorCommandTests: XCTestCase, SBICommandTesting {
    func testLocalJobsGiveTheBytesOfOneProcessAndResumeOnlyWhatIsMissing() throws {
        let folder = try temporaryFolder()
        try ShardedFit.recipe.write(toFile: folder + "/r.yaml", atomically: true, encoding: .utf8)
        let one = try run(["fit", "r.yaml", "--out", "one", "--quiet"], in: folder)
        XCTAssertEqual(one.status, 0, one.stderr)
        let two = try run(["fit", "r.yaml", "--out", "two", "--executor", "local", "--jobs", "2"], in: folder)
        XCTAssertEqual(two.status, 0, two.stderr)
        XCTAssertTrue(two.stderr.contains("train: 3 shard(s) done on 2 local job(s)"), two.stderr)
        XCTAssertTrue(two.stdout.contains("alices: best"), two.stdout)
        let reference = try ShardedFit.results(folder + "/one")
        ShardedFit.assertSameResults(reference, try ShardedFit.results(folder + "/two"), "--jobs 2")
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/two/logs/train-2.log"), "each shard's log")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/two/.shards/train"), "merged shards are removed")
        // One BLAS thread instead of all: the same bytes (800 Asimov events: one evaluation worker, whose SGEMMs
        // would round differently on several OpenBLAS threads).
        let single = try run(["fit", "r.yaml", "--out", "single", "--quiet", "--threads", "1"], in: folder)
        XCTAssertEqual(single.status, 0, single.stderr)
        ShardedFit.assertSameResults(reference, try ShardedFit.results(folder + "/single"), "--threads 1")
        // The limits in two blocks of grid points (32-point chains of the 41-point grid) in one process: the same bytes.
        try (ShardedFit.recipe + "\nexecution:\n  pieces: 2\n").write(toFile: folder + "/one-block.yaml", atomically: true, encoding: .utf8)
        let block = try run(["fit", "one-block.yaml", "--out", "block", "--quiet"], in: folder)
        XCTAssertEqual(block.status, 0, block.stderr)
        ShardedFit.assertSameResults(reference, try ShardedFit.results(folder + "/block"), "pieces 2")

        // A shard that finished in an interrupted run is kept; the next run does only the rest.
        let noFolder = try run(["fit", "r.yaml", "--out", "three", "--quiet", "--shard", "augment", "--shard-index", "1"], in: folder)
        XCTAssertEqual(noFolder.status, 1, "a shard writes only into a run's existing folder: \(noFolder.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/three"))
        let first = try run(["fit", "r.yaml", "--out", "three", "--quiet", "--executor", "local", "--jobs", "2"], in: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        // Remove one training shard's result and the stages after it, as a killed run would leave them.
        try FileManager.default.removeItem(atPath: folder + "/three/train")
        try FileManager.default.removeItem(atPath: folder + "/three/limits")
        try FileManager.default.removeItem(atPath: folder + "/three/plot")
        let shard = try run(["fit", "r.yaml", "--out", "three", "--quiet", "--shard", "train", "--shard-index", "0"], in: folder)
        XCTAssertEqual(shard.status, 0, shard.stderr)
        let resumed = try run(["fit", "r.yaml", "--out", "three", "--executor", "local", "--jobs", "2"], in: folder)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("augment: skipped"), resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("train: 2 shard(s) done"), "shard 0 was kept: \(resumed.stderr)")
        ShardedFit.assertSameResults(reference, try ShardedFit.results(folder + "/three"), "resumed")
    }

    func testExecutorOptionsAreChecked() throws {
        let folder = try temporaryFolder()
        try ShardedFit.recipe.write(toFile: folder + "/r.yaml", atomically: true, encoding: .utf8)
        let unknown = try run(["fit", "r.yaml", "--executor", "condor"], in: folder)
        XCTAssertEqual(unknown.status, 2, unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("expected local or slurm"), unknown.stderr)
        let misplaced = try run(["fit", "r.yaml", "--partition", "short"], in: folder)
        XCTAssertEqual(misplaced.status, 2, misplaced.stderr)
        XCTAssertTrue(misplaced.stderr.contains("--partition applies to --executor slurm only"), misplaced.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/out"), "nothing is written")
        // A logs folder of the user's in the output folder is not written into.
        try FileManager.default.createDirectory(atPath: folder + "/mine/logs", withIntermediateDirectories: true)
        try "keep".write(toFile: folder + "/mine/logs/train-0.log", atomically: true, encoding: .utf8)
        let foreign = try run(["fit", "r.yaml", "--out", "mine", "--jobs", "2", "--quiet"], in: folder)
        XCTAssertEqual(foreign.status, 1, foreign.stderr)
        XCTAssertTrue(foreign.stderr.contains("refusing to write shard logs into this folder"), foreign.stderr)
        XCTAssertEqual(try String(contentsOfFile: folder + "/mine/logs/train-0.log", encoding: .utf8), "keep")
        // So is a .shards folder of the user's; a one-process --force run leaves it alone.
        try FileManager.default.createDirectory(atPath: folder + "/theirs/.shards", withIntermediateDirectories: true)
        try "keep".write(toFile: folder + "/theirs/.shards/notes.txt", atomically: true, encoding: .utf8)
        let shards = try run(["fit", "r.yaml", "--out", "theirs", "--jobs", "2", "--quiet"], in: folder)
        XCTAssertEqual(shards.status, 1, shards.stderr)
        XCTAssertTrue(shards.stderr.contains("refusing to keep shards in this folder"), shards.stderr)
        let forced = try run(["fit", "r.yaml", "--out", "theirs", "--force", "--quiet"], in: folder)
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertEqual(try String(contentsOfFile: folder + "/theirs/.shards/notes.txt", encoding: .utf8), "keep")
        // Without Slurm's commands on PATH the slurm executor says so instead of hanging.
        let noSlurm = try run(["fit", "r.yaml", "--executor", "slurm"], in: folder, environment: ["PATH": "/nonexistent"])
        XCTAssertEqual(noSlurm.status, 1, noSlurm.stderr)
        XCTAssertTrue(noSlurm.stderr.contains("sbatch is not on PATH"), noSlurm.stderr)
    }
}

/// `sbi fit --executor slurm` on a real single-node Slurm (scripts/slurm-local.sh, started by
/// scripts/test.sh, which exports SBI_SLURM_CONF).
final class FitSlurmCommandTests: XCTestCase, SBICommandTesting {
    /// The environment that reaches the test cluster.
    func slurmEnvironment() throws -> [String: String] {
        guard let conf = ProcessInfo.processInfo.environment["SBI_SLURM_CONF"], FileManager.default.fileExists(atPath: conf) else {
            throw XCTSkip("no test cluster: run the tests through scripts/test.sh, which starts one with scripts/slurm-local.sh")
        }
        return ["SLURM_CONF": conf]
    }

    func testSlurmGivesTheBytesOfOneProcessAndACancelledShardIsResubmittedAlone() throws {
        let env = try slurmEnvironment()
        let folder = try temporaryFolder()
        try ShardedFit.recipe.write(toFile: folder + "/r.yaml", atomically: true, encoding: .utf8)
        let one = try run(["fit", "r.yaml", "--out", "one", "--quiet"], in: folder)
        XCTAssertEqual(one.status, 0, one.stderr)
        let reference = try ShardedFit.results(folder + "/one")

        let slurm = try run(["fit", "r.yaml", "--out", "slurm", "--executor", "slurm"], in: folder, environment: env)
        XCTAssertEqual(slurm.status, 0, slurm.stderr)
        XCTAssertTrue(slurm.stderr.contains("train: submitted array job"), slurm.stderr)
        ShardedFit.assertSameResults(reference, try ShardedFit.results(folder + "/slurm"), "slurm")
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/slurm/logs/limits-1.log"), "array task logs in <out>/logs")
        let done = try run(["fit", "--status", "slurm"], in: folder, environment: env)
        XCTAssertEqual(done.stdout.split(separator: "\n").filter { $0.contains(" done ") }.count, 4, done.stdout)

        // Cancel one training task while the run goes on: the run fails naming it, keeps the other
        // shards, and the next run submits only that one and ends with the same bytes.
        let process = Process()
        process.executableURL = try sbiExecutable()
        process.arguments = ["fit", "r.yaml", "--out", "cancel", "--executor", "slurm", "--quiet"]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        let errorLog = folder + "/cancel.err"
        FileManager.default.createFile(atPath: errorLog, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: errorLog)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var trainArray: String?
        for _ in 0..<600 where trainArray == nil {
            if let data = FileManager.default.contents(atPath: folder + "/cancel/logs/slurm-jobs.json"),
               let record = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
               let stages = record["stages"] as? [[String: Any]], stages.count == 4 {
                trainArray = stages.first { $0["name"] as? String == "train" }?["arrayJob"] as? String
            }
            if trainArray == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        let array = try XCTUnwrap(trainArray, "the submission records its jobs")
        let cancel = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["scancel", array + "_1"], environment: env)
        XCTAssertEqual(cancel.status, 0, cancel.stderr)
        process.waitUntilExit()
        let failure = try String(contentsOfFile: errorLog, encoding: .utf8)
        XCTAssertEqual(process.terminationStatus, 1, failure)
        XCTAssertTrue(failure.contains("1 of 3 train shard(s) failed or were cancelled"), failure)
        XCTAssertTrue(failure.contains("cancel/logs/train-1.log"), failure)
        let status = try run(["fit", "--status", "cancel"], in: folder, environment: env)
        XCTAssertTrue(status.stdout.contains("augment  done"), status.stdout)
        XCTAssertTrue(status.stdout.contains("train    failed    2 of 3 shard(s) done"), status.stdout)

        let again = try run(["fit", "r.yaml", "--out", "cancel", "--executor", "slurm"], in: folder, environment: env)
        // A failure shows the shards' own logs (the folder is removed with the test).
        let logs = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/cancel/logs"))?.sorted().filter { $0.hasSuffix(".log") }
            .map { name in name + ":\n" + ((try? String(contentsOfFile: folder + "/cancel/logs/" + name, encoding: .utf8)) ?? "") } ?? []
        XCTAssertEqual(again.status, 0, again.stderr + "\n" + (again.status == 0 ? "" : logs.joined(separator: "\n")))
        XCTAssertTrue(again.stderr.contains("train: submitted array job") && again.stderr.contains("(1 of 3 shards)"), again.stderr)
        ShardedFit.assertSameResults(reference, try ShardedFit.results(folder + "/cancel"), "cancelled and resubmitted")
    }

    /// A job that cannot start (held back an hour by --begin) trips --start-timeout: every job is
    /// cancelled and the error says why, instead of waiting; --no-wait then --status shows the queue.
    func testAJobThatNeverStartsIsCancelledAfterTheStartTimeout() throws {
        let env = try slurmEnvironment()
        let folder = try temporaryFolder()
        try ShardedFit.recipe.write(toFile: folder + "/r.yaml", atomically: true, encoding: .utf8)
        let r = try run(["fit", "r.yaml", "--executor", "slurm", "--start-timeout", "3", "--sbatch-arg=--begin=now+3600", "--quiet"],
                        in: folder, environment: env)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("no job started within 3 s") && r.stderr.contains("BeginTime"), r.stderr)
        let status = try run(["fit", "--status", "out"], in: folder, environment: env)
        XCTAssertTrue(status.stdout.contains("augment  failed") && status.stdout.contains("run sbi fit again to resubmit them"),
                      "the cancelled jobs left the queue without results: \(status.stdout)")
        XCTAssertTrue(status.stdout.contains("train    not run"), status.stdout)

        let submitted = try run(["fit", "r.yaml", "--executor", "slurm", "--no-wait", "--sbatch-arg=--begin=now+3600"], in: folder, environment: env)
        XCTAssertEqual(submitted.status, 0, submitted.stderr)
        XCTAssertTrue(submitted.stdout.contains("submitted to Slurm; follow with: sbi fit --status"), submitted.stdout)
        let queued = try run(["fit", "--status", "out"], in: folder, environment: env)
        XCTAssertTrue(queued.stdout.contains("augment  queued") && queued.stdout.contains("pending"), queued.stdout)
        // A second submission while those jobs wait is refused, naming them.
        let again = try run(["fit", "r.yaml", "--executor", "slurm", "--quiet"], in: folder, environment: env)
        XCTAssertEqual(again.status, 1, again.stderr)
        XCTAssertTrue(again.stderr.contains("still queued or running"), again.stderr)
        let data = try XCTUnwrap(FileManager.default.contents(atPath: folder + "/out/logs/slurm-jobs.json"))
        let record = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let jobs = (record["stages"] as? [[String: Any]] ?? []).flatMap { [$0["arrayJob"] as? String, $0["mergeJob"] as? String].compactMap { $0 } }
        _ = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["scancel"] + jobs, environment: env)
    }

    func testUnknownPartitionIsAClearError() throws {
        let env = try slurmEnvironment()
        let folder = try temporaryFolder()
        try ShardedFit.recipe.write(toFile: folder + "/r.yaml", atomically: true, encoding: .utf8)
        let r = try run(["fit", "r.yaml", "--executor", "slurm", "--partition", "nosuchpartition"], in: folder, environment: env)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("sbatch refused the job") && r.stderr.contains("partition"), r.stderr)
    }
}
