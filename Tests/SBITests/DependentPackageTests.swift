import Foundation
import XCTest
import SBITestSupport

/// The README's recipe for using the `SBI` library from a package of one's own works: the example
/// package in Examples/DependentPackage (the README shows its two files verbatim) builds against this
/// checkout, placed as `../sbi` as the README says, and its program prints the exact 68 % interval of
/// the Gaussian simulator, θ_true ± √(5/100) = ±0.2236 (grid step 0.01 and Asimov-sample noise: 0.01).
final class DependentPackageTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let example = packageRoot + "/Examples/DependentPackage"

    func testReadme_showsTheExamplePackageVerbatim() throws {
        let readme = try String(contentsOfFile: Self.packageRoot + "/README.md", encoding: .utf8)
        for file in ["Package.swift", "Sources/eft-study/main.swift"] {
            let text = try String(contentsOfFile: Self.example + "/" + file, encoding: .utf8)
            XCTAssertTrue(readme.contains("```swift\n" + text + "```\n"), "README.md must show Examples/DependentPackage/\(file) in a swift block")
        }
    }

    func testExamplePackage_buildsAgainstThisCheckout_andPrintsTheExactInterval() throws {
        let folder = try makeTemporaryDirectory(self, prefix: "sbi-dependent-")
        try FileManager.default.createSymbolicLink(atPath: folder + "/sbi", withDestinationPath: Self.packageRoot)
        try FileManager.default.copyItem(atPath: Self.example, toPath: folder + "/eft-study")
        let swift = URL(fileURLWithPath: "/usr/bin/env")
        let build = try runProcess(swift, ["swift", "build", "--package-path", folder + "/eft-study"], in: folder)
        XCTAssertEqual(build.status, 0, build.stdout + build.stderr)
        let run = try runProcess(URL(fileURLWithPath: folder + "/eft-study/.build/debug/eft-study"), [], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        let ends = run.stdout.split(separator: "[").last?.split(separator: "]").first?.split(separator: ",")
            .compactMap { Double($0.trimmingCharacters(in: .whitespaces)) } ?? []
        XCTAssertEqual(ends.count, 2, run.stdout)
        guard ends.count == 2 else { return }
        XCTAssertEqual(ends[0], -(0.05).squareRoot(), accuracy: 0.01, run.stdout)
        XCTAssertEqual(ends[1], (0.05).squareRoot(), accuracy: 0.01, run.stdout)
    }
}
