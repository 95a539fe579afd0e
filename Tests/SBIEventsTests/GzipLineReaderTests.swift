import Foundation
import XCTest
@testable import SBIEvents

/// The line reader with zlib on a background thread: same lines as the text it was written
/// from, across chunk borders, rewinds and early release.
final class GzipLineReaderTests: XCTestCase {
    /// 200 000 numbered lines of varying length (≈ 6 MB inflated: many 256 kB chunks).
    private func numberedText() -> String {
        (0..<200_000).map { "line \($0) " + String(repeating: "x", count: $0 % 37) }.joined(separator: "\n") + "\n"
    }

    private func readAll(_ reader: GzipLineReader, limit: Int = .max) throws -> [String] {
        var lines: [String] = []
        while lines.count < limit, let line = try reader.nextLine() { lines.append(String(decoding: line, as: UTF8.self)) }
        return lines
    }

    func testGzipLineReader_gzipAndPlain_returnEveryLineInOrder() throws {
        let folder = try LHETestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = numberedText()
        let expected = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        for gzip in [true, false] {
            let path = folder.appendingPathComponent(gzip ? "t.txt.gz" : "t.txt").path
            try LHETestSupport.write(text, to: path, gzip: gzip)
            let reader = try GzipLineReader(path: path)
            XCTAssertEqual(try readAll(reader), expected, "gzip \(gzip)")
            XCTAssertNil(try reader.nextLine(), "after the end, still the end")
        }
    }

    func testGzipLineReader_rewindMidStream_restartsAtTheFirstLine() throws {
        let folder = try LHETestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("t.txt.gz").path
        try LHETestSupport.write(numberedText(), to: path, gzip: true)
        let reader = try GzipLineReader(path: path)
        let first = try readAll(reader, limit: 150_000)   // the worker is chunks ahead here
        try reader.rewind()
        let again = try readAll(reader)
        XCTAssertEqual(again.count, 200_000)
        XCTAssertEqual(Array(again.prefix(150_000)), first)
        XCTAssertEqual(reader.lineNumber, 200_000)
        try reader.rewind()
        XCTAssertEqual(try readAll(reader, limit: 3), ["line 0 ", "line 1 x", "line 2 xx"])
    }

    func testGzipLineReader_releasedBeforeTheEnd_stopsItsWorker() throws {
        // Readers dropped after a few lines, while the worker waits for a free chunk: each
        // release must stop the worker before closing the file (a hang or crash fails the test).
        let folder = try LHETestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("t.txt.gz").path
        try LHETestSupport.write(numberedText(), to: path, gzip: true)
        for k in 0..<20 {
            let reader = try GzipLineReader(path: path)
            XCTAssertEqual(try readAll(reader, limit: k * 500).count, k * 500)
        }
    }
}
