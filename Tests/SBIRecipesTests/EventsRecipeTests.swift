import Foundation
import XCTest
import SBICore
import SBIInference
import SBISimulation
@testable import SBIRecipes

/// Recipes with `simulator: {events: …}`: decoding, malformed cases, and `sbi fit`'s pipeline end to end.
final class EventsRecipeTests: XCTestCase {
    /// An LHE file of n events generated at θ = 0: z ~ U(0, 1), leading-jet pT = 20 + 100 z, weights
    /// w(θ) = (1 + θz)² at θ = −1, 0, 1 (ids "m", "0", "p"), event_norm average with σ_init = 1.
    static func writeLHE(_ path: String, n: Int, seed: UInt64) throws {
        let random = SeededRandom(seed: seed)
        let events = (0..<n).map { _ -> LHEWriterForTests.Event in
            let z = random.uniform()
            return LHEWriterForTests.Event(pt: 20 + 100 * z, nominal: 1, weights: [-1.0, 0, 1].map { (1 + $0 * z) * (1 + $0 * z) })
        }
        try LHEWriterForTests.text(ids: ["m", "0", "p"], events: events, sigma: 1).write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func recipe(events: String = "[run.lhe]", extra: String = "", modes: String = "[ml, histogram]") -> String {
        """
        version: 1
        name: lhe
        seed: 3
        parameters:
          - name: theta
            range: [-1, 1]
        simulator:
          events: \(events)
          benchmarks:
            - {name: minus, weight_id: m, theta: [-1]}
            - {name: sm, weight_id: "0", theta: [0]}
            - {name: plus, weight_id: p, theta: [1]}
          observables: {pt_j1: "j[0].pt"}
          cuts: ["j[0].pt > 10"]
        \(extra)
        samples:
          - name: train
            kind: ratio
            theta0: {prior: flat}
            theta1: {benchmark: sm}
            events: 4000
            validation_split: 0
            test_split: 0
        estimators:
          - name: carl
            method: carl
            sample: train
            hidden_layers: [10]
            training:
              epochs: 2
              batch_size: 128
        inference:
          modes: \(modes)
          theta_true: [0]
          asimov_events: 2000
          expected_events: 100
          grid:
            points: 21
          histogram:
            observables: [pt_j1]
            bins: 5

        """
    }

    func folder() throws -> String {
        let url = try LHEWriterForTests.temporaryDirectory(self)
        try Self.writeLHE(url.appendingPathComponent("run.lhe").path, n: 3000, seed: 5)
        return url.path
    }

    func testEventsRecipe_decodes_benchmarksAndObservablesFromTheSimulatorBlock() throws {
        let dir = try folder()
        let recipe = try RecipeLoader.parse(Self.recipe(), file: "recipe.yaml", folder: dir)
        let events = try XCTUnwrap(recipe.simulator.events)
        XCTAssertNil(recipe.simulator.name)
        XCTAssertEqual(events.benchmarks.map(\.weightID), ["m", "0", "p"])
        XCTAssertEqual(recipe.benchmarks.map(\.name), ["minus", "sm", "plus"])
        XCTAssertEqual(events.observables.map(\.expression), ["j[0].pt"])
        // The simulator view: σ(θ) = mean over events of (1 + θz)² (event_norm average), so σ(0) = 1 exactly.
        let sim = try events.makeSimulator()
        XCTAssertEqual(try sim.crossSection(at: [0]), 1, accuracy: 1e-12)
        XCTAssertEqual(sim.observableNames, ["pt_j1"])
    }

    func testEventsRecipe_fitPipeline_runsAndHistogramBestFitIsThetaTrue() throws {
        let dir = try folder()
        let recipe = try RecipeLoader.parse(Self.recipe(), file: "recipe.yaml", folder: dir)
        let out = dir + "/fit"
        _ = try FitPipeline(recipe: recipe, folder: out, force: false).run()
        let contours = try ContoursFile.read(out + "/limits/contours.json")
        XCTAssertEqual(Set(contours.estimators.map(\.mode)), ["ml", "histogram"])
        // Asimov histogram counts come from the model at θ_true, so the binned likelihood peaks at
        // θ_true = 0 (a grid point); the reported best fit is refined between grid points, so it is
        // within half a grid step (0.05) of it.
        let histogram = try XCTUnwrap(contours.estimators.first { $0.mode == "histogram" })
        XCTAssertEqual(histogram.bestFit.count, 1)
        XCTAssertEqual(histogram.bestFit[0], 0, accuracy: 0.05)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/augment/train/r_xz_train.npy"))
        // Regenerated event files (other events, other size) change every stage's input hash.
        let pipeline = FitPipeline(recipe: recipe, folder: out, force: false)
        let before = try RecipeStage.allCases.map { try pipeline.inputHash(for: $0) }
        try Self.writeLHE(dir + "/run.lhe", n: 2999, seed: 6)
        let after = try RecipeStage.allCases.map { try pipeline.inputHash(for: $0) }
        for (a, b) in zip(before, after) { XCTAssertNotEqual(a, b) }
    }

    /// `body` must fail to parse with exactly one problem whose description contains `expected`.
    func assertProblem(_ text: String, folder: String, _ expected: String, line: UInt = #line) {
        XCTAssertThrowsError(try RecipeLoader.parse(text, file: "recipe.yaml", folder: folder), line: line) { error in
            let description = "\(error)"
            XCTAssertTrue(description.contains(expected), description, line: line)
        }
    }

    func testEventsRecipe_malformed_errorsWithLineAndColumn() throws {
        let dir = try folder()
        // Missing file: line 8 is `events:`, the value starts at column 11 (the list), its element at 12.
        assertProblem(Self.recipe(events: "[run.lhe, missing.lhe.gz]"), folder: dir,
                      "recipe.yaml:8:21: simulator.events[1]: file \"missing.lhe.gz\" does not exist (paths are relative to the recipe's folder)")
        // Unknown sampling benchmark.
        assertProblem(Self.recipe(extra: "  sampling_benchmarks: [smm]"), folder: dir,
                      "recipe.yaml:15:25: simulator.sampling_benchmarks[0]: unknown benchmark \"smm\"; expected one of minus, sm, plus")
        // A bad observable expression.
        assertProblem(Self.recipe().replacingOccurrences(of: "{pt_j1: \"j[0].pt\"}", with: "{pt_j1: \"j[0].pt +\"}"), folder: dir,
                      "simulator.observables.pt_j1:")
        // Real events have no exact likelihood.
        assertProblem(Self.recipe(modes: "[truth, ml]"), folder: dir, "inference.modes: mode truth needs a simulator with an exact likelihood")
        // A sample θ naming an unknown benchmark.
        assertProblem(Self.recipe().replacingOccurrences(of: "theta1: {benchmark: sm}", with: "theta1: {benchmark: smx}"), folder: dir,
                      "samples[0].theta1")
    }
}
