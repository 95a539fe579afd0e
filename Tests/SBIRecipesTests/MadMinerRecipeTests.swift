import Foundation
import XCTest
import SBITestSupport
import SBICore
import SBIInference
import SBISimulation
@testable import SBIRecipes

/// Recipes with `simulator: {madminer: FILE.h5}`: the real MadMiner file in Tests/Fixtures.
final class MadMinerRecipeTests: XCTestCase {
    private func recipe(file: String, parameters: [String] = ["CWL2", "CPWL2"], range: String = "[-10, 10]", points: Int = 11) -> String {
        """
        version: 1
        name: madminer
        seed: 4
        parameters:
          - name: \(parameters[0])
            range: \(range)
          - name: \(parameters[1])
            range: \(range)
        simulator:
          madminer: \(file)
        samples:
          - name: train
            kind: ratio
            theta0: {prior: flat}
            theta1: {benchmark: sm}
            events: 2000
            validation_split: 0
            test_split: 0
        estimators:
          - name: carl
            method: carl
            sample: train
            hidden_layers: [8]
            training:
              epochs: 1
              batch_size: 128
        inference:
          modes: [ml, histogram]
          theta_true: [0, 0]
          confidence_levels: [0.68, 0.95]
          asimov_events: 2000
          expected_events: 100
          grid:
            points: \(points)
          histogram:
            observables: [pt_j1]
            bins: 5

        """
    }

    func testMadMinerRecipe_decodes_setupAndCrossSectionsFromTheFile() throws {
        let path = try fixtureFile("madminer-dummy-data.h5")
        let recipe = try RecipeLoader.parse(recipe(file: path), file: "recipe.yaml")
        let events = try XCTUnwrap(recipe.simulator.events)
        XCTAssertNil(recipe.simulator.name)
        XCTAssertEqual(events.isMadMiner, true)
        XCTAssertEqual(recipe.benchmarks.map(\.name), ["sm", "w"] + (2...5).map { "morphing_basis_vector_\($0)" })
        XCTAssertEqual(recipe.benchmarks[1].theta, [10, 0])
        XCTAssertEqual(events.observables.map(\.name), ["pt_j1", "delta_phi_jj"])
        XCTAssertEqual(events.observables[0].expression, "j[0].pt")
        let (sample, files) = try events.sample()
        XCTAssertTrue(files.isEmpty)
        XCTAssertEqual(sample.count, 5821)
        // σ_b with MadMiner's sampling factors, from h5py 3.16 + numpy; 1e-12 relative (summation
        // order over 5821 terms, n·ε ≈ 6e-13).
        let expected = [0.00100595289241218, 0.01656787358203483, 0.02289349700981895,
                        0.02253398790741084, 0.01877358746387518, 0.02067667479360409]
        for (s, e) in zip(sample.benchmarkCrossSections, expected) { XCTAssertEqual(s, e, accuracy: 1e-12 * e) }
        // The augmenter morphs with the file's components over its six benchmarks.
        let augmenter = try events.augmenter(for: sample)
        XCTAssertNotNil(augmenter.eventMorphing)
    }

    func testMadMinerRecipe_wrongParametersOrBadFile_reportedAtTheKey() throws {
        let path = try fixtureFile("madminer-dummy-data.h5")
        XCTAssertThrowsError(try RecipeLoader.parse(recipe(file: path, parameters: ["a", "b"]), file: "recipe.yaml")) { error in
            XCTAssertTrue("\(error)".contains("recipe.yaml:10:13: simulator.madminer: the MadMiner file has parameters CWL2, CPWL2; the recipe lists a, b"), "\(error)")
        }
        let bad = try fixtureFile("madminer-inconsistent-weights.h5")
        XCTAssertThrowsError(try RecipeLoader.parse(recipe(file: bad), file: "recipe.yaml")) { error in
            XCTAssertTrue("\(error)".contains("simulator.madminer: cannot read the MadMiner file: \(bad): /samples/weights: inconsistent weights"), "\(error)")
        }
        XCTAssertThrowsError(try RecipeLoader.parse(recipe(file: "absent.h5"), file: "recipe.yaml", folder: "/tmp")) { error in
            XCTAssertTrue("\(error)".contains("simulator.madminer: file \"absent.h5\" does not exist"), "\(error)")
        }
    }

