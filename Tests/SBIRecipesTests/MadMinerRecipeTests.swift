import Foundation
import XCTest
import SBITestSupport
import SBICore
import SBIInference
import SBISimulation
@testable import SBIRecipes

/// Recipes with `simulator: {madminer: FILE.h5}`: the real MadMiner file in ../shared/testdata.
final class MadMinerRecipeTests: XCTestCase {
    private func recipe(file: String, parameters: [String] = ["CWL2", "CPWL2"]) -> String {
        """
        version: 1
        name: madminer
        seed: 4
        parameters:
          - name: \(parameters[0])
            range: [-10, 10]
          - name: \(parameters[1])
            range: [-10, 10]
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
          asimov_events: 2000
          expected_events: 100
          grid:
            points: 11
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

    func testMadMinerRecipe_fitPipeline_histogramBestFitIsThetaTrue() throws {
        let path = try sharedTestFile("madminer-dummy-data.h5")
        let recipe = try RecipeLoader.parse(recipe(file: path), file: "recipe.yaml")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("sbi-mm-fit-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        _ = try FitPipeline(recipe: recipe, folder: out, force: false).run()
        let contours = try ContoursFile.read(out + "/limits/contours.json")
        // Asimov histogram counts are the model's expectation at θ_true = (0, 0), a grid point, so
        // the binned likelihood peaks there; the refined best fit stays within half a grid step
        // (20/10/2 = 1) of it.
        let histogram = try XCTUnwrap(contours.estimators.first { $0.mode == "histogram" })
        XCTAssertEqual(histogram.bestFit.count, 2)
        for v in histogram.bestFit { XCTAssertEqual(v, 0, accuracy: 1) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/augment/train/r_xz_train.npy"))
    }
}
