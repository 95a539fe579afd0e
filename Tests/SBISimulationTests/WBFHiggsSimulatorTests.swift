import CGSL
import SBICore
import XCTest
@testable import SBISimulation

final class WBFHiggsSimulatorTests: XCTestCase {
    let simulator = WBFHiggsSimulator()

    /// σ(θ) in closed form against the weights it must integrate: E_q[w(z|θ)] = σ(θ) for events from the
    /// proposal, tuned at the SM and at θ itself, within 3 standard errors of the mean weight (3·10⁵ events);
    /// and the moments of the p_T spectrum against GSL integration.
    func testWBFHiggsRate_meanEventWeight_equalsClosedFormCrossSection() throws {
        for theta in [[0.0, 0.0], [0.7, -0.9], [-0.9, 0.8]] {
            for proposal in [[0.0, 0.0], theta] {
                let batch = try simulator.simulateWeighted(proposalAt: proposal, count: 300_000, random: SeededRandom(seed: 4))
                let w = try simulator.weights(latent: batch.latent, at: theta)
                let mean = w.reduce(0, +) / Double(w.count)
                let se = (w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(w.count - 1) / Double(w.count)).squareRoot()
                XCTAssertEqual(mean, try simulator.crossSection(at: theta), accuracy: 3 * se, "θ = \(theta), proposal at \(proposal)")
            }
        }
        // The moments m₂, m₄ of u = p/p₀ under P(p) against GSL integration (1e-9 relative).
        let quadrature = Quadrature()
        for n in [2, 4] {
            let numeric = try quadrature.integrate(from: WBFHiggsSimulator.ptCut) { p in
                exp(-(p - WBFHiggsSimulator.ptCut) / WBFHiggsSimulator.ptSlope) / WBFHiggsSimulator.ptSlope
                    * pow(p / WBFHiggsSimulator.ptScale, Double(n))
            }
            XCTAssertEqual(WBFHiggsSimulator.momentOfU(n), numeric, accuracy: 1e-9 * numeric)
        }
        // The rate grows away from the SM in f_WW (no interference term) and is quadratic in f_W.
        XCTAssertGreaterThan(try simulator.crossSection(at: [0, 0.5]), try simulator.crossSection(at: [0, 0]))
    }

    func testWBFHiggsExactLikelihood_integratedOverX_isOne() throws {
        for theta in [[0.0, 0.0], [0.7, -0.9]] {
            // Δφ over its full period; p_T over [p_cut − 12σ_p, p_cut + 40λ] (mass outside < 1e-15).
            let total = try SimulatorTestSupport.integrateTwoDimensional(
                simulator: simulator, theta: theta, range0: -Double.pi...Double.pi, range1: -110.0...2030.0)
            // 1e-4 from the brief; nested QAG at 1e-7 relative.
            XCTAssertEqual(total, 1, accuracy: 1e-4, "θ = \(theta)")
        }
    }

    func testWBFHiggsSimulate_histogram_matchesExactLikelihood() throws {
        // 10⁶ unweighted events per θ in a 10×10 histogram of (Δφ_jj, p_T,j1) plus an outside bin;
        // p > 0.001 is a 0.1 % false alarm per θ for a correct model.
        for (k, theta) in [[0.0, 0.0], [-0.6, 0.8]].enumerated() {
            let batch = try simulator.simulate(at: theta, count: 1_000_000, random: SeededRandom(seed: 200 + UInt64(k)))
            let test = try SimulatorTestSupport.chiSquareTwoDimensional(
                simulator: simulator, theta: theta, events: batch.observables,
                bins0: 10, range0: -Double.pi...Double.pi, bins1: 10, range1: 20.0...250.0)
            XCTAssertGreaterThan(test.pValue, 1e-3, "θ = \(theta): \(test)")
        }
    }

    func testWBFHiggsJointScore_equalsCentralFiniteDifference() throws {
        let z = try simulator.simulate(at: [0.5, 0.5], count: 50, random: SeededRandom(seed: 8)).latent
        try SimulatorTestSupport.assertScoreMatchesFiniteDifference(SimulatorJointLikelihood(simulator: simulator), events: z, theta: [0.3, -0.4])
    }