    /// The histogram limits on MadMiner's file against its Fisher information, computed another way: the
    /// scan morphs the file's weighted events to every θ, the Fisher information uses joint scores of
    /// unweighted events drawn at the SM. For a near-quadratic log L the region is the ellipse
    /// θᵀIθ ≤ q_c, of area π q_c/√det I (q_c = 2.28, 5.99 for 2 parameters at 68 %, 95 %).
    /// Tolerance 20 %: the grid step (0.2) is about σ of CWL2, and log L is quartic in θ (EFT);
    /// measured 0.43 against 0.40 at 68 %.
    func testMadMinerRecipe_fitPipeline_histogramRegionMatchesItsFisherEllipse() throws {
        let path = try fixtureFile("madminer-dummy-data.h5")
        let recipe = try RecipeLoader.parse(recipe(file: path, range: "[-3, 3]", points: 31), file: "recipe.yaml")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("sbi-mm-fit-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        _ = try FitPipeline(recipe: recipe, folder: out, force: false).run()
        let contours = try ContoursFile.read(out + "/limits/contours.json")
        let histogram = try XCTUnwrap(contours.estimators.first { $0.mode == "histogram" })
        struct Entry: Decodable { var mode: String; var matrix: [Double] }
        let fisher = try JSONDecoder().decode([Entry].self, from: try Data(contentsOf: URL(fileURLWithPath: out + "/limits/fisher.json")))
        let i = try XCTUnwrap(fisher.first { $0.mode == "histogram" }?.matrix)
        let det = i[0] * i[3] - i[1] * i[2]
        XCTAssertGreaterThan(det, 0)
        for (cl, qc) in [(0.68, 2.2788), (0.95, 5.9915)] {
            let region = try XCTUnwrap(histogram.regions?.first { abs($0.confidenceLevel - cl) < 1e-9 })
            XCTAssertEqual(region.status, .closed)
            XCTAssertEqual(region.size / (Double.pi * qc / det.squareRoot()), 1, accuracy: 0.2, "CL \(cl)")
        }
    }
}

/// A MadMiner file with systematics (written here in `LHEReader.save`'s layout) as a recipe's events.
final class MadMinerNuisanceRecipeTests: XCTestCase {
    /// A MadMiner file in `LHEReader.save`'s layout: one parameter, benchmarks b0 (θ = 0, the reference) and b1
    /// (θ = 1) with σ and (1 + effect)σ spread evenly over `events` events, and one one-sided nuisance parameter per
    /// entry of `nuisance`, its +1σ nuisance benchmark holding `factor` times the reference weight.
    static func writeFile(_ path: String, nuisance: [(name: String, systematic: String, factor: Double)],
                          sigma: Double = 0.1, effect: Double = 0.05, events: Int = 2) throws {
        let k = nuisance.count
        let w = try HDF5TestWriter(path: path)
        w.strings("parameters/names", ["theta"])
        w.doubles("parameters/val_ranges", shape: [1, 2], [-1, 1])
        w.strings("benchmarks/names", ["b0", "b1"] + nuisance.map { $0.name + "_benchmark_0" })
        w.doubles("benchmarks/values", shape: [2 + k, 1], [0, 1] + [Double](repeating: 0, count: k))
        w.integers("benchmarks/is_nuisance", shape: [2 + k], [0, 0] + [Int64](repeating: 1, count: k))
        w.integers("benchmarks/is_reference", shape: [2 + k], [1] + [Int64](repeating: 0, count: 1 + k))
        w.integers("morphing/components", shape: [2, 1], [0, 1])
        w.doubles("morphing/morphing_matrix", shape: [2, 2], [1, 0, -1, 1])
        w.strings("nuisance_parameters/names", nuisance.map(\.name))
        w.strings("nuisance_parameters/systematics", nuisance.map(\.systematic))
        w.strings("nuisance_parameters/benchmark_positive", nuisance.map { $0.name + "_benchmark_0" })
        w.strings("nuisance_parameters/benchmark_negative", nuisance.map { _ in "None" })
        w.strings("observables/names", ["x"])
        w.doubles("samples/observations", shape: [events, 1], (0..<events).map(Double.init))
        let e = sigma / Double(events)
        w.doubles("samples/weights", shape: [events, 2 + k], (0..<events).flatMap { _ in [e, e * (1 + effect)] + nuisance.map { e * $0.factor } })
        w.integers("samples/sampling_benchmarks", shape: [events], [Int64](repeating: 0, count: events))
        w.integers("sample_summary/signal_events", shape: [2], [Int64(events), 0])
        w.close()
    }

