import Foundation
import XCTest
import SBICore
@testable import SBIEvents

/// Expressions against values computed by hand from an event with chosen momenta.
final class ObservableExpressionTests: XCTestCase {
    /// Status-1 objects: two jets, two photons, e⁻ and μ⁺, two neutrinos; plus an incoming
    /// gluon and a W resonance that no collection may pick up.
    static func handEvent() -> LHEEvent {
        var event = LHEEvent()
        let a0 = FourMomentum.fromPtEtaPhiM(pt: 100, eta: 0, phi: 3, m: 0)
        let a1 = FourMomentum.fromPtEtaPhiM(pt: 50, eta: 0, phi: -3, m: 0)
        let electron = FourMomentum.fromPtEtaPhiM(pt: 20, eta: -1.2, phi: 0.5, m: 0)
        let muon = FourMomentum.fromPtEtaPhiM(pt: 30, eta: 0.7, phi: -2, m: 0)
        func particle(_ id: Int32, _ status: Int32, _ p: FourMomentum) -> LHEParticle {
            LHEParticle(pdgID: id, status: status, px: p.px, py: p.py, pz: p.pz, energy: p.e, mass: 0)
        }
        event.particles = [
            particle(21, -1, FourMomentum(px: 0, py: 0, pz: 900, e: 900)),
            particle(24, 2, FourMomentum(px: 1, py: 1, pz: 1, e: 90)),
            // j[1]: pT 10, |p| 12.5 → η = asinh(0.75) = ln 2, φ = −π/2
            particle(2, 1, FourMomentum(px: 0, py: -10, pz: 7.5, e: 12.5)),
            // j[0]: pT 50, η 0, φ = atan2(4, 3)
            particle(21, 1, FourMomentum(px: 30, py: 40, pz: 0, e: 50)),
            particle(22, 1, a1), particle(22, 1, a0),
            particle(11, 1, electron), particle(-13, 1, muon),
            particle(12, 1, FourMomentum(px: 3, py: 4, pz: 1, e: 5.0990195135927845)),
            particle(-14, 1, FourMomentum(px: 0, py: 5, pz: 0, e: 5)),
        ]
        return event
    }

    private func objects(_ event: LHEEvent = ObservableExpressionTests.handEvent()) -> EventObjects {
        var objects = EventObjects()
        objects.fill(from: event)
        return objects
    }

