import Foundation
import XCTest
import SBICore
@testable import SBIRecipes

/// `inference.calibration` end to end on the shipped gaussian quickstart (ALICES 2×50, 50 000 events,
/// 30 epochs): its estimator passes, the same network trained for one epoch is flagged.
final class CalibrationRecipeTests: XCTestCase {
    private struct File: Decodable {
        struct Entry: Decodable {
            struct Reliability: Decodable { var pValue: Double; var degreesOfFreedom: Int; var bins: [Bin] }
            struct Bin: Decodable { var events: Int }
            struct Closure: Decodable { var points: [Point] }
            struct Point: Decodable { var theta0: [Double]; var meanRatio: Double; var closes: Bool }
            var name: String
            var theta1: [Double]
            var eventsPerPoint: Int
            var passes: Bool
            var reliability: Reliability
            var closure: Closure
        }
        var estimators: [Entry]
    }

    private func run(epochs: Int) throws -> (File.Entry, FitReport) {
        let path = ShippedRecipeGuardTests.recipesFolder + "/gaussian-quickstart.yaml"
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = text.replacingOccurrences(of: "  fisher_information: true", with: "  fisher_information: false\n  calibration: {events: 5000, points: 10}")
        text = text.replacingOccurrences(of: "epochs: 30", with: "epochs: \(epochs)")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("sbi-calibration-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: out) }
        let report = try FitPipeline(recipe: try RecipeLoader.parse(text, file: "quickstart.yaml"), folder: out).run()
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let file = try decoder.decode(File.self, from: try XCTUnwrap(FileManager.default.contents(atPath: out + "/plot/calibration.json")))
        XCTAssertEqual(file.estimators.map(\.name), ["alices"])
        // calibration.svg draws the reliability curve of every estimator over the diagonal.
        let svg = try String(contentsOfFile: out + "/plot/calibration.svg", encoding: .utf8)
        XCTAssertTrue(svg.contains("data-label=\"perfect calibration\"") && svg.contains("data-label=\"alices\""), svg)
        return (try XCTUnwrap(file.estimators.first), report)
    }

    /// 30 epochs: reliability p measured 0.12 (recipe seeds 2–4 also pass), every E_θ1[r̂] within 0.07 of 1;
    /// one epoch: p < 10⁻¹⁰ (the 5-epoch network of a 20 000-event sample is flagged at 10⁻³⁴ as well).
    /// θ0 points lie in the grid's range, every event is binned once, θ1 is the sample's reference.
    func testQuickstart_trainedPasses_oneEpochIsFlagged() throws {
        let (good, report) = try run(epochs: 30)
        XCTAssertTrue(good.passes, "reliability p \(good.reliability.pValue)")
        XCTAssertEqual(good.theta1, [0])
        XCTAssertEqual(good.eventsPerPoint, 5000)
        XCTAssertEqual(good.closure.points.count, 10)
        XCTAssertTrue(good.closure.points.allSatisfy { (-3...3).contains($0.theta0[0]) })
        XCTAssertEqual(good.reliability.bins.map(\.events).reduce(0, +), 2 * 5000 * 10)
        XCTAssertTrue(report.rows.contains { $0.record.detail.contains("alices calibration passes") })
        let (bad, badReport) = try run(epochs: 1)
        XCTAssertFalse(bad.passes)
        XCTAssertLessThan(bad.reliability.pValue, 1e-10)
        XCTAssertTrue(badReport.rows.contains { $0.record.detail.contains("alices calibration FLAGGED") })
    }
}
