import Foundation
import XCTest
import SBICore
import SBIEvents
import SBISimulation
@testable import SBIRecipes

/// Writes small LHE files whose benchmark weights follow a known polynomial in θ.
enum LHEWriterForTests {
    /// One event: a gluon pair with transverse momentum `pt` along x, nominal weight and named weights.
    struct Event { var pt: Double; var nominal: Double; var weights: [Double] }

    /// An LHE 3.0 text with `<initrwgt>` ids and `<rwgt>` weights; `sigma` goes into `<init>`.
    /// With no ids: a background file, XWGTUP only (no `<initrwgt>`, no `<rwgt>`).
    static func text(ids: [String], events: [Event], sigma: Double) -> String {
        var s = "<LesHouchesEvents version=\"3.0\">\n<header>\n"
        if !ids.isEmpty {
            s += "<initrwgt>\n<weightgroup name='mg_reweighting'>\n"
            for id in ids { s += "<weight id='\(id)'> set param_card dim6 1 0.0\n</weight>\n" }
            s += "</weightgroup>\n</initrwgt>\n"
        }
        s += "</header>\n<init>\n2212 2212 6.5e+03 6.5e+03 0 0 247000 247000 -4 1\n\(sigma) 0.01 \(sigma) 1\n</init>\n"
        for e in events {
            let pz = 0.5 * e.pt, energy = (e.pt * e.pt + pz * pz).squareRoot()
            s += "<event>\n 2 1 \(e.nominal) 91.188 0.0078125 0.118\n"
            s += "  21 1 0 0 501 502 \(e.pt) 0.0 \(pz) \(energy) 0.0 0.0 9.0\n"
            s += "  21 1 0 0 502 501 \(-e.pt) 0.0 \(-pz) \(energy) 0.0 0.0 9.0\n"
            if !ids.isEmpty {
                s += "<rwgt>\n"
                for (id, w) in zip(ids, e.weights) { s += "<wgt id='\(id)'> \(w) </wgt>\n" }
                s += "</rwgt>\n"
            }
            s += "</event>\n"
        }
        return s + "</LesHouchesEvents>\n"
    }

    static func temporaryDirectory(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sbi-lhe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}

final class LHEEventSampleBuilderTests: XCTestCase {
    /// w_e(θ) = a_e + b_e θ + c_e θ²: per event coefficients.
    static let coefficients: [(Double, Double, Double)] = [(1.0, 0.3, 0.2), (2.5, -0.7, 0.4), (0.8, 0.1, 0.05), (1.7, 0.9, 0.6), (3.1, -0.2, 0.9)]
    static func w(_ k: Int, _ t: Double) -> Double { let c = coefficients[k]; return c.0 + c.1 * t + c.2 * t * t }

