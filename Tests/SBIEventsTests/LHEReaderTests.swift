import XCTest
import SBICore
@testable import SBIEvents

/// The LHE reader against files with known contents: one written here, two made by MadGraph.
final class LHEReaderTests: XCTestCase {
    /// Events with awkward but exactly representable numbers (17 significant digits, tiny,
    /// negative, integers); Swift prints the shortest round-trip form, so reading back must be
    /// bit-exact (tolerance 0).
    static func knownEvents() -> [(Double, [LHEParticle], [Double])] {
        let first: [LHEParticle] = [
            LHEParticle(pdgID: 21, status: -1, colors: (501, 502), px: 0, py: 0, pz: 123.456789012345678, energy: 123.456789012345678, mass: 0),
            LHEParticle(pdgID: -2, status: -1, colors: (0, 501), px: 0, py: 0, pz: -98.7654321, energy: 98.7654321, mass: 0),
            LHEParticle(pdgID: 25, status: 2, mothers: (1, 2), px: 1.0e-9, py: -2.5, pz: 24.691357902469136, energy: 222.22222222222223, mass: 125.0, lifetime: 0.0, spin: 9),
            LHEParticle(pdgID: 22, status: 1, mothers: (3, 3), px: 60.125, py: -1.25, pz: 10.0, energy: 61.0, mass: 0, spin: -1),
            LHEParticle(pdgID: 22, status: 1, mothers: (3, 3), px: -60.125, py: -1.25, pz: 14.691357902469136, energy: 161.22222222222223, mass: 0, spin: 1),
        ]
        let second: [LHEParticle] = [
            LHEParticle(pdgID: 1, status: -1, colors: (501, 0), px: 0, py: 0, pz: 500, energy: 500, mass: 0),
            LHEParticle(pdgID: -1, status: -1, colors: (0, 501), px: 0, py: 0, pz: -500, energy: 500, mass: 0),
            LHEParticle(pdgID: 11, status: 1, mothers: (1, 2), px: 300, py: 400, pz: 0, energy: 500, mass: 0),
            LHEParticle(pdgID: -12, status: 1, mothers: (1, 2), px: -300, py: -400, pz: 0, energy: 500, mass: 0),
        ]
        return [(0.123456789012345678, first, [1.5, -2.75e-12, 3.3333333333333335]),
                (-7.0e22, second, [0, 1e300, -Double.leastNonzeroMagnitude])]
    }

    private func checkKnownFile(gzip: Bool, weightsBlock: Bool) throws {
        let directory = try LHETestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent(gzip ? "known.lhe.gz" : "known.lhe").path
        let known = Self.knownEvents()
        try LHETestSupport.write(LHETestSupport.lheText(weightIDs: ["sm", "w", "ww"], events: known,
                                                        useWeightsBlock: weightsBlock),
                                 to: path, gzip: gzip)
        let (reader, events) = try LHETestSupport.readAll(path)
        XCTAssertEqual(reader.header.version, "3.0")
        XCTAssertEqual(reader.benchmarkNames, ["sm", "w", "ww"])
        XCTAssertEqual(reader.header.initBlock.processes.first?.crossSectionPicobarn, 1.25)
        XCTAssertEqual(reader.header.weights.map(\.parameterSettings.first),
                       [LHEParameterSetting(block: "dim6", indices: [1], value: 0),
                        LHEParameterSetting(block: "dim6", indices: [2], value: 0.5),
                        LHEParameterSetting(block: "dim6", indices: [3], value: 1.0)])
        XCTAssertEqual(reader.header.weights[0].parameterSettings.last,
                       LHEParameterSetting(block: "mass", indices: [25], value: 125))
        XCTAssertEqual(events.count, known.count)
        for (event, truth) in zip(events, known) {
            XCTAssertEqual(event.weight, truth.0)
            XCTAssertEqual(event.particles, truth.1)
            XCTAssertEqual(event.weights, truth.2)
            XCTAssertEqual(event.scale, 91.188)
            XCTAssertEqual(event.alphaQED, 0.0078125)
        }
        XCTAssertEqual(events.map(\.number), [1, 2])
    }

