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
}
