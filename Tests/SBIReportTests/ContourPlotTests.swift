import Foundation
import XCTest
import SBICore
import SBIInference
@testable import SBIReport

/// contours.svg shows what the result holds: the linearised regions of the exact Fisher information are
/// the exact contours of a Gaussian likelihood, the first estimator's closed regions are filled, a 1-D
/// plot zooms to its intervals, labels come from LaTeX, and the notes say what the data are.
final class ContourPlotTests: XCTestCase {
    /// The attribute `name` of every element whose class is `cls` in `svg`.
    func attributes(_ name: String, ofClass cls: String, in svg: String) -> [String] {
        svg.components(separatedBy: "<").filter { $0.contains("class=\"\(cls)\"") }.compactMap { element in
            guard let r = element.range(of: " \(name)=\"") else { return nil }
            return String(element[r.upperBound...].prefix { $0 != "\"" })
        }
    }

    /// For a Gaussian log L the linearised region of I = C⁻¹ is the exact region: the drawn ellipse at 68 %
    /// has the area of the marching-squares contour of the scan (π q / √det I, q = −2 ln 0.32 for two
    /// parameters), within the 41×41 grid's discretisation (1 %).
    func testFisherEllipse_ofGaussianLikelihood_hasTheExactContoursArea() throws {
        let (file, _, _) = try GaussianResult.make()
        let ellipse = FisherEllipse(name: "truth", information: GaussianResult.information, centre: [0, 0])
        for (c, cl) in file.confidenceLevels.enumerated() {
            let path = try XCTUnwrap(ellipse.region(confidenceLevel: cl))
            var area = 0.0
            for k in 0..<path.count {
                let j = (k + 1) % path.count
                area += path.xs[k] * path.ys[j] - path.xs[j] * path.ys[k]
            }
            area = abs(area) / 2
            let q = -2 * log(1 - cl)   // the χ²₂ quantile in closed form
            let c0 = GaussianResult.covariance
            XCTAssertEqual(area, Double.pi * q * (c0[0] * c0[3] - c0[1] * c0[2]).squareRoot(), accuracy: 1e-3 * area)
            let exact = try XCTUnwrap(file.estimators[0].regions?[c].size)
            XCTAssertEqual(area / exact, 1, accuracy: 0.01, "CL \(cl)")
        }
        let svg = ContourPlot.svg(file, linearised: [ellipse])
        XCTAssertEqual(attributes("data-cl", ofClass: "linearised", in: svg), ["0.68", "0.95"])
        XCTAssertTrue(svg.contains("linearised (Fisher)"))
        // A matrix that is not positive definite has no bounded region and is left out, not drawn wrong.
        let flat = FisherEllipse(name: "truth", information: FisherInformation(names: ["a", "b"], matrix: Matrix(rows: 2, columns: 2, storage: [1, 1, 1, 1])),
                                 centre: [0, 0])
        XCTAssertNil(flat.region(confidenceLevel: 0.68))
        XCTAssertTrue(attributes("data-cl", ofClass: "linearised", in: ContourPlot.svg(file, linearised: [flat])).isEmpty)
        // Almost no information: the ellipse lies 10¹⁵ plot widths away; it is drawn clamped (and clipped), not trapped on.
        let vague = FisherEllipse(name: "truth", information: FisherInformation(names: ["a", "b"], matrix: Matrix(rows: 2, columns: 2, storage: [1e-30, 0, 0, 1e-30])),
                                  centre: [0, 0])
        XCTAssertTrue(ContourPlot.svg(file, linearised: [vague]).contains("10000000"))
        XCTAssertEqual(SVGText.pixel(.nan), "0")
        XCTAssertEqual(SVGText.pixel(-.infinity), "-10000000")
    }

    func testContourPlot_firstEstimatorsClosedRegions_areFilledOuterLighter() throws {
        let (file, _, _) = try GaussianResult.make()
        let svg = ContourPlot.svg(file)
        XCTAssertEqual(attributes("data-estimator", ofClass: "band", in: svg), ["truth", "truth"])
        XCTAssertEqual(attributes("data-cl", ofClass: "band", in: svg), ["0.95", "0.68"])
        let opacities = attributes("fill-opacity", ofClass: "band", in: svg).compactMap(Double.init)
        XCTAssertEqual(opacities.count, 2)
        XCTAssertLessThan(opacities[0], opacities[1])
    }

    /// A 1-D result on a wide grid: the axis spans the intervals and θ_true with a margin, not the grid,
    /// and the legend marks θ_true with the plot's dotted line.
    func testContourPlot_oneParameter_zoomsToTheIntervals() throws {
        let grid = try ParameterGrid(names: ["theta"], ranges: [-3...3], counts: [121])
        let logL = (0..<grid.count).map { -0.5 * pow(grid.point($0)[0] - 1, 2) / 0.05 }
        let scan = try LikelihoodScanResult(grid: grid, logLikelihood: logL)
        var file = try ContoursFile.make(space: [.init(name: "theta", label: "\\theta", range: -3...3)], grid: grid,
                                         results: [("truth", "truth", scan)], confidenceLevels: [0.68, 0.95], thetaTrue: [1])
        file.notes = ResultNotes.lines(simulator: "gaussian", eventCount: 100, luminosityInversePicobarn: nil, thetaTrue: [1], observedFile: nil)
        let range = ContourPlot.zoomedRange(file, linearised: [])
        let outer = try XCTUnwrap(file.estimators[0].intervals.last?.intervals.first)   // 1 ± 1.96·√0.05
        XCTAssertLessThan(range.lowerBound, outer.lower)
        XCTAssertGreaterThan(range.upperBound, outer.upper)
        XCTAssertLessThan(range.upperBound - range.lowerBound, 1.6 * (outer.upper - outer.lower))
        let svg = ContourPlot.svg(file)
        XCTAssertTrue(svg.contains(">θ</text>"), "axis label from LaTeX")
        XCTAssertFalse(svg.contains(">-3</text>"), "the axis does not span the grid")
        XCTAssertTrue(svg.contains("<line x1=") && svg.contains("stroke-dasharray=\"1,3\"/><text"), "θ_true's legend mark is the dotted line")
        XCTAssertTrue(svg.contains(">100 events</text>") && svg.contains(">Asimov data at θ_true = (1)</text>"))
        // The 68 % bar is drawn thicker than the 95 % one.
        let widths = attributes("stroke-width", ofClass: "interval", in: svg).compactMap(Double.init)
        XCTAssertEqual(widths, [4, 2])
    }

    func testResultNotes_luminosityInFemtobarnAndObservedData() {
        XCTAssertEqual(ResultNotes.lines(simulator: "wbf-higgs", recipe: "wbf", eventCount: 1234.56, luminosityInversePicobarn: 300_000,
                                         thetaTrue: [0, 0], observedFile: nil),
                       ["wbf-higgs (recipe wbf)", "L = 300 fb⁻¹: 1235 expected events", "Asimov data at θ_true = (0, 0)"])
        XCTAssertEqual(ResultNotes.lines(simulator: "drell-yan", eventCount: 87, luminosityInversePicobarn: 50, thetaTrue: nil, observedFile: "data.npy"),
                       ["drell-yan", "L = 50 pb⁻¹: 87 events", "observed events from data.npy"])
    }
}
