import CZlib
import SBICore
import Foundation
import XCTest
@_exported import SBITestSupport
@testable import SBIEvents

/// Shared helpers: paths of the real test files and a small LHE writer (plain or gzip).
enum LHETestSupport {
    /// A fresh temporary directory for one test.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("sbi-events-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `text` to `path`, gzip-compressed through zlib's gzopen("wb") when `gzip`.
    static func write(_ text: String, to path: String, gzip: Bool) throws {
        if !gzip {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        guard let file = gzopen(path, "wb") else { throw XCTSkip("gzopen failed for \(path)") }
        var bytes = Array(text.utf8)
        let written = bytes.withUnsafeMutableBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
        XCTAssertEqual(Int(written), bytes.count)
        XCTAssertEqual(gzclose(file), Z_OK)
        bytes.removeAll()
    }

    /// An LHE 3.0 file text with the given events (each `(weight, particles, named weights)`).
    static func lheText(weightIDs: [String], events: [(Double, [LHEParticle], [Double])],
                        crossSection: Double = 1.25, useWeightsBlock: Bool = false) -> String {
        var s = "<LesHouchesEvents version=\"3.0\">\n<header>\n<!-- written by the SBIEvents tests\n <event> inside a comment is not an event -->\n"
        if !weightIDs.isEmpty {
            s += "<initrwgt>\n<weightgroup name='mg_reweighting' weight_name_strategy='includeIdwithinBrackets'>\n"
            for (k, id) in weightIDs.enumerated() {
                s += "<weight id='\(id)'> set param_card dim6 \(k + 1) \(Double(k) * 0.5) # orig: 0.0\nset param_card mass 25 125.0\n</weight>\n"
            }
            s += "</weightgroup>\n</initrwgt>\n"
        }
        s += "</header>\n<init>\n2212 2212 6.5e+03 6.5e+03 0 0 247000 247000 -4 1\n\(crossSection) 0.01 \(crossSection) 1\n</init>\n"
        for (weight, particles, named) in events {
            s += "<event>\n \(particles.count) 1 \(weight) 91.188 0.0078125 0.118\n"
            for p in particles {
                s += "  \(p.pdgID) \(p.status) \(p.mothers.0) \(p.mothers.1) \(p.colors.0) \(p.colors.1) \(p.px) \(p.py) \(p.pz) \(p.energy) \(p.mass) \(p.lifetime) \(p.spin)\n"
            }
            s += "#aMCatNLO a comment line\n<mgrwt>\n<rscale> 2 0.2E+02</rscale>\n</mgrwt>\n"
            if useWeightsBlock {
                s += "<weights> " + named.map { "\($0)" }.joined(separator: " ") + " </weights>\n"
            } else if !named.isEmpty {
                s += "<rwgt>\n"
                for (id, w) in zip(weightIDs, named) { s += "<wgt id='\(id)'> \(w) </wgt>\n" }
                s += "</rwgt>\n"
            }
            s += "<scales muf=\"90.1\"> stuff </scales>\n</event>\n"
        }
        return s + "</LesHouchesEvents>\n"
    }

    /// Reads every event of `path`, returning copies (tests only).
    static func readAll(_ path: String, weights mapping: LHEWeightMapping = .automatic) throws -> (LHEReader, [LHEEvent]) {
        let reader = try LHEReader(path: path, weights: mapping)
        var event = LHEEvent()
        var events: [LHEEvent] = []
        while try reader.next(into: &event) { events.append(event) }
        return (reader, events)
    }

    /// The SBIError thrown by `body`, failing the test if none or another error is thrown.
    static func sbiError(file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) -> SBIError? {
        do {
            try body()
            XCTFail("expected an SBIError, nothing was thrown", file: file, line: line)
        } catch let error as SBIError {
            return error
        } catch {
            XCTFail("expected an SBIError, got \(error)", file: file, line: line)
        }
        return nil
    }
}
