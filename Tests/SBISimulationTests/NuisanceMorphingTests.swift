import XCTest
import SBICore
@testable import SBISimulation

/// MadMiner's exponential nuisance morphing against hand-computed coefficients.
final class NuisanceMorphingTests: XCTestCase {
    /// Nominal weights and two variations: a two-sided one (w₊ = 3, w₋ = 1.5 on w₀ = 2) and a one-sided
    /// one, with an event whose weights are all zero.
    private func morphing() throws -> NuisanceMorphing {
        try NuisanceMorphing(nominal: [2, -4, 0],
                             variations: [NuisanceVariation(name: "scale", up: [3, -5, 0], down: [1.5, -2, 0]),
                                          NuisanceVariation(name: "pdf", up: [2.2, -4.4, 0])],
                             source: "test")
    }

    /// a = ½ log(w₊/w₋), b = ½ log(w₊w₋/w₀²) (two-sided), a = log(w₊/w₀), b = 0 (one-sided), worked out by hand.
    func testCoefficients_twoSidedAndOneSided_matchMadMinersFormulas() throws {
        let m = try morphing()
        XCTAssertEqual(m.names, ["scale", "pdf"])
        XCTAssertEqual(m.linear[0, 0], 0.5 * log(2.0), accuracy: 1e-15)
        XCTAssertEqual(m.quadratic[0, 0], 0.5 * log(4.5 / 4), accuracy: 1e-15)
        XCTAssertEqual(m.linear[1, 0], 0.5 * log(2.5), accuracy: 1e-15)
        XCTAssertEqual(m.quadratic[1, 0], 0.5 * log(10.0 / 16), accuracy: 1e-15)
        XCTAssertEqual(m.linear[0, 1], log(1.1), accuracy: 1e-15)
        XCTAssertEqual(m.quadratic[0, 1], 0)
        XCTAssertEqual([m.linear[2, 0], m.quadratic[2, 0], m.linear[2, 1]], [0, 0, 0], "all-zero event")
    }

    /// w(ν = ±1 on one axis) is the variation weight itself; ν = 0 the nominal one.
    func testWeights_atPlusMinusOne_reproduceTheVariations() throws {
        let m = try morphing()
        let nominal = [2.0, -4, 0]
        let cases: [([Double], [Double])] = [([0, 0], nominal), ([1, 0], [3, -5, 0]), ([-1, 0], [1.5, -2, 0]), ([0, 1], [2.2, -4.4, 0])]
        for (nu, expected) in cases {
            let w = try m.weights(nominal, at: nu)
            for e in 0..<3 { XCTAssertEqual(w[e], expected[e], accuracy: 1e-14 * max(1, abs(expected[e])), "ν = \(nu), event \(e)") }
        }
    }

    /// ∂ log w/∂ν_k against central differences of log w at ν = (0.3, −0.7).
    func testLogFactorGradients_matchFiniteDifferences() throws {
        let m = try morphing()
        let nu = [0.3, -0.7], h = 1e-6
        let g = try m.logFactorGradients(at: nu)
        for k in 0..<2 {
            var plus = nu, minus = nu
            plus[k] += h
            minus[k] -= h
            let fp = try m.logFactors(at: plus), fm = try m.logFactors(at: minus)
            for e in 0..<3 { XCTAssertEqual(g[e, k], (fp[e] - fm[e]) / (2 * h), accuracy: 1e-8) }
        }
    }

    /// Variation weights of the wrong sign, zero or NaN are counted and the first is named.
    func testBadVariationWeights_areCountedAndNamed() {
        XCTAssertThrowsError(try NuisanceMorphing(nominal: [1, 2, 3, 4],
                                                  variations: [NuisanceVariation(name: "jes", up: [1, 0, -3, .nan])], source: "a.lhe")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("\"jes\": 3 of 4 events"), text)
            XCTAssertTrue(text.contains("first: event 2"), text)
            XCTAssertTrue(text.contains("a.lhe"), text)
        }
        XCTAssertThrowsError(try NuisanceMorphing(nominal: [1, 2], variations: [NuisanceVariation(name: "s", up: [1, 2], down: [1])], source: "r")) {
            XCTAssertTrue("\($0)".contains("1 weights at ν = -1 for 2 events"), "\($0)")
        }
        XCTAssertThrowsError(try NuisanceMorphing(nominal: [1], variations: [NuisanceVariation(name: "s", up: [1]), NuisanceVariation(name: "s", up: [2])],
                                                  source: "r")) { XCTAssertTrue("\($0)".contains("declared twice"), "\($0)") }
        XCTAssertThrowsError(try morphing().weights([2, -4, 0], at: [0])) { XCTAssertTrue("\($0)".contains("expected 2 nuisance values"), "\($0)") }
    }
}
