// Tests of SBIRecipes; see the test files in this folder.
import SBICore
@testable import SBIRecipes

/// The problems `RecipeLoader` reports for `text` (one `file:line:column: field: message` each), or
/// [] when the recipe is accepted; any other error becomes one entry "unexpected …".
func recipeProblems(_ text: String, file: String = "recipe.yaml", folder: String = "",
                    memoryLimit: Double = MemoryBudget.usableBytes) -> [String] {
    do {
        _ = try RecipeLoader.parse(text, file: file, folder: folder, memoryLimit: memoryLimit)
        return []
    } catch let errors as RecipeErrors {
        return errors.errors.map(\.description)
    } catch {
        return ["unexpected \(error)"]
    }
}
