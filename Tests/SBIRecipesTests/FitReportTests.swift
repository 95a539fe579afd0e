import XCTest
import SBIInference
@testable import SBIRecipes

/// The closure report of `sbi fit` flags what cannot be right: a region clearly smaller than the exact
/// likelihood's.
final class FitReportTests: XCTestCase {
    func testClosureLines_regionTighterThanExact_isFlagged_andOneWithinFivePercentIsNot() {
        func estimator(_ name: String, _ mode: String, ratio: Double?) -> ContoursFile.Estimator {
            ContoursFile.Estimator(name: name, mode: mode, bestFit: [0],
                                   regions: [RegionSummary(confidenceLevel: 0.68, size: 0.4 * (ratio ?? 1), status: .closed, ratioToTruth: ratio)])
        }
        var report = FitReport()
        report.closure = [estimator("truth", "truth", ratio: 1), estimator("carl", "ml", ratio: 0.85),
                          estimator("alices", "ml", ratio: 0.97), estimator("sally", "sally", ratio: 1.2)]
        let lines = report.closureLines()
        func line(_ name: String) -> String { lines.first { $0.hasPrefix(name + " ") } ?? "" }
        XCTAssertTrue(line("carl").contains("×0.850 TIGHTER THAN EXACT"), lines.joined(separator: "\n"))
        for name in ["truth", "alices", "sally"] { XCTAssertFalse(line(name).contains("TIGHTER"), line(name)) }
    }

    /// With profiles (3 or more parameters) each profile's rows follow its title, a tighter-than-exact profile is flagged
    /// like a region, and the toys' coverage is given once, for the region of all parameters (the toys test q(θ_true)
    /// over every parameter, not a profile).
    func testClosureLines_profiles_rowsUnderEachTitle_coverageOfTheWholeRegionOnce() {
        func estimator(_ name: String, ratio: Double) -> ContoursFile.Estimator {
            ContoursFile.Estimator(name: name, mode: name == "truth" ? "truth" : "ml", bestFit: [0],
                                   regions: [RegionSummary(confidenceLevel: 0.68, size: 0.4 * ratio, status: .closed, ratioToTruth: ratio)])
        }
        var report = FitReport()
        report.profileClosure = [("a (profiled over b, c)", "a", [estimator("truth", ratio: 1), estimator("alices", ratio: 1.02)]),
                                 ("a vs b (profiled over c)", "a_vs_b", [estimator("truth", ratio: 1), estimator("alices", ratio: 0.9)])]
        report.coverage = [ToyCoverageFile.Row(ToyCoverage(name: "alices", mode: "ml", confidenceLevel: 0.68, toys: 100, covered: 70))]
        let lines = report.closureLines()
        XCTAssertEqual(lines.filter { $0.hasPrefix("estimator ") }.count, 1, lines.joined(separator: "\n"))
        let a = lines.firstIndex(of: "  a (profiled over b, c)"), ab = lines.firstIndex(of: "  a vs b (profiled over c)")
        XCTAssertEqual(a, 1, lines.joined(separator: "\n"))
        XCTAssertEqual(ab, 4, lines.joined(separator: "\n"))
        XCTAssertTrue(lines[3].hasPrefix("alices") && lines[3].hasSuffix("×1.020"), lines[3])
        XCTAssertTrue(lines[6].contains("×0.900 TIGHTER THAN EXACT"), lines[6])
        XCTAssertEqual(Array(lines.suffix(2)), ["  coverage of the region of all parameters over the toys", "alices      68%    0.700 ± 0.046"])
    }
}