    /// A signal file (weights at three benchmarks) and a background file (XWGTUP only): every
    /// benchmark's cross section is σ_signal(θ_b) + σ_background (both files `sum`-normalised, one
    /// file per group, so no sampling factor), a background event has its own weight in every column,
    /// and morphing gives that same weight at any θ.
    func testLHEEventSample_signalPlusBackground_crossSectionsAddAndBackgroundIsThetaIndependent() throws {
        let dir = try LHEWriterForTests.temporaryDirectory(self)
        let thetas = [-1.0, 0.0, 2.0]
        let signal = (0..<5).map { k in LHEWriterForTests.Event(pt: 30 + 10 * Double(k), nominal: Self.w(k, 0), weights: thetas.map { Self.w(k, $0) }) }
        let backgroundWeights = [0.5, 0.25, 0.75, 0.5]
        let background = backgroundWeights.enumerated().map { LHEWriterForTests.Event(pt: 35 + 10 * Double($0.offset), nominal: $0.element, weights: []) }
        let signalPath = dir.appendingPathComponent("signal.lhe").path, backgroundPath = dir.appendingPathComponent("background.lhe").path
        try LHEWriterForTests.text(ids: ["rw0", "rw1", "rw2"], events: signal, sigma: 9).write(toFile: signalPath, atomically: true, encoding: .utf8)
        try LHEWriterForTests.text(ids: [], events: background, sigma: 2).write(toFile: backgroundPath, atomically: true, encoding: .utf8)
        let builder = LHEEventSampleBuilder(
            files: [signalPath], parameterNames: ["theta"],
            benchmarks: zip(["m1", "sm", "p2"], zip(["rw0", "rw1", "rw2"], thetas)).map { LHEBenchmark(name: $0.0, weightID: $0.1.0, theta: [$0.1.1]) },
            observables: [("pt1", "j[0].pt")], normalization: .sum, backgroundFiles: [backgroundPath])
        let (sample, reports) = try builder.build()
        XCTAssertEqual(sample.count, 9)
        XCTAssertEqual(reports.map(\.isBackground), [false, true])
        XCTAssertEqual(reports.map(\.factor), [1, 1])
        for (b, theta) in thetas.enumerated() {
            let signalSigma = (0..<5).reduce(0.0) { $0 + Self.w($1, theta) }
            XCTAssertEqual(sample.benchmarkCrossSections[b], signalSigma + 2.0, accuracy: 1e-12, "benchmark \(b)")
        }
        let morpher = try Morpher(components: MorphingComponents(maxPowers: [2]), basis: Matrix(rows: 3, columns: 1, storage: thetas))
        let morphed = morpher.eventWeights(benchmarkWeights: sample.benchmarkWeights, at: [0.7])
        for (k, w) in backgroundWeights.enumerated() {
            XCTAssertEqual((0..<3).map { sample.benchmarkWeights[5 + k, $0] }, [w, w, w])
            XCTAssertEqual(morphed[5 + k], w, accuracy: 1e-12)
        }
        for k in 0..<5 { XCTAssertEqual(morphed[k], Self.w(k, 0.7), accuracy: 1e-12) }

        // k-factors 2 (signal) and 1.5 (background) scale each file's share of every σ_b.
        var scaled = builder
        scaled.kFactors = [signalPath: 2, backgroundPath: 1.5]
        let (kSample, _) = try scaled.build()
        for (b, theta) in thetas.enumerated() {
            let signalSigma = (0..<5).reduce(0.0) { $0 + Self.w($1, theta) }
            XCTAssertEqual(kSample.benchmarkCrossSections[b], 2 * signalSigma + 1.5 * 2.0, accuracy: 1e-12, "benchmark \(b)")
        }
        scaled.kFactors = [dir.appendingPathComponent("other.lhe").path: 2]
        XCTAssertThrowsError(try scaled.build()) { XCTAssertEqual(($0 as? SBIError)?.field, "k_factors") }
        scaled.kFactors = [signalPath: 0]
        XCTAssertThrowsError(try scaled.build()) { XCTAssertEqual(($0 as? SBIError)?.field, "k_factors") }
    }

