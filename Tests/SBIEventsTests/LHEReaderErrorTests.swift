import Foundation
import XCTest
import SBICore
@testable import SBIEvents

/// Bad input: every case must throw an SBIError naming the file and the event (or line).
final class LHEReaderErrorTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try LHETestSupport.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private var knownText: String {
        LHETestSupport.lheText(weightIDs: ["sm", "w", "ww"], events: LHEReaderTests.knownEvents())
    }

    /// Writes `text`, reads the whole file and returns the error's printed form.
    private func readError(_ text: String, name: String = "bad.lhe", gzip: Bool = false,
                           weights: LHEWeightMapping = .automatic,
                           file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try LHETestSupport.write(text, to: path, gzip: gzip)
        let error = LHETestSupport.sbiError(file: file, line: line) {
            _ = try LHETestSupport.readAll(path, weights: weights)
        }
        let description = error?.description ?? ""
        XCTAssertTrue(description.hasPrefix(path), "error must start with the file: \(description)", file: file, line: line)
        XCTAssertEqual(error?.kind, .data, file: file, line: line)
        return description
    }

    private func assertContains(_ text: String, _ parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        for part in parts {
            XCTAssertTrue(text.contains(part), "'\(text)' lacks '\(part)'", file: file, line: line)
        }
    }

    private func replacing(_ old: String, _ new: String, occurrence: Int = 1) -> String {
        var text = knownText
        var searchStart = text.startIndex
        for k in 1...occurrence {
            guard let range = text.range(of: old, range: searchStart..<text.endIndex) else {
                XCTFail("'\(old)' not in the test text")
                return text
            }
            if k == occurrence { text.replaceSubrange(range, with: new) } else { searchStart = range.upperBound }
        }
        return text
    }

    func testTruncated_insideAnEvent_namesFileAndEvent() throws {
        let text = knownText
        let cut = text.range(of: "<rwgt>", options: .backwards)!.lowerBound
        assertContains(try readError(String(text[..<cut])), ["event 2: file ends inside the event (truncated file?)"])
    }

    func testTruncated_betweenEvents_reportsMissingClosingTag() throws {
        let text = knownText
        let cut = text.range(of: "</LesHouchesEvents>")!.lowerBound
        assertContains(try readError(String(text[..<cut])), ["file ends after event 2 without </LesHouchesEvents>"])
    }

    func testTruncated_gzipStreamCutMidway_reportsTruncation() throws {
        let source = try fixtureFile("pylhe-testfile-madgraph5-3.5.8-pp_to_jj.lhe.gz")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: source))
        let path = directory.appendingPathComponent("cut.lhe.gz").path
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        let error = LHETestSupport.sbiError { _ = try LHETestSupport.readAll(path) }
        let description = error?.description ?? ""
        XCTAssertTrue(description.hasPrefix(path + ":"), description)
        assertContains(description, ["truncated file?"])
    }

    /// A gzip stream whose deflate data are complete but whose 8-byte CRC-32/length trailer is
    /// missing: the data cannot be checked, so the file is refused as truncated.
    func testTruncated_gzipTrailerMissing_reportsTruncation() throws {
        let gz = directory.appendingPathComponent("whole.lhe.gz").path
        try LHETestSupport.write(knownText, to: gz, gzip: true)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: gz))
        let path = directory.appendingPathComponent("notrailer.lhe.gz").path
        try bytes.prefix(bytes.count - 8).write(to: URL(fileURLWithPath: path))
        XCTAssertNoThrow(try LHETestSupport.readAll(gz))
        let description = LHETestSupport.sbiError { _ = try LHETestSupport.readAll(path) }?.description ?? ""
        XCTAssertTrue(description.hasPrefix(path + ":"), description)
        assertContains(description, ["truncated file?"])
    }

    /// A damaged <event> tag (a typo, a NUL byte or junk before it) is an error at its line, not an
    /// event dropped unseen.
    func testDamagedEventTag_betweenEvents_isRefusedAtItsLine() throws {
        for (damaged, shown) in [("<evnt>", "\"<evnt>\""), ("\u{0}<event>", "\"\\u{0}<event>\""), ("x<event>", "\"x<event>\"")] {
            let text = replacing("<event>", damaged, occurrence: 3)
            let lines = text.components(separatedBy: "\n")
            let at = try XCTUnwrap(lines.firstIndex { $0.hasPrefix(damaged) })
            let eventsBefore = lines[..<at].filter { $0.hasPrefix("<event") }.count
            XCTAssertGreaterThan(eventsBefore, 0)
            assertContains(try readError(text),
                           [":\(at + 1): expected <event> or </LesHouchesEvents> after event \(eventsBefore), found \(shown)"])
        }
    }

    func testNotLHE_plainText_isRefusedAtLineOne() throws {
        assertContains(try readError("hello,world\n1,2,3\n", name: "data.csv"),
                       ["data.csv:1: not an LHE file: expected <LesHouchesEvents version=\"…\">, found 'hello,world'"])
    }

    func testNotLHE_emptyFile_isRefused() throws {
        assertContains(try readError("", name: "empty.lhe"), ["not an LHE file", "empty"])
    }

    func testParticleCount_fewerLinesThanNUP_reportsBoth() throws {
        let text = replacing("<event>\n 4 1 ", "<event>\n 5 1 ")
        assertContains(try readError(text), ["event 2: NUP = 5 but only 4 particle lines before '#aMCatNLO"])
    }

    func testParticleCount_moreLinesThanNUP_isRefused() throws {
        let text = replacing("<event>\n 4 1 ", "<event>\n 3 1 ")
        assertContains(try readError(text), ["event 2: more particle lines than NUP = 3"])
    }

    func testWeights_idMissingInOneEvent_namesTheID() throws {
        let text = replacing("<wgt id='w'> 1e+300 </wgt>\n", "")
        assertContains(try readError(text), ["event 2: weight id(s) 'w' missing"])
    }

    func testWeights_idPresentOnlyInLaterEvent_isRefused() throws {
        // No <initrwgt>: the ids of event 1 define the benchmarks; event 2 adds one.
        var text = LHETestSupport.lheText(weightIDs: [], events: LHEReaderTests.knownEvents())
        text = text.replacingOccurrences(of: "<scales muf=\"90.1\"> stuff </scales>\n</event>\n<event>",
                                         with: "<rwgt>\n<wgt id='sm'> 1.0 </wgt>\n</rwgt>\n</event>\n<event>")
        text = text.replacingOccurrences(of: "<scales muf=\"90.1\"> stuff </scales>\n</event>\n</Les",
                                         with: "<rwgt>\n<wgt id='sm'> 1.0 </wgt> <wgt id='extra'> 2.0 </wgt>\n</rwgt>\n</event>\n</Les")
        assertContains(try readError(text), ["event 2: weight id 'extra' is not among the weight ids of event 1 (sm)"])
    }

    func testWeights_undeclaredID_isRefused() throws {
        let text = replacing("<wgt id='ww'>", "<wgt id='www'>", occurrence: 2)
        assertContains(try readError(text), ["event 2: weight id 'www' is not among <initrwgt>"])
    }

    func testNonFinite_nanMomentum_isRefused() throws {
        let text = replacing(" 60.125 ", " nan ")
        assertContains(try readError(text), ["event 1: particle 4: non-finite momentum"])
    }

    func testNonFinite_infiniteWeight_isRefused() throws {
        let text = replacing("<wgt id='w'> 1e+300 </wgt>", "<wgt id='w'> -inf </wgt>")
        assertContains(try readError(text), ["event 2: weight 'w' is not finite (-inf)"])
    }

    func testNonFinite_nanEventWeight_isRefused() throws {
        let text = replacing(" 4 1 -7e+22 ", " 4 1 NaN ")
        assertContains(try readError(text), ["event 2: non-finite value on the event line"])
    }

    func testWeightsBlock_wrongCount_isRefused() throws {
        let events = LHEReaderTests.knownEvents().map { ($0.0, $0.1, Array($0.2.prefix(2))) }
        let text = LHETestSupport.lheText(weightIDs: ["sm", "w", "ww"], events: events, useWeightsBlock: true)
        assertContains(try readError(text), ["event 1: <weights> has 2 values but <initrwgt> declares 3 weight ids"])
    }

    func testWeightTable_undeclaredID_isRefusedAtOpen() throws {
        let table = LHEWeightMapping.table([LHEWeightAssignment(weightID: "nope", benchmark: "sm")])
        assertContains(try readError(knownText, weights: table),
                       ["weights: weight id 'nope' of the weight table is not declared in <initrwgt>; declared: sm, w, ww"])
    }

    func testGarbledNumber_inParticleLine_isRefused() throws {
        let text = replacing(" 60.125 ", " ******** ")
        assertContains(try readError(text), ["event 1: particle 4: expected 'IDUP ISTUP"])
    }

    /// Cutting the file at every byte must give an SBIError (never a trap, never silent
    /// success); overwriting single bytes with '<' or '9' must give an event list or an SBIError.
    func testEveryTruncationAndByteFlip_throwsSBIErrorOrReads() throws {
        let bytes = Array(knownText.utf8)
        let closing = knownText.utf8.count - "</LesHouchesEvents>\n".utf8.count
        let path = directory.appendingPathComponent("cut.lhe").path
        func outcome(_ data: [UInt8]) throws -> Bool? {
            try Data(data).write(to: URL(fileURLWithPath: path))
            do {
                _ = try LHETestSupport.readAll(path)
                return true
            } catch is SBIError {
                return false
            } catch {
                XCTFail("not an SBIError: \(error)")
                return nil
            }
        }
        for cut in 0..<closing {
            XCTAssertEqual(try outcome(Array(bytes[..<cut])), false, "cut at byte \(cut) was accepted")
        }
        for position in stride(from: 0, to: bytes.count, by: 3) {
            for replacement in [UInt8(ascii: "<"), UInt8(ascii: "9")] {
                var flipped = bytes
                flipped[position] = replacement
                XCTAssertNotNil(try outcome(flipped))
            }
        }
    }
}
