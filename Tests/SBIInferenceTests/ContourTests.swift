import XCTest
import SBICore
@testable import SBIInference

final class ContourTests: XCTestCase {
    /// Field values f(x, y) on a regular grid, x slow and y fast.
    func field(_ xs: [Double], _ ys: [Double], _ f: (Double, Double) -> Double) -> [Double] {
        var out: [Double] = []
        for x in xs { for y in ys { out.append(f(x, y)) } }
        return out
    }

    func axis(_ lo: Double, _ hi: Double, _ n: Int) -> [Double] {
        (0..<n).map { lo + (hi - lo) * Double($0) / Double(n - 1) }
    }

    /// Largest angular gap between consecutive contour points around `center` (coverage of a loop).
    func largestAngularGap(_ path: ContourPath, center: (Double, Double)) -> Double {
        let angles = zip(path.xs, path.ys).map { atan2($1 - center.1, $0 - center.0) }.sorted()
        var gap = angles.first! + 2 * .pi - angles.last!
        for k in 1..<angles.count { gap = max(gap, angles[k] - angles[k - 1]) }
        return gap
    }

    func testMarchingSquares_circle_recoveredWithinGridSpacing() {
        let xs = axis(-2, 2, 81), ys = axis(-2, 2, 81)   // h = 0.05
        let values = field(xs, ys) { x, y in exp(-(x * x + y * y) / 2) }
        let paths = MarchingSquares.contours(xs: xs, ys: ys, values: values, level: exp(-0.5))
        XCTAssertEqual(paths.count, 1)
        XCTAssertTrue(paths[0].closed)
        for (x, y) in zip(paths[0].xs, paths[0].ys) {
            XCTAssertEqual((x * x + y * y).squareRoot(), 1, accuracy: 0.05)   // tolerance: one grid step
        }
        XCTAssertLessThan(largestAngularGap(paths[0], center: (0, 0)), 0.1)   // vertices at most ~2 steps apart
    }

    func testMarchingSquares_ellipse_recoveredWithinGridSpacing() {
        let xs = axis(-3, 3, 61), ys = axis(-2, 2, 41)   // h = 0.1
        let values = field(xs, ys) { x, y in exp(-(x * x / 4 + y * y) / 2) }
        let paths = MarchingSquares.contours(xs: xs, ys: ys, values: values, level: exp(-0.5))
        XCTAssertEqual(paths.count, 1)
        XCTAssertTrue(paths[0].closed)
        for (x, y) in zip(paths[0].xs, paths[0].ys) {
            // Distance to the ellipse along the ray ≤ a·|ρ − 1| with a = 2; require ≤ one grid step.
            let rho = (x * x / 4 + y * y).squareRoot()
            XCTAssertLessThan(2 * abs(rho - 1), 0.1)
        }
        XCTAssertEqual(paths[0].xs.max()!, 2, accuracy: 0.1)
        XCTAssertEqual(paths[0].ys.max()!, 1, accuracy: 0.1)
    }

    func testMarchingSquares_twoBlobs_giveTwoClosedPaths() {
        let xs = axis(-3, 3, 61), ys = axis(-2, 2, 41)   // h = 0.1
        let blob = { (x: Double, y: Double) in exp(-(x * x + y * y) / (2 * 0.64)) }
        let values = field(xs, ys) { x, y in max(blob(x - 1.5, y), blob(x + 1.5, y)) }
        let paths = MarchingSquares.contours(xs: xs, ys: ys, values: values, level: exp(-0.5))
        XCTAssertEqual(paths.count, 2)
        for path in paths {
            XCTAssertTrue(path.closed)
            let cx = path.xs.reduce(0, +) / Double(path.count) > 0 ? 1.5 : -1.5
            for (x, y) in zip(path.xs, path.ys) {
                XCTAssertEqual(((x - cx) * (x - cx) + y * y).squareRoot(), 0.8, accuracy: 0.1)
            }
        }
    }

    func testMarchingSquares_regionTouchingEdge_givesOpenPathEndingOnBoundary() {
        let xs = axis(-2, 2, 81), ys = axis(-2, 2, 81)   // h = 0.05
        let values = field(xs, ys) { x, y in exp(-((x - 2) * (x - 2) + y * y) / 2) }
        let paths = MarchingSquares.contours(xs: xs, ys: ys, values: values, level: exp(-0.5))
        XCTAssertEqual(paths.count, 1)
        let path = paths[0]
        XCTAssertFalse(path.closed)
        for (x, y) in zip(path.xs, path.ys) {
            XCTAssertEqual(((x - 2) * (x - 2) + y * y).squareRoot(), 1, accuracy: 0.05)
        }
        // Both ends on the right edge x = 2, at y = ±1.
        XCTAssertEqual(path.xs.first!, 2, accuracy: 1e-12)
        XCTAssertEqual(path.xs.last!, 2, accuracy: 1e-12)
        XCTAssertEqual(abs(path.ys.first!), 1, accuracy: 0.05)
        XCTAssertEqual(path.ys.first! * path.ys.last!, -1, accuracy: 0.1)
    }