    func testLHEEventSample_weightsAtThreeBenchmarks_morphToTheFourthInTheFile() throws {
        let dir = try LHEWriterForTests.temporaryDirectory(self)
        let thetas = [-1.0, 0.0, 2.0, 0.7]
        let events = (0..<5).map { k in LHEWriterForTests.Event(pt: 30 + 10 * Double(k), nominal: Self.w(k, 0), weights: thetas.map { Self.w(k, $0) }) }
        let path = dir.appendingPathComponent("run.lhe").path
        try LHEWriterForTests.text(ids: ["rw0", "rw1", "rw2", "rw3"], events: events, sigma: 1.8).write(toFile: path, atomically: true, encoding: .utf8)
        let builder = LHEEventSampleBuilder(
            files: [path], parameterNames: ["theta"],
            benchmarks: zip(["m1", "sm", "p2", "check"], zip(["rw0", "rw1", "rw2", "rw3"], thetas)).map { LHEBenchmark(name: $0.0, weightID: $0.1.0, theta: [$0.1.1]) },
            observables: [("pt1", "j[0].pt")], normalization: .sum)
        let (sample, reports) = try builder.build()
        XCTAssertEqual(sample.count, 5)
        XCTAssertEqual(reports[0].samplingBenchmark, 1)   // XWGTUP equals the 'sm' weight
        XCTAssertEqual(sample.observables.column(0), [30, 40, 50, 60, 70])
        // Morph from the first three benchmarks (components 1, θ, θ²) to θ = 0.7.
        let morpher = try Morpher(components: MorphingComponents(maxPowers: [2]), basis: Matrix(rows: 3, columns: 1, storage: Array(thetas[0..<3])))
        let first3 = Matrix<Double>(rows: 5, columns: 3) { e, b in sample.benchmarkWeights[e, b] }
        let morphed = morpher.eventWeights(benchmarkWeights: first3, at: [0.7])
        for e in 0..<5 {
            // Exact polynomial reproduction; the morphing matrix of a condition-~10 basis costs ~1e-15 relative.
            XCTAssertEqual(morphed[e], sample.benchmarkWeights[e, 3], accuracy: 1e-13 * abs(sample.benchmarkWeights[e, 3]))
        }
    }

    func testLHEEventSample_twoFilesAtDifferentBenchmarks_combineToTheCrossSection() throws {
        // σ(θ) = 2 + θ + θ²/2. Each file's weights average (file A, event_norm = average, 3 events) or sum
        // (file B, event_norm = sum, 5 events) exactly to σ at every benchmark: w = σ(θ)(1 + δ_e θ), Σ δ_e = 0.
        func sigma(_ t: Double) -> Double { 2 + t + t * t / 2 }
        let thetas = [-1.0, 0.0, 1.0]
        let dir = try LHEWriterForTests.temporaryDirectory(self)
        let deltasA = [0.2, -0.1, -0.1], deltasB = [0.3, -0.2, 0.1, -0.4, 0.2]
        let eventsA = deltasA.enumerated().map { k, d in
            LHEWriterForTests.Event(pt: 20 + Double(k), nominal: sigma(-1) * (1 - d), weights: thetas.map { sigma($0) * (1 + d * $0) })
        }
        let eventsB = deltasB.enumerated().map { k, d in
            LHEWriterForTests.Event(pt: 40 + Double(k), nominal: sigma(1) * (1 + d) / 5, weights: thetas.map { sigma($0) * (1 + d * $0) / 5 })
        }
        let a = dir.appendingPathComponent("a.lhe").path, b = dir.appendingPathComponent("b.lhe").path
        let ids = ["1", "2", "3"]
        try LHEWriterForTests.text(ids: ids, events: eventsA, sigma: sigma(-1)).write(toFile: a, atomically: true, encoding: .utf8)
        try LHEWriterForTests.text(ids: ids, events: eventsB, sigma: sigma(1)).write(toFile: b, atomically: true, encoding: .utf8)
        let benchmarks = zip(["minus", "sm", "plus"], zip(ids, thetas)).map { LHEBenchmark(name: $0.0, weightID: $0.1.0, theta: [$0.1.1]) }
        var builder = LHEEventSampleBuilder(files: [a, b], parameterNames: ["theta"], parameterRanges: [-1.0...1.0],
                                            benchmarks: benchmarks, observables: [("pt1", "j[0].pt")])
        let (sample, reports) = try builder.build()
        XCTAssertEqual(reports.map(\.normalization), [.average, .sum])
        XCTAssertEqual(reports.map(\.samplingBenchmark), [0, 2])
        XCTAssertEqual(sample.samplingBenchmarks, [0, 2])
        // MadMiner's sampling factors n_i/N = 3/8 and 5/8 (times 1/3 for the average-normalised file).
        XCTAssertEqual(reports[0].factor, 3.0 / 8.0 / 3.0, accuracy: 1e-16)
        XCTAssertEqual(reports[1].factor, 5.0 / 8.0, accuracy: 1e-16)
        // Σ_e W[e, b] = σ(θ_b); then the morphed total at θ = 0.4 is σ(0.4). Rounding of ~10 terms: 1e-14.
        for (s, t) in zip(sample.benchmarkCrossSections, thetas) { XCTAssertEqual(s, sigma(t), accuracy: 1e-14 * sigma(t)) }
        let augmenter = try SampleAugmenter(events: sample, morphingMaxPowers: [2])
        let morpher = try XCTUnwrap(augmenter.eventMorphing)
        let total = morpher.eventWeights(benchmarkWeights: sample.benchmarkWeights, at: [0.4]).reduce(0, +)
        XCTAssertEqual(total, sigma(0.4), accuracy: 1e-13)
        // A cut dropping file B's first event (pt 40): σ loses exactly its share 5/8 · w.
        builder.cuts = ["j[0].pt != 40"]
        let (cut, cutReports) = try builder.build()
        XCTAssertEqual(cut.count, 7)
        XCTAssertEqual(cutReports[1].eventsRead, 5)
        XCTAssertEqual(cutReports[1].eventsKept, 4)
        XCTAssertTrue(cutReports[1].summary.contains("1 failed"), cutReports[1].summary)
        XCTAssertEqual(cut.benchmarkCrossSections[2], sigma(1) - 5.0 / 8.0 * sigma(1) * 1.3 / 5, accuracy: 1e-14)
    }