    private func value(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> Double? {
        try ObservableExpression(text).value(objects())
    }

    // Tolerances: the hand values are closed forms evaluated in Double; a few ulps of
    // rounding in atan2/asinh/cos give relative errors ~1e-15, so 1e-12 absolute is ample.
    func testProperties_handEvent_matchClosedForms() throws {
        XCTAssertEqual(try value("j[0].pt")!, 50, accuracy: 1e-12)
        XCTAssertEqual(try value("j[0].phi")!, atan2(4.0, 3.0), accuracy: 1e-12)
        XCTAssertEqual(try value("j[0].eta")!, 0, accuracy: 1e-12)
        XCTAssertEqual(try value("j[1].eta")!, log(2.0), accuracy: 1e-12)
        XCTAssertEqual(try value("j[1].phi")!, -Double.pi / 2, accuracy: 1e-12)
        XCTAssertEqual(try value("j[1].m")!, 0, accuracy: 1e-6)  // √(E²−p²) of 12.5² − 12.5²: cancellation, ~1e-7
        XCTAssertEqual(try value("j[1].e")!, 12.5, accuracy: 1e-12)
        XCTAssertEqual(try value("j[1].pz")!, 7.5, accuracy: 1e-12)
        XCTAssertEqual(try value("l[0].pt")!, 30, accuracy: 1e-12)  // the muon is harder
        XCTAssertEqual(try value("l[1].eta")!, -1.2, accuracy: 1e-12)
        XCTAssertEqual(try value("e[0].phi")!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(try value("mu[0].eta")!, 0.7, accuracy: 1e-12)
        XCTAssertEqual(try value("a[0].pt")!, 100, accuracy: 1e-12)
        XCTAssertEqual(try value("count(j)")!, 2)
        XCTAssertEqual(try value("count(v)")!, 2)
        XCTAssertEqual(try value("count(b)")!, 0)
    }

    func testMet_twoNeutrinos_isVectorSumOfTheirPt() throws {
        XCTAssertEqual(try value("met")!, 90.0.squareRoot(), accuracy: 1e-12)  // (3, 4) + (0, 5) = (3, 9)
        XCTAssertEqual(try value("met.phi")!, atan2(9.0, 3.0), accuracy: 1e-12)
        XCTAssertEqual(try value("deltaphi(j[0], met)")!, abs(atan2(4.0, 3.0) - atan2(9.0, 3.0)), accuracy: 1e-12)
    }

    func testDeltaPhi_acrossMinusPiPi_wrapsIntoZeroPi() throws {
        XCTAssertEqual(try value("deltaphi(j[0], j[1])")!, atan2(4.0, 3.0) + Double.pi / 2, accuracy: 1e-12)
        // φ = 3 and −3: the difference 6 wraps to 2π − 6.
        XCTAssertEqual(try value("deltaphi(a[0], a[1])")!, 2 * Double.pi - 6, accuracy: 1e-12)
        XCTAssertEqual(try value("deltaeta(j[0], j[1])")!, log(2.0), accuracy: 1e-12)
        let dphi = atan2(4.0, 3.0) + Double.pi / 2
        XCTAssertEqual(try value("deltar(j[0], j[1])")!, (log(2.0) * log(2.0) + dphi * dphi).squareRoot(), accuracy: 1e-12)
    }

    func testInvariantMass_photonPair_matchesMasslessFormula() throws {
        // m² = 2 pT1 pT2 (cosh Δη − cos Δφ) for massless particles.
        let expected = (2 * 100 * 50 * (1 - cos(6.0))).squareRoot()
        XCTAssertEqual(try value("(a[0] + a[1]).m")!, expected, accuracy: 1e-9)  // E² − p² of ~150²: ~1e-12 relative
        XCTAssertEqual(try value("(a[0] - a[1]).e")!, 50, accuracy: 1e-12)
    }

    func testArithmetic_precedenceAndFunctions_matchHandValues() throws {
        XCTAssertEqual(try value("-j[0].px + 2 * (j[1].py - 1) / 4")!, -35.5, accuracy: 1e-12)
        XCTAssertEqual(try value("sqrt(j[0].pt) * sqrt(j[0].pt)")!, 50, accuracy: 1e-12)
        XCTAssertEqual(try value("max(j[0].pt, a[0].pt) - min(1, 2)")!, 99, accuracy: 1e-12)
        XCTAssertEqual(try value("abs(-3.5e1) + pow(2, 10) + .5")!, 1059.5)
        XCTAssertEqual(try value("--2")!, 2)
    }

    func testMissingObject_thirdJet_isUnavailable() throws {
        XCTAssertNil(try value("j[2].pt"))
        XCTAssertNil(try value("deltaphi(j[0], j[2])"))
    }

    func testCuts_comparisonsAndLogic_shortCircuit() throws {
        let o = objects()
        XCTAssertTrue(try ObservableExpression("j[0].pt > 40 and met < 10").passes(o))
        XCTAssertFalse(try ObservableExpression("j[0].pt > 40 and met > 10").passes(o))
        XCTAssertTrue(try ObservableExpression("j[2].pt > 0 or met > 9").passes(o))
        XCTAssertFalse(try ObservableExpression("j[2].pt > 0").passes(o))
        XCTAssertFalse(try ObservableExpression("count(j) >= 3 and j[2].pt > 0").passes(o))
        XCTAssertTrue(try ObservableExpression("not (a[0].pt <= 99) && count(l) == 2 || j[5].pt > 1").passes(o))
        XCTAssertTrue(try ObservableExpression("j[0].pt != 50.5").isCondition)
        XCTAssertFalse(try ObservableExpression("j[0].pt").isCondition)
    }

    private func compileError(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        LHETestSupport.sbiError(file: file, line: line) { _ = try ObservableExpression(text) }?.description ?? ""
    }

    func testErrors_unknownProperty_pointsAtColumn() {
        XCTAssertEqual(compileError("j[0].ptt"),
                       "expression 'j[0].ptt': column 6: unknown property 'ptt'; expected one of pt, eta, phi, m, e, px, py, pz")
    }

    func testErrors_badInputs_pointAtColumns() {
        let cases: [(String, String)] = [
            ("x[0].pt", "column 1: unknown collection 'x'; expected one of j, b, a, e, mu, l, v, met"),
            ("j[0] + 3", "column 6: cannot add a particle and a number"),
            ("j[0].pt >", "column 10: expected a number, a particle such as j[0], met, a function or '(', found the end of the expression"),
            ("deltaphi(j[0])", "column 1: deltaphi(…) takes 2 arguments, found 1"),
            ("deltaphi(j[0].pt, j[1])", "column 10: deltaphi(…) takes two particles"),
            ("j[0].pt and j[1].pt > 3", "column 1: 'and' joins comparisons"),
            ("j[0].pt $ 3", "column 9: unexpected character '$'"),
            ("foo(j[0])", "column 1: unknown function 'foo'; expected one of deltaphi, deltaeta, deltar"),
            ("(j[0].pt", "column 9: expected ')', found the end of the expression"),
            ("j[-1].pt", "column 3: expected an index 0, 1, 2, … inside 'j[…]'"),
            ("j.pt", "column 2: expected '[' after collection 'j'"),
            ("j[0]", "column 1: a particle is not a number here; add a property such as .pt"),
            ("j[0].pt j[1].pt", "column 9: unexpected 'j' after a complete expression"),
            ("", "column 1: empty expression"),
        ]
        for (text, expected) in cases {
            let message = compileError(text)
            XCTAssertTrue(message.contains(expected), "\(text): '\(message)' lacks '\(expected)'")
        }
    }

    func testAnalysis_cutsAndMissingObservables_dropAndCount() throws {
        let analysis = try EventAnalysis(
            observables: [(name: "ptj1", expression: "j[0].pt"), (name: "mjj", expression: "(j[0] + j[1]).m")],
            cuts: ["a[0].pt > 60"])
        var kept = Self.handEvent()
        var oneJet = Self.handEvent()
        oneJet.particles.remove(at: 2)  // drops j[1]: mjj unavailable
        var softPhoton = Self.handEvent()
        softPhoton.particles.remove(at: 5)  // a[0] becomes the 50 GeV photon: fails the cut
        var values = [Double](repeating: .nan, count: 2)
        let results = [kept, oneJet, softPhoton].map { event -> Bool in
            values.withUnsafeMutableBufferPointer { analysis.process(event, into: $0) }
        }
        XCTAssertEqual(results, [true, false, false])
        XCTAssertEqual(analysis.eventsSeen, 3)
        XCTAssertEqual(analysis.eventsAccepted, 1)
        XCTAssertEqual(analysis.droppedByCut, [1])
        XCTAssertEqual(analysis.droppedByObservable, [0, 1])
        kept.number = 1
        _ = values.withUnsafeMutableBufferPointer { analysis.process(kept, into: $0) }
        // mjj of (30, 40, 0, 50) + (0, −10, 7.5, 12.5) by hand: E = 62.5, p = (30, 30, 7.5).
        XCTAssertEqual(values[1], (62.5 * 62.5 - 900 - 900 - 56.25).squareRoot(), accuracy: 1e-9)
        XCTAssertTrue(analysis.summary.hasPrefix("2 of 4 events kept; 1 failed 'a[0].pt > 60'; 1 lacked mjj"))
    }

    /// With a default for mjj (MadMiner's required=False), the one-jet event is kept with mjj = −1
    /// and counted as defaulted; the cut still drops the soft-photon event; a default for a name
    /// that is not an observable, or a non-finite one, is refused.
    func testAnalysis_observableDefault_keepsTheEventWithTheDefaultAndCountsIt() throws {
        let analysis = try EventAnalysis(
            observables: [(name: "ptj1", expression: "j[0].pt"), (name: "mjj", expression: "(j[0] + j[1]).m")],
            cuts: ["a[0].pt > 60"], defaults: ["mjj": -1])
        var oneJet = Self.handEvent()
        oneJet.particles.remove(at: 2)
        var softPhoton = Self.handEvent()
        softPhoton.particles.remove(at: 5)
        var values = [Double](repeating: .nan, count: 2)
        let results = [Self.handEvent(), oneJet, softPhoton].map { event -> Bool in
            values.withUnsafeMutableBufferPointer { analysis.process(event, into: $0) }
        }
        XCTAssertEqual(results, [true, true, false])
        _ = values.withUnsafeMutableBufferPointer { analysis.process(oneJet, into: $0) }
        XCTAssertEqual(values, [50, -1])   // j[0] of the hand event: pT = |(30, 40)| = 50
        XCTAssertEqual(analysis.defaultedByObservable, [0, 2])
        XCTAssertEqual(analysis.droppedByObservable, [0, 0])
        XCTAssertTrue(analysis.summary.contains("2 took the default mjj = -1.0"), analysis.summary)
        XCTAssertThrowsError(try EventAnalysis(observables: [(name: "a", expression: "j[0].pt")], defaults: ["b": 0]))
        XCTAssertThrowsError(try EventAnalysis(observables: [(name: "a", expression: "j[0].pt")], defaults: ["a": .nan]))
    }

    func testAnalysis_observableThatIsACut_isRefusedWithItsName() {
        let error = LHETestSupport.sbiError {
            _ = try EventAnalysis(observables: [(name: "bad", expression: "j[0].pt > 3")])
        }
        XCTAssertTrue(error?.description.contains("observables[0] 'bad'") ?? false, "\(String(describing: error))")
    }
}
