import Foundation
import SBICore
import SBIRecipes

/// `sbi bench coverage`: the time of a recipe's pseudo-experiments with its trained networks, and their
/// coverage (README.md, "Benchmarks").
///
/// The recipe runs with modes truth (if listed) and ml only, its ratio estimators only, in a temporary
/// folder: once without toys (augment, train, limits), then again with `toys: {count: N}` so that only
/// the limits stage re-runs, with the same networks. The toys' time is the difference of the two limits stages.
/// ```
/// coverage_<recipe>_toys               N
/// coverage_<recipe>_toys_wall          seconds of the N toys (limits with toys − limits without)
/// coverage_<recipe>_toys_rate          toys/s
/// coverage_<recipe>_limits_with_toys   seconds of the limits stage with toys
/// coverage_<recipe>_<scan>_cl<CL>      coverage of the scan's CL region at theta_true (binomial error in the unit)
/// ```
enum CoverageBenchmark {
    static func figures(recipePath path: String, toys: Int, console: Console) throws -> [(name: String, value: Double, unit: String)] {
        var recipe = try RecipeInput.load(path, console: console, consequence: "; nothing was run")
        guard case .asimov = recipe.inference.data else {
            throw SBIError.usage("the coverage suite draws toys at theta_true; \(path) fits observed data", field: "--recipe")
        }
        let ratio = Set(recipe.estimators.filter(\.method.isRatio).map(\.name))
        recipe.estimators = recipe.estimators.filter { ratio.contains($0.name) }
        recipe.inference.estimators = recipe.inference.estimators.filter { ratio.contains($0) }
        recipe.inference.modes = recipe.inference.modes.filter { $0 == .truth || ($0 == .ml && !ratio.isEmpty) }
        guard !recipe.inference.modes.isEmpty else {
            throw SBIError.usage("\(path) has neither mode truth nor a ratio estimator in mode ml", field: "--recipe")
        }
        recipe.inference.fisherInformation = false
        recipe.inference.toys = nil
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let folder = NSTemporaryDirectory() + "sbi-bench-coverage-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let without = try FitPipeline(recipe: recipe, folder: folder, force: true).run()
        recipe.inference.toys = RecipeToys(count: toys, seed: recipe.seed)
        let with = try FitPipeline(recipe: recipe, folder: folder).run()
        func limits(_ r: FitReport) -> Double { r.rows.first { $0.stage == .limits }?.seconds ?? 0 }
        let wall = limits(with) - limits(without)
        var out: [(name: String, value: Double, unit: String)] = [
            ("coverage_\(name)_toys", Double(toys), "toys"),
            ("coverage_\(name)_toys_wall", wall, "s"),
            ("coverage_\(name)_toys_rate", wall > 0 ? Double(toys) / wall : 0, "toys/s"),
            ("coverage_\(name)_limits_with_toys", limits(with), "s"),
        ]
        for row in with.coverage {
            out.append(("coverage_\(name)_\(row.name)_cl\(String(format: "%g", row.confidenceLevel * 100))", row.fraction,
                        "± " + BenchCommand.formatFigure(row.binomialError)))
        }
        return out
    }
}
