import Foundation
import XCTest
import SBICore
@testable import SBIInference

/// Profiles of a three-parameter scan: for a Gaussian log-likelihood with covariance C the profile on a
/// pair is the Gaussian of C's 2 × 2 block and on one parameter that of C_ii (the others maximised out),
/// so the 68 % and 95 % regions have the closed-form sizes
/// `area = π q₂ √det C_KK` (q₂ = −2 ln(1 − CL)) and `length = 2 √(q₁ C_ii)` (q₁ the χ²₁ quantile).
final class ProfileProjectionTests: XCTestCase {
    /// C with correlations 0.5, −0.3, 0.2 and σ = 0.25, 0.2, 0.3, centred at (0.1, −0.05, 0); scanned on 31³ points
    /// over [−1, 1]³. The grid maximum over the profiled axis (step 1/15) lies below the true maximum by at most
    /// (Δ/2)² / (2 Var(rest | kept)); with Var(rest | kept) ≥ 0.028 that moves q by ≤ 0.04, under 2 % of any
    /// region's size at q₂(68 %) = 2.28: the bound below is 3 %.
    func testProfiles_ofAGaussianInThreeParameters_haveTheClosedFormRegions() throws {
        let sigma = [0.25, 0.2, 0.3], rho = [[1, 0.5, -0.3], [0.5, 1, 0.2], [-0.3, 0.2, 1]]
        let c = (0..<3).map { i in (0..<3).map { j in rho[i][j] * sigma[i] * sigma[j] } }
        let centre = [0.1, -0.05, 0.0]
        // C⁻¹ by cofactors.
        let det = c[0][0] * (c[1][1] * c[2][2] - c[1][2] * c[2][1]) - c[0][1] * (c[1][0] * c[2][2] - c[1][2] * c[2][0])
            + c[0][2] * (c[1][0] * c[2][1] - c[1][1] * c[2][0])
        let inverse = (0..<3).map { i in (0..<3).map { j -> Double in
            let r = [0, 1, 2].filter { $0 != j }, s = [0, 1, 2].filter { $0 != i }
            let minor = c[r[0]][s[0]] * c[r[1]][s[1]] - c[r[0]][s[1]] * c[r[1]][s[0]]
            return ((i + j) % 2 == 0 ? 1 : -1) * minor / det
        } }
        let grid = try ParameterGrid(names: ["a", "b", "c"], ranges: [-1...1, -1...1, -1...1], counts: [31, 31, 31])
        let logL = (0..<grid.count).map { j -> Double in
            let d = zip(grid.point(j), centre).map { $0 - $1 }
            var s = 0.0
            for a in 0..<3 { for b in 0..<3 { s += d[a] * inverse[a][b] * d[b] } }
            return -0.5 * s
        }
        let scan = try LikelihoodScanResult(grid: grid, logLikelihood: logL)
        let profiles = try ProfileProjection.all(scan)
        XCTAssertEqual(profiles.map(\.kept), [[0], [1], [2], [0, 1], [0, 2], [1, 2]])
        for (kept, profile) in profiles {
            let names = kept.map { ["a", "b", "c"][$0] }
            let space = names.map { ContoursFile.Parameter(name: $0, range: -1...1) }
            let file = try ContoursFile.make(space: space, grid: profile.grid, results: [("truth", "truth", profile)],
                                             confidenceLevels: [0.68, 0.95], thetaTrue: nil)
            for region in try XCTUnwrap(file.estimators[0].regions) {
                let cl = region.confidenceLevel
                let expected: Double
                if kept.count == 1 {
                    let q1 = cl == 0.68 ? 0.98895 : 3.84146   // χ²₁ quantiles (tables)
                    expected = 2 * (q1 * c[kept[0]][kept[0]]).squareRoot()
                } else {
                    let (i, j) = (kept[0], kept[1])
                    expected = Double.pi * -2 * log(1 - cl) * (c[i][i] * c[j][j] - c[i][j] * c[j][i]).squareRoot()
                }
                XCTAssertEqual(region.status, .closed, "\(names) at \(cl)")
                XCTAssertEqual(region.size / expected, 1, accuracy: 0.03, "\(names) at \(cl): \(region.size) against \(expected)")
            }
            // The profile's best fit is the centre's grid neighbourhood (refined between grid points).
            for (k, axis) in kept.enumerated() { XCTAssertEqual(profile.bestFit[k], centre[axis], accuracy: 0.02, "\(names)") }
        }
        XCTAssertThrowsError(try ProfileProjection.profile(scan, keeping: [1, 0]))
        XCTAssertThrowsError(try ProfileProjection.profile(scan, keeping: [3]))
    }
}
