import CGSL
import SBICore
import XCTest
@testable import SBISimulation

final class WBFHiggsJetEnergyScaleTests: XCTestCase {
    let simulator = try! WBFHiggsJetEnergyScaleSimulator(relativeScale: 0.05)

    /// The tabulated p_T integrals against direct GSL quadrature at off-node points over the table's
    /// range: log Q₀ within 1e-7 absolute, Q₂/Q₀ and Q₄/Q₀ within 1e-7 relative (Hermite error
    /// h⁴f⁗/384 ~ 1e-7 for h = 1 GeV, σ_p = 11.2 GeV; the largest deviations measured are 2.7e-8 and 4.8e-8).
    func testPTIntegralTable_interpolation_matchesDirectQuadrature() throws {
        let table = try XCTUnwrap(WBFHiggsPTIntegralTable.shared)
        let quadrature = Quadrature()
        var worst = (log: 0.0, ratio: 0.0)
        for p in stride(from: WBFHiggsPTIntegralTable.lower + 0.37, to: 1500, by: 3.71) {
            let q = try WBFHiggsSimulator.ptIntegrals(ptObserved: p, quadrature)
            let v = try table.values(at: p, quadrature)
            worst.log = max(worst.log, abs(v.logQ0 - log(q.0)))
            worst.ratio = max(worst.ratio, abs(v.ratio2 / (q.1 / q.0) - 1), abs(v.ratio4 / (q.2 / q.0) - 1))
        }
        XCTAssertLessThan(worst.log, 1e-7)
        XCTAssertLessThan(worst.ratio, 1e-7)
    }

    /// At ν = 0 the model is the base toy: its exact likelihood (tabulated integrals) equals the base
    /// model's (direct quadrature) to 1e-6, and at ν it is the base density at p_T/k divided by k.
    func testJetEnergyScaleExactLikelihood_nominal_equalsBaseModel() throws {
        let base = WBFHiggsSimulator()
        let x = try base.simulate(at: [0.4, -0.6], count: 400, random: SeededRandom(seed: 3)).observables
        for theta in [[0.0, 0.0], [0.4, -0.6], [-0.8, 0.9]] {
            let expected = try base.exactLogLikelihood(observables: x, at: theta)
            let got = try simulator.exactLogLikelihood(observables: x, at: theta + [0])
            for i in 0..<x.rows { XCTAssertEqual(got[i], expected[i], accuracy: 1e-6, "θ = \(theta), event \(i)") }
        }
    }

    /// p(x|θ, ν) is a density at ν ≠ 0 (the 1/k Jacobian): its integral over (Δφ, p_T) is 1 within 1e-4
    /// (nested QAG at 1e-7), and 10⁶ simulated events at (θ, ν) fill a 10×10 histogram as it predicts
    /// (χ² p-value > 0.001, a 0.1 % false alarm per point for a correct model).
    func testJetEnergyScaleSimulate_histogram_matchesExactLikelihood() throws {
        for (n, point) in [[0.0, 0.0, 2.0], [0.6, -0.5, -3.0]].enumerated() {
            let total = try SimulatorTestSupport.integrateTwoDimensional(
                simulator: simulator, theta: point, range0: -Double.pi...Double.pi, range1: -110.0...2030.0)
            XCTAssertEqual(total, 1, accuracy: 1e-4, "(θ, ν) = \(point)")
            let batch = try simulator.simulate(at: point, count: 1_000_000, random: SeededRandom(seed: 300 + UInt64(n)))
            let test = try SimulatorTestSupport.chiSquareTwoDimensional(
                simulator: simulator, theta: point, events: batch.observables,
                bins0: 10, range0: -Double.pi...Double.pi, bins1: 10, range1: 20.0...250.0)
            XCTAssertGreaterThan(test.pValue, 1e-3, "(θ, ν) = \(point): \(test)")
        }
    }

    /// The joint score's gradient (θ and ν columns) equals central finite differences of the joint
    /// log-likelihood (`SimulatorTestSupport.assertScoreMatchesFiniteDifference`).
    func testJetEnergyScaleJointScore_equalsCentralFiniteDifference() throws {
        let z = try simulator.simulate(at: [0.5, 0.5, -1], count: 50, random: SeededRandom(seed: 8)).latent
        try SimulatorTestSupport.assertScoreMatchesFiniteDifference(SimulatorJointLikelihood(simulator: simulator), events: z, theta: [0.3, -0.4, 0.7])
    }

    /// The gold is unbiased in ν: in each of five p_T quantile bins, the mean joint score ∂ν log p(x, z|θ, ν)
    /// equals the mean exact score ∂ν log p(x|θ, ν) (central difference of the exact likelihood) within 4
    /// standard errors of their difference (2·10⁵ events at (θ, ν) = (0.3, −0.2, 0.5)).
    func testJetEnergyScaleJointScore_binAverage_equalsExactScore() throws {
        let point = [0.3, -0.2, 0.5], h = 1e-4
        let batch = try simulator.simulate(at: point, count: 200_000, random: SeededRandom(seed: 21))
        var gradient: Matrix<Double>? = Matrix(rows: 0, columns: 0)
        _ = try simulator.jointLogLikelihood(latent: batch.latent, at: point, gradient: &gradient)
        let up = try simulator.exactLogLikelihood(observables: batch.observables, at: [0.3, -0.2, 0.5 + h])
        let down = try simulator.exactLogLikelihood(observables: batch.observables, at: [0.3, -0.2, 0.5 - h])
        let pt = (0..<batch.count).map { batch.observables[$0, 1] }
        let edges = [-Double.infinity] + [0.2, 0.4, 0.6, 0.8].map { pt.sorted()[Int($0 * Double(pt.count))] } + [.infinity]
        for b in 0..<5 {
            let rows = (0..<batch.count).filter { pt[$0] >= edges[b] && pt[$0] < edges[b + 1] }
            let difference = rows.map { gradient![$0, 2] - (up[$0] - down[$0]) / (2 * h) }
            let (mean, se) = SimulatorTestSupport.meanAndStandardError(difference)
            XCTAssertEqual(mean, 0, accuracy: 4 * se, "p_T bin \(b)")
        }
    }

    /// ν changes the shape, not the rate: σ(θ, ν) = σ(θ) of the base model; s outside [0, 0.1] is refused
    /// naming the option.
    func testJetEnergyScale_rateIndependentOfNu_andScaleOutOfRangeRefused() throws {
        XCTAssertEqual(try simulator.crossSection(at: [0.5, 0.2, 3]), try WBFHiggsSimulator().crossSection(at: [0.5, 0.2]))
        for bad in [-0.01, 0.2, .nan] {
            XCTAssertThrowsError(try WBFHiggsJetEnergyScaleSimulator(relativeScale: bad)) { error in
                XCTAssertTrue("\(error)".contains("jet_energy_scale"), "\(error)")
            }
        }
    }
}