    func testLHEEventSample_badSettings_throwNamingTheProblem() throws {
        let dir = try LHEWriterForTests.temporaryDirectory(self)
        let path = dir.appendingPathComponent("run.lhe").path
        let events = [LHEWriterForTests.Event(pt: 30, nominal: 1, weights: [1, 2])]
        try LHEWriterForTests.text(ids: ["a", "b"], events: events, sigma: 1).write(toFile: path, atomically: true, encoding: .utf8)
        func attempt(_ benchmarks: [LHEBenchmark], sampling: [String?]? = nil, observables: [(name: String, expression: String)] = [("pt", "j[0].pt")]) -> SBIError? {
            do {
                _ = try LHEEventSampleBuilder(files: [path], parameterNames: ["t"], benchmarks: benchmarks, observables: observables,
                                              samplingBenchmarks: sampling).build()
                return nil
            } catch { return error as? SBIError }
        }
        // A weight id the file does not declare: the reader names the file.
        let missing = attempt([LHEBenchmark(name: "x", weightID: "zz", theta: [0])])
        XCTAssertEqual(missing?.file, path)
        XCTAssertTrue(missing?.description.contains("zz") ?? false, "\(String(describing: missing))")
        XCTAssertEqual(attempt([LHEBenchmark(name: "x", weightID: "a", theta: [0, 1])])?.field, "benchmarks[0] 'x'")
        XCTAssertEqual(attempt([LHEBenchmark(name: "x", weightID: "a", theta: [0])], sampling: ["nope"])?.field, "sampling_benchmarks[0]")
        XCTAssertEqual(attempt([LHEBenchmark(name: "x", weightID: "a", theta: [0])], observables: [("y", "j[0].pt +")])?.kind, .data)
        // A cut no event passes.
        XCTAssertThrowsError(try LHEEventSampleBuilder(files: [path], parameterNames: ["t"], benchmarks: [LHEBenchmark(name: "x", weightID: "a", theta: [0])],
                                                       observables: [("pt", "j[0].pt")], cuts: ["j[0].pt > 1000"]).build()) {
            XCTAssertEqual(($0 as? SBIError)?.field, "cuts")
        }
    }
}

/// Weight variations read with the benchmark weights become the kept events' nuisance morphing.
final class LHEEventSampleVariationTests: XCTestCase {
    /// Signal events carry benchmark weights and a scale variation (up: ×(1.1 + 0.01k), down: ×(0.9 − 0.01k)
    /// of XWGTUP); the cut drops the first signal event; background events have no variations. The kept
    /// rows' coefficients are MadMiner's two-sided a = ½ log(w₊/w₋), b = ½ log(w₊w₋/w₀²), and 0 for the
    /// background rows, in the sample's row order.
    func testVariations_followTheKeptEvents_andBackgroundsStayNominal() throws {
        let dir = try LHEWriterForTests.temporaryDirectory(self)
        let thetas = [-1.0, 0.0, 2.0]
        let w = LHEEventSampleBuilderTests.w
        var signal: [LHEWriterForTests.Event] = []
        for k in 0..<5 {
            let nominal: Double = w(k, 0), shift: Double = 0.01 * Double(k)
            let benchmarkWeights: [Double] = thetas.map { w(k, $0) }
            signal.append(LHEWriterForTests.Event(pt: 30 + 10 * Double(k), nominal: nominal,
                                                  weights: benchmarkWeights + [nominal * (1.1 + shift), nominal * (0.9 - shift)]))
        }
        let background = [0.5, 0.25].enumerated().map { LHEWriterForTests.Event(pt: 45 + 10 * Double($0.offset), nominal: $0.element, weights: []) }
        let signalPath = dir.appendingPathComponent("signal.lhe").path, backgroundPath = dir.appendingPathComponent("background.lhe").path
        try LHEWriterForTests.text(ids: ["rw0", "rw1", "rw2", "mu_up", "mu_dn"], events: signal, sigma: 9)
            .write(toFile: signalPath, atomically: true, encoding: .utf8)
        try LHEWriterForTests.text(ids: [], events: background, sigma: 2).write(toFile: backgroundPath, atomically: true, encoding: .utf8)
        var builder = LHEEventSampleBuilder(
            files: [signalPath], parameterNames: ["theta"],
            benchmarks: zip(["m1", "sm", "p2"], zip(["rw0", "rw1", "rw2"], thetas)).map { LHEBenchmark(name: $0.0, weightID: $0.1.0, theta: [$0.1.1]) },
            observables: [("pt1", "j[0].pt")], cuts: ["j[0].pt > 35"], normalization: .sum, backgroundFiles: [backgroundPath])
        builder.variations = [LHEWeightVariation(name: "mu", up: "mu_up", down: "mu_dn")]
        let (sample, _, nuisance) = try builder.buildWithNuisance()
        let morphing = try XCTUnwrap(nuisance)
        XCTAssertEqual(sample.count, 6, "4 signal events pass the cut, 2 background events")
        XCTAssertEqual(morphing.eventCount, 6)
        XCTAssertEqual(sample.benchmarkWeights.columns, 3, "variation ids are not benchmarks")
        for row in 0..<4 {
            let k = Double(row + 1)
            XCTAssertEqual(morphing.linear[row, 0], 0.5 * log((1.1 + 0.01 * k) / (0.9 - 0.01 * k)), accuracy: 1e-12, "row \(row)")
            XCTAssertEqual(morphing.quadratic[row, 0], 0.5 * log((1.1 + 0.01 * k) * (0.9 - 0.01 * k)), accuracy: 1e-12, "row \(row)")
        }
        for row in 4..<6 { XCTAssertEqual([morphing.linear[row, 0], morphing.quadratic[row, 0]], [0, 0], "background row \(row)") }

        builder.variations = [LHEWeightVariation(name: "pdf", up: "missing")]
        XCTAssertThrowsError(try builder.buildWithNuisance()) { error in
            XCTAssertTrue("\(error)".contains("'missing'") && "\(error)".contains("signal.lhe"), "\(error)")
        }
    }
}