    func testWBFHiggsWeights_meanWeight_equalsCrossSection() throws {
        for theta in [[0.0, 0.0], [0.8, -0.5]] {
            let batch = try simulator.simulateWeighted(proposalAt: theta, count: 400_000, random: SeededRandom(seed: 4))
            let (mean, se) = SimulatorTestSupport.meanWeight(batch)
            // E_q[w] = σ(θ); 3 standard errors.
            XCTAssertEqual(mean, try simulator.crossSection(at: theta), accuracy: 3 * se, "θ = \(theta)")
            XCTAssertEqual(try simulator.weights(latent: batch.latent, at: theta), batch.weights!)
        }
    }

    func testWBFHiggsWeights_sixPoints_reproduceSeventhQuadratically() throws {
        let z = try simulator.simulateWeighted(proposalAt: [0, 0], count: 200, random: SeededRandom(seed: 10)).latent
        let basis = [[0.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0], [1.0, 1.0]]
        let error = try SimulatorTestSupport.quadraticReproductionError(basis: basis, check: [-0.3, 0.7]) {
            try simulator.weights(latent: z, at: $0)
        }
        // Exact polynomial: only rounding (~1e-14) remains; 1e-10 is the brief's tolerance.
        XCTAssertLessThan(error, 1e-10)
        let sigma = try SimulatorTestSupport.quadraticReproductionError(basis: basis, check: [-0.3, 0.7]) {
            [try self.simulator.crossSection(at: $0)]
        }
        XCTAssertLessThan(sigma, 1e-10)
    }

    func testWBFHiggsAcceptReject_envelope_dominatesSquaredAmplitude() throws {
        var worstEfficiency = 1.0
        for i in 0...10 {
            for j in 0...10 {
                let theta = [-1 + 0.2 * Double(i), -1 + 0.2 * Double(j)]
                let envelope = WBFHiggsSimulator.envelope(theta)
                var worst = 0.0
                for k in 0...200 {
                    let pt = WBFHiggsSimulator.ptCut + Double(k) * 5
                    for l in 0..<64 {
                        let phi = -Double.pi + 2 * Double.pi * Double(l) / 64
                        let m = WBFHiggsSimulator.squaredAmplitude(dphi: phi, pt: pt, fW: theta[0], fWW: theta[1]).value
                        worst = max(worst, m / envelope.height(pt))
                    }
                }
                XCTAssertLessThanOrEqual(worst, 1 + 1e-12, "θ = \(theta)")
                worstEfficiency = min(worstEfficiency, WBFHiggsSimulator.relativeRate(theta).value / envelope.total)
            }
        }
        // Efficiency R(θ)/(κ₀ + κ₂m₂ + κ₄m₄) as documented (≥ 0.25 on the parameter range), and 1 at the SM.
        XCTAssertGreaterThanOrEqual(worstEfficiency, 0.25)
        XCTAssertEqual(WBFHiggsSimulator.envelope([0, 0]).total, 1)
        // The envelope sampler draws from its own density: χ² of 10⁵ p_T draws in 20 bins (p > 0.001).
        let envelope = WBFHiggsSimulator.envelope([0.7, -0.4])
        var counts = [Int](repeating: 0, count: 21)
        let edges = (0...20).map { WBFHiggsSimulator.ptCut + Double($0) * 20 }
        SeededRandom(seed: 12).withGSLGenerator { rng in
            for _ in 0..<100_000 {
                let pt = envelope.draw(rng)
                let k = Int((pt - WBFHiggsSimulator.ptCut) / 20)
                counts[min(k, 20)] += 1
            }
        }
        let quadrature = Quadrature()
        var expected = [Double]()
        for k in 0..<20 {
            expected.append(100_000 * (try quadrature.integrate(from: edges[k], to: edges[k + 1]) { envelope.density($0) }))
        }
        expected.append(100_000 - expected.reduce(0, +))
        XCTAssertGreaterThan(SimulatorTestSupport.chiSquare(observed: counts, expected: expected).pValue, 1e-3)
    }
}
