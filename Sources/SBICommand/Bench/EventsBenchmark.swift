import Foundation
import SBICore
import SBIEvents

/// Parsing throughput of a gzip-compressed MadGraph LHE file with observables (issue 9):
///
/// ```
/// rate = events / seconds    (gunzip + LHE parse of particles and 145 named weights
///                             + three observables: j[0].pt, (j[0] + j[1]).m, deltaphi(j[0], j[1]))
/// ```
/// The file (pp → jj, MadGraph 3.5.8, 1000 events) is read again from its first event
/// (`LHEReader.rewind`) until the minimum time has passed; parsing on the calling thread, zlib
/// on a second one (`BackgroundInflater`), restarted at every rewind. Two figures: every named
/// weight parsed (145 per event), and only three mapped to benchmarks (ids 6, 45, 35).
enum EventsBenchmark {
    static let fileName = "pylhe-testfile-madgraph5-3.5.8-pp_to_jj.lhe.gz"
    /// Three scale-variation ids of that file, as benchmarks.
    static let threeWeights = LHEWeightMapping.table([LHEWeightAssignment(weightID: "6", benchmark: "mur_half"),
                                                      LHEWeightAssignment(weightID: "45", benchmark: "central"),
                                                      LHEWeightAssignment(weightID: "35", benchmark: "mur_double")])

    /// `--lhe FILE`, else the test fixture (`Tests/Fixtures/`) in the working folder or in the package.
    static func locate(_ given: String?) throws -> String {
        if let given {
            guard FileManager.default.fileExists(atPath: given) else { throw SBIError.io("no such file", file: given) }
            return given
        }
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let candidates = ["Tests/Fixtures/" + fileName,
                          package.appendingPathComponent("Tests/Fixtures/" + fileName).path]
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw SBIError.usage("cannot find \(fileName) (looked in \(candidates.joined(separator: ", "))); give --lhe FILE", field: "--lhe")
        }
        return found
    }

    /// Events per second over at least `minimumSeconds`.
    /// - Parameter weights: how named weights are read (`.automatic`: all 145 of the file; a table:
    ///   only the listed ids become benchmark weights, as `sbi augment --events` reads them).
    static func eventsPerSecond(path: String, weights: LHEWeightMapping = .automatic, minimumSeconds: Double) throws -> Double {
        let analysis = try EventAnalysis(observables: [("pt_j1", "j[0].pt"), ("mjj", "(j[0] + j[1]).m"), ("dphi", "deltaphi(j[0], j[1])")])
        let reader = try LHEReader(path: path, weights: weights)
        var event = LHEEvent()
        var values = [Double](repeating: 0, count: 3)
        var checksum = 0.0
        // One warm-up pass.
        while try reader.next(into: &event) { _ = values.withUnsafeMutableBufferPointer { analysis.process(event, into: $0) } }
        var events = 0
        let start = ProgressReporter.monotonicSeconds()
        var elapsed = 0.0
        repeat {
            try reader.rewind()
            while try reader.next(into: &event) {
                if values.withUnsafeMutableBufferPointer({ analysis.process(event, into: $0) }) { checksum += values[0] }
                events += 1
            }
            elapsed = ProgressReporter.monotonicSeconds() - start
        } while elapsed < minimumSeconds
        precondition(checksum.isFinite, "EventsBenchmark: checksum \(checksum)")
        return Double(events) / elapsed
    }
}
