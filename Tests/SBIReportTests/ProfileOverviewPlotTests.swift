import Foundation
import XCTest
import SBICore
import SBIInference
@testable import SBIReport

/// profiles.svg: every profile of a three-parameter scan on one well-formed page, pairs below the diagonal.
final class ProfileOverviewPlotTests: XCTestCase {
    func testOverview_threeParameters_sixNestedCellsInATriangle() throws {
        // log L = −½ θᵀ C⁻¹ θ · 100 on an 11³ grid (C = diag(1, 2, 3)): any scan works, the figure is what is checked.
        let grid = try ParameterGrid(names: ["a", "b", "c"], ranges: [-1...1, -1...1, -1...1], counts: [11, 11, 11])
        let logL = (0..<grid.count).map { j -> Double in
            let t = grid.point(j)
            return -50 * (t[0] * t[0] + t[1] * t[1] / 2 + t[2] * t[2] / 3)
        }
        let scan = try LikelihoodScanResult(grid: grid, logLikelihood: logL)
        let parameters = ["a", "b", "c"].map { ContoursFile.Parameter(name: $0, range: -1...1) }
        var profiles: [(kept: [Int], file: ContoursFile)] = []
        for (kept, profile) in try ProfileProjection.all(scan) {
            profiles.append((kept, try ContoursFile.make(space: kept.map { parameters[$0] }, grid: profile.grid,
                                                         results: [("truth", "truth", profile)], confidenceLevels: [0.68], thetaTrue: nil)))
        }
        XCTAssertEqual(profiles.count, 6)
        let svg = ProfileOverviewPlot.svg(profiles, count: 3, title: "Profiles of a, b, c")
        // One outer document and six nested viewports, each closed once; one XML declaration, at the top.
        XCTAssertEqual(svg.components(separatedBy: "<svg ").count - 1, 7)
        XCTAssertEqual(svg.components(separatedBy: "</svg>").count - 1, 7)
        XCTAssertEqual(svg.components(separatedBy: "<?xml").count - 1, 1)
        let cells = svg.components(separatedBy: "<svg ").filter { $0.contains("class=\"profile-cell\"") }
        XCTAssertEqual(cells.count, 6)
        func value(_ name: String, _ element: String) -> Double? {
            guard let r = element.range(of: "\(name)=\"") else { return nil }
            return Double(element[r.upperBound...].prefix { $0 != "\"" })
        }
        let positions = Set(cells.compactMap { c -> [Int]? in
            guard let x = value("x", c), let y = value("y", c) else { return nil }
            return [Int((x / ProfileOverviewPlot.cellWidth).rounded()), Int(((y - 40) / ProfileOverviewPlot.cellHeight).rounded())]
        })
        // (column, row): the diagonal and the lower triangle.
        XCTAssertEqual(positions, [[0, 0], [1, 1], [2, 2], [0, 1], [0, 2], [1, 2]])
    }
}