    func testRoundTrip_plainFile_readsBackExactly() throws {
        try checkKnownFile(gzip: false, weightsBlock: false)
    }

    func testRoundTrip_gzipFile_readsBackExactly() throws {
        try checkKnownFile(gzip: true, weightsBlock: false)
    }

    func testRoundTrip_weightsBlockWithoutRwgt_mapsInHeaderOrder() throws {
        try checkKnownFile(gzip: true, weightsBlock: true)
    }

    /// Values copied from the file text (lines 303–305 and 310–332).
    func testMadGraph200Wbj_headerAndFirstEvent_matchFileText() throws {
        let path = try fixtureFile("pylhe-testfile-madgraph-2.0.0-wbj.lhe")
        let (reader, events) = try LHETestSupport.readAll(path)
        XCTAssertEqual(events.count, 59)
        let initBlock = reader.header.initBlock
        XCTAssertTrue(initBlock.beamIDs == (2212, 2212))
        XCTAssertTrue(initBlock.beamEnergiesGeV == (4000, 4000))
        XCTAssertTrue(initBlock.pdfGroupIDs == (-1, -1))
        XCTAssertTrue(initBlock.pdfSetIDs == (21100, 21100))
        XCTAssertEqual(initBlock.weightingStrategy, -4)
        XCTAssertEqual(initBlock.processes, [LHEProcess(crossSectionPicobarn: 50.109086, crossSectionErrorPicobarn: 0.089185414,
                                                        maximumWeight: 50.109093, id: 66)])
        XCTAssertEqual(reader.header.weights.map(\.id), (1001...1009).map(String.init))
        XCTAssertEqual(reader.header.weights.first?.group, "scale_variation")
        XCTAssertEqual(reader.header.weights.first?.text, "muR=0.10000E+01 muF=0.10000E+01")
        XCTAssertTrue(events.allSatisfy { $0.weights.count == 9 })
        let first = events[0]
        XCTAssertEqual(first.weight, 50.109093)
        XCTAssertEqual(first.processID, 66)
        XCTAssertEqual(first.particles.count, 5)
        XCTAssertEqual(first.particles[0].pz, 143.22906)
        XCTAssertEqual(first.particles[4].px, 220.93954)
        XCTAssertEqual(first.particles[4].mothers.0, 1)
        XCTAssertEqual(first.particles[4].colors.0, 502)
        XCTAssertEqual(first.weights, [50.109, 45.746, 52.581, 50.109, 45.746, 52.581, 50.109, 45.746, 52.581])
        XCTAssertEqual(events[1].particles.count, 5)
    }

    /// Values copied from the file text (`zcat … | sed -n 510,545p`).
    func testMadGraph358PpToJJ_countsAndFirstEvent_matchFileText() throws {
        let path = try fixtureFile("pylhe-testfile-madgraph5-3.5.8-pp_to_jj.lhe.gz")
        let (reader, events) = try LHETestSupport.readAll(path)
        XCTAssertEqual(events.count, 1000)
        XCTAssertEqual(reader.header.initBlock.processes.first?.crossSectionPicobarn, 6.996707e+08)
        XCTAssertTrue(reader.header.initBlock.beamEnergiesGeV == (6500, 6500))
        XCTAssertEqual(reader.header.weights.map(\.id), (1...145).map(String.init))
        XCTAssertEqual(Set(reader.header.weights.compactMap(\.group)),
                       ["Central scale variation", "NNPDF23_lo_as_0130_qed"])
        XCTAssertEqual(reader.benchmarkNames.count, 145)
        XCTAssertTrue(events.allSatisfy { $0.weights.count == 145 && $0.particles.count >= 4 })
        let first = events[0]
        XCTAssertEqual(first.weight, 6.9967067e+08)
        XCTAssertEqual(first.weights[0], 7.5079318e+08)
        XCTAssertEqual(first.weights[1], 6.9967067e+08)
        XCTAssertEqual(first.weights[144], 6.8803628e+08)
        XCTAssertEqual(first.particles[2].px, 2.3145962266e+01)
        XCTAssertEqual(first.particles[3].energy, 4.7136647911e+01)
        XCTAssertEqual(events[999].number, 1000)
    }

