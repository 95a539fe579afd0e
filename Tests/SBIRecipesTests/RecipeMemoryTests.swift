import Foundation
import XCTest
@testable import SBIRecipes

/// Sizes a recipe asks for are checked against a memory limit before anything runs
/// (`RecipeDecoder+Memory`). The limit is given explicitly (24 GB) so the expectations do not depend on the test machine; each expected
/// figure is worked out by hand in the comment above it from the documented formulas.
final class RecipeMemoryTests: XCTestCase {
    static let limit = 24e9

    func parseErrors(_ edits: [(String, String)]) -> [String] {
        var text = MalformedRecipeTests.base
        for (old, new) in edits {
            precondition(text.contains(old), "the base recipe has no \"\(old)\"")
            text = text.replacingOccurrences(of: old, with: new)
        }
        return recipeProblems(text, folder: NSTemporaryDirectory(), memoryLimit: Self.limit)
    }

    /// wbf-higgs, the largest: 500 000 ratio events × 8·(2 + 8 + 2) = 48 MB and a pool of
    /// 2 000 000 events × 8·(2 + 4 + 6 + 2) = 224 MB.
    func testShippedRecipes_fitInOneGigabyte() throws {
        for name in ["gaussian-quickstart", "drell-yan", "wbf-higgs"] {
            let path = ShippedRecipeGuardTests.recipesFolder + "/" + name + ".yaml"
            let text = try String(contentsOfFile: path, encoding: .utf8)
            XCTAssertNoThrow(try RecipeLoader.parse(text, file: path, memoryLimit: 1e9), name)
        }
    }

    /// Gaussian (1 observable, 1 parameter), layers [2, 100000, 100000, 1]:
    /// P = 100000·3 + 100000·100001 + 1·100001 = 10 000 500 001 weights;
    /// 20·P + 8·128·2·200003 = 200 010 000 020 + 409 606 144 bytes ≈ 200.4 GB.
    func testHiddenLayersOfOneHundredThousand_refusedWithEstimateAndLimit() {
        XCTAssertEqual(parseErrors([("    sample: train\n", "    sample: train\n    hidden_layers: [100000, 100000]\n")]), [
            "recipe.yaml:19:20: estimators[0].hidden_layers: needs about 200.4 GB of memory for training carl "
                + "(hidden_layers [100000, 100000], batch_size 128); sbi may use 24.0 GB on this machine (80 % of its memory); use narrower layers",
        ])
        XCTAssertEqual(parseErrors([("    sample: train\n", "    sample: train\n    hidden_layers: [1000, 1000]\n")]), [])
    }

    /// Gaussian: x and z one column each; 10⁹ Asimov events ·8·2 = 16 GB, twice with
    /// fisher_information (its default; 32 GB), plus 11 grid points (negligible).
    func testAsimovEventsOneBillion_refusedWhenTheFisherSampleDoublesIt() {
        let asimov = ("theta_true: [1]", "theta_true: [1]\n  asimov_events: 1e9")
        XCTAssertEqual(parseErrors([asimov, ("  grid:", "  fisher_information: false\n  grid:")]), [])
        XCTAssertEqual(parseErrors([asimov]), [
            "recipe.yaml:24:18: inference.asimov_events: needs about 32.0 GB of memory for the limits "
                + "(1000000000 Asimov events, 11 grid points); sbi may use 24.0 GB on this machine (80 % of its memory); reduce asimov_events or the grid",
        ])
    }

    /// Gaussian ratio sample: 8·(1 + 4 + 2) = 56 bytes per event; 10⁹ events = 56 GB.
    func testSampleOfOneBillionEvents_refusedAtItsEventsField() {
        XCTAssertEqual(parseErrors([("events: 1000", "events: 1000000000")]), [
            "recipe.yaml:14:13: samples[0].events: needs about 56.0 GB of memory for sample train "
                + "(1000000000 events); sbi may use 24.0 GB on this machine (80 % of its memory); reduce events",
        ])
    }
}
