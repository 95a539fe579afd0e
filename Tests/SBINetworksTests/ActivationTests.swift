import Foundation
import SBICore
import XCTest
@testable import SBINetworks

final class ActivationTests: XCTestCase {
    /// Points away from the kinks of relu/leakyRelu/elu (at 0), where derivatives are defined.
    private let points: [Double] = [-6, -3.1, -1.7, -0.9, -0.31, -0.02, 0.015, 0.27, 0.8, 1.3, 2.6, 5.5]

    /// σ' and σ'' (Double) against central differences of σ and σ' in Double.
    /// h = 1e-5: truncation ~h²·σ''' ≈ 1e-10, rounding ~1e-16/h ≈ 1e-11; tolerance 1e-7 absolute.
    func testDerivatives_everyActivation_matchCentralDifferences() {
        for a in Activation.allCases {
            for z in points {
                let h = 1e-5
                let d1 = (a.value(z + h) - a.value(z - h)) / (2 * h)
                let d2 = (a.derivative(z + h) - a.derivative(z - h)) / (2 * h)
                XCTAssertEqual(a.derivative(z), d1, accuracy: 1e-7, "\(a) σ'(\(z))")
                XCTAssertEqual(a.secondDerivative(z), d2, accuracy: 1e-7, "\(a) σ''(\(z))")
            }
        }
    }

    /// Closed forms at known points: tanh'(0) = 1, sigmoid(0) = ½, softplus(0) = log 2,
    /// elu(−∞) → −1, leakyRelu slope 0.01.
    func testValues_knownPoints_closedForms() {
        XCTAssertEqual(Activation.tanh.derivative(0.0), 1)
        XCTAssertEqual(Activation.sigmoid.value(0.0), 0.5)
        XCTAssertEqual(Activation.softplus.value(0.0), log(2.0), accuracy: 1e-15)
        XCTAssertEqual(Activation.softplus.value(800.0), 800)  // no overflow of e^z
        XCTAssertEqual(Activation.elu.value(-40.0), -1, accuracy: 1e-15)
        XCTAssertEqual(Activation.leakyRelu.value(-2.0), -0.02, accuracy: 1e-9)
        XCTAssertEqual(Activation.relu.value(-2.0), 0)
    }

    /// The Float kernels the network runs (exp2-based tanh, sigmoid through tanh, expf) against
    /// libm in Double on a dense grid over [−12, 12], including saturation.
    /// Tolerance: σ to 3e-7 relative (≤ 5 Float32 ulp of O(1) values); σ' = 1 − σ² inherits
    /// 2|σ|·δσ ≤ 6e-7, σ'' = −2σσ' about twice that, hence 8e-7 and 1.6e-6.
    func testFloatKernels_everyActivation_matchDoublePrecision() {
        for a in Activation.allCases {
            var worst = (0.0, 0.0, 0.0)
            var z = -12.0
            while z <= 12 {
                let zf = Float(z)
                let e = a.evaluate(zf)
                let zd = Double(zf)
                worst.0 = max(worst.0, abs(Double(e.value) - a.value(zd)) / max(1, abs(a.value(zd))))
                worst.1 = max(worst.1, abs(Double(e.first) - a.derivative(zd)))
                worst.2 = max(worst.2, abs(Double(e.second) - a.secondDerivative(zd)))
                z += 0.001
            }
            XCTAssertLessThan(worst.0, 3e-7, "\(a) value")
            XCTAssertLessThan(worst.1, 8e-7, "\(a) first derivative")
            XCTAssertLessThan(worst.2, 1.6e-6, "\(a) second derivative")
        }
    }

    /// Recipe names round-trip through Codable (raw values), and unknown names fail.
    func testRawNames_recipeSpelling_roundTrip() throws {
        XCTAssertEqual(Activation.allCases.map(\.rawValue), ["tanh", "relu", "sigmoid", "elu", "softplus", "leaky_relu"])
        let data = try JSONEncoder().encode([Activation.leakyRelu])
        XCTAssertEqual(String(decoding: data, as: UTF8.self), #"["leaky_relu"]"#)
        XCTAssertEqual(try JSONDecoder().decode([Activation].self, from: data), [.leakyRelu])
        XCTAssertNil(Activation(rawValue: "lrelu"))
        XCTAssertEqual(try Activation.parse("Leaky-ReLU"), .leakyRelu)
        XCTAssertEqual(try Activation.parse("TANH"), .tanh)
        XCTAssertThrowsError(try Activation.parse("tanhh", field: "activation")) { error in
            XCTAssertEqual((error as? SBIError)?.field, "activation")
            XCTAssertTrue("\(error)".contains("expected one of tanh, relu, sigmoid, elu, softplus, leaky_relu"), "\(error)")
        }
    }
}
