import XCTest
@testable import SBIReport

/// The recipe's `latex` labels of the shipped recipes become readable SVG text.
final class LaTeXLabelTests: XCTestCase {
    func testLaTeXLabel_shippedLabels_becomeGreekLettersAndScripts() {
        XCTAssertEqual(LaTeXLabel.svg("\\delta g_V^\\mu"),
                       "δg<tspan baseline-shift=\"sub\" font-size=\"70%\">V</tspan><tspan baseline-shift=\"super\" font-size=\"70%\">μ</tspan>")
        XCTAssertEqual(LaTeXLabel.svg("f_{WW}"), "f<tspan baseline-shift=\"sub\" font-size=\"70%\">WW</tspan>")
        XCTAssertEqual(LaTeXLabel.svg("\\theta"), "θ")
        XCTAssertEqual(LaTeXLabel.plain("$f_{WW}/\\Lambda^2$ [\\mathrm{TeV}^{-2}]"), "fWW/Λ2 [TeV-2]")
    }

    func testLaTeXLabel_markupCharactersAndUnknownCommands_areEscapedAndKept() {
        XCTAssertEqual(LaTeXLabel.svg("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;")
        XCTAssertEqual(LaTeXLabel.svg("\\unknown x"), "unknownx")
        // Unbalanced input ends without trapping.
        XCTAssertEqual(LaTeXLabel.plain("x_{1"), "x1")
        XCTAssertEqual(LaTeXLabel.plain("x}^"), "x")
        XCTAssertEqual(LaTeXLabel.plain("\\"), "")
    }
}
