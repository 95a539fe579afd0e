import Foundation
import XCTest
import SBITestSupport
import SBICore
import SBIInference
import SBISimulation
@testable import SBIRecipes

/// Recipes with `simulator: {madminer: FILE.h5}`: the real MadMiner file in ../shared/testdata.
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
        let path = try sharedTestFile("madminer-dummy-data.h5")
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
        let path = try sharedTestFile("madminer-dummy-data.h5")
        XCTAssertThrowsError(try RecipeLoader.parse(recipe(file: path, parameters: ["a", "b"]), file: "recipe.yaml")) { error in
            XCTAssertTrue("\(error)".contains("recipe.yaml:10:13: simulator.madminer: the MadMiner file has parameters CWL2, CPWL2; the recipe lists a, b"), "\(error)")
        }
        let bad = try sharedTestFile("madminer-inconsistent-weights.h5")
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
        let path = try sharedTestFile("madminer-dummy-data.h5")
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