    /// A recipe on the MadMiner file `path` with `nuisance` entries (line 7 holds the first), a CARL estimator
    /// and `inference` (indented mapping lines).
    static func recipe(_ path: String, nuisance: [String], inference: String) -> String {
        """
        version: 1
        parameters:
          - {name: theta, range: [-1, 1]}
        simulator:
          madminer: \(path)
        \(nuisance.isEmpty ? "" : "nuisance:\n" + nuisance.map { "  - " + $0 }.joined(separator: "\n"))
        samples:
          - {name: train, kind: ratio, theta0: {prior: flat}, theta1: {benchmark: b0}, events: 200, test_split: 0}
        estimators:
          - {name: carl, method: carl, sample: train, hidden_layers: [4], training: {epochs: 1}}
        inference:
        \(inference)
        """
    }

    /// Real events keep a fifth aside for the Asimov data; 20 events keep 4, too few for 20 adaptive bins. The fit
    /// says so at the augment stage, naming the key, before training anything.
    func testFit_tooFewReservedEventsForTheHistogram_refusedBeforeTraining() throws {
        let folder = try makeTemporaryDirectory(self)
        let path = folder + "/few.h5"
        try Self.writeFile(path, nuisance: [("sys_nuisance_param_0", "sys", 1.05)], events: 20)
        let text = Self.recipe(path, nuisance: [], inference: """
              modes: [histogram]
              theta_true: [0]
              luminosity_inverse_femtobarn: 100
              grid: {points: 5}
            """)
        let out = folder + "/fit"
        XCTAssertThrowsError(try FitPipeline(recipe: try RecipeLoader.parse(text, file: folder + "/r.yaml"), folder: out).run()) { error in
            let e = error as? SBIError
            XCTAssertEqual(e?.field?.hasSuffix("inference.histogram.bins"), true, "\(error)")
            XCTAssertTrue(e?.message.contains("keep 4 events aside for the Asimov data, too few for 20 adaptive bins") ?? false, "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/train"), "nothing was trained")
    }

    /// MadMiner's own nuisance test (`tests/test_nuisance.py`) as a file: one parameter, benchmarks θ = 0
    /// and 1 with σ(1) = 1.05 σ(0) (physics effect 5 %), σ(0) = N/L with N = 10⁴ events at L = 10⁵ pb⁻¹
    /// spread over 20 events, and a one-sided systematic whose +1σ nuisance benchmark holds (1 + s) times
    /// the reference weight. `sbi fit` writes `truth_events_profiled`: σ_θ = I_prof^(−1/2) must agree with
    /// the Gaussian propagation √((1/N + s²)/0.05²) within 10 % (MadMiner's tolerance) and with the
    /// exponential form's √((1/N + log²(1 + s))/0.05²) to 1e-6.
    func testMadMinerFileNuisance_profiledFisher_matchesMadMinersNuisanceTest() throws {
        let folder = try makeTemporaryDirectory(self)
        let n = 1e4, lumi = 1e5, effect = 0.05
        for s in [0.0, 0.02, 0.05, 0.1] {
            let path = folder + "/nuisance-\(s).h5"
            try Self.writeFile(path, nuisance: [("sys_nuisance_param_0", "sys", 1 + s)], sigma: n / lumi, effect: effect, events: 20)
            let text = Self.recipe(path, nuisance: ["{name: sys, kind: weights, group: sys}"], inference: """
                  modes: [histogram]
                  theta_true: [0]
                  luminosity_inverse_femtobarn: 100
                  grid: {points: 5}
                  histogram: {bins: 2}
                  fisher_information: true
                """)
            let out = folder + "/fit-\(s)"
            _ = try FitPipeline(recipe: try RecipeLoader.parse(text, file: folder + "/r.yaml"), folder: out).run()
            struct Entry: Decodable { var name: String; var parameters: [String]; var matrix: [Double] }
            let fisher = try JSONDecoder().decode([Entry].self, from: try Data(contentsOf: URL(fileURLWithPath: out + "/limits/fisher.json")))
            let full = try XCTUnwrap(fisher.first { $0.name == "truth_events" })
            XCTAssertEqual(full.parameters, ["theta", "sys_nuisance_param_0"])
            let profiled = try XCTUnwrap(fisher.first { $0.name == "truth_events_profiled" })
            let ours = 1 / profiled.matrix[0].squareRoot()
            let gaussian = ((1 / n + s * s) / (effect * effect)).squareRoot()
            XCTAssertEqual(ours / gaussian, 1, accuracy: 0.10, "s = \(s)")
            XCTAssertEqual(ours, ((1 / n + log(1 + s) * log(1 + s)) / (effect * effect)).squareRoot(), accuracy: 1e-6 * gaussian, "s = \(s)")
        }
    }

