import XCTest
import CGSL
import SBICore
@testable import SBIInference

/// The closure report against closed-form regions of Gaussian likelihoods:
/// log L = −½ Δθᵀ I Δθ has the ellipse {Δθᵀ I Δθ ≤ q_c} as its region, of area π q_c / √det I,
/// and in one dimension the interval θ̂ ± √(q_c/I).
final class RegionSummaryTests: XCTestCase {
    func gaussianScan(_ grid: ParameterGrid, centre: [Double], information m: [Double]) throws -> LikelihoodScanResult {
        let k = centre.count
        let logL = (0..<grid.count).map { j -> Double in
            let d = zip(grid.point(j), centre).map { $0 - $1 }
            var s = 0.0
            for a in 0..<k { for b in 0..<k { s += d[a] * m[a * k + b] * d[b] } }
            return -0.5 * s
        }
        return try LikelihoodScanResult(grid: grid, logLikelihood: logL)
    }

    func testArea_shoelaceOfUnitSquare_openPathsAddNothing() {
        let square = ContourPath(xs: [0, 1, 1, 0], ys: [0, 0, 1, 1], closed: true)
        let open = ContourPath(xs: [0, 5, 5], ys: [0, 0, 5], closed: false)
        XCTAssertEqual(RegionSummary.area([square, open]), 1, accuracy: 1e-15)
    }

    func testRatioToTruth_1D_isTheRatioOfAnalyticIntervalLengths() throws {
        // Truth I = 25 (σ = 0.2), a model 1.2× wider (I = 25/1.44): length ratio 1.2 exactly
        // (the interval ends are exact for a quadratic log L, whatever the grid spacing).
        let grid = try ParameterGrid(names: ["t"], ranges: [-2...2], counts: [41])
        let truth = try gaussianScan(grid, centre: [0.03], information: [25])
        let wide = try gaussianScan(grid, centre: [-0.05], information: [25 / 1.44])
        let file = try ContoursFile.make(space: [.init(name: "t", range: -2...2)], grid: grid,
                                         results: [("truth", "truth", truth), ("wide", "ml", wide)],
                                         confidenceLevels: [0.68, 0.95], thetaTrue: [0])
        for (k, cl) in [0.68, 0.95].enumerated() {
            let qc = gsl_cdf_chisq_Qinv(1 - cl, 1)
            let t = try XCTUnwrap(file.estimators[0].regions?[k])
            XCTAssertEqual(t.status, .closed)
            XCTAssertEqual(t.size, 2 * (qc / 25).squareRoot(), accuracy: 1e-9)
            XCTAssertEqual(try XCTUnwrap(file.estimators[1].regions?[k].ratioToTruth), 1.2, accuracy: 1e-9)
        }
    }

    func testRatioToTruth_2D_isTheRatioOfEllipseAreasWithinGridError() throws {
        // Correlated information; the model's matrix is the truth's / 1.3², so its ellipse is 1.3×
        // larger in every direction and its area 1.69×. Marching squares on h = 0.025 (ellipse semi-axes
        // ≥ 0.33) cut corners by O(h²/R) relative: 1 % is several times that.
        let m = [20.0, 6.0, 6.0, 10.0]
        let grid = try ParameterGrid(names: ["a", "b"], ranges: [-2...2, -2...2], counts: [161, 161])
        let truth = try gaussianScan(grid, centre: [0.1, -0.2], information: m)
        let model = try gaussianScan(grid, centre: [0, 0], information: m.map { $0 / 1.69 })
        let file = try ContoursFile.make(space: [.init(name: "a", range: -2...2), .init(name: "b", range: -2...2)], grid: grid,
                                         results: [("truth", "truth", truth), ("model", "ml", model)],
                                         confidenceLevels: [0.68], thetaTrue: [0, 0])
        let qc = gsl_cdf_chisq_Qinv(0.32, 2)
        let det = m[0] * m[3] - m[1] * m[2]
        let t = try XCTUnwrap(file.estimators[0].regions?.first)
        XCTAssertEqual(t.size, Double.pi * qc / det.squareRoot(), accuracy: 0.01 * t.size)
        XCTAssertEqual(try XCTUnwrap(file.estimators[1].regions?.first?.ratioToTruth), 1.69, accuracy: 0.01 * 1.69)
    }

    func testHint_openRegion_isTheProjectionOfTheFisherEllipse() throws {
        // The region (semi-axes ~1) is far larger than the grid [−0.3, 0.3]²: open, and the hint must
        // be θ̂_i ± √(q_c (I⁻¹)_ii), exact for a quadratic log L (finite differences of a quadratic).
        let m = [4.0, 1.0, 1.0, 2.0]
        let grid = try ParameterGrid(names: ["a", "b"], ranges: [-0.3...0.3, -0.3...0.3], counts: [13, 13])
        let scan = try gaussianScan(grid, centre: [0, 0], information: m)
        let file = try ContoursFile.make(space: [.init(name: "a", range: -0.3...0.3), .init(name: "b", range: -0.3...0.3)],
                                         grid: grid, results: [("truth", "truth", scan)], confidenceLevels: [0.95], thetaTrue: [0, 0])
        let region = try XCTUnwrap(file.estimators[0].regions?.first)
        XCTAssertEqual(region.status, .open)
        XCTAssertNil(region.ratioToTruth)
        let hint = try XCTUnwrap(region.hint)
        let qc = gsl_cdf_chisq_Qinv(0.05, 2)
        let det = m[0] * m[3] - m[1] * m[2]
        XCTAssertEqual(hint[0][1], (qc * m[3] / det).squareRoot(), accuracy: 1e-9)
        XCTAssertEqual(hint[1][1], (qc * m[0] / det).squareRoot(), accuracy: 1e-9)
        XCTAssertEqual(hint[0][0], -hint[0][1], accuracy: 1e-9)
    }

    func testHint_emptyRegion_narrowerThanTheGridSpacing() throws {
        // σ = 0.01 on a grid of spacing 0.5 with the best fit between points: no cell holds the 68 %
        // contour; the hint still brackets it at ±√(q_c/I) around the refined best fit.
        let grid = try ParameterGrid(names: ["a", "b"], ranges: [-2...2, -2...2], counts: [9, 9])
        let scan = try gaussianScan(grid, centre: [0.2, 0.2], information: [1e4, 0, 0, 1e4])
        let file = try ContoursFile.make(space: [.init(name: "a", range: -2...2), .init(name: "b", range: -2...2)],
                                         grid: grid, results: [("truth", "truth", scan)], confidenceLevels: [0.68], thetaTrue: nil)
        let region = try XCTUnwrap(file.estimators[0].regions?.first)
        XCTAssertEqual(region.status, .empty)
        let hint = try XCTUnwrap(region.hint)
        let half = (gsl_cdf_chisq_Qinv(0.32, 2) / 1e4).squareRoot()
        XCTAssertEqual(hint[0][1] - hint[0][0], 2 * half, accuracy: 1e-9)
    }
}
