import SBICore

/// The `sbi` command: hand-written dispatch of sub-commands.
///
/// Exit codes: 0 success; 1 bad input data or a failed computation; 2 wrong
/// usage (unknown command or option, bad value); 70 an internal error.
enum SBIMain {
    /// Every sub-command, in the order `sbi --help` lists them.
    static let commands: [SubCommand] = [
        SimulateCommand.command,
        AugmentCommand.command,
        TrainCommand.command,
        EvaluateCommand.command,
        LimitsCommand.command,
        PlotCommand.command,
        BenchCommand.command,
        ValidateCommand.command,
        FitCommand.command,
        InitCommand.command,
        ImportMadMinerCommand.command,
        EventsCommand.command,
    ]

    static let usage = "Usage: sbi [--version] [--help] <command> [options]"

    /// Runs `sbi` with `arguments` (without the program name) and returns the exit code.
    static func run(_ arguments: [String], console: inout Console) -> Int32 {
        GSL.prepare()
        guard let first = arguments.first else {
            console.output(topLevelHelp())
            return 0
        }
        if first == "--help" || first == "-h" || first == "help" && arguments.count == 1 {
            console.output(topLevelHelp())
            return 0
        }
        if first == "--version" {
            console.print("sbi \(SBIVersion.string)")
            return 0
        }
        var name = first
        var rest = Array(arguments.dropFirst())
        if first == "help", let topic = arguments.dropFirst().first {
            name = topic
            rest = ["--help"]
        }
        guard let command = commands.first(where: { $0.name == name }) else {
            var message = first.hasPrefix("-") ? "unknown option '\(first)'" : "unknown command '\(first)'"
            if let close = Suggestion.closest(to: first, among: commands.map(\.name)) { message += "; did you mean '\(close)'?" }
            console.error("sbi: error: \(message)\n\(usage)\nSee 'sbi --help'.\n")
            return 2
        }
        if rest.contains("--help") || rest.contains("-h") {
            console.output(command.helpText())
            return 0
        }
        do {
            let parsed = try ParsedOptions(rest, specs: command.options + GlobalOptions.specs, command: "sbi \(name)")
            try GlobalOptions.apply(parsed)
            try command.run(parsed, &console)
            return 0
        } catch let error as SBIError {
            var text = "sbi \(name): error: \(error)\n"
            if error.kind == .usage { text += "Usage: sbi \(name) \(command.synopsis)\nSee 'sbi \(name) --help'.\n" }
            console.error(text)
            return error.exitCode
        } catch {
            console.error("sbi \(name): internal error: \(error)\n")
            return 70
        }
    }

    static func topLevelHelp() -> String {
        var text = """
        sbi \(SBIVersion.string): simulation-based inference for particle physics

        \(usage)

        Commands:

        """
        for command in commands {
            text += "  " + command.name.padding(toWidth: 12) + command.summary + "\n"
        }
        text += """

        Global options:
          --version   Print the version and exit.
          --help      Show help; 'sbi <command> --help' for a command.
          --quiet     No progress display.
          --threads N Threads for OpenBLAS.

        """
        return text
    }
}
