import Foundation
import XCTest
import SBICore
@testable import SBIRecipes

/// A fuzz-style corpus, generated here from the shipped recipes and the malformed-recipe bases:
/// every truncation at a line end, seeded byte replacements, and each plain scalar value swapped
/// for absurd ones (empty, negative, 10³⁰⁰, NaN, 10⁹, a 20-digit integer, a list, a mapping, null).
/// Each mutant must either validate or be refused with `RecipeErrors` whose every entry is a data
/// error at a line of the file; a Swift trap would end the test process, a hang the CI run.
final class RecipeFuzzTests: XCTestCase {
    static let limit = 24e9

    /// The seeds: the three shipped recipes and the two bases of `MalformedRecipeTests`.
    func seeds() throws -> [(name: String, text: String)] {
        var out: [(String, String)] = []
        for name in ["gaussian-quickstart", "drell-yan", "wbf-higgs"] {
            let path = ShippedRecipeGuardTests.recipesFolder + "/" + name + ".yaml"
            out.append((name, try String(contentsOfFile: path, encoding: .utf8)))
        }
        out.append(("base", MalformedRecipeTests.base))
        out.append(("weighted-base", MalformedRecipeTests.weightedBase))
        return out
    }

    /// Mutants refused so far (the corpus must exercise the refusals, not only valid recipes).
    var refused = 0

    /// Parses `bytes`; returns a failure description, or nil when the outcome is allowed.
    func check(_ bytes: [UInt8], _ label: String) -> String? {
        do {
            _ = try RecipeLoader.parse(bytes: bytes, file: "fuzz.yaml", folder: NSTemporaryDirectory(), memoryLimit: Self.limit)
            return nil
        } catch let errors as RecipeErrors {
            refused += 1
            guard !errors.errors.isEmpty else { return "\(label): RecipeErrors without an entry" }
            let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count
            for e in errors.errors {
                guard e.kind == .data else { return "\(label): \(e.kind) error \(e)" }
                guard let line = e.line, line >= 1, line <= lines + 1 else { return "\(label): no line in the file for \(e)" }
            }
            return nil
        } catch {
            return "\(label): unexpected error type \(error)"
        }
    }

    func testTruncations_everyLineEnd_refusedWithPositionsOrValid() throws {
        var failures: [String] = [], count = 0
        for (name, text) in try seeds() {
            let bytes = Array(text.utf8)
            for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") {
                count += 1
                if let f = check(Array(bytes[..<i]), "\(name) cut at byte \(i)") { failures.append(f) }
            }
        }
        XCTAssertGreaterThan(count, 200)
        XCTAssertGreaterThan(refused, count / 2, "most mutants must be refused")   // measured: 219/261, 1153/1500, 2629/2736
        XCTAssertLessThan(refused, count, "some mutants must still validate")
        XCTAssertEqual(failures, [])
    }

    func testByteReplacements_seeded_refusedWithPositionsOrValid() throws {
        let replacements: [UInt8] = [0, 9, 0x3a, 0x5b, 0x7b, 0x22, 0x27, 0x2d, 0x39, 0xff, 0x26, 0x2a, 0x23, 0x7c, 0x3e, 0x20]
        let random = SeededRandom(seed: 20261206)
        var failures: [String] = [], count = 0
        for (name, text) in try seeds() {
            let bytes = Array(text.utf8)
            for _ in 0..<300 {
                var mutant = bytes
                let at = random.integer(below: bytes.count)
                let with = replacements[random.integer(below: replacements.count)]
                mutant[at] = with
                count += 1
                if let f = check(mutant, "\(name) byte \(at) → \(with)") { failures.append(f) }
            }
        }
        XCTAssertEqual(count, 1500)
        XCTAssertGreaterThan(refused, count / 2, "most mutants must be refused")   // measured: 219/261, 1153/1500, 2629/2736
        XCTAssertLessThan(refused, count, "some mutants must still validate")
        XCTAssertEqual(failures, [])
    }

    func testScalarValues_swappedForAbsurdOnes_refusedWithPositionsOrValid() throws {
        let absurd = ["''", "-1", "0", "1e300", "-1e300", ".nan", ".inf", "1e9", "99999999999999999999", "[]", "{}", "~", "true", "'x'",
                      "[1e300, 1e300]", "0.5"]
        var failures: [String] = [], count = 0
        for (name, text) in try seeds() {
            let lines = text.components(separatedBy: "\n")
            for (i, line) in lines.enumerated() {
                // `key: value` with a plain value (not a block opener, not a comment).
                let code = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? line
                guard let colon = code.range(of: ": "), !code[colon.upperBound...].trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                for value in absurd {
                    var mutant = lines
                    mutant[i] = String(code[..<colon.upperBound]) + value
                    count += 1
                    if let f = check(Array(mutant.joined(separator: "\n").utf8), "\(name) line \(i + 1) = \(value)") { failures.append(f) }
                }
            }
        }
        XCTAssertGreaterThan(count, 1000)
        XCTAssertGreaterThan(refused, count / 2, "most mutants must be refused")   // measured: 219/261, 1153/1500, 2629/2736
        XCTAssertLessThan(refused, count, "some mutants must still validate")
        XCTAssertEqual(failures, [])
    }
}
