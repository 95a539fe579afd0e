import Foundation
import XCTest
import SBICore
import SBIInference
@testable import SBIRecipes

/// `inference.toys` end to end on the tiny gaussian recipe of `PipelineTests` (p(x|θ) = N(x; θ, 5),
/// 50 events per toy at θ_true = 1): the coverage of the exact likelihood's regions, the toys' best
/// fits, and bytes that do not depend on how the toys are cut into shards.
final class ToysRecipeTests: XCTestCase {
    static func recipeText(toys: String = "{count: 1000, seed: 3}") -> String {
        PipelineTests.recipeText(epochs: 5) + "\n  toys: \(toys)\n"
    }

    private func temporaryFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sbi-toys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    private struct Coverage: Decodable {
        struct Row: Decodable { var name: String; var confidenceLevel: Double; var toys: Int; var covered: Int; var fraction: Double; var binomialError: Double }
        var toys: Int
        var seed: UInt64
        var thetaTrue: [Double]
        var columns: [String]
        var likelihoods: [String]
        var coverage: [Row]
    }

    private func coverage(_ path: String) throws -> Coverage {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Coverage.self, from: try XCTUnwrap(FileManager.default.contents(atPath: path)))
    }

    /// The exact likelihood is Gaussian in θ, so Wilks holds exactly (up to the grid's refinement): the
    /// 68 % and 95 % regions of 1000 toys cover θ_true = 1 within 2 binomial σ (0.015, 0.007) of nominal.
    /// θ̂ is the toy's mean x̄: mean 1 and spread √(5/50) = 0.316, the mean within 3σ/√1000 = 0.03 and
    /// the spread within 10 % (its relative standard error is 1/√2000 = 2.2 %, plus the refinement's error).
    func testToys_tinyGaussian_truthCoversAtNominalAndBestFitsSpreadAsTheExactLikelihood() throws {
        let out = try temporaryFolder()
        let recipe = try RecipeLoader.parse(Self.recipeText(), file: "toys.yaml")
        let report = try FitPipeline(recipe: recipe, folder: out).run()
        XCTAssertTrue(report.coverage.contains { $0.name == "truth" })
        let file = try coverage(out + "/plot/coverage.json")
        XCTAssertEqual(file.toys, 1000)
        XCTAssertEqual(file.seed, 3)
        XCTAssertEqual(file.likelihoods, ["truth", "alices"])
        XCTAssertEqual(file.columns, ["events", "q_theta_true", "best_fit_theta"])
        for cl in [0.68, 0.95] {
            let row = try XCTUnwrap(file.coverage.first { $0.name == "truth" && $0.confidenceLevel == cl })
            XCTAssertEqual(row.toys, 1000)
            XCTAssertEqual(row.fraction, Double(row.covered) / 1000, accuracy: 1e-12)
            XCTAssertEqual(row.fraction, cl, accuracy: 2 * (cl * (1 - cl) / 1000).squareRoot(), "truth at \(cl)")
        }
        // coverage.svg draws these rows: one dot and error bar per likelihood and CL, at the fraction.
        let svg = try String(contentsOfFile: out + "/plot/coverage.svg", encoding: .utf8)
        XCTAssertEqual(svg.components(separatedBy: "class=\"point\"").count - 1, file.coverage.count)
        XCTAssertEqual(svg.components(separatedBy: "class=\"error\"").count - 1, file.coverage.count)
        XCTAssertTrue(svg.contains("data-label=\"truth\"") && svg.contains("data-label=\"alices\""))
        let toys = try NPYFile.read(out + "/plot/toys.npy")
        XCTAssertEqual(toys.shape, [1000, 2, 3])
        guard case .float64(let v) = toys.data else { return XCTFail("toys.npy is not float64") }
        let events = (0..<1000).map { v[$0 * 6] }, fits = (0..<1000).map { v[$0 * 6 + 2] }
        XCTAssertTrue(events.allSatisfy { $0 == 50 }, "a shape-only model's toys have the Asimov data's 50 events")
        let mean = fits.reduce(0, +) / 1000
        let sd = (fits.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 999).squareRoot()
        XCTAssertEqual(mean, 1, accuracy: 0.03)
        XCTAssertEqual(sd, (5.0 / 50).squareRoot(), accuracy: 0.1 * (5.0 / 50).squareRoot())
    }

    /// Toys and Neyman points cut into 3 shards give the bytes of one: toy t draws from its own sub-stream.
    func testToys_threePieces_writeTheBytesOfOne() throws {
        let recipe = try RecipeLoader.parse(Self.recipeText(toys: "{count: 300, seed: 11, neyman_points: 7}"), file: "toys.yaml")
        let one = try temporaryFolder(), three = try temporaryFolder()
        _ = try FitPipeline(recipe: recipe, folder: one).run()
        _ = try FitPipeline(recipe: recipe, folder: three, pieces: 3).run()
        XCTAssertEqual(FitPipeline(recipe: recipe, pieces: 3).shards(of: .limits).map(\.label).suffix(6),
                       ["toys 0..<64", "toys 64..<192", "toys 192..<300", "neyman points 0..<2", "neyman points 2..<4", "neyman points 4..<7"])
        for name in ["limits/toys.npy", "limits/coverage.json", "limits/neyman.json", "limits/contours.json"] {
            let a = try XCTUnwrap(FileManager.default.contents(atPath: one + "/" + name), name)
            XCTAssertEqual(a, FileManager.default.contents(atPath: three + "/" + name), name)
        }
    }

    /// Toys are part of the limits stage's input: a new toy seed re-runs limits, not training.
    func testToys_newSeed_rerunsLimitsButNotTraining() throws {
        let out = try temporaryFolder()
        _ = try FitPipeline(recipe: try RecipeLoader.parse(Self.recipeText(toys: "{count: 20, seed: 1}"), file: "toys.yaml"), folder: out).run()
        let report = try FitPipeline(recipe: try RecipeLoader.parse(Self.recipeText(toys: "{count: 20, seed: 2}"), file: "toys.yaml"), folder: out).run()
        XCTAssertEqual(report.ranStages, [.limits, .plot])
        XCTAssertEqual(try coverage(out + "/plot/coverage.json").seed, 2)
    }

    /// Real events: toys unweight the events kept for the Asimov data (3000 LHE events at θ = 0, see
    /// `EventsRecipeTests.writeLHE`), 100 each (`expected_events`, no rate), and the 5-bin histogram
    /// likelihood is the exact multinomial model of those events, so its 68 % regions cover θ = 0 at
    /// nominal up to Wilks' approximation with 100 events: within 3 binomial σ of 500 toys (0.063; measured 0.644).
    func testToys_realEvents_drawFromTheAsimovEventsAndTheHistogramCovers() throws {
        let dir = try LHEWriterForTests.temporaryDirectory(self)
        try EventsRecipeTests.writeLHE(dir.appendingPathComponent("run.lhe").path, n: 3000, seed: 5)
        let text = EventsRecipeTests.recipe(modes: "[histogram]") + "  toys: {count: 500, seed: 4}\n"
        let recipe = try RecipeLoader.parse(text, file: "recipe.yaml", folder: dir.path)
        let out = dir.path + "/fit"
        _ = try FitPipeline(recipe: recipe, folder: out).run()
        let file = try coverage(out + "/limits/coverage.json")
        XCTAssertEqual(file.likelihoods, ["histogram"])
        let row = try XCTUnwrap(file.coverage.first { $0.confidenceLevel == 0.68 })
        XCTAssertEqual(row.fraction, 0.68, accuracy: 3 * (0.68 * 0.32 / 500).squareRoot())
        let toys = try NPYFile.read(out + "/limits/toys.npy")
        guard case .float64(let v) = toys.data else { return XCTFail("toys.npy is not float64") }
        XCTAssertEqual(toys.shape, [500, 1, 3])
        XCTAssertTrue((0..<500).allSatisfy { v[$0 * 3] == 100 })
        let fits = (0..<500).map { v[$0 * 3 + 2] }
        // θ̂ scatters by about 0.21 around θ_true = 0 (measured mean +0.07: the maximum-likelihood bias of a
        // skewed likelihood at 100 events, with the grid's 0.1 spacing); a toy drawn elsewhere would be off by more.
        XCTAssertEqual(fits.reduce(0, +) / 500, 0, accuracy: 0.1)
    }

    /// The Neyman construction in a recipe: 31 points (every 4th grid point), 1000 toys each. The exact
    /// likelihood is Gaussian in θ, so the toy-based 68 % interval equals the asymptotic one: ends within
    /// 0.03 (MC error of p at the ends 0.015 over dp/dθ ≈ 1.5 per unit θ is 0.01; the points are 0.2 apart).
    /// neyman.json holds each point's p_toy next to Wilks' p, equal within 4 binomial σ where p is in (0, 1).
    func testNeyman_tinyGaussianTruth_intervalEqualsTheAsymptoticOne() throws {
        let out = try temporaryFolder()
        let text = PipelineTests.recipeText(epochs: 5, modes: "truth") + "\n  toys: {count: 1000, seed: 5, neyman_points: 31}\n"
        _ = try FitPipeline(recipe: try RecipeLoader.parse(text, file: "toys.yaml"), folder: out).run()
        let contours = try ContoursFile.read(out + "/plot/contours.json")
        XCTAssertEqual(contours.estimators.map(\.name), ["truth", "truth_neyman"])
        func interval(_ name: String) throws -> ConfidenceInterval {
            try XCTUnwrap(contours.estimators.first { $0.name == name }?.intervals.first { $0.confidenceLevel == 0.68 }?.intervals.first)
        }
        let wilks = try interval("truth"), neyman = try interval("truth_neyman")
        XCTAssertEqual(neyman.lower, wilks.lower, accuracy: 0.03)
        XCTAssertEqual(neyman.upper, wilks.upper, accuracy: 0.03)
        struct File: Decodable {
            struct L: Decodable { var name: String; var pToy: [Double]; var pToyError: [Double]; var pAsymptotic: [Double] }
            var shape: [Int]; var points: [[Double]]; var likelihoods: [L]
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let file = try decoder.decode(File.self, from: try XCTUnwrap(FileManager.default.contents(atPath: out + "/plot/neyman.json")))
        XCTAssertEqual(file.shape, [31])
        XCTAssertEqual(file.points.first, [-3])
        XCTAssertEqual(file.points.last, [3])
        let truth = try XCTUnwrap(file.likelihoods.first)
        for j in 0..<31 where truth.pAsymptotic[j] > 0.01 && truth.pAsymptotic[j] < 0.99 {
            XCTAssertEqual(truth.pToy[j], truth.pAsymptotic[j], accuracy: 4 * truth.pToyError[j] + 1e-9, "point \(file.points[j])")
        }
    }
}
