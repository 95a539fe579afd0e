import XCTest
import SBICore
import SBISimulation
import SBITestSupport
@testable import SBIEvents

/// Scale and PDF weights of a real MadGraph file as nuisance parameters.
final class LHEWeightVariationTests: XCTestCase {
    /// pp → jj (MadGraph5_aMC 3.5.8): the scale nuisance is two-sided (id 40: μ_R = μ_F = 2, id 1:
    /// μ_R = μ_F = ½), each of the 101 NNPDF23 members (ids 45…145) one-sided. Morphed weights at
    /// ν = ±1 reproduce the file's weights to 1e-6 relative (exp∘log round trip: ~1e-15).
    func testPPToJJ_scaleAndPDFWeights_morphBackToTheFilesVariationWeights() throws {
        let path = try fixtureFile("pylhe-testfile-madgraph5-3.5.8-pp_to_jj.lhe.gz")
        let header = try LHEReader(path: path).header
        let pdf = try LHEWeightVariation.group("NNPDF23_lo_as_0130_qed", of: header, prefix: "pdf", field: "nuisance[1].group")
        XCTAssertEqual(pdf.count, 101)
        XCTAssertEqual(pdf.first, LHEWeightVariation(name: "pdf_45", up: "45"))
        XCTAssertEqual(pdf.last?.up, "145")
        let variations = [LHEWeightVariation(name: "mu", up: "40", down: "1")] + pdf
        let read = try LHEWeightVariationSample.read(path: path, variations: variations)
        XCTAssertEqual(read.nominal.count, 1000)
        XCTAssertEqual(read.nominal[0], 6.9967067e+08)
        XCTAssertEqual(read.down[0]?[0], 7.5079318e+08, "event 1, <wgt id='1'>")
        XCTAssertEqual(read.up[0][0], 6.3404482e+08, "event 1, <wgt id='40'>")
        let morphing = try NuisanceMorphing(nominal: read.nominal,
                                            variations: zip(variations, zip(read.up, read.down)).map {
                                                NuisanceVariation(name: $0.name, up: $1.0, down: $1.1)
                                            }, source: path)
        var worst = 0.0
        for k in 0..<morphing.count {
            for sign in [1.0, -1.0] where sign > 0 || read.down[k] != nil {
                var nu = [Double](repeating: 0, count: morphing.count)
                nu[k] = sign
                let w = try morphing.weights(read.nominal, at: nu)
                let expected = sign > 0 ? read.up[k] : read.down[k]!
                for e in 0..<w.count { worst = max(worst, abs(w[e] / expected[e] - 1)) }
            }
        }
        XCTAssertLessThan(worst, 1e-6)
        // The scale variation changes the total rate visibly (LO dijets: tens of per cent).
        let total = read.nominal.reduce(0, +), up = read.up[0].reduce(0, +), down = read.down[0]!.reduce(0, +)
        XCTAssertGreaterThan(abs(up / total - 1), 0.05)
        XCTAssertGreaterThan(abs(down / total - 1), 0.05)
    }

    /// An unknown group lists the groups the file has; an unknown id is refused by the reader with the file named.
    func testUnknownGroupOrID_isRefusedWithTheKnownOnesListed() throws {
        let path = try fixtureFile("pylhe-testfile-madgraph5-3.5.8-pp_to_jj.lhe.gz")
        let header = try LHEReader(path: path).header
        XCTAssertThrowsError(try LHEWeightVariation.group("CT18", of: header, prefix: "pdf", field: "nuisance[0].group")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("\"Central scale variation\", \"NNPDF23_lo_as_0130_qed\""), text)
            XCTAssertTrue(text.contains("nuisance[0].group"), text)
        }
        XCTAssertThrowsError(try LHEWeightVariationSample.read(path: path, variations: [LHEWeightVariation(name: "s", up: "999")])) { error in
            XCTAssertTrue("\(error)".contains("'999'"), "\(error)")
            XCTAssertTrue("\(error)".contains("pp_to_jj"), "\(error)")
        }
    }
}
