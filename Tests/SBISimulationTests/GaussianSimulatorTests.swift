import SBICore
import XCTest
@testable import SBISimulation

final class GaussianSimulatorTests: XCTestCase {
    let simulator = GaussianSimulator()

    func testGaussianExactLikelihood_integratedOverX_isOne() throws {
        let quadrature = Quadrature()
        for theta in [-3.0, 0.7, 10.0] {
            let integral = try quadrature.integrateOverRealLine { x in
                exp((try? self.simulator.exactLogLikelihood(observables: Matrix(rows: 1, columns: 1, storage: [x]), at: [theta]))?[0] ?? .nan)
            }
            // Tolerance 1e-4 from the brief; QAGI reaches ~1e-10 on a Gaussian.
            XCTAssertEqual(integral, 1, accuracy: 1e-4, "θ = \(theta)")
        }
    }

    func testGaussianSimulate_histogramOfX_matchesExactLikelihood() throws {
        // 10⁶ events per θ, 40 bins over θ ± 4√5 plus an outside bin. The model is right,
        // so p is uniform on [0, 1]; we require p > 0.001 (a 0.1 % false-alarm rate per θ).
        for (k, theta) in [-1.5, 4.0].enumerated() {
            let batch = try simulator.simulate(at: [theta], count: 1_000_000, random: SeededRandom(seed: 11 + UInt64(k)))
            let halfWidth = 4 * GaussianSimulator.totalVariance.squareRoot()
            let test = try SimulatorTestSupport.chiSquareOneDimensional(
                simulator: simulator, theta: [theta], events: batch.observables, bins: 40,
                lower: theta - halfWidth, upper: theta + halfWidth)
            XCTAssertGreaterThan(test.pValue, 1e-3, "θ = \(theta): \(test)")
        }
    }

    func testGaussianJointScore_equalsCentralFiniteDifference() throws {
        let z = Matrix<Double>(rows: 4, columns: 1, storage: [-7.5, -0.3, 1.2, 6.0])
        let theta = 0.4, h = 1e-4
        var gradient: Matrix<Double>? = Matrix(rows: 0, columns: 0)
        _ = try simulator.jointLogLikelihood(latent: z, at: [theta], gradient: &gradient)
        var none: Matrix<Double>? = nil
        let plus = try simulator.jointLogLikelihood(latent: z, at: [theta + h], gradient: &none)
        let minus = try simulator.jointLogLikelihood(latent: z, at: [theta - h], gradient: &none)
        XCTAssertEqual(gradient?.shape, [4, 1])
        for i in 0..<4 {
            let fd = (plus[i] - minus[i]) / (2 * h)
            // log p is quadratic in θ: the central difference is exact up to rounding,
            // ~1e-16·|log p|/h ≈ 1e-11 absolute; 1e-6 relative is the brief's tolerance.
            XCTAssertEqual(gradient![i, 0], fd, accuracy: 1e-6 * max(abs(fd), 1e-3))
            XCTAssertEqual(gradient![i, 0], (z[i, 0] - theta) / 4, accuracy: 1e-15)
        }
    }

    func testGaussianGold_binnedMeanJointScore_equalsExactScore() throws {
        // E[t(x,z|θ) | x] = t(x|θ) = (x−θ)/5, since E[z|x] = θ + (4/5)(x−θ). We compare the
        // per-bin mean of d = t(x,z) − t(x) with 0 within 3 standard errors (10 bins: a
        // correct model fails by chance with probability ~2.7 %; the seed is fixed).
        let theta = 1.3
        let n = 200_000
        let batch = try simulator.simulate(at: [theta], count: n, random: SeededRandom(seed: 21))
        var gradient: Matrix<Double>? = Matrix(rows: 0, columns: 0)
        _ = try simulator.jointLogLikelihood(latent: batch.latent, at: [theta], gradient: &gradient)
        let exact = try simulator.exactScore(observables: batch.observables, at: [theta])
        let t = gradient!.storage
        let sd = GaussianSimulator.totalVariance.squareRoot()
        let edges = stride(from: theta - 2.5 * sd, through: theta + 2.5 * sd, by: 0.5 * sd).map { $0 }
        for b in 0..<(edges.count - 1) {
            var d = [Double]()
            for i in 0..<n where batch.observables[i, 0] >= edges[b] && batch.observables[i, 0] < edges[b + 1] {
                d.append(t[i] - exact[i])
            }
            let (mean, se) = SimulatorTestSupport.meanAndStandardError(d)
            XCTAssertLessThan(abs(mean), 3 * se, "bin [\(edges[b]), \(edges[b + 1])): \(d.count) events")
        }
        // Overall: E[t(x,z|θ)] = 0 (the score has mean zero), within 3 standard errors.
        let (mean, se) = SimulatorTestSupport.meanAndStandardError(t)
        XCTAssertLessThan(abs(mean), 3 * se)
        XCTAssertEqual(se, (1.0 / 4 / Double(n)).squareRoot(), accuracy: 0.02 * se) // Var t = 4/16
    }

