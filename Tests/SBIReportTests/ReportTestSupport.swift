import SBICore
import SBIInference

/// A 2-D result with two estimators on a 41×41 grid over [−1, 1]²: "truth" a Gaussian log-likelihood
/// log L = −½ (θ − θ̂)ᵀ C⁻¹ (θ − θ̂) peaked at the origin with C = [[0.1, 0.03], [0.03, 0.05]], and
/// "alices" the same, 10 % wider in each direction and peaked at (0.05, 0). Everything about it is
/// known in closed form: the Fisher information of "truth" is C⁻¹, its regions are ellipses.
enum GaussianResult {
    /// C of "truth", row-major.
    static let covariance = [0.1, 0.03, 0.03, 0.05]

    static func make() throws -> (ContoursFile, ParameterGrid, [LikelihoodScanResult]) {
        let grid = try ParameterGrid(names: ["a", "b"], ranges: [-1...1, -1...1], counts: [41, 41])
        func gaussian(centre: [Double], scale: Double) throws -> LikelihoodScanResult {
            let (c00, c01, c11) = (covariance[0] * scale * scale, covariance[1] * scale * scale, covariance[3] * scale * scale)
            let det = c00 * c11 - c01 * c01
            let logL = (0..<grid.count).map { j -> Double in
                let p = grid.point(j), u = p[0] - centre[0], v = p[1] - centre[1]
                return -0.5 * (c11 * u * u - 2 * c01 * u * v + c00 * v * v) / det
            }
            return try LikelihoodScanResult(grid: grid, logLikelihood: logL)
        }
        let truth = try gaussian(centre: [0, 0], scale: 1), ml = try gaussian(centre: [0.05, 0], scale: 1.1)
        let params = [ContoursFile.Parameter(name: "a", unit: "GeV", range: -1...1), ContoursFile.Parameter(name: "b", range: -1...1)]
        let file = try ContoursFile.make(space: params, grid: grid, results: [("truth", "truth", truth), ("alices", "ml", ml)],
                                         confidenceLevels: [0.68, 0.95], thetaTrue: [0, 0], recipeHash: "abc123")
        return (file, grid, [truth, ml])
    }

    /// I = C⁻¹ of "truth".
    static var information: FisherInformation {
        let c = covariance, det = c[0] * c[3] - c[1] * c[2]
        return FisherInformation(names: ["a", "b"], matrix: Matrix(rows: 2, columns: 2, storage: [c[3] / det, -c[1] / det, -c[2] / det, c[0] / det]))
    }
}
