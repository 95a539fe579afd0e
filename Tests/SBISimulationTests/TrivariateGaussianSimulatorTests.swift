import CGSL
import SBICore
import XCTest
@testable import SBISimulation

/// The three-parameter Gaussian against independent references: GSL's multivariate normal
/// density, finite differences, and the sample moments of its own events.
final class TrivariateGaussianSimulatorTests: XCTestCase {
    let simulator = TrivariateGaussianSimulator()

    /// log N(v; μ, Σ) by GSL (Cholesky factor from gsl_linalg_cholesky_decomp1), per row of `values`.
    private func gslLogDensity(_ values: Matrix<Double>, mean: [Double], covariance: [Double]) -> [Double] {
        let l = gsl_matrix_alloc(3, 3)!, mu = gsl_vector_alloc(3)!, v = gsl_vector_alloc(3)!, work = gsl_vector_alloc(3)!
        defer { gsl_matrix_free(l); gsl_vector_free(mu); gsl_vector_free(v); gsl_vector_free(work) }
        for i in 0..<3 {
            gsl_vector_set(mu, i, mean[i])
            for j in 0..<3 { gsl_matrix_set(l, i, j, covariance[3 * i + j]) }
        }
        gsl_linalg_cholesky_decomp1(l)
        return (0..<values.rows).map { r in
            for i in 0..<3 { gsl_vector_set(v, i, values[r, i]) }
            var out = 0.0
            gsl_ran_multivariate_gaussian_log_pdf(v, mu, l, &out, work)
            return out
        }
    }

    func testTrivariateGaussian_densities_equalGSLMultivariateNormal() throws {
        let theta = [0.7, -2.0, 3.5]
        let points = Matrix<Double>(rows: 4, columns: 3, storage: [0, 0, 0, 1.5, -3, 2, -6, 4, 9, 0.7, -2, 3.5])
        let exact = try simulator.exactLogLikelihood(observables: points, at: theta)
        var noGradient: Matrix<Double>? = nil
        let joint = try simulator.jointLogLikelihood(latent: points, at: theta, gradient: &noGradient)
        let gslExact = gslLogDensity(points, mean: theta, covariance: TrivariateGaussianSimulator.observableCovariance)
        let gslJoint = gslLogDensity(points, mean: theta, covariance: TrivariateGaussianSimulator.latentCovariance)
        for i in 0..<4 {
            // Two implementations of one formula in Double: agreement to rounding (~1e-15 relative).
            XCTAssertEqual(exact[i], gslExact[i], accuracy: 1e-12 * max(1, abs(gslExact[i])), "x row \(i)")
            XCTAssertEqual(joint[i], gslJoint[i], accuracy: 1e-12 * max(1, abs(gslJoint[i])), "z row \(i)")
        }
    }

    func testTrivariateGaussian_scores_equalCentralFiniteDifferences() throws {
        let theta = [0.4, 1.1, -0.8], h = 1e-4
        let z = Matrix<Double>(rows: 3, columns: 3, storage: [-5, 2, 0.3, 1, 1, 1, 4, -3, 6])
        var gradient: Matrix<Double>? = Matrix(rows: 0, columns: 0)
        _ = try simulator.jointLogLikelihood(latent: z, at: theta, gradient: &gradient)
        let score = try simulator.exactScore(observables: z, at: theta)
        var noGradient: Matrix<Double>? = nil
        for k in 0..<3 {
            var plus = theta, minus = theta
            plus[k] += h; minus[k] -= h
            let jp = try simulator.jointLogLikelihood(latent: z, at: plus, gradient: &noGradient)
            let jm = try simulator.jointLogLikelihood(latent: z, at: minus, gradient: &noGradient)
            let ep = try simulator.exactLogLikelihood(observables: z, at: plus), em = try simulator.exactLogLikelihood(observables: z, at: minus)
            for i in 0..<3 {
                // Quadratic in θ: central differences are exact up to rounding (~1e-16·|log p|/h ≈ 1e-11).
                XCTAssertEqual(gradient![i, k], (jp[i] - jm[i]) / (2 * h), accuracy: 1e-7, "joint row \(i) θ\(k + 1)")
                XCTAssertEqual(score[i, k], (ep[i] - em[i]) / (2 * h), accuracy: 1e-7, "exact row \(i) θ\(k + 1)")
            }
        }
    }

    /// Sample moments of 400 000 events: mean θ and covariance Σ_x within 4 standard errors
    /// (SE of a mean √(Σ_ii/n), of a covariance √((Σ_ii Σ_jj + Σ_ij²)/n)); and the gold's unbiasedness,
    /// E[t(x,z|θ) (x−θ)ᵀ] = Σ_z⁻¹ Cov(z, x) = 1₃, the same identity the exact score satisfies.
    func testTrivariateGaussian_sampleMomentsAndGold_matchTheModel() throws {
        let theta = [1.0, -0.5, 2.0], n = 400_000
        let batch = try simulator.simulate(at: theta, count: n, random: SeededRandom(seed: 17))
        var gradient: Matrix<Double>? = Matrix(rows: 0, columns: 0)
        _ = try simulator.jointLogLikelihood(latent: batch.latent, at: theta, gradient: &gradient)
        let s = TrivariateGaussianSimulator.observableCovariance
        let x = batch.observables, t = gradient!
        for i in 0..<3 {
            let mean = (0..<n).reduce(0) { $0 + x[$1, i] } / Double(n)
            XCTAssertEqual(mean, theta[i], accuracy: 4 * (s[4 * i] / Double(n)).squareRoot(), "mean x\(i + 1)")
            for j in 0..<3 {
                let cov = (0..<n).reduce(0) { $0 + (x[$1, i] - theta[i]) * (x[$1, j] - theta[j]) } / Double(n)
                XCTAssertEqual(cov, s[3 * i + j], accuracy: 4 * ((s[4 * i] * s[4 * j] + s[3 * i + j] * s[3 * i + j]) / Double(n)).squareRoot(),
                               "cov(x\(i + 1), x\(j + 1))")
                let products = (0..<n).map { t[$0, i] * (x[$0, j] - theta[j]) }
                let (m, se) = SimulatorTestSupport.meanAndStandardError(products)
                XCTAssertEqual(m, i == j ? 1 : 0, accuracy: 4 * se, "E[t_\(i + 1) (x\(j + 1) − θ\(j + 1))]")
            }
        }
    }
}
