import Foundation
import SBICore
import SBIRecipes

/// `sbi fit RECIPE`: the staged pipeline augment → train → limits → plot (Recipes/README.md, the stages).
enum FitCommand {
    static let command = SubCommand(
        name: "fit",
        summary: "Run a recipe end to end: samples, training, limits, contour files (staged, resumable).",
        synopsis: "RECIPE [--out DIR] [--force] [--quiet] [--threads N]",
        discussion: """
        Reads and validates RECIPE (problems are printed as FILE:LINE:COLUMN: KEY.PATH: MESSAGE,
        exit 1, nothing written), then runs the stages in the output folder (outputs.folder, or
        --out), each in its own subfolder:
          augment/<sample>/   augmented samples (x, theta0, theta1, y, r_xz, t_xz as .npy)
          train/<estimator>/  model folders
          limits/             contours.json, pvalues.npy, grid.npy
          plot/               the result files listed in outputs.files (contours.svg, hepdata.yaml, ...)
        Each stage is written to a temporary folder and renamed into place with a stage.json
        holding the hash of its inputs. A re-run skips stages whose inputs did not change;
        after an interruption the run resumes at the first unfinished stage. --force redoes all.
        A summary table (stage, wall time, samples/s, best fit, interval or contour area) and the
        closure report (every estimator's region size per confidence level and, when the truth
        mode ran, its ratio to the exact likelihood's region) end the run.
        """,
        options: [
            .value("out", "DIR", "Output folder (default: the recipe's outputs.folder)."),
            .flag("force", "Redo every stage, even if its inputs are unchanged."),
        ],
        run: { parsed, console in
            guard parsed.positionals.count == 1, let path = parsed.positionals.first else {
                throw SBIError.usage(parsed.positionals.isEmpty ? "expected a recipe file" : "expected one recipe file, got \(parsed.positionals.count)")
            }
            let recipe = try RecipeInput.load(path, console: console, consequence: "; nothing was run")
            let quiet = parsed.has("quiet")
            // Stage lines are progress (silenced by --quiet); warnings are always shown.
            let pipeline = FitPipeline(recipe: recipe, folder: parsed.value("out"), force: parsed.has("force"),
                                       log: { line in
                                           guard !quiet || line.hasPrefix("warning:") else { return }
                                           FileHandle.standardError.write(Data(("sbi fit: " + line + "\n").utf8))
                                       })
            let report = try pipeline.run()
            for line in report.tableLines() { console.print(line) }
            let closure = report.closureLines()
            if !closure.isEmpty {
                console.print("")
                for line in closure { console.print(line) }
            }
            console.print("results in \(report.resultFolder)")
            for file in report.resultFiles { console.print("wrote \(file)") }
        })
}