    /// One saddle cell (1 at a and c, 0 at b and d): a centre above the level joins a and c (the lines cut off
    /// b and d); below it separates them (the lines cut off a and c).
    func testMarchingSquares_saddle_resolvedByCentreValue() {
        let xs = [0.0, 1.0], ys = [0.0, 1.0]
        let values = [1.0, 0.0, 0.0, 1.0]   // (0,0)=1, (0,1)=0, (1,0)=0, (1,1)=1
        let joined = MarchingSquares.contours(xs: xs, ys: ys, values: values, level: 0.4)   // centre 0.5 inside
        XCTAssertEqual(joined.count, 2)
        for path in joined {
            // Each line cuts off an outside corner: (1,0) or (0,1); its midpoint lies near that corner.
            let mx = path.xs.reduce(0, +) / 2, my = path.ys.reduce(0, +) / 2
            XCTAssertTrue((mx > 0.5 && my < 0.5) || (mx < 0.5 && my > 0.5), "\(path)")
        }
        let split = MarchingSquares.contours(xs: xs, ys: ys, values: values, level: 0.6)   // centre outside
        XCTAssertEqual(split.count, 2)
        for path in split {
            let mx = path.xs.reduce(0, +) / 2, my = path.ys.reduce(0, +) / 2
            XCTAssertTrue((mx < 0.5 && my < 0.5) || (mx > 0.5 && my > 0.5), "\(path)")
        }
    }

    func testIntervals_twoBumps_giveTwoDisjointIntervals() {
        let xs = axis(-4, 4, 801)   // h = 0.01
        let values = xs.map { x in max(exp(-(x - 2) * (x - 2) / 2), exp(-(x + 2) * (x + 2) / 2)) }
        let intervals = ConfidenceRegion.intervals(xs: xs, values: values, level: exp(-0.5))
        XCTAssertEqual(intervals.count, 2)
        // Ends at ±2 ± 1; linear interpolation of a smooth function: error ≪ one step (0.01).
        XCTAssertEqual(intervals[0].lower, -3, accuracy: 0.01)
        XCTAssertEqual(intervals[0].upper, -1, accuracy: 0.01)
        XCTAssertEqual(intervals[1].lower, 1, accuracy: 0.01)
        XCTAssertEqual(intervals[1].upper, 3, accuracy: 0.01)
        XCTAssertFalse(intervals[0].lowerClipped || intervals[1].upperClipped)
        let clipped = ConfidenceRegion.intervals(xs: xs, values: xs.map { exp(-$0 * $0 / 50) }, level: 0.1)
        XCTAssertEqual(clipped, [ConfidenceInterval(lower: -4, upper: 4, lowerClipped: true, upperClipped: true)])
    }

    /// Bicubic refinement of a coarse grid (h = 0.2) puts the circle much closer to r = 1 than the
    /// linear interpolation does: within h/5.
    func testBicubicRefinement_coarseCircle_moreAccurate() throws {
        let xs = axis(-2, 2, 21), ys = axis(-2, 2, 21)
        let values = field(xs, ys) { x, y in exp(-(x * x + y * y) / 2) }
        let coarse = try ConfidenceRegion.contours(xs: xs, ys: ys, pValues: values, confidenceLevel: 1 - exp(-0.5))
        let fine = try ConfidenceRegion.contours(xs: xs, ys: ys, pValues: values, confidenceLevel: 1 - exp(-0.5), refinement: 8)
        func maxError(_ paths: [ContourPath]) -> Double {
            var worst = 0.0
            for path in paths {
                for k in 0..<path.count {
                    let r: Double = (path.xs[k] * path.xs[k] + path.ys[k] * path.ys[k]).squareRoot()
                    worst = max(worst, abs(r - 1))
                }
            }
            return worst
        }
        XCTAssertEqual(fine.count, 1)
        XCTAssertLessThan(maxError(fine), 0.04)
        XCTAssertLessThan(maxError(fine), maxError(coarse))
        assertThrowsSBIError(try ConfidenceRegion.contours(xs: xs, ys: ys, pValues: values, confidenceLevel: 1.5), field: "confidence-levels")
    }
}
