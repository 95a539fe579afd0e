import Foundation
import SBICore
import SBISimulation
import SBITestSupport
import XCTest
@testable import SBIEvents

/// MadMiner HDF5 analysis files: the real files in Tests/Fixtures and small files written
/// here through the HDF5 C API.
final class MadMinerFileTests: XCTestCase {
    private func dummyData() throws -> MadMinerFile {
        try MadMinerFile(path: fixtureFile("madminer-dummy-data.h5"))
    }

    // MARK: the real 0.9.x file

    func testMadMinerFile_dummyData_readsSetupAndEvents() throws {
        let mm = try dummyData()
        XCTAssertEqual(mm.layout, .current)
        XCTAssertEqual(mm.parameters.map(\.name), ["CWL2", "CPWL2"])
        XCTAssertEqual(mm.parameters.map(\.range), [-10...10, -10...10])
        XCTAssertEqual(mm.parameters.map(\.maxPower), [2, 2])
        XCTAssertEqual(mm.parameters.map(\.transform), ["16.52*theta", "16.52*theta"])
        XCTAssertEqual(mm.benchmarkNames, ["sm", "w"] + (2...5).map { "morphing_basis_vector_\($0)" })
        XCTAssertEqual(mm.referenceBenchmark, 0)
        // Benchmarks 0 and 1 as h5dump prints them (exact); the others are random basis points.
        XCTAssertEqual(mm.benchmarks.rows, 6)
        XCTAssertEqual(Array(mm.benchmarks.storage[0..<4]), [0, 0, 10, 0])
        XCTAssertEqual(mm.benchmarks[2, 0], -9.31058, accuracy: 1e-5, "h5dump prints 6 significant digits")
        XCTAssertEqual(mm.observableNames, ["pt_j1", "delta_phi_jj"])
        XCTAssertEqual(mm.observableDefinitions[0], "j[0].pt")
        XCTAssertEqual(mm.eventCount, 5821)
        XCTAssertEqual(mm.storedWeights.columns, 6)
        XCTAssertEqual(mm.morphingComponents, [0, 0, 0, 1, 0, 2, 1, 0, 1, 1, 2, 0])
        XCTAssertEqual(mm.signalEventsPerBenchmark, [911, 980, 973, 989, 981, 987])
        XCTAssertEqual(mm.backgroundEvents, 0)
        XCTAssertEqual(mm.warnings, [])
        // First and last events, read with h5py 3.16 (exact: the observables are float32 values).
        XCTAssertEqual(mm.observations[0, 0], 569.7269287109375)
        XCTAssertEqual(mm.observations[0, 1], -4.141216278076172)
        XCTAssertEqual(mm.storedWeights[0, 0], 5.8821347e-09)
        XCTAssertEqual(mm.storedWeights[5820, 4], 1.0254241e-04)
        XCTAssertEqual(mm.samplingBenchmarks?[0], 5)
        XCTAssertEqual(mm.samplingBenchmarks?[5820], 0)
        // Every event's sampling benchmark is counted in the summary.
        var counted = [Int](repeating: 0, count: 6)
        for id in mm.samplingBenchmarks ?? [] { counted[id] += 1 }
        XCTAssertEqual(counted, mm.signalEventsPerBenchmark)
    }

    func testMadMinerFile_dummyData_morphingMatrixEqualsMorpher() throws {
        let mm = try dummyData()
        let stored = try XCTUnwrap(mm.morphingMatrix)
        let components = try MorphingComponents(exponents: try XCTUnwrap(mm.morphingComponents), parameterCount: 2)
        let morpher = try Morpher(components: components, basis: mm.benchmarks)
        XCTAssertEqual(morpher.matrix.rows, stored.rows)
        XCTAssertEqual(morpher.matrix.columns, stored.columns)
        // Both are inverses of the same 6x6 matrix A[b, c] = α_c(θ_b): they may differ by
        // rounding amplified by the condition number, κ·ε relative to the largest entry.
        let scale = stored.storage.map(abs).max() ?? 1
        let tolerance = 10 * morpher.conditionNumber * Double.ulpOfOne * scale
        for (a, b) in zip(morpher.matrix.storage, stored.storage) {
            XCTAssertEqual(a, b, accuracy: tolerance)
        }
        XCTAssertEqual(stored[0, 0], 1, "h5dump: the SM benchmark alone fixes the constant component")
    }

