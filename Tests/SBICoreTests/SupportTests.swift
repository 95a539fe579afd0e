import Foundation
import XCTest
@testable import SBICore

/// Errors, atomic writes and progress display.
final class SupportTests: XCTestCase {
    func testErrorDescription_namesFileLineColumnFieldAndMessage() {
        let e = SBIError.data("unknown \"alicse\"; expected one of carl, alices", file: "recipe.yaml",
                              line: 14, column: 7, field: "estimators[0].method")
        XCTAssertEqual(e.description, "recipe.yaml:14:7: estimators[0].method: unknown \"alicse\"; expected one of carl, alices")
        XCTAssertEqual(e.exitCode, 1)
        XCTAssertEqual(SBIError.usage("x").exitCode, 2)
        XCTAssertEqual(SBIError.numerical("singular", field: "morphing matrix").description, "morphing matrix: singular")
    }

    func testAtomicWriter_uncommitted_leavesNothing() throws {
        let folder = try makeTemporaryDirectory(self)
        do {
            let writer = try AtomicFileWriter(path: folder + "/out.txt")
            try writer.write("partial")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [])
        try AtomicFileWriter.write("old", to: folder + "/out.txt")
        let writer = try AtomicFileWriter(path: folder + "/out.txt")
        try writer.write("new but aborted")
        writer.abort()
        XCTAssertEqual(try String(contentsOfFile: folder + "/out.txt", encoding: .utf8), "old")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["out.txt"])
    }

    func testAtomicWriter_largeWrite_committedWhole() throws {
        let folder = try makeTemporaryDirectory(self)
        let bytes = (0..<3_000_000).map { UInt8($0 % 251) }
        try AtomicFileWriter.write(bytes, to: folder + "/big.bin")
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/big.bin"))), bytes)
    }

    func testAtomicWriter_missingFolder_ioError() {
        XCTAssertThrowsError(try AtomicFileWriter.write("x", to: "/nonexistent-folder/out.txt")) { error in
            XCTAssertEqual((error as? SBIError)?.kind, .io)
            XCTAssertEqual((error as? SBIError)?.file, "/nonexistent-folder/out.txt")
        }
    }

    func testProgress_notTerminalOrQuiet_drawsNothing() {
        final class Box: @unchecked Sendable { var text = "" }
        let box = Box()
        for (terminal, quiet) in [(false, false), (true, true)] {
            let p = ProgressReporter(stage: "train", total: 10, quiet: quiet, isTerminal: terminal, sink: { box.text += $0 })
            for i in 1...10 { p.update(step: i, detail: "loss 1") }
            p.finish()
            XCTAssertFalse(p.isActive)
        }
        XCTAssertEqual(box.text, "")
    }

    func testProgress_terminal_showsStageStepRateAndETA() {
        final class Box: @unchecked Sendable { var text = ""; var now = 100.0 }
        let box = Box()
        let p = ProgressReporter(stage: "train", total: 1000, unit: "samples", quiet: false, isTerminal: true,
                                 sink: { box.text += $0 }, clock: { box.now })
        box.now = 104
        p.update(step: 400, detail: "epoch 2/5  loss 0.3127")
        XCTAssertEqual(box.text, "\r[train]  400/1000  40%  100 samples/s  ETA 0:06  epoch 2/5  loss 0.3127")
        box.now = 104.05
        p.update(step: 401)  // throttled: within 0.1 s of the last draw
        XCTAssertFalse(box.text.contains("401"))
        box.now = 110
        p.update(step: 1000)
        p.finish()
        XCTAssertTrue(box.text.hasSuffix("[train]  1000/1000  100%  100 samples/s  0:10\n"), box.text)
        XCTAssertEqual(ProgressReporter.formatRate(8412), "8.41k")
        XCTAssertEqual(ProgressReporter.formatDuration(3725), "1:02:05")
    }
}
