import Foundation
import XCTest

/// The tutorials in Notebooks-md/ run as a reader would run them (Notebooks-md/README.md): every `sh`
/// cell in order, in one fresh folder per tutorial, with the built `sbi` (and the example
/// executables) on PATH and `SBI_RECIPES` pointing at the package's Recipes folder; every
/// `output` cell is compared with what its cell printed (`OutputMatcher`). The swift cells of
/// the library tutorial must be the example target's main.swift, character for character.
final class TutorialTests: XCTestCase {
    /// The package root (this file is Tests/SBICommandTests/TutorialTests.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let notebooks = packageRoot + "/Notebooks-md"

    /// The tutorials and the test that runs each; a new tutorial must be added here.
    static let tutorials = ["01-quickstart-cli.md", "02-your-own-simulator.md", "03-reading-results.md", "04-systematics.md",
                                    "05-trusting-a-limit.md"]

    /// Longest a single cell may run (release build; the tutorials' cells take seconds).
    static let cellTimeout: TimeInterval = 300

    // MARK: The tutorials

    func testQuickstartTutorialCellsProduceTheirOutputs() throws {
        try assertTutorialRuns("01-quickstart-cli.md")
    }

    func testCustomSimulatorTutorialCellsProduceTheirOutputs() throws {
        let document = try TutorialDocument(path: Self.notebooks + "/02-your-own-simulator.md")
        // The example's printed output is checked by an output cell after an sh cell that runs it.
        let runsExample = try document.steps().contains { $0.expected != nil && $0.command.text.contains("sbi-example-custom-simulator") }
        XCTAssertTrue(runsExample, "02-your-own-simulator.md must run sbi-example-custom-simulator in an sh cell followed by an output cell")
        try assertTutorialRuns("02-your-own-simulator.md")
    }

    func testCustomSimulatorTutorialSwiftCellsAreTheExampleSource() throws {
        let document = try TutorialDocument(path: Self.notebooks + "/02-your-own-simulator.md")
        let path = Self.packageRoot + "/Examples/CustomSimulator/main.swift"
        let source = try String(contentsOfFile: path, encoding: .utf8)
        let cells = document.swiftSource
        XCTAssertFalse(cells.isEmpty, "02-your-own-simulator.md has no swift cells")
        if cells != source {
            let a = cells.components(separatedBy: "\n"), b = source.components(separatedBy: "\n")
            let k = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
            // Line k of the concatenation: find the swift cell it came from.
            var line = 0, location = "after the last swift cell"
            for cell in document.cells where cell.language == "swift" {
                if k < line + cell.lines.count { location = "02-your-own-simulator.md:\(cell.line + 1 + k - line)"; break }
                line += cell.lines.count + 1
            }
            XCTFail("""
                the swift cells of 02-your-own-simulator.md differ from Examples/CustomSimulator/main.swift \
                at line \(k + 1) of main.swift (\(location)):
                  tutorial:  \(k < a.count ? a[k] : "<end>")
                  main.swift: \(k < b.count ? b[k] : "<end>")
                """)
        }
    }

    func testReadingResultsTutorialCellsProduceTheirOutputs() throws {
        try assertTutorialRuns("03-reading-results.md")
    }

    func testSystematicsTutorialCellsProduceTheirOutputs() throws {
        try assertTutorialRuns("04-systematics.md")
    }

    func testTrustTutorialCellsProduceTheirOutputs() throws {
        try assertTutorialRuns("05-trusting-a-limit.md")
    }

