import SBICore

/// A sub-command of `sbi`: its name, help text, options and action.
struct SubCommand: Sendable {
    /// The word after `sbi` (`bench`).
    let name: String
    /// One line for `sbi --help`.
    let summary: String
    /// The synopsis after `sbi NAME` (`[gemm|all]`).
    let synopsis: String
    /// Paragraphs shown by `sbi NAME --help` after the synopsis.
    let discussion: String
    /// Options besides the global ones.
    let options: [OptionSpec]
    /// Runs with the parsed options; writes results to standard output.
    let run: @Sendable (ParsedOptions, inout Console) throws -> Void

    /// The text of `sbi NAME --help`.
    func helpText() -> String {
        var text = "Usage: sbi \(name) \(synopsis)\n\n\(summary)\n"
        if !discussion.isEmpty { text += "\n\(discussion)\n" }
        let all = options + GlobalOptions.specs
        text += "\nOptions:\n"
        for spec in all {
            let left = "  --\(spec.name)" + (spec.valueName.map { " \($0)" } ?? "")
            text += left.padding(toWidth: 24) + spec.help + "\n"
        }
        text += "  --help".padding(toWidth: 24) + "Show this help.\n"
        return text
    }
}

/// Options every sub-command accepts.
enum GlobalOptions {
    static let specs: [OptionSpec] = [
        .flag("quiet", "No progress display."),
        .value("threads", "N", "Threads for OpenBLAS (default: all cores)."),
    ]

    /// Applies `--quiet` and `--threads` to the process.
    static func apply(_ parsed: ParsedOptions) throws {
        if parsed.has("quiet") { ProgressReporter.globallyQuiet = true }
        if let n = try parsed.integer("threads", in: 1...1024) { BLASLibrary.setThreadCount(n) }
    }
}

extension String {
    func padding(toWidth width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
