import Foundation
import XCTest

/// `sbi validate` and `sbi init` run as a user would: exit codes, standard output and error.
final class RecipeCommandTests: XCTestCase, SBICommandTesting {
    /// Recipes/ of this package, found from this source file's path.
    private var recipesFolder: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Recipes").path
    }

    /// The summary names the nuisance parameters with their size.
    func testValidate_nuisance_listedInTheSummary() throws {
        let folder = try temporaryFolder()
        var text = try String(contentsOfFile: recipesFolder + "/wbf-higgs.yaml", encoding: .utf8)
        text += "\nnuisance:\n  - {name: lumi, kind: norm, uncertainty: 0.02}\n  - {name: xsec, kind: norm, uncertainty: 0.15}\n"
        try text.write(toFile: folder + "/n.yaml", atomically: true, encoding: .utf8)
        let r = try run(["validate", "n.yaml"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("  nuisance    lumi (norm 2 %), xsec (norm 15 %)\n"), r.stdout)
    }

    func testValidate_shippedRecipes_exit0AndPrintOK() throws {
        let folder = try temporaryFolder()
        for name in ["gaussian-quickstart", "drell-yan", "wbf-higgs", "gaussian-systematics", "wbf-higgs-systematics", "gaussian-3d", "wbf-higgs-quadratic"] {
            let path = recipesFolder + "/\(name).yaml"
            let r = try run(["validate", path], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stderr, "")
            let lines = r.stdout.split(separator: "\n").map(String.init)
            XCTAssertEqual(lines.first, "\(path): OK")
            XCTAssertEqual(lines.dropFirst().first, "  name        \(name)")
            XCTAssertTrue(lines.last?.hasPrefix("  hash        ") ?? false, r.stdout)
            XCTAssertEqual(lines.last?.count, 14 + 64, "a SHA-256 hex digest has 64 characters")
        }
    }

    func testValidate_badRecipe_exit1WithEveryProblemInFileOrder() throws {
        let folder = try temporaryFolder()
        let text = """
        parameters:
          - name: theta
            range: [3, -3]
        simulator:
          name: gaussian
        samples:
          - name: train
            kind: ratio
            theta0: {prior: flat}
            theta1: {point: [0]}
            events: 1000
        estimators:
          - name: a
            method: alicse
            sample: train
        inference:
          modes: [truth]
          observed: missing.npy

        """
        try text.write(toFile: folder + "/recipe.yaml", atomically: true, encoding: .utf8)
        let r = try run(["validate", "recipe.yaml"], in: folder)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.stderr, """
        recipe.yaml:3:12: parameters[0].range: range [3, -3] is reversed; expected [low, high] with low < high
        recipe.yaml:14:13: estimators[0].method: unknown "alicse"; expected one of carl, rolr, alice, alices, cascal, rascal, sally, sallino, carl2, rolr2, alice2, alices2, cascal2, rascal2, nde, scandal
        recipe.yaml:18:13: inference.observed: file "missing.npy" does not exist (paths are relative to the recipe's folder)
        sbi validate: error: recipe.yaml: 3 problems found

        """)
    }

    func testValidate_missingFileOrArgument_exitCodes() throws {
        let folder = try temporaryFolder()
        let missing = try run(["validate", "nothere.yaml"], in: folder)
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "sbi validate: error: nothere.yaml: no such file\n")
        let none = try run(["validate"], in: folder)
        XCTAssertEqual(none.status, 2)
        XCTAssertTrue(none.stderr.hasPrefix("sbi validate: error: expected a recipe file\nUsage: sbi validate RECIPE"), none.stderr)
    }

    func testInit_writesStarterThatValidates_refusesOverwriteWithoutForce() throws {
        let folder = try temporaryFolder()
        let first = try run(["init"], in: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(first.stdout, "wrote recipe.yaml\nnext: sbi validate recipe.yaml   then: sbi fit recipe.yaml\n")
        let validate = try run(["validate", "recipe.yaml"], in: folder)
        XCTAssertEqual(validate.status, 0, validate.stderr)
        XCTAssertTrue(validate.stdout.hasPrefix("recipe.yaml: OK\n"), validate.stdout)

        // A changed file must survive a second init without --force, byte for byte.
        try "# mine\n".write(toFile: folder + "/recipe.yaml", atomically: true, encoding: .utf8)
        let again = try run(["init"], in: folder)
        XCTAssertEqual(again.status, 1)
        XCTAssertEqual(again.stderr, "sbi init: error: recipe.yaml: already exists; use --force to overwrite it\n")
        XCTAssertEqual(try String(contentsOfFile: folder + "/recipe.yaml", encoding: .utf8), "# mine\n")

        let forced = try run(["init", "recipe.yaml", "--force"], in: folder)
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertTrue(try String(contentsOfFile: folder + "/recipe.yaml", encoding: .utf8).hasPrefix("# sbi recipe"))
        // The atomic write leaves no temporary file behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["recipe.yaml"])

        let other = try run(["init", "sub/analysis.yaml"], in: folder)
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.stderr.contains("cannot create a file in folder sub/"), other.stderr)
    }
}