    func testNotebooksFolder_everyTutorial_isRunByATest() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.notebooks)
            .filter { $0.hasSuffix(".md") && $0 != "README.md" }.sorted()
        XCTAssertEqual(files, Self.tutorials, "add a test for every tutorial in Notebooks-md/")
        for name in files {
            let steps = try TutorialDocument(path: Self.notebooks + "/" + name).steps()
            XCTAssertGreaterThan(steps.filter { $0.expected != nil }.count, 0, "\(name) checks no output")
        }
    }

    // MARK: The matcher and the runner can fail

    func testOutputMatcher_numberOutsideTolerance_fails() {
        let tolerance = OutputMatcher.Tolerance(relative: 0.02, absolute: 0)
        // 1.03 is 3 % from 1.00: outside 2 %.
        XCTAssertNotNil(OutputMatcher.mismatch(expected: ["68% [1.00, 2.00]"], actual: ["68% [1.03, 2.00]"], tolerance: tolerance))
        // 1.015 is 1.5 % from 1.00: inside.
        XCTAssertNil(OutputMatcher.mismatch(expected: ["68% [1.00, 2.00]"], actual: ["68% [1.015, 2.00]"], tolerance: tolerance))
        // Exact by default: the numbers must be equal (1 and 1.0 are).
        XCTAssertNotNil(OutputMatcher.mismatch(expected: ["n 100"], actual: ["n 101"], tolerance: .exact))
        XCTAssertNil(OutputMatcher.mismatch(expected: ["n 1"], actual: ["n 1.0"], tolerance: .exact))
        // The sign is part of the number.
        XCTAssertNotNil(OutputMatcher.mismatch(expected: ["best -0.5"], actual: ["best 0.5"], tolerance: tolerance))
        // Absolute tolerance for numbers near zero: |0.004 − 0| ≤ 0.01.
        let absolute = OutputMatcher.Tolerance(relative: 0.02, absolute: 0.01)
        XCTAssertNil(OutputMatcher.mismatch(expected: ["best 0"], actual: ["best 0.004"], tolerance: absolute))
        XCTAssertNotNil(OutputMatcher.mismatch(expected: ["best 0"], actual: ["best 0.02"], tolerance: absolute))
    }

    func testOutputMatcher_textDiffers_reportsTheFirstDifferingLine() {
        let m = OutputMatcher.mismatch(expected: ["a 1", "b 2", "c 3"], actual: ["a 1", "B 2", "c 3"], tolerance: .exact)
        XCTAssertEqual(m?.expectedIndex, 1)
        XCTAssertEqual(m?.actualLine, "B 2")
        // Trailing spaces and trailing blank lines do not matter; missing or extra lines do.
        XCTAssertNil(OutputMatcher.mismatch(expected: ["a", "b"], actual: ["a  ", "b", "", ""], tolerance: .exact))
        XCTAssertEqual(OutputMatcher.mismatch(expected: ["a", "b"], actual: ["a"], tolerance: .exact)?.expectedIndex, 1)
        XCTAssertEqual(OutputMatcher.mismatch(expected: ["a"], actual: ["a", "b"], tolerance: .exact)?.actualLine, "b")
    }

    func testOutputMatcher_ellipsis_matchesAnyRunOfLinesOrText() {
        let lines = ["header", "x 1", "x 2", "x 3", "footer 7"]
        XCTAssertNil(OutputMatcher.mismatch(expected: ["header", "...", "footer 7"], actual: lines, tolerance: .exact))
        XCTAssertNil(OutputMatcher.mismatch(expected: ["...", "x 2", "...", "footer 7"], actual: lines, tolerance: .exact))
        // "..." also matches no line at all.
        XCTAssertNil(OutputMatcher.mismatch(expected: ["header", "...", "x 1", "...", "x 2", "x 3", "footer 7"], actual: lines, tolerance: .exact))
        // ... but the lines around it must still be there, in order.
        XCTAssertNotNil(OutputMatcher.mismatch(expected: ["header", "...", "footer 8"], actual: lines, tolerance: .exact))
        XCTAssertNotNil(OutputMatcher.mismatch(expected: ["x 3", "...", "x 1"], actual: lines, tolerance: .exact))
        // Inside a line, "..." matches any text; the numbers around it are still compared.
        XCTAssertTrue(OutputMatcher.lineMatches(expected: "train: done in ... s", actual: "train: done in 1.23 s", tolerance: .exact))
        XCTAssertTrue(OutputMatcher.lineMatches(expected: "alices ... [0.8, ...]", actual: "alices 2.5 s [0.8, 1.2]", tolerance: .exact))
        XCTAssertFalse(OutputMatcher.lineMatches(expected: "alices ... [0.8, ...]", actual: "alices 2.5 s [0.9, 1.2]", tolerance: .exact))
        // A wildcard before a number does not take its sign or its leading digits.
        XCTAssertTrue(OutputMatcher.lineMatches(expected: "...-3 ...-2.95", actual: "   -3    -2.95", tolerance: .exact))
        XCTAssertFalse(OutputMatcher.lineMatches(expected: "...-3", actual: "   3", tolerance: .exact))
        XCTAssertFalse(OutputMatcher.lineMatches(expected: "...5", actual: "   15", tolerance: .exact))
        XCTAssertFalse(OutputMatcher.lineMatches(expected: "1.5...", actual: "1.55 s", tolerance: .exact))
    }

    func testTutorialDocument_cellsAndTolerance_parsedWithTheirLines() throws {
        let text = """
            # T
            ```sh
            echo 1
            ```
            <!-- tolerance: 0.05, absolute 0.01 -->
            ```output
            1
            ```
            ```console
            $ not run
            ```
            ````swift
            let a = 1
            ````
            """
        let document = try TutorialDocument(text: text, name: "t.md")
        XCTAssertEqual(document.cells.map(\.language), ["sh", "output", "console", "swift"])
        XCTAssertEqual(document.cells.map(\.line), [2, 6, 9, 12])
        XCTAssertEqual(document.cells[1].tolerance, OutputMatcher.Tolerance(relative: 0.05, absolute: 0.01))
        XCTAssertEqual(document.cells[0].tolerance, .exact)
        XCTAssertEqual(document.swiftSource, "let a = 1\n")
        let steps = try document.steps()
        XCTAssertEqual(steps.count, 1)
        XCTAssertEqual(steps[0].expected?.lines, ["1"])
        // Malformed tutorials are refused with the line.
        XCTAssertThrowsError(try TutorialDocument(text: "```sh\necho\n", name: "u.md")) {
            XCTAssertTrue("\($0)".contains("u.md:1:"), "\($0)")
        }
        XCTAssertThrowsError(try TutorialDocument(text: "<!-- tolerance: two -->\n```output\n```\n", name: "v.md"))
        XCTAssertThrowsError(try TutorialDocument(text: "```output\n1\n```\n", name: "w.md").steps())
    }

    func testTutorialRunner_wrongOutputOrFailingCell_failsNamingFileLineAndFirstDifference() throws {
        let text = """
            ```sh
            echo "interval [1.00, 2.00]"
            echo second
            ```
            <!-- tolerance: 0.01 -->
            ```output
            interval [1.00, 2.00]
            second
            ```
            ```sh
            echo "interval [1.05, 2.00]"
            ```
            <!-- tolerance: 0.01 -->
            ```output
            interval [1.00, 2.00]
            ```
            """
        let failures = try runTutorial(TutorialDocument(text: text, name: "fake.md"))
        // The first cell matches; the second is 5 % off with a 1 % tolerance.
        XCTAssertEqual(failures.count, 1, "\(failures)")
        // Named: the output cell (line 14), the sh cell (line 10), the expected line (15) and what came instead.
        XCTAssertTrue(failures.first?.contains("fake.md:14: the output of the sh cell at line 10 differs") == true, "\(failures)")
        XCTAssertTrue(failures.first?.contains("expected line 15: interval [1.00, 2.00]") == true, "\(failures)")
        XCTAssertTrue(failures.first?.contains("interval [1.05, 2.00]") == true, "\(failures)")
        // A failing command stops the tutorial and names its cell.
        let failing = try runTutorial(TutorialDocument(text: "```sh\necho partial\nfalse\necho never\n```\n```sh\necho later\n```\n", name: "bad.md"))
        XCTAssertEqual(failing.count, 1, "\(failing)")
        XCTAssertTrue(failing.first?.contains("bad.md:1: the sh cell exited with status 1") == true, "\(failing)")
        XCTAssertTrue(failing.first?.contains("partial") == true, "\(failing)")
    }

    /// A python cell runs in the tutorial's folder with numpy (it reads a file an sh cell wrote) and its
    /// output is checked like an sh cell's; a python error stops the tutorial naming the cell.
    func testTutorialRunner_pythonCell_runsInTheFolderAndIsChecked() throws {
        let text = """
            ```sh
            printf '1 2 3\\n' > numbers.txt
            ```
            ```python
            import numpy as np
            print(np.loadtxt("numbers.txt").sum())
            ```
            ```output
            6.0
            ```
            ```python
            raise SystemExit("no such column")
            ```
            """
        let failures = try runTutorial(TutorialDocument(text: text, name: "py.md"))
        XCTAssertEqual(failures.count, 1, "\(failures)")
        XCTAssertTrue(failures.first?.contains("py.md:11: the python cell exited with status 1") == true, "\(failures)")
        XCTAssertTrue(failures.first?.contains("no such column") == true, "\(failures)")
    }

    func testRunShell_cellOverItsTimeLimit_isKilledWithItsChildren() throws {
        let folder = FileManager.default.temporaryDirectory.path
        let start = Date()
        // sh waits for sleep; killing only sh would leave sleep holding the pipe for 30 s.
        let r = try Self.runShell("echo started; sleep 30; echo never", in: folder, environment: ProcessInfo.processInfo.environment, timeout: 1)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertEqual(r.output, "started\n")
        // Well under the 30 s the orphaned sleep would hold the pipe (1 s limit plus scheduling).
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)
    }

    // MARK: Running

    private func assertTutorialRuns(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let document = try TutorialDocument(path: Self.notebooks + "/" + name)
        for failure in try runTutorial(document) { XCTFail(failure, file: file, line: line) }
    }

    /// Runs every sh cell of `document` in one new folder and returns one message per failure;
    /// the run stops at the first cell that exits with a non-zero status.
    private func runTutorial(_ document: TutorialDocument) throws -> [String] {
        let steps = try document.steps()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sbi-tutorial-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = try Self.productsFolder() + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["SBI_RECIPES"] = Self.packageRoot + "/Recipes"
        environment["LC_ALL"] = "C"
        var failures: [String] = []
        for step in steps {
            let python = step.command.language == "python"
            // A python cell is written to a file and run by $SBI_PYTHON (numpy; scripts/test.sh provides it).
            let script = python ? "\"${SBI_PYTHON:-python3}\" - <<'SBI_TUTORIAL_PYTHON'\n\(step.command.text)SBI_TUTORIAL_PYTHON\n"
                                : step.command.text
            let (status, output) = try Self.runShell(script, in: folder, environment: environment)
            let lines = output.components(separatedBy: "\n")
            guard status == 0 else {
                failures.append("\(document.name):\(step.command.line): the \(step.command.language) cell exited with status \(status); it printed:\n\(output)")
                break
            }
            guard let expected = step.expected else { continue }
            if let m = OutputMatcher.mismatch(expected: expected.lines, actual: lines, tolerance: expected.tolerance) {
                let expectedLine = m.expectedLine.map { "line \(expected.line + 1 + m.expectedIndex): \($0)" } ?? "<end of the output cell>"
                failures.append("""
                    \(document.name):\(expected.line): the output of the \(step.command.language) cell at line \(step.command.line) differs \
                    (tolerance \(expected.tolerance.relative) relative, \(expected.tolerance.absolute) absolute)
                      expected \(expectedLine)
                      got      \(m.actualLine ?? "<end of the output>")
                    full output:
                    \(output)
                    """)
            }
        }
        return failures
    }

    /// The folder with the built products (sbi, the example executables): where the test bundle is.
    static func productsFolder() throws -> String {
        try sbiExecutable().deletingLastPathComponent().path
    }

    /// SIGKILL to `pid` and every process below it (found through /proc), so a hung `sbi`
    /// started by a cell cannot keep the output pipe open.
    static func killTree(_ pid: pid_t) {
        var parents: [pid_t: [pid_t]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let child = pid_t(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // After "pid (comm)": state, then the parent's pid.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = pid_t(fields[1]) { parents[parent, default: []].append(child) }
        }
        var queue = [pid]
        while let next = queue.popLast() {
            kill(next, SIGKILL)
            queue += parents[next] ?? []
        }
    }

    /// `/bin/sh -e -c script` in `folder`; stdout and stderr merged as on a terminal.
    static func runShell(_ script: String, in folder: String, environment: [String: String],
                         timeout: TimeInterval = cellTimeout) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-e", "-c", script]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        let watchdog = DispatchWorkItem { killTree(pid) }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