    func testWeightTable_explicitIDs_selectAndRenameBenchmarks() throws {
        let path = try fixtureFile("pylhe-testfile-madgraph-2.0.0-wbj.lhe")
        let table = LHEWeightMapping.table([LHEWeightAssignment(weightID: "1002", benchmark: "muF_up"),
                                            LHEWeightAssignment(weightID: "1001", benchmark: "central")])
        let (reader, events) = try LHETestSupport.readAll(path, weights: table)
        XCTAssertEqual(reader.benchmarkNames, ["muF_up", "central"])
        XCTAssertEqual(events[0].weights, [45.746, 50.109])
    }

    func testNominalOnly_skipsNamedWeights_keepsXWGTUP() throws {
        let path = try fixtureFile("pylhe-testfile-madgraph-2.0.0-wbj.lhe")
        let (reader, events) = try LHETestSupport.readAll(path, weights: .nominalOnly)
        XCTAssertEqual(reader.benchmarkNames, [])
        XCTAssertEqual(events.count, 59)
        XCTAssertEqual(events[0].weights, [])
        XCTAssertEqual(events[0].weight, 50.109093)
    }

    /// An LHEF 1.0 file in MadGraph 4's style (comment before the header, Fortran `0.` and
    /// `9.` fields, `D` exponents) and a one-line `<rwgt>` whose ids define the benchmarks.
    func testLHE10_madgraph4Style_readsWithOneLineRwgt() throws {
        let text = """
        <LesHouchesEvents version="1.0">
        <!--
        File generated with HELAS, <event> in a comment
        -->
        <header>
        <MGVersion>
        # MG/ME version    : 4.4.44
        </MGVersion>
        </header>
        <init>
          2212  2212  0.70000000000E+04  0.70000000000E+04 0 0 10042 10042 3  1
          0.12500000000D+01  0.10000000000E-01  0.10000000000E+01  81
        </init>
        <event>
         3     81  0.1000000E+01  0.9118800E+02  0.7546771E-02  0.1300000E+00
               21   -1    0    0  501  502  0.00000000000E+00  0.00000000000E+00  0.10000000000E+03  0.10000000000E+03  0.00000000000E+00 0. 9.
               21   -1    0    0  502  501 -0.00000000000E+00 -0.00000000000E+00 -0.10000000000E+03  0.10000000000E+03  0.00000000000E+00 0. 9.
               25    1    1    2    0    0  0.00000000000E+00  0.00000000000E+00  0.00000000000E+00  0.20000000000E+03  0.20000000000E+03 0. 9.
        <rwgt><wgt id="a">1.5</wgt> <wgt id="b"> 2.5 </wgt></rwgt>
        </event>
        </LesHouchesEvents>
        """
        let directory = try LHETestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("mg4.lhe").path
        try LHETestSupport.write(text, to: path, gzip: false)
        let (reader, events) = try LHETestSupport.readAll(path)
        XCTAssertEqual(reader.header.version, "1.0")
        XCTAssertEqual(reader.header.initBlock.weightingStrategy, 3)
        XCTAssertEqual(reader.header.initBlock.totalCrossSectionPicobarn, 1.25)
        XCTAssertEqual(reader.benchmarkNames, ["a", "b"])
        XCTAssertEqual(events.count, 1)
        XCTAssertEqual(events[0].weights, [1.5, 2.5])
        XCTAssertEqual(events[0].particles.map(\.pdgID), [21, 21, 25])
        XCTAssertEqual(events[0].particles[2].mass, 200)
        XCTAssertEqual(events[0].particles[1].pz, -100)
        XCTAssertEqual(events[0].particles[0].spin, 9)
    }
}
