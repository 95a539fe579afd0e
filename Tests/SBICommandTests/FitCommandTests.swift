import Foundation
import XCTest
import SBICore

/// `sbi fit` run as a user would: exit codes, result files, malformed recipes.
final class FitCommandTests: XCTestCase, SBICommandTesting {
    /// A small gaussian recipe: truth and one ALICES network (30 epochs on 20 000 events, 0.15 s),
    /// Asimov data of 50 events at θ = 1 estimated from 5000 test events.
    private let recipe = """
        name: cli-tiny
        seed: 3
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
            events: 20000
            test_split: 0
        estimators:
          - name: alices
            method: alices
            sample: train
            hidden_layers: [20]
            training: {epochs: 30}
        inference:
          modes: [truth, ml]
          theta_true: [1]
          expected_events: 50
          asimov_events: 5000
          grid: {points: 61}
        outputs:
          folder: results/tiny
        """

    /// `sbi bench fit`: one wall-time line and one line per stage, in seconds; the stages run one
    /// after another inside the timed run, so their sum cannot exceed the wall time. Then one line per
    /// confidence level with ALICES' interval length over truth's (unit x).
    func testBenchFit_tinyRecipe_printsWallAndStageSeconds() throws {
        let folder = try temporaryFolder()
        try recipe.write(toFile: folder + "/tiny.yaml", atomically: true, encoding: .utf8)
        let r = try run(["bench", "fit", "--recipe", "tiny.yaml"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let all = r.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let lines = Array(all.prefix(5))
        XCTAssertEqual(lines.map { $0.first ?? "" }, ["fit_tiny_wall", "fit_tiny_augment", "fit_tiny_train", "fit_tiny_limits", "fit_tiny_plot"], r.stdout)
        XCTAssertEqual(all.dropFirst(5).map { $0.first ?? "" }, ["fit_tiny_alices_cl68_vs_truth", "fit_tiny_alices_cl95_vs_truth"], r.stdout)
        // A sanity bound, not a precision check: this network's intervals are within 1 % of truth
        // (seed 3); 5 epochs on 4000 events gave ×1.5 and a best fit at the grid edge.
        XCTAssertTrue(all.dropFirst(5).allSatisfy { $0.count == 3 && $0[2] == "x" && (0.8...1.25).contains(Double($0[1]) ?? -1) }, r.stdout)
        XCTAssertTrue(lines.allSatisfy { $0.count == 3 && $0[2] == "s" && (Double($0[1]) ?? -1) >= 0 }, r.stdout)
        let seconds = lines.map { Double($0.count == 3 ? $0[1] : "") ?? 0 }
        XCTAssertLessThanOrEqual(seconds.dropFirst().reduce(0, +), seconds[0] * 1.01 + 0.01, r.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/results"), "bench fit writes only to a temporary folder")
        // A malformed recipe is bad input (exit 1 with its problems), not an internal error.
        try "name: x\nparameters: 3\n".write(toFile: folder + "/bad.yaml", atomically: true, encoding: .utf8)
        let bad = try run(["bench", "fit", "--recipe", "bad.yaml"], in: folder)
        XCTAssertEqual(bad.status, 1, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("bad.yaml:2:13: parameters: expected a list, got 3"), bad.stderr)
    }

    func testFit_tinyRecipe_exit0WritesResultFilesAndSkipsOnRerun() throws {
        let folder = try temporaryFolder()
        try recipe.write(toFile: folder + "/tiny.yaml", atomically: true, encoding: .utf8)
        let r = try run(["fit", "tiny.yaml", "--quiet", "--threads", "1"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        for name in ["contours.json", "contours.svg", "hepdata.yaml", "pvalues.npy", "grid.npy", "stage.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/results/tiny/plot/" + name), name)
        }
        XCTAssertTrue(r.stdout.contains("results in results/tiny/plot"), r.stdout)
        XCTAssertTrue(r.stdout.contains("truth: best"), r.stdout)
        // The closure report: one row per estimator and CL, ALICES' with its ratio to truth.
        let closure = r.stdout.split(separator: "\n").filter { $0.hasPrefix("alices ") }.map(String.init)
        XCTAssertEqual(closure.count, 2, r.stdout)
        XCTAssertTrue(closure.allSatisfy { $0.contains(" ml ") && $0.contains("×") }, r.stdout)
        XCTAssertEqual(r.stderr, "")  // --quiet: no progress lines
        let again = try run(["fit", "tiny.yaml", "--quiet"], in: folder)
        XCTAssertEqual(again.status, 0, again.stderr)
        let rows = again.stdout.split(separator: "\n").filter { ["augment", "train", "limits", "plot"].contains(String($0.prefix { $0 != " " })) }
        XCTAssertEqual(rows.count, 4)
        XCTAssertTrue(rows.allSatisfy { $0.contains("skipped") }, again.stdout)
        // --out overrides outputs.folder.
        let other = try run(["fit", "tiny.yaml", "--quiet", "--out", "elsewhere"], in: folder)
        XCTAssertEqual(other.status, 0, other.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/elsewhere/plot/contours.json"))
    }

    /// `outputs.folder: .` in a folder with the user's own `plot/`: refused before any stage runs,
    /// the user's file intact, no stage folder written.
    func testFit_userFolderNamedLikeAStage_refusedAndKept() throws {
        let folder = try temporaryFolder()
        try recipe.replacingOccurrences(of: "folder: results/tiny", with: "folder: .").write(toFile: folder + "/tiny.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: folder + "/plot", withIntermediateDirectories: false)
        try "my figure".write(toFile: folder + "/plot/figure.txt", atomically: true, encoding: .utf8)
        let r = try run(["fit", "tiny.yaml", "--quiet"], in: folder)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("plot") && r.stderr.contains("not written by sbi fit"), r.stderr)
        XCTAssertEqual(try String(contentsOfFile: folder + "/plot/figure.txt", encoding: .utf8), "my figure")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/augment"))
    }

    /// A second writer into the same output folder (here: a lock held by this test process) is
    /// refused with the holder's pid, and writes nothing.
    func testFit_folderLockedByAnotherProcess_refusedNamingThePid() throws {
        let folder = try temporaryFolder()
        try recipe.write(toFile: folder + "/tiny.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: folder + "/results/tiny", withIntermediateDirectories: true)
        let lock = try FolderLock(folder: folder + "/results/tiny")
        defer { lock.release() }
        let r = try run(["fit", "tiny.yaml", "--quiet"], in: folder)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("pid \(getpid())"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/results/tiny/augment"))
    }

    func testFit_malformedRecipe_exit1WithPositionsAndNoOutputFolder() throws {
        let folder = try temporaryFolder()
        let bad = recipe.replacingOccurrences(of: "method: alices", with: "method: alicse")
            .replacingOccurrences(of: "events: 20000", with: "events: -5")
        try bad.write(toFile: folder + "/bad.yaml", atomically: true, encoding: .utf8)
        let r = try run(["fit", "bad.yaml"], in: folder)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "")
        // Both problems, each as file:line:col: path: message (`events:` is on line 13, `method:` on 17, values at column 13).
        XCTAssertTrue(r.stderr.contains("bad.yaml:13:13: samples[0].events: "), r.stderr)
        XCTAssertTrue(r.stderr.contains("bad.yaml:17:13: estimators[0].method: unknown \"alicse\""), r.stderr)
        XCTAssertTrue(r.stderr.contains("alicse"), r.stderr)
        XCTAssertTrue(r.stderr.range(of: #"bad\.yaml:\d+:\d+: "#, options: .regularExpression) != nil, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/results"))
        let missing = try run(["fit"], in: folder)
        XCTAssertEqual(missing.status, 2)
    }
    /// Every regular file under `folder` (`resultSnapshot`: report.html's wall times masked).
    private func snapshot(_ folder: String) -> [String: Data] { resultSnapshot(folder) }

    func testFit_killedDuringTraining_resumesToSameBytesAsUninterruptedRun() throws {
        let folder = try temporaryFolder()
        // Longer training (60k events, 30 epochs of a 64×64 network, a few seconds in release) so the kill lands inside it.
        let longer = recipe.replacingOccurrences(of: "events: 4000", with: "events: 60000")
            .replacingOccurrences(of: "hidden_layers: [10]", with: "hidden_layers: [64, 64]")
            .replacingOccurrences(of: "training: {epochs: 5}", with: "training: {epochs: 30, early_stopping: false}")
        try longer.write(toFile: folder + "/long.yaml", atomically: true, encoding: .utf8)
        let reference = try run(["fit", "long.yaml", "--quiet", "--threads", "1", "--out", "reference"], in: folder)
        XCTAssertEqual(reference.status, 0, reference.stderr)

        let process = Process()
        process.executableURL = try sbiExecutable()
        process.arguments = ["fit", "long.yaml", "--quiet", "--threads", "1", "--out", "killed"]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until training has started (its partial folder exists), then SIGKILL.
        let partial = folder + "/killed/.train.partial"
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: partial) && process.isRunning && Date() < deadline { usleep(2000) }
        let killedDuringTraining = process.isRunning && !FileManager.default.fileExists(atPath: folder + "/killed/train/stage.json")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertTrue(killedDuringTraining, "the run finished training before the kill; the resume path was not exercised")
        if killedDuringTraining {
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/killed/limits"))
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/killed/augment/stage.json"))
        }
        let resumed = try run(["fit", "long.yaml", "--threads", "1", "--out", "killed"], in: folder)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        if killedDuringTraining { XCTAssertTrue(resumed.stderr.contains("augment: skipped"), resumed.stderr) }
        let a = snapshot(folder + "/reference"), b = snapshot(folder + "/killed")
        XCTAssertEqual(Set(a.keys), Set(b.keys))
        for (name, bytes) in a { XCTAssertEqual(b[name], bytes, name) }

        // A --force run killed during training: the next plain run must redo training and what
        // follows (the forced run had not finished them), not skip them as unchanged.
        let forced = Process()
        forced.executableURL = try sbiExecutable()
        forced.arguments = ["fit", "long.yaml", "--quiet", "--threads", "1", "--out", "killed", "--force"]
        forced.currentDirectoryURL = URL(fileURLWithPath: folder)
        forced.standardOutput = FileHandle.nullDevice
        forced.standardError = FileHandle.nullDevice
        try forced.run()
        let forceDeadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: partial) && forced.isRunning && Date() < forceDeadline { usleep(2000) }
        let forcedKilledInTraining = forced.isRunning
        kill(forced.processIdentifier, SIGKILL)
        forced.waitUntilExit()
        XCTAssertTrue(forcedKilledInTraining, "the forced run finished before the kill")
        let finished = try run(["fit", "long.yaml", "--threads", "1", "--out", "killed"], in: folder)
        XCTAssertEqual(finished.status, 0, finished.stderr)
        if forcedKilledInTraining {
            XCTAssertTrue(finished.stderr.contains("augment: skipped"), finished.stderr)
            XCTAssertFalse(finished.stderr.contains("train: skipped"), finished.stderr)
            XCTAssertFalse(finished.stderr.contains("limits: skipped"), finished.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/killed/.sbi-force-pending"))
        let c = snapshot(folder + "/killed")
        for (name, bytes) in a { XCTAssertEqual(c[name], bytes, name) }
    }
}