    func testGaussianSimulate_sameSeed_sameBytes() throws {
        let a = try simulator.simulate(at: [0.5], count: 1000, random: SeededRandom(seed: 5))
        let b = try simulator.simulate(at: [0.5], count: 1000, random: SeededRandom(seed: 5))
        XCTAssertEqual(a.observables, b.observables)
        XCTAssertEqual(a.latent, b.latent)
        XCTAssertNil(a.weights)
    }
}

/// The calibration-offset model: x ~ N(θ + sν, 5) with the joint score's ν component unbiased.
final class GaussianCalibrationOffsetTests: XCTestCase {
    /// The mean and variance of x at (θ, ν) = (1, 2), s = 0.3: θ + sν = 1.6 and 5, within 4 standard
    /// errors of 10⁵ events (SE of the mean √5/√N = 0.0071, of the variance 5√2/√N = 0.022).
    func testSimulate_shiftsXBySTimesNu() throws {
        let simulator = try GaussianSimulator(calibrationOffset: 0.3)
        XCTAssertEqual(simulator.parameterSpace.names, ["theta", "nu"])
        let n = 100_000
        let batch = try simulator.simulate(at: [1, 2], count: n, random: SeededRandom(seed: 5))
        let x = batch.observables.storage
        let mean = x.reduce(0, +) / Double(n)
        let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        XCTAssertEqual(mean, 1.6, accuracy: 4 * 0.0071)
        XCTAssertEqual(variance, 5, accuracy: 4 * 0.022)
        XCTAssertEqual(batch.latent.column(1), x, "latent (z, x) carries x")
    }

    /// Joint score against central differences of the joint log-likelihood, and its ν component's
    /// closure: E[t_ν (x − θ − sν)] = (s/5)·Var(x) = s (Var of the product 6s², so SE = s√6/√N;
    /// tolerance 4 SE at N = 10⁵), while E[t_ν] = 0 (SE s/√N).
    func testJointScore_matchesFiniteDifferencesAndAveragesToTheExactNuisanceScore() throws {
        let s = 0.3
        let simulator = try GaussianSimulator(calibrationOffset: s)
        let theta = [0.5, -1.0]
        let n = 100_000
        let batch = try simulator.simulate(at: theta, count: n, random: SeededRandom(seed: 6))
        var gradient: Matrix<Double>? = Matrix(rows: 0, columns: 0)
        _ = try simulator.jointLogLikelihood(latent: batch.latent, at: theta, gradient: &gradient)
        let t = try XCTUnwrap(gradient)
        try SimulatorTestSupport.assertScoreMatchesFiniteDifference(SimulatorJointLikelihood(simulator: simulator),
                                                                    events: batch.latent.rows(0..<20), theta: theta)
        let m = theta[0] + s * theta[1]
        var product = 0.0, mean = 0.0
        for i in 0..<n {
            product += t[i, 1] * (batch.observables[i, 0] - m)
            mean += t[i, 1]
        }
        XCTAssertEqual(product / Double(n), s, accuracy: 4 * s * 6.0.squareRoot() / Double(n).squareRoot())
        XCTAssertEqual(mean / Double(n), 0, accuracy: 4 * s / Double(n).squareRoot())
    }

    /// Offsets outside [0, 10] or not finite are refused naming the field.
    func testBadOffset_isRefused() {
        for bad in [-0.1, 11, .nan] {
            XCTAssertThrowsError(try GaussianSimulator(calibrationOffset: bad)) { XCTAssertTrue("\($0)".contains("calibration_offset"), "\($0)") }
        }
    }
}
