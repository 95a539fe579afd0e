import CGSL
import SBICore
import XCTest
@testable import SBISimulation

final class DrellYanSimulatorTests: XCTestCase {
    typealias Constants = DrellYanSimulator.Constants

    func testDrellYanPole_smNoBeamSpread_crossSectionIs12piGammaEeGammaMuMuOverMZ2GammaZ2() throws {
        let simulator = try DrellYanSimulator(beamSpread: 0)
        let gammaEE = Constants.branchingElectrons * Constants.zWidth
        let gammaMuMu = Constants.branchingMuons * Constants.zWidth
        let pole = 12 * Double.pi * gammaEE * gammaMuMu / (Constants.zMass * Constants.zMass * Constants.zWidth * Constants.zWidth)
            * Constants.picobarnPerInverseGeV2
        XCTAssertEqual(pole, 2000, accuracy: 5, "PDG widths give ≈ 2.0 nb")
        let sigma = try simulator.crossSection(at: [0, 0])
        // Within 1 % (the brief): the photon adds 4πα²/(3m_Z²) ≈ 12 pb = 0.6 %, the Z-γ interference vanishes at the pole.
        XCTAssertEqual(sigma, pole, accuracy: 0.01 * pole)
        XCTAssertEqual(sigma, try simulator.partonicCrossSection(sqrtS: Constants.zMass, at: [0, 0]), accuracy: 1e-9 * sigma)
        // Photon-only part, closed form 4πα²/(3s), accounts for the difference to 1e-4.
        let photon = 4 * Double.pi * Constants.alpha * Constants.alpha / (3 * Constants.zMass * Constants.zMass)
            * Constants.picobarnPerInverseGeV2
        XCTAssertEqual(sigma, pole + photon, accuracy: 1e-4 * pole)
    }

    func testDrellYanPole_forwardBackwardAsymmetry_isThreeQuartersAeAmu() throws {
        let simulator = try DrellYanSimulator(beamSpread: 0)
        let quadrature = Quadrature()
        let m = Constants.zMass
        let forward = try quadrature.integrate(from: 0, to: 1) { c in (try? simulator.differentialCrossSection(sqrtS: m, cosTheta: c, at: [0, 0])) ?? .nan }
        let backward = try quadrature.integrate(from: -1, to: 0) { c in (try? simulator.differentialCrossSection(sqrtS: m, cosTheta: c, at: [0, 0])) ?? .nan }
        let afb = (forward - backward) / (forward + backward)
        let gV = -0.5 + 2 * Constants.sin2ThetaEffective, gA = -0.5
        let aLepton = 2 * gV * gA / (gV * gV + gA * gA)
        // ¾A_eA_μ is the Z-only pole formula; the photon dilutes it by ~0.6 %, i.e. 1e-4 absolute ≪ 1e-3.
        XCTAssertEqual(afb, 0.75 * aLepton * aLepton, accuracy: 1e-3)
        XCTAssertEqual(afb, 0.016, accuracy: 1e-3)
        XCTAssertEqual(try simulator.forwardBackwardAsymmetry(sqrtS: m, at: [0, 0]), afb, accuracy: 1e-12)
        // Shifting the muon vector coupling changes A_μ: δg_V = +0.05 flips the sign of g_V^μ.
        XCTAssertLessThan(try simulator.forwardBackwardAsymmetry(sqrtS: m, at: [0.05, 0]), 0)
    }

    func testDrellYanExactLikelihood_integratedOverX_isOne() throws {
        let simulator = try DrellYanSimulator()
        let e = Constants.zMass / 2
        for theta in [[0.0, 0.0], [0.08, -0.06]] {
            // Box: cosθ_μ over [−1, 1] ± 12σ_c, E_μ over the beam window/2 ± 12σ_E (mass outside < 1e-30).
            let total = try SimulatorTestSupport.integrateTwoDimensional(
                simulator: simulator, theta: theta, range0: -1.6...1.6, range1: (e - 2.5 - 6)...(e + 2.5 + 6))
            // 1e-4 from the brief; nested QAG at 1e-7 relative.
            XCTAssertEqual(total, 1, accuracy: 1e-4, "θ = \(theta)")
        }
    }

