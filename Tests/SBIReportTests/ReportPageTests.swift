import Foundation
import XCTest
import SBICore
import SBIInference
import SBITestSupport
@testable import SBIReport

/// report.html is one self-contained page that a real browser renders with every figure: Debian's
/// chromium (installed by scripts/setup.sh --test) takes a headless screenshot (`PNGPixels` reads it), and
/// the pixels in the estimators' colours, which only the embedded SVG figures contain, show that the
/// images decoded.
final class ReportPageTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws { folder = try makeTemporaryDirectory(self, prefix: "sbi-report-") }

    /// The page of the Gaussian result: closure table, figures, Fisher matrix, coverage, stages, recipe.
    func gaussianPage() throws -> ReportPage.Content {
        var (file, grid, scans) = try GaussianResult.make()
        file.notes = ["gaussian-2d", "40 events", "Asimov data at θ_true = (0, 0)"]
        let axes = try XCTUnwrap(grid.axes).map(\.values)
        let ellipse = FisherEllipse(name: "truth", information: GaussianResult.information, centre: [0, 0])
        var content = ReportPage.Content(title: "sbi fit: gaussian-2d", contours: file)
        content.figures = [("contours.svg", ContourPlot.svg(file)), ("fisher.svg", ContourPlot.svg(file, linearised: [ellipse])),
                           ("q_a.svg", LikelihoodCurvePlot.chart(file, axis: 0, axes: axes, q: scans.map(\.q)).svg())]
        content.fisher = [FisherFileEntry(name: "truth", mode: "truth", parameters: ["a", "b"], matrix: GaussianResult.information.matrix.storage)]
        // 341 of 500 toys with q below the 68 % threshold of two parameters (2.28).
        content.coverage = [.init(ToyCoverage(name: "truth", mode: "truth", confidenceLevel: 0.68,
                                              q: [Double](repeating: 0.5, count: 341) + [Double](repeating: 5, count: 159), parameterCount: 2))]
        content.stages = [.init(name: "limits", seconds: 1.5, items: 1681, detail: "truth: area 0.1"), .init(name: "plot", seconds: nil, items: 0, detail: "")]
        content.recipe = "{\n  \"name\" : \"gaussian-2d <&>\"\n}\n"
        return content
    }

    func testReportPage_isSelfContained_andFlagsAWideRegion() throws {
        let html = ReportPage.html(try gaussianPage())
        // No network and no scripts: nothing is fetched, nothing runs.
        for forbidden in ["<script", "http://", "https://", "<link", "@import"] { XCTAssertFalse(html.contains(forbidden), forbidden) }
        XCTAssertEqual(html.components(separatedBy: "<img ").count - 1, 3)
        XCTAssertEqual(html.components(separatedBy: "src=\"data:image/svg+xml;base64,").count - 1, 3)
        // alices' regions are 1.1² = 1.21 times truth's: flagged; truth's own ×1 is not.
        XCTAssertTrue(html.contains("<span class=\"flag\">×1.21</span>"), html)
        XCTAssertTrue(html.contains("<td>×1</td>"))
        XCTAssertTrue(html.contains("gaussian-2d &lt;&amp;&gt;"), "the recipe is escaped")
        XCTAssertTrue(html.contains("<td class=\"wall-time\">1.50 s</td>") && html.contains("not in this run"))
        XCTAssertTrue(html.contains("<td>341</td><td>0.682 ± 0.021</td>"), html)
    }

    /// Headless chromium renders the page without error; the screenshot has thousands of pixels in the
    /// truth colour (#0072B2) and alices' (#D55E00), which only the figures draw. The same page with the
    /// figures removed has none, so the count is the figures'.
    func testReportPage_rendersInHeadlessChromium_withEveryFigure() throws {
        let chromium = try XCTUnwrap(["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                     "chromium is missing: run bash scripts/setup.sh --test")
        let content = try gaussianPage()
        var bare = content
        bare.figures = []
        try ReportPage.write(content, to: folder + "/report.html")
        try ReportPage.write(bare, to: folder + "/bare.html")
        for page in ["report", "bare"] {
            let r = try runProcess(URL(fileURLWithPath: chromium),
                                   ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(folder)/profile-\(page)",
                                    "--screenshot=\(folder)/\(page).png", "--window-size=1280,3600", "file://\(folder)/\(page).html"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/\(page).png"), r.stderr)
        }
        let report = try PNGPixels(path: folder + "/report.png"), barePixels = try PNGPixels(path: folder + "/bare.png")
        XCTAssertEqual(report.width, 1280)
        let (blue, orange) = ((0, 114, 178), (213, 94, 0))
        XCTAssertGreaterThan(report.count(near: blue), 1000, "truth-blue pixels of the figures")
        XCTAssertGreaterThan(report.count(near: orange), 500, "alices-orange pixels of the figures")
        XCTAssertEqual(barePixels.count(near: blue) + barePixels.count(near: orange), 0, "the page without figures has none")
    }
}
