import Foundation
import XCTest
@testable import SBICore

/// The folder-ownership rule: sbi replaces only folders holding nothing but what it wrote.
final class OwnedFolderTests: XCTestCase {
    func testCheckReplaceable_missingEmptyOrOwnOnly_passes_userFileRefusedNamingIt() throws {
        let root = try makeTemporaryDirectory(self)
        let folder = root + "/model"
        try OwnedFolder.checkReplaceable(folder, ownNames: ["model.json"], option: "--output")  // missing
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        try OwnedFolder.checkReplaceable(folder, ownNames: ["model.json"], option: "--output")  // empty
        try AtomicFileWriter.write("{}", to: folder + "/model.json")
        try AtomicFileWriter.write("{}", to: folder + "/member-0")
        try OwnedFolder.mark(folder, writer: "test")
        XCTAssertThrowsError(try OwnedFolder.checkReplaceable(folder, ownNames: ["model.json"], option: "--output"))
        try OwnedFolder.checkReplaceable(folder, ownNames: ["model.json", "member-*"], option: "--output")
        try AtomicFileWriter.write("mine", to: folder + "/notes.txt")
        XCTAssertThrowsError(try OwnedFolder.checkReplaceable(folder, ownNames: ["model.json", "member-*"], option: "--output")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(folder) && text.contains("notes.txt") && text.contains("--output"), text)
        }
        XCTAssertEqual(try String(contentsOfFile: folder + "/notes.txt", encoding: .utf8), "mine")
        try AtomicFileWriter.write("x", to: root + "/file")
        XCTAssertThrowsError(try OwnedFolder.checkReplaceable(root + "/file", ownNames: [], option: "--output"))
    }

    func testCheckSeparate_outputEqualInsideOrParentOfInput_refused() throws {
        let root = try makeTemporaryDirectory(self)
        for output in [root + "/in", root + "/in/sub", root, root + "/in/", "/"] {
            XCTAssertThrowsError(try OwnedFolder.checkSeparate(output: output, inputs: [root + "/in"], option: "--out"), output)
        }
        try OwnedFolder.checkSeparate(output: root + "/out", inputs: [root + "/in", root + "/input2"], option: "--out")
    }
}