    /// The nuisance entries of a recipe on a MadMiner file with `nuisance`, as validated (histogram and Fisher
    /// information or `modes`).
    func problems(_ path: String, _ entry: String, modes: String = "histogram") -> [String] {
        recipeProblems(Self.recipe(path, nuisance: [entry], inference: """
              modes: [\(modes)]
              theta_true: [0]
              luminosity_inverse_femtobarn: 100
              fisher_information: true
            """), file: "r.yaml")
    }

    /// A recipe naming a nuisance parameter or systematic the file does not have is refused at the key,
    /// listing the file's; LHE weight ids (`up`) are refused for a MadMiner file.
    func testMadMinerFileNuisance_unknownNameOrUpId_refusedAtTheKey() throws {
        let path = try makeTemporaryDirectory(self) + "/f.h5"
        try Self.writeFile(path, nuisance: [("scale_nuisance_param_0", "scale", 1.1)])
        XCTAssertEqual(problems(path, "{name: scale_nuisance_param_0, kind: weights}"), [])
        XCTAssertEqual(problems(path, "{name: s, kind: weights, group: scale}"), [])
        let unknown = problems(path, "{name: pdf_1, kind: weights}")
        XCTAssertTrue(unknown.contains { $0.contains("r.yaml:7:") && $0.contains("nuisance[0].name")
            && $0.contains("no nuisance parameter \"pdf_1\"; it has scale_nuisance_param_0 (systematic scale)") }, "\(unknown)")
        let group = problems(path, "{name: p, kind: weights, group: pdf}")
        XCTAssertTrue(group.contains { $0.contains("nuisance[0].group") && $0.contains("no nuisance parameter of systematic \"pdf\"") }, "\(group)")
        let up = problems(path, "{name: mu, kind: weights, up: \"40\"}")
        XCTAssertTrue(up.contains { $0.contains("nuisance[0]") && $0.contains("up and down are LHE weight ids") }, "\(up)")
    }

    /// Nine PDF members as one-sided nuisance parameters: fisher.json takes them, but the histogram mode's
    /// simplex profile is limited to eight, so `sbi validate` refuses histogram with all nine.
    func testMadMinerFileNuisance_moreThanEightWithHistogram_refusedByValidate() throws {
        let path = try makeTemporaryDirectory(self) + "/pdf.h5"
        try Self.writeFile(path, nuisance: (1...9).map { ("pdf_nuisance_param_\($0)", "pdf", 1.0 + 0.01 * Double($0)) })
        let entry = "{name: pdf, kind: weights, group: pdf}"
        XCTAssertEqual(problems(path, entry, modes: "ml"), [])
        let refused = problems(path, entry, modes: "ml, histogram")
        XCTAssertTrue(refused.contains { $0.contains("r.yaml:7:3: nuisance:") && $0.contains("give 9 nuisance parameters; mode histogram and samples that draw them (samples[i].nuisance) take at most 8") },
                      "\(refused)")
    }
}
