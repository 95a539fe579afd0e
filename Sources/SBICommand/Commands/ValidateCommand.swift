import SBICore
import SBIRecipes

/// `sbi validate RECIPE`: checks a recipe without running anything.
enum ValidateCommand {
    static let command = SubCommand(
        name: "validate",
        summary: "Check a recipe; print every problem with file:line:column.",
        synopsis: "RECIPE",
        discussion: """
        Reads RECIPE (YAML), checks every field, type, range and link between sections, and
        prints either 'RECIPE: OK' with a short summary and the recipe's hash, or every
        problem, one per line, as FILE:LINE:COLUMN: KEY.PATH: MESSAGE (exit 1).
        The schema is documented in Recipes/README.md.
        """,
        options: [],
        run: { parsed, console in
            guard parsed.positionals.count == 1, let path = parsed.positionals.first else {
                throw SBIError.usage(parsed.positionals.isEmpty ? "expected a recipe file" : "expected one recipe file, got \(parsed.positionals.count)")
            }
            let recipe = try RecipeInput.load(path, console: console)
            console.print("\(path): OK")
            for line in summary(recipe) { console.print("  " + line) }
        })

    /// A few lines describing the validated recipe.
    static func summary(_ r: Recipe) -> [String] {
        func f(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)" }
        var lines: [String] = []
        lines.append("name        \(r.name)")
        let params = r.parameters.map { "\($0.name) in [\(f($0.range.lowerBound)), \(f($0.range.upperBound))]" }
        lines.append("simulator   \(r.simulator.name?.rawValue ?? "events (\(r.simulator.events?.files.map(\.path).joined(separator: ", ") ?? ""))"); parameters \(params.joined(separator: ", "))")
        if let background = r.simulator.events?.backgroundFiles, !background.isEmpty {
            lines.append("background  " + background.map(\.path).joined(separator: ", "))
        }
        if !r.samples.isEmpty {
            lines.append("samples     " + r.samples.map { "\($0.name) (\($0.kind.rawValue), \($0.events) events)" }.joined(separator: ", "))
        }
        if !r.estimators.isEmpty {
            lines.append("estimators  " + r.estimators.map { "\($0.name) (\($0.method.rawValue), \($0.training.epochs) epochs)" }.joined(separator: ", "))
        }
        let data: String
        switch r.inference.data {
        case .asimov(let theta): data = "Asimov at (\(theta.map(f).joined(separator: ", ")))"
        case .observed(let file): data = "observed \(file.path)"
        }
        lines.append("inference   \(r.inference.modes.map(\.rawValue).joined(separator: ", ")); grid \(r.inference.grid.points.map(String.init).joined(separator: "x")); \(data); CL \(r.inference.confidenceLevels.map { "\($0)" }.joined(separator: ", "))")
        if let toys = r.inference.toys {
            lines.append("toys        \(toys.count) at theta_true (seed \(toys.seed))"
                         + (toys.neymanPoints.map { "; Neyman construction at \($0.map(String.init).joined(separator: "x")) points" } ?? ""))
        }
        if let c = r.inference.calibration {
            lines.append("calibration \(c.points) theta0 points x \(c.events) events per class, \(c.bins) bins")
        }
        if let nuisance = r.nuisance, !nuisance.isEmpty {
            lines.append("nuisance    " + nuisance.map { n in n.uncertainty.map { "\(n.name) (\(n.kind.rawValue) \(f($0 * 100)) %)" } ?? "\(n.name) (\(n.kind.rawValue), N(0, 1))" }.joined(separator: ", "))
        }
        lines.append("outputs     \(r.outputs.folder): \(r.outputs.files.map(\.rawValue).joined(separator: ", "))")
        lines.append("hash        \(r.canonicalHash)")
        return lines
    }
}
