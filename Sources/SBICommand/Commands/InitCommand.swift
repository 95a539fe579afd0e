import Foundation
import SBICore
import SBIRecipes

/// `sbi init [PATH]`: writes a commented starter recipe.
enum InitCommand {
    static let command = SubCommand(
        name: "init",
        summary: "Write a commented starter recipe (default recipe.yaml).",
        synopsis: "[PATH] [--force]",
        discussion: """
        Writes a starter recipe for the gaussian toy with every section spelled out and
        commented, ready for 'sbi validate' and 'sbi fit'. An existing file is kept unless
        --force is given; the file is written atomically (all or nothing).
        """,
        options: [.flag("force", "Overwrite an existing file.")],
        run: { parsed, console in
            guard parsed.positionals.count <= 1 else {
                throw SBIError.usage("expected at most one path, got \(parsed.positionals.count)")
            }
            let path = parsed.positionals.first ?? "recipe.yaml"
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                if isDirectory.boolValue { throw SBIError.io("is a folder; give a file name such as \(path)/recipe.yaml", file: path) }
                if !parsed.has("force") { throw SBIError.io("already exists; use --force to overwrite it", file: path) }
            }
            try AtomicFileWriter.write(StarterRecipe.text, to: path)
            console.print("wrote \(path)")
            console.print("next: sbi validate \(path)   then: sbi fit \(path)")
        })
}
