import Foundation
import XCTest
import SBICore
@testable import SBIEvents

/// Smearing and efficiencies: exact no-ops, seeded reproducibility, and the Gaussian moments.
final class EventSmearingTests: XCTestCase {
    private func photonEvent(energy: Double = 100) -> LHEEvent {
        var event = LHEEvent()
        event.particles = [LHEParticle(pdgID: 22, status: 1, px: energy, py: 0, pz: 0, energy: energy, mass: 0),
                           LHEParticle(pdgID: 11, status: 1, px: 0, py: 30, pz: 40, energy: 50, mass: 0)]
        return event
    }

    func testPerfectSmearing_keepsGeneratorMomenta() {
        let event = ObservableExpressionTests.handEvent()
        var plain = EventObjects(), smeared = EventObjects()
        plain.fill(from: event)
        smeared.fill(from: event, smearing: EventSmearing(), random: SeededRandom(seed: 1))
        for collection in ParticleCollection.allCases {
            XCTAssertEqual(plain[collection], smeared[collection], "\(collection)")
        }
    }

    func testEfficiency_zeroAndHalf_dropObjects() {
        let smearing = EventSmearing(photons: .init(efficiency: 0), electrons: .init(efficiency: 0.5))
        let random = SeededRandom(seed: 7)
        var objects = EventObjects()
        var electrons = 0
        let n = 4000
        for _ in 0..<n {
            objects.fill(from: photonEvent(), smearing: smearing, random: random)
            XCTAssertEqual(objects[.a].count, 0)
            electrons += objects[.e].count
        }
        // Binomial(4000, 0.5): σ = √(4000·0.25) ≈ 31.6; 5σ ≈ 158.
        XCTAssertEqual(Double(electrons), 2000, accuracy: 158)
    }

    func testEnergySmearing_tenPercent_hasGaussianMoments() {
        let smearing = EventSmearing(photons: .init(energyRelative: 0.1))
        let random = SeededRandom(seed: 11)
        var objects = EventObjects()
        let n = 4000
        var sum = 0.0, sumSquares = 0.0
        for _ in 0..<n {
            objects.fill(from: photonEvent(), smearing: smearing, random: random)
            let photon = objects[.a][0]
            XCTAssertEqual(photon.m, 0, accuracy: 1e-5)  // massless kept: E'² − p'² cancels to ~1e-12·E²
            XCTAssertEqual(photon.eta, 0, accuracy: 1e-12)
            sum += photon.e
            sumSquares += photon.e * photon.e
            XCTAssertEqual(objects[.e][0].e, 50)  // electrons not smeared here
        }
        let mean = sum / Double(n)
        let sd = (sumSquares / Double(n) - mean * mean).squareRoot()
        // σ = 10 GeV: mean ± 5σ/√n = ±0.79; sample sd ± 5σ/√(2n) = ±0.56.
        XCTAssertEqual(mean, 100, accuracy: 0.79)
        XCTAssertEqual(sd, 10, accuracy: 0.56)
    }

    func testAngleSmearing_sameSeed_reproducesAndKeepsMomentum() {
        let smearing = EventSmearing(photons: .init(eta: 0.1, phi: 0.05))
        var first = EventObjects(), second = EventObjects(), third = EventObjects()
        first.fill(from: photonEvent(), smearing: smearing, random: SeededRandom(seed: 3))
        second.fill(from: photonEvent(), smearing: smearing, random: SeededRandom(seed: 3))
        third.fill(from: photonEvent(), smearing: smearing, random: SeededRandom(seed: 4))
        XCTAssertEqual(first[.a], second[.a])
        XCTAssertNotEqual(first[.a], third[.a])
        XCTAssertEqual(first[.a][0].p, 100, accuracy: 1e-9)  // |p| kept when only angles move
        XCTAssertEqual(first[.a][0].e, 100)
    }

    func testValidate_negativeResolution_namesField() {
        let error = LHETestSupport.sbiError { try EventSmearing(jets: .init(eta: -1)).validate() }
        XCTAssertTrue(error?.description.contains("smearing.jets.eta") ?? false)
        let efficiency = LHETestSupport.sbiError { try EventSmearing(muons: .init(efficiency: 1.5)).validate() }
        XCTAssertTrue(efficiency?.description.contains("smearing.muons.efficiency") ?? false)
    }
}
