import Foundation
import SBICore

/// Reads and validates recipe files.
///
/// ```
/// text → YAMLReader (syntax, duplicate keys, alias bombs) → RecipeDecoder (types, ranges, links) → Recipe
/// ```
/// Every problem of a file is reported at once as `RecipeErrors`; a syntax error stops at
/// the first because libyaml cannot continue past it.
/// [1] Recipes/README.md (the schema and the stages).
public enum RecipeLoader {
    /// Reads and validates the recipe at `path` (paths inside it are relative to its folder).
    /// - Throws: `SBIError.io` naming `path` if it cannot be read; `RecipeErrors` listing every
    ///   problem if it is not a valid recipe.
    public static func load(path: String) throws -> Recipe {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw SBIError.io("no such file", file: path)
        }
        guard !isDirectory.boolValue else { throw SBIError.io("is a folder, not a recipe file", file: path) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SBIError.io("cannot read the file (permission?)", file: path)
        }
        let url = URL(fileURLWithPath: path)
        let folder = (path as NSString).deletingLastPathComponent
        return try parse(bytes: Array(data), file: path, folder: folder, defaultName: url.deletingPathExtension().lastPathComponent)
    }

    /// Validates recipe `text`; `file` names it in errors, relative paths resolve against `folder`.
    /// - Throws: `RecipeErrors` listing every problem.
    public static func parse(_ text: String, file: String, folder: String = "", defaultName: String = "recipe",
                             memoryLimit: Double = MemoryBudget.usableBytes) throws -> Recipe {
        try parse(bytes: Array(text.utf8), file: file, folder: folder, defaultName: defaultName, memoryLimit: memoryLimit)
    }

    /// Validates recipe bytes (UTF-8); as `parse(_:file:folder:defaultName:)`. `memoryLimit` (bytes,
    /// default `MemoryBudget.usableBytes`) bounds what the recipe's stages may hold.
    public static func parse(bytes: [UInt8], file: String, folder: String = "", defaultName: String = "recipe",
                             memoryLimit: Double = MemoryBudget.usableBytes) throws -> Recipe {
        let document: YAMLReader.Document
        do {
            document = try YAMLReader().read(bytes: bytes, file: file)
        } catch let error as SBIError {
            throw RecipeErrors([error])
        }
        let decoder = RecipeDecoder(file: file, folder: folder, defaultName: defaultName, memoryLimit: memoryLimit)
        decoder.reader.append(document.problems)
        let recipe = decoder.decode(document.root)
        if let recipe, decoder.reader.problems.isEmpty { return recipe }
        let problems = decoder.reader.problems
        throw RecipeErrors(problems.isEmpty ? [SBIError(.internal, file: file, "the recipe was rejected without a reason (a bug in sbi)")] : problems)
    }
}
