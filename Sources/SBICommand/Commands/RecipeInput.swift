import SBICore
import SBIRecipes

/// Loading a recipe from the command line: every problem on standard error as
/// `FILE:LINE:COLUMN: KEY.PATH: MESSAGE`, then one `SBIError.data` (exit 1) naming the file.
enum RecipeInput {
    /// The validated recipe at `path`; `consequence` ends the summary line (", nothing was run").
    static func load(_ path: String, console: Console, consequence: String = "") throws -> Recipe {
        do {
            return try RecipeLoader.load(path: path)
        } catch let errors as RecipeErrors {
            for error in errors.errors { console.error(error.description + "\n") }
            let n = errors.errors.count
            throw SBIError.data("\(n) problem\(n == 1 ? "" : "s") found\(consequence)", file: path)
        }
    }
}
