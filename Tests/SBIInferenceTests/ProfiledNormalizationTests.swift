import Foundation
import XCTest
import SBICore
@testable import SBIInference

/// The profiled log-normal normalisation uncertainty of the rate term, against a brute-force
/// maximisation over η and against the asymptotic width it must give.
final class ProfiledNormalizationTests: XCTestCase {
    /// ν(θ) = 5000·(θ + 2): 10 000 events at θ = 0; a 1 % log-normal uncertainty (κ = log 1.01).
    let rate: EventRate = {
        var r = EventRate(luminosityInversePicobarn: 5000) { $0[0] + 2 }
        r.normalizationLogWidth = ProfiledNormalization.combinedLogWidth(relativeUncertainties: [0.01])
        return r
    }()

    /// max_η by evaluating the objective on 400 001 points of [−4, 4] (step 2·10⁻⁵; the error of a
    /// grid maximum is below f''·h²/8 ≈ 10⁻⁹ here), an independent route to the same definition.
    func bruteForce(_ n: Double, _ nu: Double, _ kappa: Double) -> Double {
        var best = -Double.infinity
        for k in 0...400_000 {
            let eta = -4 + 2e-5 * Double(k), mu = nu * exp(kappa * eta)
            best = max(best, n * log(mu) - mu - 0.5 * eta * eta)
        }
        return best
    }

    func testProfile_equalsBruteForceMaximumOverEta() {
        let kappa = rate.normalizationLogWidth
        for (n, nu) in [(10_000.0, 10_000.0), (10_000.0, 9_700.0), (10_000.0, 10_400.0), (0.0, 3.0), (7.0, 0.5)] {
            let profiled = ProfiledNormalization.profile(observed: n, expected: nu, logWidth: kappa)
            let reference = bruteForce(n, nu, kappa) - lgamma(n + 1)
            XCTAssertEqual(profiled.logLikelihood, reference, accuracy: 1e-6, "n \(n), ν \(nu)")
        }
    }

    /// Asimov data n = 10 000 at θ = 0. Without the uncertainty the 68 % half-width is √ν/(dν/dθ) =
    /// 100/5000 = 0.02; profiled it grows by √(1 + κ²ν) = 1.411 (asymptotic formula, the Fisher
    /// information ∇ν²/(ν(1 + κ²ν))). ν changes by 1.4 % across the interval, so 1 % tolerance.
    func testProfiledRateScan_intervalWidensBySqrtOnePlusKappaSquaredNu() throws {
        let grid = try ParameterGrid(names: ["theta"], ranges: [-0.1...0.1], counts: [2001])
        var plain = rate
        plain.normalizationLogWidth = 0
        func halfWidth(_ r: EventRate) throws -> Double {
            let scan = try LikelihoodScan.rateOnly(rate: r, observedEvents: 10_000, grid: grid)
            let interval = try XCTUnwrap(try ConfidenceRegion.intervals(scan: scan, confidenceLevel: 0.68).first)
            return 0.5 * (interval.upper - interval.lower)
        }
        let kappa = rate.normalizationLogWidth
        XCTAssertEqual(try halfWidth(plain), 0.02, accuracy: 0.01 * 0.02)
        XCTAssertEqual(try halfWidth(rate), 0.02 * (1 + kappa * kappa * 10_000).squareRoot(), accuracy: 0.01 * 0.0282)
        let fisher = try FisherInformation.rate(rate, names: ["theta"], at: [0])
        XCTAssertEqual(1 / fisher.matrix[0, 0].squareRoot(), try halfWidth(rate), accuracy: 0.01 * 0.0282)
    }

    /// Two uncertainties of 3 % and 4 % profile like one of κ = (κ₁² + κ₂²)^{1/2}: the likelihood
    /// depends on s = κ₁η₁ + κ₂η₂ only. Checked by brute force over (η₁, η₂) on a 2-D grid.
    func testTwoUncertainties_combineInQuadratureOfTheirLogWidths() {
        let k1 = log1p(0.03), k2 = log1p(0.04), n = 100.0, nu = 80.0
        var best = -Double.infinity
        for a in 0...800 {
            for b in 0...800 {
                let e1 = -4 + 0.01 * Double(a), e2 = -4 + 0.01 * Double(b), mu = nu * exp(k1 * e1 + k2 * e2)
                best = max(best, n * log(mu) - mu - 0.5 * (e1 * e1 + e2 * e2))
            }
        }
        let combined = ProfiledNormalization.combinedLogWidth(relativeUncertainties: [0.03, 0.04])
        XCTAssertEqual(combined, (k1 * k1 + k2 * k2).squareRoot(), accuracy: 1e-15)
        let profiled = ProfiledNormalization.profile(observed: n, expected: nu, logWidth: combined).logLikelihood
        XCTAssertEqual(profiled + lgamma(n + 1), best, accuracy: 1e-3)   // grid step 0.01: error below f''·h²/8·2 ≈ 2·10⁻⁴
    }
}
