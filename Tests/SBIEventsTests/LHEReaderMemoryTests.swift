import Foundation
import XCTest
import SBICore
@testable import SBIEvents
#if canImport(Glibc)
import Glibc
#endif

/// Constant memory over repeated reads, and the parsing rate (printed, not asserted).
final class LHEReaderMemoryTests: XCTestCase {
    private func maxResidentKilobytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss
    }

    func testRepeatedReads_ppToJJ20Times_reuseBuffersAndKeepRSSFlat() throws {
        let path = try fixtureFile("pylhe-testfile-madgraph5-3.5.8-pp_to_jj.lhe.gz")
        let reader = try LHEReader(path: path)
        let analysis = try EventAnalysis(observables: [(name: "ptj1", expression: "j[0].pt"),
                                                       (name: "dphijj", expression: "deltaphi(j[0], j[1])"),
                                                       (name: "mjj", expression: "(j[0] + j[1]).m")])
        var event = LHEEvent()
        var values = [Double](repeating: 0, count: 3)
        var checksum = 0.0
        var capacities: (reader: Int, particles: Int, weights: Int) = (0, 0, 0)
        var rssAfterSecondPass = 0
        let passes = 20
        let start = Date()
        for pass in 0..<passes {
            if pass > 0 { try reader.rewind() }
            var count = 0
            while try reader.next(into: &event) {
                count += 1
                if values.withUnsafeMutableBufferPointer({ analysis.process(event, into: $0) }) { checksum += values[2] }
            }
            XCTAssertEqual(count, 1000)
            if pass == 0 {
                capacities = (reader.bufferBytes, event.particles.capacity, event.weights.capacity)
            } else {
                // The same buffers serve every pass: no growth after the first.
                XCTAssertEqual(reader.bufferBytes, capacities.reader)
                XCTAssertEqual(event.particles.capacity, capacities.particles)
                XCTAssertEqual(event.weights.capacity, capacities.weights)
            }
            if pass == 1 { rssAfterSecondPass = maxResidentKilobytes() }
        }
        let seconds = Date().timeIntervalSince(start)
        // 18 more passes over 6.2 MB of text may not raise the peak RSS by more than 2 MB
        // (allocator noise); a reader that kept events would add ≥ 18 × 1000 × 1.2 kB ≈ 22 MB.
        XCTAssertLessThan(maxResidentKilobytes() - rssAfterSecondPass, 2048)
        XCTAssertEqual(analysis.eventsSeen, passes * 1000)
        XCTAssertEqual(analysis.eventsAccepted, passes * 1000)  // every pp → jj event has two jets
        XCTAssertTrue(checksum > 0)
        print("LHE gzip read + 3 observables: \(passes * 1000) events in \(String(format: "%.3f", seconds)) s = \(Int(Double(passes * 1000) / seconds)) events/s")
    }

    /// Reads `path` 20 times; returns (events, wall seconds, CPU seconds of this process).
    private func timeReads(_ path: String) throws -> (Int, Double, Double) {
        let reader = try LHEReader(path: path)
        var event = LHEEvent()
        var total = 0
        var weightSum = 0.0
        let start = Date()
        let cpuStart = clock()
        for pass in 0..<20 {
            if pass > 0 { try reader.rewind() }
            while try reader.next(into: &event) {
                total += 1
                weightSum += event.weights[144]
            }
        }
        let cpu = Double(clock() - cpuStart) / Double(CLOCKS_PER_SEC)
        XCTAssertTrue(weightSum > 0)
        return (total, Date().timeIntervalSince(start), cpu)
    }

    func testReadOnly_ppToJJ20Times_reportsRate() throws {
        let path = try fixtureFile("pylhe-testfile-madgraph5-3.5.8-pp_to_jj.lhe.gz")
        let (total, wall, cpu) = try timeReads(path)
        XCTAssertEqual(total, 20_000)
        print("LHE gzip read only: \(total) events in \(String(format: "%.3f", wall)) s wall = \(Int(Double(total) / wall)) events/s; CPU \(String(format: "%.3f", cpu)) s = \(Int(Double(total) / cpu)) events/s")
    }

    /// The same events uncompressed: the parser's own rate, without zlib's inflate.
    func testReadOnly_ppToJJDecompressed20Times_reportsParseRate() throws {
        let source = try fixtureFile("pylhe-testfile-madgraph5-3.5.8-pp_to_jj.lhe.gz")
        let directory = try LHETestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = directory.appendingPathComponent("pp_to_jj.lhe").path
        let lines = try GzipLineReader(path: source)
        var text = ""
        while let line = try lines.nextLine() { text += String(decoding: line, as: UTF8.self) + "\n" }
        try LHETestSupport.write(text, to: plain, gzip: false)
        let (total, wall, cpu) = try timeReads(plain)
        XCTAssertEqual(total, 20_000)
        print("LHE plain read only: \(total) events in \(String(format: "%.3f", wall)) s wall = \(Int(Double(total) / wall)) events/s; CPU \(String(format: "%.3f", cpu)) s = \(Int(Double(total) / cpu)) events/s")
    }
}
