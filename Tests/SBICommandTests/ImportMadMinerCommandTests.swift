import Foundation
import SBICore
import SBISimulation
import SBITestSupport
import XCTest

/// `sbi import-madminer` run as a user would, on the real MadMiner files in Tests/Fixtures.
final class ImportMadMinerCommandTests: XCTestCase, SBICommandTesting {
    func testImportMadMiner_dummyData_writesWeightedEventsFolder() throws {
        let input = try fixtureFile("madminer-dummy-data.h5")
        let folder = URL(fileURLWithPath: try temporaryFolder())
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("mm")
        let r = try run(["import-madminer", input, "--out", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "", "the file has no nuisance entries, so no warnings")
        XCTAssertTrue(r.stdout.hasPrefix("read 5821 events, 6 benchmarks, 2 parameters, 2 observables from \(input) (current layout)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("sigma[sm] 0.00100595289241"), r.stdout)
        XCTAssertTrue(r.stdout.contains(" events/s\n"), r.stdout)

        let sample = try WeightedEventSample.read(folder: out)
        XCTAssertEqual(sample.count, 5821)
        XCTAssertEqual(sample.parameterNames, ["CWL2", "CPWL2"])
        XCTAssertEqual(sample.parameterRanges, [-10...10, -10...10])
        XCTAssertEqual(sample.benchmarkNames.first, "sm")
        XCTAssertEqual(sample.observableNames, ["pt_j1", "delta_phi_jj"])
        XCTAssertEqual(sample.morphingComponents?.exponents, [0, 0, 0, 1, 0, 2, 1, 0, 1, 1, 2, 0])
        XCTAssertEqual(sample.morphingMatrix?.rows, 6)
        XCTAssertEqual(sample.samplingBenchmarks, [0, 1, 2, 3, 4, 5])
        // Column sums are the benchmark cross sections with MadMiner's sampling factors
        // n_b / Σn applied; reference values from h5py 3.16 + numpy, 1e-12 relative
        // (summation order over 5821 terms, n·ε ≈ 6e-13).
        let expected = [0.00100595289241218, 0.01656787358203483, 0.02289349700981895,
                        0.02253398790741084, 0.01877358746387518, 0.02067667479360409]
        for (s, e) in zip(sample.benchmarkCrossSections, expected) { XCTAssertEqual(s, e, accuracy: 1e-12 * e) }
        // The observables are copied exactly (first event from h5py).
        XCTAssertEqual(sample.observables[0, 0], 569.7269287109375)
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: folder.path).contains { $0.hasPrefix(".") },
                       "no temporary folder is left behind")
    }

    /// `sbi augment --events file.h5` reads the MadMiner file directly: the same samples, byte for
    /// byte, as augmenting the folder `sbi import-madminer` writes from it.
    func testAugmentEventsHDF5_equalsAugmentOfImportedFolder() throws {
        let input = try fixtureFile("madminer-dummy-data.h5")
        let folder = try temporaryFolder()
        XCTAssertEqual(try run(["import-madminer", input, "--out", folder + "/events"]).status, 0)
        let common = ["--kind", "ratio", "--theta0", "prior:flat", "--theta1", "point:0,0", "--events", "500", "--seed", "4", "--quiet"]
        let a = try run(["augment", "--events", folder + "/events", "--output", folder + "/a"] + common)
        XCTAssertEqual(a.status, 0, a.stderr)
        let b = try run(["augment", "--events", input, "--output", folder + "/b"] + common)
        XCTAssertEqual(b.status, 0, b.stderr)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/a").sorted()
        XCTAssertEqual(files, try FileManager.default.contentsOfDirectory(atPath: folder + "/b").sorted())
        XCTAssertTrue(files.contains("r_xz_train.npy"), "\(files)")
        for name in files {
            XCTAssertEqual(FileManager.default.contents(atPath: folder + "/a/" + name), FileManager.default.contents(atPath: folder + "/b/" + name), name)
        }
        let lheOption = try run(["augment", "--events", input, "--observable", "pt=j[0].pt", "--output", folder + "/c"] + common)
        XCTAssertEqual(lheOption.status, 2)
        XCTAssertTrue(lheOption.stderr.contains("--observable applies to LHE files; a MadMiner HDF5 file states its own setup"), lheOption.stderr)
    }

    func testImportMadMiner_inconsistentWeights_exit1NamingFileAndNoFolder() throws {
        let input = try fixtureFile("madminer-inconsistent-weights.h5")
        let folder = URL(fileURLWithPath: try temporaryFolder())
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("mm")
        let r = try run(["import-madminer", input, "--out", out.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.stderr, "sbi import-madminer: error: \(input): /samples/weights: inconsistent weights: 5 columns but the file defines 6 benchmarks in /benchmarks/names; expected one weight per event and benchmark\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }

    /// A copy of the dummy file in `folder` with a nuisance parameter `nu` whose variation benchmarks are
    /// not stated (no `/nuisance_parameters/benchmark_positive`), and an empty `/systematics` group.
    private func nuisanceCopy(in folder: URL) throws -> String {
        let input = try fixtureFile("madminer-dummy-data.h5")
        let copy = folder.appendingPathComponent("nuisance.h5").path
        try Data(contentsOf: URL(fileURLWithPath: input)).write(to: URL(fileURLWithPath: copy))
        let writer = try HDF5TestWriter(path: copy, appending: true)
        writer.strings("nuisance_parameters/names", ["nu"])
        writer.group("systematics")
        writer.close()
        return copy
    }

    func testImportMadMiner_nuisanceGroups_warnedOnStderrAndStillWritten() throws {
        let folder = URL(fileURLWithPath: try temporaryFolder())
        let copy = try nuisanceCopy(in: folder)
        let out = folder.appendingPathComponent("mm")
        let r = try run(["import-madminer", copy, "--out", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, """
        sbi import-madminer: warning: \(copy): ignored /nuisance_parameters (no benchmark_positive: the variations of nu are unknown)

        """)
        XCTAssertEqual(try WeightedEventSample.read(folder: out).count, 5821)
    }

    /// A file with a readable nuisance parameter: the events folder has no room for it, which is said.
    func testImportMadMiner_nuisanceParameters_notKeptAndSaid() throws {
        let folder = try temporaryFolder()
        let path = folder + "/syst.h5"
        let w = try HDF5TestWriter(path: path)
        w.strings("parameters/names", ["a"])
        w.strings("benchmarks/names", ["sm", "b1", "up"])
        w.doubles("benchmarks/values", shape: [3, 1], [0, 1, 0])
        w.integers("benchmarks/is_nuisance", shape: [3], [0, 0, 1])
        w.strings("nuisance_parameters/names", ["scale_nuisance_param_0"])
        w.strings("nuisance_parameters/benchmark_positive", ["up"])
        w.strings("observables/names", ["x"])
        w.doubles("samples/observations", shape: [2, 1], [1, 2])
        w.doubles("samples/weights", shape: [2, 3], [1, 2, 1.1, 1, 2, 1.2])
        w.close()
        let r = try run(["import-madminer", path, "--out", folder + "/mm"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("sbi import-madminer: warning: \(path): the nuisance parameters scale_nuisance_param_0 are not written "
                                        + "to the events folder"), r.stderr)
        XCTAssertEqual(try WeightedEventSample.read(folder: URL(fileURLWithPath: folder + "/mm")).benchmarkNames, ["sm", "b1"])
    }

    /// `sbi fit` on a recipe naming that file shows the same warnings on stderr, even with --quiet.
    func testFitMadMinerRecipe_nuisanceGroups_warnedEvenWhenQuiet() throws {
        let folder = URL(fileURLWithPath: try temporaryFolder())
        let copy = try nuisanceCopy(in: folder)
        let recipe = """
            name: nuisance
            parameters:
              - {name: CWL2, range: [-10, 10]}
              - {name: CPWL2, range: [-10, 10]}
            simulator:
              madminer: \(copy)
            samples:
              - {name: train, kind: ratio, theta0: {prior: flat}, theta1: {benchmark: sm}, events: 1000, validation_split: 0, test_split: 0}
            estimators:
              - {name: carl, method: carl, sample: train, hidden_layers: [8], training: {epochs: 1}}
            inference:
              modes: [ml]
              theta_true: [0, 0]
              asimov_events: 1000
              expected_events: 100
              grid: {points: 5}

            """
        try recipe.write(toFile: folder.path + "/recipe.yaml", atomically: true, encoding: .utf8)
        let r = try run(["fit", "recipe.yaml", "--quiet"], in: folder.path)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, """
        sbi fit: warning: \(copy): ignored /nuisance_parameters (no benchmark_positive: the variations of nu are unknown)

        """)
    }

    /// `--out` that would replace the input's folder, or a folder holding the user's files, is refused
    /// before anything is read or written; every file stays.
    func testImportMadMinerAndEventsConvert_outputOverInputOrUserFolder_refusedAndKept() throws {
        let folder = try temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder + "/in", withIntermediateDirectories: false)
        try "not really hdf5".write(toFile: folder + "/in/file.h5", atomically: true, encoding: .utf8)
        try "<LesHouchesEvents>".write(toFile: folder + "/in/run.lhe", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: folder + "/mine", withIntermediateDirectories: false)
        try "notes".write(toFile: folder + "/mine/notes.txt", atomically: true, encoding: .utf8)
        for (args, needle) in [(["import-madminer", "in/file.h5", "--out", "in"], "overlaps the input"),
                               (["import-madminer", "in/file.h5", "--out", "."], "overlaps the input"),
                               (["import-madminer", "in/file.h5", "--out", "mine"], "notes.txt"),
                               (["events", "convert", "--events", "in/run.lhe", "--benchmark", "sm=1:0", "--observable", "pt=j[0].pt", "--out", "in"], "overlaps the input"),
                               (["events", "convert", "--events", "in/run.lhe", "--benchmark", "sm=1:0", "--observable", "pt=j[0].pt", "--out", "mine"], "notes.txt")] {
            let r = try run(args, in: folder)
            XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(needle), "\(args): \(r.stderr)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder + "/in").sorted(), ["file.h5", "run.lhe"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder + "/mine"), ["notes.txt"])
    }

    func testImportMadMiner_badUsageAndMissingFile_exitCodes() throws {
        let folder = URL(fileURLWithPath: try temporaryFolder())
        defer { try? FileManager.default.removeItem(at: folder) }
        let noOut = try run(["import-madminer", "x.h5"])
        XCTAssertEqual(noOut.status, 2)
        XCTAssertTrue(noOut.stderr.contains("--out"), noOut.stderr)
        XCTAssertEqual(try run(["import-madminer", "--out", folder.path]).status, 2)
        let missing = folder.appendingPathComponent("absent.h5").path
        let r = try run(["import-madminer", missing, "--out", folder.appendingPathComponent("mm").path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("\(missing): no such file"), r.stderr)
        let help = try run(["import-madminer", "--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.hasPrefix("Usage: sbi import-madminer FILE.h5 --out DIR"), help.stdout)
    }
}