    func testMadMinerFile_dummyData_crossSectionsWithSamplingFactors() throws {
        let mm = try dummyData()
        // f_b = n_b / Σ n = n_b / 5821; background (none here) keeps 1.
        XCTAssertEqual(mm.samplingFactors.count, 7)
        XCTAssertEqual(mm.samplingFactors[0], 911.0 / 5821.0, accuracy: 1e-16)
        XCTAssertEqual(mm.samplingFactors[6], 1)
        // Σ_e f_{s(e)} weights[e, b], computed with h5py 3.16 + numpy (see the report of the
        // helper that wrote this test): values to 1e-12 relative, the spread of summation orders
        // over 5821 terms (n·ε ≈ 6e-13).
        let expected = [0.00100595289241218, 0.01656787358203483, 0.02289349700981895,
                        0.02253398790741084, 0.01877358746387518, 0.02067667479360409]
        let sigma = mm.crossSections()
        for (s, e) in zip(sigma, expected) { XCTAssertEqual(s, e, accuracy: 1e-12 * e) }
        // Without the factors the sums are six times larger on average (one full σ per run).
        let raw = [0.00603121291768111, 0.09907365655590676, 0.13694082255514922,
                   0.13491964137024323, 0.11259866713922898, 0.12398888123982367]
        var rawSums = [Double](repeating: 0, count: 6)
        for e in 0..<mm.eventCount { for b in 0..<6 { rawSums[b] += mm.storedWeights[e, b] } }
        for (s, e) in zip(rawSums, raw) { XCTAssertEqual(s, e, accuracy: 1e-12 * e) }

        // σ(θ) = Σ_b w_b(θ) σ_b (MadMiner's DataAnalyzer.xsecs) at θ = (3, −5) with the stored
        // morphing matrix, against h5py/numpy (alpha @ M @ σ) and against per-event morphing.
        let components = try MorphingComponents(exponents: try XCTUnwrap(mm.morphingComponents), parameterCount: 2)
        let morpher = try Morpher(components: components, basis: mm.benchmarks)
        let theta = [3.0, -5.0]
        let wb = morpher.weights(at: theta)
        let sigmaTheta = zip(wb, sigma).map { $0 * $1 }.reduce(0, +)
        // |w_b| ≤ 0.54, so cancellation costs at most ~Σ|w_b σ_b|/σ(θ) ≈ 10 digits of 16: 1e-9 relative.
        XCTAssertEqual(sigmaTheta, 0.006919486369848033, accuracy: 1e-9 * 0.006919486369848033)
        let perEvent = morpher.eventWeights(benchmarkWeights: mm.benchmarkWeights(), at: theta).reduce(0, +)
        XCTAssertEqual(perEvent, sigmaTheta, accuracy: 1e-12)
        // Morphing to a benchmark gives that benchmark's cross section (w_b(θ_b') = δ_bb').
        for b in 0..<6 {
            let at = [mm.benchmarks[b, 0], mm.benchmarks[b, 1]]
            let morphed = zip(morpher.weights(at: at), sigma).map { $0 * $1 }.reduce(0, +)
            XCTAssertEqual(morphed, sigma[b], accuracy: 1e-10 * sigma.max()!, "benchmark \(b)")
        }
    }

