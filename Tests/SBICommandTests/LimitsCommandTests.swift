import Foundation
import XCTest
import SBICore

/// `sbi limits` run as a user would.
final class LimitsCommandTests: XCTestCase, SBICommandTesting {
    /// Drell-yan, mode rate, Asimov at the SM with 10 pb⁻¹. A profiled normalisation uncertainty can
    /// only weaken the limit: log L_prof(θ) = max_η log L(θ, η) ≥ log L(θ, 0), and at θ_true the Asimov
    /// count equals ν so η̂ = 0 and the maximum is unchanged; hence q_prof ≤ q and p_prof ≥ p at every
    /// grid point. With κ²ν ≈ 2 (1 %, about 20 000 events) it must also be visibly weaker somewhere.
    func testLimits_normUncertainty_pValuesNeverBelowTheUnprofiledOnes() throws {
        let folder = try temporaryFolder()
        let common = ["limits", "--simulator", "drell-yan", "--mode", "rate", "--grid", "-0.05:0.05:5,-0.05:0.05:5",
                      "--theta-true", "0,0", "--luminosity", "10", "--quiet"]
        let plain = try run(common + ["--output", folder + "/plain"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        let profiled = try run(common + ["--norm-uncertainty", "0.01", "--output", folder + "/profiled"])
        XCTAssertEqual(profiled.status, 0, profiled.stderr)
        let p = try NPYFile.readMatrix(folder + "/plain/pvalues.npy", as: Double.self).storage
        let q = try NPYFile.readMatrix(folder + "/profiled/pvalues.npy", as: Double.self).storage
        XCTAssertEqual(p.count, 25)
        for k in p.indices { XCTAssertGreaterThanOrEqual(q[k], p[k] - 1e-12, "grid point \(k)") }
        XCTAssertGreaterThan(zip(q, p).map { $0 - $1 }.max() ?? 0, 0.1)

        let noRate = try run(["limits", "--simulator", "drell-yan", "--mode", "truth", "--grid", "-0.05:0.05:3,-0.05:0.05:3",
                              "--theta-true", "0,0", "--events", "100", "--norm-uncertainty", "0.01", "--output", folder + "/x"])
        XCTAssertEqual(noRate.status, 2, noRate.stderr)
        XCTAssertTrue(noRate.stderr.contains("--norm-uncertainty: a normalisation uncertainty scales the expected events; it needs --luminosity"), noRate.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/x"))
    }
}