    func testDrellYanSimulate_histogram_matchesExactLikelihood() throws {
        // 10⁶ unweighted events per θ in a 10×10 histogram of (cosθ_μ, E_μ) plus an outside bin;
        // the model is right, so p ~ U(0, 1): p > 0.001 is a 0.1 % false alarm per θ.
        let simulator = try DrellYanSimulator()
        let e = Constants.zMass / 2
        for (k, theta) in [[0.0, 0.0], [0.06, -0.08]].enumerated() {
            let batch = try simulator.simulate(at: theta, count: 1_000_000, random: SeededRandom(seed: 100 + UInt64(k)))
            let test = try SimulatorTestSupport.chiSquareTwoDimensional(
                simulator: simulator, theta: theta, events: batch.observables,
                bins0: 10, range0: -1.0...1.0, bins1: 10, range1: (e - 2)...(e + 2))
            XCTAssertGreaterThan(test.pValue, 1e-3, "θ = \(theta): \(test)")
        }
    }

    func testDrellYanJointScore_equalsCentralFiniteDifference() throws {
        let simulator = try DrellYanSimulator()
        let z = try simulator.simulate(at: [0, 0], count: 50, random: SeededRandom(seed: 7)).latent
        try SimulatorTestSupport.assertScoreMatchesFiniteDifference(SimulatorJointLikelihood(simulator: simulator), events: z, theta: [0.03, -0.05])
    }

    func testDrellYanWeights_meanWeight_equalsCrossSection() throws {
        let simulator = try DrellYanSimulator()
        for theta in [[0.0, 0.0], [0.05, 0.07]] {
            let batch = try simulator.simulateWeighted(proposalAt: theta, count: 400_000, random: SeededRandom(seed: 3))
            let (mean, se) = SimulatorTestSupport.meanWeight(batch)
            // E_q[w] = σ(θ); 3 standard errors (0.3 % two-sided false alarm for a fixed seed).
            XCTAssertEqual(mean, try simulator.crossSection(at: theta), accuracy: 3 * se, "θ = \(theta)")
            XCTAssertEqual(try simulator.weights(latent: batch.latent, at: theta), batch.weights!)
        }
    }

    func testDrellYanWeights_sixPoints_reproduceSeventhQuadratically() throws {
        let simulator = try DrellYanSimulator()
        let z = try simulator.simulateWeighted(proposalAt: [0, 0], count: 200, random: SeededRandom(seed: 9)).latent
        let basis = [[0.0, 0.0], [0.1, 0.0], [-0.1, 0.0], [0.0, 0.1], [0.0, -0.1], [0.1, 0.1]]
        let error = try SimulatorTestSupport.quadraticReproductionError(basis: basis, check: [-0.07, 0.04]) {
            try simulator.weights(latent: z, at: $0)
        }
        // Exact polynomial: only rounding (~1e-14 relative) remains; 1e-10 is the brief's tolerance.
        XCTAssertLessThan(error, 1e-10)
        let sigma = try SimulatorTestSupport.quadraticReproductionError(basis: basis, check: [-0.07, 0.04]) {
            [try simulator.crossSection(at: $0)]
        }
        XCTAssertLessThan(sigma, 1e-10)
    }

    func testDrellYanAcceptReject_bound_dominatesDifferentialOnGrid() throws {
        let simulator = try DrellYanSimulator()
        let w = simulator.beamWindow
        for theta in [[0.0, 0.0], [0.1, -0.1], [-0.1, 0.1], [0.1, 0.1]] {
            let muon = simulator.amplitudes.muonCouplings(theta)
            let bound = simulator.amplitudes.differentialBound(sMin: w.lowerBound * w.lowerBound, sMax: w.upperBound * w.upperBound, muon: muon)
            var peak = 0.0
            for a in 0...400 {
                let r = w.lowerBound + (w.upperBound - w.lowerBound) * Double(a) / 400
                for b in 0...40 { peak = max(peak, simulator.amplitudes.differential(s: r * r, cosTheta: -1 + Double(b) / 20, muon: muon)) }
            }
            XCTAssertLessThanOrEqual(peak, bound, "θ = \(theta)")
            XCTAssertGreaterThan(peak, 0.5 * bound, "bound so loose that sampling wastes > half the proposals")
        }
    }
}
