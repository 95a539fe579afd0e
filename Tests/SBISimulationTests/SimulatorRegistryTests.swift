import SBICore
import XCTest
@testable import SBISimulation

final class SimulatorRegistryTests: XCTestCase {
    func testRegistry_everyName_makesSimulatorOfThatName() throws {
        XCTAssertTrue(SimulatorRegistry.names.contains("gaussian"))
        for name in SimulatorRegistry.names {
            XCTAssertEqual(try SimulatorRegistry.make(name: name).name, name)
        }
    }

    func testRegistry_unknownName_throwsDataErrorListingNamesAndSuggestion() {
        XCTAssertThrowsError(try SimulatorRegistry.make(name: "gausian")) { error in
            guard let e = error as? SBIError else { return XCTFail("not an SBIError: \(error)") }
            XCTAssertEqual(e.kind, .data)
            XCTAssertEqual(e.field, "simulator")
            XCTAssertTrue(e.message.contains("expected one of \(SimulatorRegistry.names.joined(separator: ", "))"), e.message)
            XCTAssertTrue(e.message.hasSuffix("(did you mean \"gaussian\"?)"), e.message)
        }
        XCTAssertThrowsError(try SimulatorRegistry.make(name: "pythia")) { error in
            XCTAssertFalse((error as? SBIError)?.message.contains("did you mean") ?? true)
        }
    }
}
