import Foundation
import SBICore
import SBIInference
import SBINetworks
import SBISimulation
import XCTest
@testable import SBIRecipes

/// The conversions the pipeline uses, on the shipped wbf-higgs recipe.
final class RecipeLibraryTests: XCTestCase {
    private func wbf() throws -> Recipe {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Recipes").path
        return try RecipeLoader.load(path: folder + "/wbf-higgs.yaml")
    }

    /// 500 000 events with validation 0.2 and test 0: 400 000 train + 100 000 validation
    /// (AugmentationRequest's rounding rule, exact in integers).
    func testAugmentationRequest_ratioSample_splitsAndThetaSpecs() throws {
        let r = try wbf()
        let request = try r.samples[0].augmentationRequest(morphing: r.morphing)
        XCTAssertEqual(request.kind, .ratio)
        XCTAssertEqual(request.theta0, .prior([.gaussian(mean: 0, standardDeviation: 0.5), .gaussian(mean: 0, standardDeviation: 0.5)]))
        XCTAssertEqual(request.theta1, .point([0, 0]))
        XCTAssertEqual(request.poolFactor, 4)
        let splits = try request.validatedSplits()
        XCTAssertEqual(splits.map(\.name), ["train", "validation"])
        XCTAssertEqual(splits.map(\.count), [400_000, 100_000])
        XCTAssertEqual(request.seed, 1805 + 1)
    }

    func testEstimatorConversions_architectureAndTrainingSettings() throws {
        let r = try wbf()
        let alices = r.estimators[0], sally = try XCTUnwrap(r.estimators.first { $0.name == "sally" })
        XCTAssertEqual(alices.networkMethod, .alices)
        let a = alices.architecture(nObservables: 2, nParameters: 2)
        XCTAssertEqual(a.layerWidths, [4, 64, 64, 64, 1])
        XCTAssertEqual(a.activation, .tanh)
        let s = sally.architecture(nObservables: 2, nParameters: 2)
        XCTAssertEqual(s.layerWidths, [2, 100, 100, 100, 2])
        let settings = alices.training.settings
        XCTAssertNoThrow(try settings.validate())
        XCTAssertEqual(settings.optimizer, .amsgrad)
        XCTAssertEqual(settings.epochs, 50)
        XCTAssertEqual(settings.batchSize, 128)
        XCTAssertEqual(settings.initialLearningRate, 1e-3)
        XCTAssertEqual(settings.finalLearningRate, 1e-4)
        XCTAssertEqual(settings.validationFraction, 0.25)
    }

    /// The recipe's `luminosity_inverse_femtobarn: 300` reaches the simulator as 3·10⁵ pb⁻¹ (ν = σ·L at a
    /// point away from the SM); 1e-9 relative is rounding only.
    func testSimulatorAndGrid_wbfLuminosityInPicobarn_gridHas41x41Points() throws {
        let r = try wbf()
        let simulator = try r.simulator.make(luminosityInversePicobarn: r.inference.luminosityInversePicobarn)
        let wbf = try XCTUnwrap(simulator as? WBFHiggsSimulator)
        let sigma = try wbf.crossSection(at: [0.4, -0.3])
        XCTAssertEqual(try wbf.expectedEvents(at: [0.4, -0.3]), sigma * 3e5, accuracy: 3e5 * sigma * 1e-9)
        XCTAssertEqual(r.parameterSpace.names, ["fW", "fWW"])
        XCTAssertEqual(r.parameterSpace.latexLabels, ["f_W", "f_{WW}"])
        let grid = try r.inference.parameterGrid(names: r.parameterNames)
        XCTAssertEqual(grid.count, 41 * 41)
        XCTAssertEqual(r.inference.modes.compactMap(\.inferenceMode), [.truth, .ml, .sally])
    }
}

/// Stage input hashes: a change reaches exactly the stages from the first one that reads it.
final class RecipeStageHashTests: XCTestCase {
    private func recipe(_ edit: (String, String)? = nil) throws -> Recipe {
        var text = MalformedRecipeTests.base
        if let edit { text = text.replacingOccurrences(of: edit.0, with: edit.1) }
        return try RecipeLoader.parse(text, file: "recipe.yaml")
    }

    /// Which stages' hashes differ between the base and an edited recipe.
    private func changedStages(_ edit: (String, String)) throws -> [RecipeStage] {
        let a = try recipe(), b = try recipe(edit)
        return RecipeStage.allCases.filter { a.inputHash(for: $0) != b.inputHash(for: $0) }
    }

    func testInputHash_changeReachesOnlyLaterStages() throws {
        XCTAssertEqual(try changedStages(("events: 1000", "events: 2000")), RecipeStage.allCases)
        XCTAssertEqual(try changedStages(("epochs: 5", "epochs: 6")), [.train, .limits, .plot])
        XCTAssertEqual(try changedStages(("points: 11", "points: 21")), [.limits, .plot])
        XCTAssertEqual(try changedStages(("folder: out", "folder: out\n  files: [contours.json]")), [.plot])
        XCTAssertEqual(try changedStages(("folder: out", "folder: elsewhere")), [])
        let base = try recipe()
        XCTAssertEqual(Set(RecipeStage.allCases.map { base.inputHash(for: $0) }).count, 5, "each stage hashes its own name too")
    }
}