    /// Cross-check of the raw numbers against h5py (scripts/test.sh provides a Python with it as SBI_PYTHON).
    func testMadMinerFile_dummyData_matchesH5pyWhenAvailable() throws {
        let path = try fixtureFile("madminer-dummy-data.h5")
        guard let python = ProcessInfo.processInfo.environment["SBI_PYTHON"] else {
            throw XCTSkip("SBI_PYTHON not set (scripts/test.sh sets it)")
        }
        let script = """
        import sys, h5py, numpy as np
        f = h5py.File(sys.argv[1], 'r')
        w = f['samples/weights'][()]; x = f['samples/observations'][()]; ids = f['samples/sampling_benchmarks'][()]
        n = f['sample_summary/signal_events'][()]
        fac = np.append(n / n.sum(), 1.0)
        print(' '.join(repr(float(v)) for v in (w * fac[ids][:, None]).sum(axis=0)))
        print(' '.join(repr(float(v)) for v in x.sum(axis=0)))
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            return XCTFail("h5py is not importable by \(python); scripts/test.sh installs it into .build/pyenv")
        }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map { $0.split(separator: " ").compactMap { Double($0) } }
        let mm = try MadMinerFile(path: path)
        for (s, e) in zip(mm.crossSections(), lines[0]) { XCTAssertEqual(s, e, accuracy: 1e-12 * abs(e)) }
        var sums = [0.0, 0.0]
        for e in 0..<mm.eventCount { sums[0] += mm.observations[e, 0]; sums[1] += mm.observations[e, 1] }
        // Pairwise (numpy) vs sequential summation of 5821 values of size ~300: n·ε·Σ|x|.
        for (s, e) in zip(sums, lines[1]) { XCTAssertEqual(s, e, accuracy: 1e-9 * max(1, abs(e))) }
    }

    // MARK: refused files

    func testMadMinerFile_inconsistentWeights_refusedNamingFileAndDataset() throws {
        let path = try fixtureFile("madminer-inconsistent-weights.h5")
        let error = try XCTUnwrap(LHETestSupport.sbiError { _ = try MadMinerFile(path: path) })
        XCTAssertEqual(error.kind, .data)
        XCTAssertEqual(error.file, path)
        XCTAssertEqual(error.field, "/samples/weights")
        XCTAssertTrue(error.message.contains("5 columns"), error.message)
        XCTAssertTrue(error.message.contains("6 benchmarks"), error.message)
        XCTAssertTrue(error.description.hasPrefix("\(path): /samples/weights: inconsistent weights"), error.description)
    }

    func testMadMinerFile_missingGroups_errorNamesTheGroup() throws {
        let folder = try LHETestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("nogroups.h5").path
        let writer = try HDF5TestWriter(path: path)
        writer.strings("parameters/names", ["a"])
        writer.doubles("something/else", shape: [2], [1, 2])
        writer.close()
        let error = try XCTUnwrap(LHETestSupport.sbiError { _ = try MadMinerFile(path: path) })
        XCTAssertEqual(error.file, path)
        XCTAssertEqual(error.field, "/benchmarks")
        XCTAssertTrue(error.message.contains("missing group"), error.message)
    }

    /// Damaged bytes anywhere in a small MadMiner file with nuisance parameters (written here): 400 copies,
    /// each with 8 bytes overwritten at seeded random offsets, are read; each either reads or throws an
    /// `SBIError` naming the file, never traps (a trap would end the test process). It found a sample summary
    /// count whose sum overflowed; 6 000 copies passed after the fix.
    func testMadMinerFile_randomByteDamage_readsOrThrowsNamingTheFile() throws {
        let folder = try LHETestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("intact.h5").path
        try writeSmallFile(path, legacy: false, variableStrings: false)
        let intact = try Data(contentsOf: URL(fileURLWithPath: path))
        let random = SeededRandom(seed: 77)
        var refused = 0
        for copy in 0..<400 {
            var bytes = [UInt8](intact)
            for _ in 0..<8 {
                bytes[Int(random.uniform() * Double(bytes.count))] = UInt8(Int(random.uniform() * 256) & 0xff)
            }
            let damaged = folder.appendingPathComponent("damaged-\(copy).h5").path
            try Data(bytes).write(to: URL(fileURLWithPath: damaged))
            do {
                _ = try MadMinerFile(path: damaged)
            } catch let error as SBIError {
                refused += 1
                XCTAssertEqual(error.file, damaged, "copy \(copy): \(error)")
            }
            try? FileManager.default.removeItem(atPath: damaged)
        }
        XCTAssertGreaterThan(refused, 0, "some damage must be detected")
    }

    func testMadMinerFile_truncatedAndNonHDF5Files_errorsNotTraps() throws {
        let source = try fixtureFile("madminer-dummy-data.h5")
        let folder = try LHETestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: source))
        // Cut inside the superblock, inside the metadata, and inside the event data.
        for cut in [100, 4000, bytes.count / 2, bytes.count - 1000] {
            let path = folder.appendingPathComponent("cut\(cut).h5").path
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: path))
            let error = LHETestSupport.sbiError { _ = try MadMinerFile(path: path) }
            XCTAssertEqual(error?.file, path, "cut at \(cut)")
        }
        let text = folder.appendingPathComponent("text.h5").path
        try "not hdf5\n".write(toFile: text, atomically: true, encoding: .utf8)
        let notHDF5 = LHETestSupport.sbiError { _ = try MadMinerFile(path: text) }
        XCTAssertTrue(notHDF5?.message.contains("not an HDF5 file") ?? false, "\(String(describing: notHDF5))")
        let missing = LHETestSupport.sbiError { _ = try MadMinerFile(path: folder.appendingPathComponent("absent.h5").path) }
        XCTAssertEqual(missing?.kind, .io)
    }

    // MARK: small files with known contents

    /// A MadMiner file with 2 parameters, 3 physics benchmarks (+1 nuisance), 4 events.
    private func writeSmallFile(_ path: String, legacy: Bool, variableStrings: Bool,
                                weightColumns: Int = 4, observationRows: Int = 4, samplingIDs: [Int64]? = [0, 0, 1, -1]) throws {
        let w = try HDF5TestWriter(path: path)
        w.strings("parameters/names", ["a", "b"], variableLength: variableStrings)
        w.doubles(legacy ? "parameters/ranges" : "parameters/val_ranges", shape: [2, 2], [-1, 1, 0, 2])
        if legacy { w.integers("parameters/max_power", shape: [2, 1], [2, 1]) } else { w.integers("parameters/max_power", shape: [2], [2, 1]) }
        w.strings("benchmarks/names", ["sm", "b1", "b2", "nuis"], variableLength: variableStrings)
        w.doubles("benchmarks/values", shape: [4, 2], [0, 0, 1, 0, 0, 1, 0, 0])
        w.integers("benchmarks/is_nuisance", shape: [4], [0, 0, 0, 1])
        w.integers("benchmarks/is_reference", shape: [4], [1, 0, 0, 0])
        w.integers("morphing/components", shape: [3, 2], [0, 0, 1, 0, 0, 1])
        w.doubles("morphing/morphing_matrix", shape: [3, 3], [1, 0, 0, -1, 1, 0, -1, 0, 1])
        w.strings("observables/names", ["x1", "x2"], variableLength: variableStrings)
        w.strings("observables/definitions", ["j[0].pt", "met"], variableLength: variableStrings)
        w.strings("nuisance_parameters/names", ["nu"])
        w.doubles("samples/observations", shape: [observationRows, 2], (0..<(2 * observationRows)).map(Double.init))
        w.doubles("samples/weights", shape: [4, weightColumns], (0..<(4 * weightColumns)).map { Double($0 + 1) })
        if let samplingIDs { w.integers("samples/sampling_benchmarks", shape: [4], samplingIDs) }
        if !legacy {
            w.integers("sample_summary/signal_events", shape: [3], [2, 1, 0])
            w.integers("sample_summary/background_events", shape: [], [1])
        }
        w.close()
    }

    func testMadMinerFile_smallCurrentLayout_nuisanceDroppedAndFactorsApplied() throws {
        let folder = try LHETestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("small.h5").path
        try writeSmallFile(path, legacy: false, variableStrings: false)
        let mm = try MadMinerFile(path: path)
        XCTAssertEqual(mm.layout, .current)
        XCTAssertEqual(mm.benchmarkNames, ["sm", "b1", "b2"])
        XCTAssertEqual(mm.parameters.map(\.maxPower), [2, 1])
        XCTAssertEqual(mm.parameters.map(\.range), [-1...1, 0...2])
        XCTAssertEqual(mm.backgroundEvents, 1)
        XCTAssertEqual(mm.warnings.count, 2, "\(mm.warnings)")
        XCTAssertTrue(mm.warnings[0].contains("ignored /nuisance_parameters (no benchmark_positive"), mm.warnings[0])
        XCTAssertTrue(mm.warnings[1].contains("nuisance benchmark(s) that no nuisance parameter uses, and their weights: nuis"), mm.warnings[1])
        XCTAssertEqual(mm.nuisanceParameters, [])
        // weights rows are [1 2 3 4], [5 6 7 8], ... with the nuisance (4th) column dropped.
        XCTAssertEqual(mm.storedWeights.storage, [1, 2, 3, 5, 6, 7, 9, 10, 11, 13, 14, 15])
        // f = [2/3, 1/3, 0, background 1]; events 0, 1 from sm, 2 from b1, 3 background.
        let f = 2.0 / 3.0, g = 1.0 / 3.0
        let expected = [f * 1, f * 2, f * 3, f * 5, f * 6, f * 7, g * 9, g * 10, g * 11, 13, 14, 15]
        for (a, b) in zip(mm.benchmarkWeights().storage, expected) { XCTAssertEqual(a, b, accuracy: 1e-15 * b) }
        XCTAssertEqual(mm.crossSections()[0], f * 6 + g * 9 + 13, accuracy: 1e-14)
    }

    /// MadMiner's nuisance layout (`LHEReader.save`): nuisance benchmarks after the physics ones, flagged
    /// `is_nuisance`, and `/nuisance_parameters` naming each parameter's ±1σ benchmarks ("None": one-sided).
    /// A two-sided scale and a one-sided norm are read with their columns; the sampling factors scale the
    /// nuisance weights like the benchmark weights; a benchmark nobody uses is reported.
    func testMadMinerFile_nuisanceParameters_readWithTheirVariationWeights() throws {
        let folder = try LHETestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("nuisance.h5").path
        let w = try HDF5TestWriter(path: path)
        w.strings("parameters/names", ["a"])
        w.doubles("parameters/val_ranges", shape: [1, 2], [-1, 1])
        let names = ["sm", "b1", "scale_nuisance_param_0_benchmark_0", "scale_nuisance_param_0_benchmark_1",
                     "norm_nuisance_param_0_benchmark_0", "spare"]
        w.strings("benchmarks/names", names)
        w.doubles("benchmarks/values", shape: [6, 1], [0, 1, 0, 0, 0, 0])
        w.integers("benchmarks/is_nuisance", shape: [6], [0, 0, 1, 1, 1, 1])
        w.integers("benchmarks/is_reference", shape: [6], [1, 0, 0, 0, 0, 0])
        w.strings("nuisance_parameters/names", ["scale_nuisance_param_0", "norm_nuisance_param_0"])
        w.strings("nuisance_parameters/systematics", ["scale", "norm"])
        w.strings("nuisance_parameters/benchmark_positive", ["scale_nuisance_param_0_benchmark_0", "norm_nuisance_param_0_benchmark_0"])
        w.strings("nuisance_parameters/benchmark_negative", ["scale_nuisance_param_0_benchmark_1", "None"])
        w.strings("observables/names", ["x"])
        w.doubles("samples/observations", shape: [3, 1], [1, 2, 3])
        // Per event: sm, b1, scale up, scale down, norm up, spare.
        w.doubles("samples/weights", shape: [3, 6], [2, 3, 2.4, 1.8, 2.2, 9,
                                                      4, 5, 4.4, 3.0, 4.4, 9,
                                                      1, 1, 1.3, 0.9, 1.1, 9])
        w.integers("samples/sampling_benchmarks", shape: [3], [0, 1, -1])
        w.integers("sample_summary/signal_events", shape: [2], [1, 3])
        w.integers("sample_summary/background_events", shape: [], [1])
        w.close()
        let mm = try MadMinerFile(path: path)
        XCTAssertEqual(mm.benchmarkNames, ["sm", "b1"])
        XCTAssertEqual(mm.nuisanceParameters, [
            .init(name: "scale_nuisance_param_0", systematic: "scale", positive: 0, negative: 1),
            .init(name: "norm_nuisance_param_0", systematic: "norm", positive: 2, negative: nil)])
        XCTAssertEqual(mm.nuisanceBenchmarkNames, Array(names[2...4]))
        XCTAssertEqual(mm.storedNuisanceWeights.storage, [2.4, 1.8, 2.2, 4.4, 3.0, 4.4, 1.3, 0.9, 1.1])
        // f = 1/4 for sm, 3/4 for b1, 1 for background: the same factor on every column of an event.
        let factors = [0.25, 0.75, 1.0]
        let scaled = mm.nuisanceBenchmarkWeights(), benchmarks = mm.benchmarkWeights()
        for e in 0..<3 {
            for k in 0..<3 { XCTAssertEqual(scaled[e, k], factors[e] * mm.storedNuisanceWeights[e, k], accuracy: 1e-15) }
            XCTAssertEqual(benchmarks[e, 0], factors[e] * mm.storedWeights[e, 0], accuracy: 1e-15)
        }
        XCTAssertTrue(mm.warnings.contains { $0.contains("1 nuisance benchmark(s) that no nuisance parameter uses, and their weights: spare") },
                      "\(mm.warnings)")
        XCTAssertFalse(mm.warnings.contains { $0.contains("/nuisance_parameters") }, "\(mm.warnings)")
    }

    /// A nuisance parameter naming a benchmark the file lacks, or a benchmark of θ, is refused with the dataset.
    func testMadMinerFile_badNuisanceBenchmark_refusedNamingTheDataset() throws {
        let folder = try LHETestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        for (positive, expected) in [("absent", "which /benchmarks/names does not hold"), ("b1", "a benchmark of θ, not a nuisance benchmark")] {
            let path = folder.appendingPathComponent("bad-\(positive).h5").path
            let w = try HDF5TestWriter(path: path)
            w.strings("parameters/names", ["a"])
            w.strings("benchmarks/names", ["sm", "b1", "up"])
            w.doubles("benchmarks/values", shape: [3, 1], [0, 1, 0])
            w.integers("benchmarks/is_nuisance", shape: [3], [0, 0, 1])
            w.strings("nuisance_parameters/names", ["nu"])
            w.strings("nuisance_parameters/benchmark_positive", [positive])
            w.strings("observables/names", ["x"])
            w.doubles("samples/observations", shape: [1, 1], [1])
            w.doubles("samples/weights", shape: [1, 3], [1, 2, 3])
            w.close()
            let error = try XCTUnwrap(LHETestSupport.sbiError { _ = try MadMinerFile(path: path) })
            XCTAssertEqual(error.file, path)
            XCTAssertEqual(error.field, "/nuisance_parameters/benchmark_positive")
            XCTAssertTrue(error.message.contains(expected), error.message)
        }
    }

    func testMadMinerFile_smallLegacyLayoutVariableStrings_reads() throws {
        let folder = try LHETestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("legacy.h5").path
        try writeSmallFile(path, legacy: true, variableStrings: true, samplingIDs: nil)
        let mm = try MadMinerFile(path: path)
        XCTAssertEqual(mm.layout, .legacy)
        XCTAssertEqual(mm.parameters.map(\.name), ["a", "b"])
        XCTAssertEqual(mm.parameters.map(\.maxPower), [2, 1])
        XCTAssertEqual(mm.observableDefinitions, ["j[0].pt", "met"])
        XCTAssertNil(mm.samplingBenchmarks)
        XCTAssertEqual(mm.samplingFactors, [1, 1, 1, 1])
        XCTAssertEqual(mm.benchmarkWeights().storage, mm.storedWeights.storage)
    }

    /// A dataset declared as 10⁹ × 2 doubles (16 GB) in a file of a few kB: refused before anything
    /// is allocated, naming the file and the dataset; a written dataset beside it still reads.
    func testHDF5File_declaredButUnstoredDataset_refusedBeforeAllocating() throws {
        let folder = try LHETestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("huge.h5").path
        let writer = try HDF5TestWriter(path: path)
        writer.declaredDoubles("samples/observations", shape: [1_000_000_000, 2])
        writer.doubles("samples/small", shape: [2], [1, 2])
        writer.close()
        XCTAssertLessThan(try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int), 100_000)
        let file = try HDF5File(path: path)
        XCTAssertEqual(try file.readDoubles("samples/small").values, [1, 2])
        let error = try XCTUnwrap(LHETestSupport.sbiError { _ = try file.readMatrix("samples/observations") })
        XCTAssertEqual(error.kind, .data)
        XCTAssertEqual(error.file, path)
        XCTAssertEqual(error.field, "/samples/observations")
        XCTAssertTrue(error.message.hasPrefix("declares 16000000000 bytes of values but the file stores none"), error.message)
    }

    func testMadMinerFile_shapeMismatches_refusedWithPath() throws {
        let folder = try LHETestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let rows = folder.appendingPathComponent("rows.h5").path
        try writeSmallFile(rows, legacy: false, variableStrings: false, observationRows: 3)
        let rowError = LHETestSupport.sbiError { _ = try MadMinerFile(path: rows) }
        XCTAssertEqual(rowError?.field, "/samples/weights")
        XCTAssertTrue(rowError?.message.contains("4 weight rows but 3 rows") ?? false, "\(String(describing: rowError))")
        let ids = folder.appendingPathComponent("ids.h5").path
        try writeSmallFile(ids, legacy: false, variableStrings: false, samplingIDs: [0, 7, 1, -1])
        let idError = LHETestSupport.sbiError { _ = try MadMinerFile(path: ids) }
        XCTAssertEqual(idError?.field, "/samples/sampling_benchmarks")
        XCTAssertTrue(idError?.message.hasPrefix("event 1:") ?? false, "\(String(describing: idError))")
    }
}
