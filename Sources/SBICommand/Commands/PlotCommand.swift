import SBICore
import SBIInference
import SBIReport

/// `sbi plot`: redraws contours.svg from a contours.json written by `sbi limits`.
enum PlotCommand {
    static let command = SubCommand(
        name: "plot",
        summary: "Redraw contours.svg from a contours.json.",
        synopsis: "--input contours.json [--output contours.svg]",
        discussion: """
        Reads the contours or intervals of every estimator from the JSON file written by
        'sbi limits' and draws them: one colour per estimator, one line style per confidence
        level, best fits as dots, the Asimov point as a diamond. The output defaults to
        contours.svg next to the input.
        """,
        options: [
            .value("input", "PATH", "contours.json to read."),
            .value("output", "PATH", "SVG file to write (default: next to the input)."),
        ],
        run: { parsed, console in
            guard parsed.positionals.isEmpty else { throw SBIError.usage("unexpected argument '\(parsed.positionals[0])'") }
            let input = try CommandInput.required(parsed, "input")
            let output = parsed.value("output") ?? {
                guard let slash = input.lastIndex(of: "/") else { return "contours.svg" }
                return String(input[...slash]) + "contours.svg"
            }()
            let file = try ContoursFile.read(input)
            try ContourPlot.write(file, to: output)
            console.print("\(file.estimators.count) estimator\(file.estimators.count == 1 ? "" : "s"), \(file.confidenceLevels.count) confidence level\(file.confidenceLevels.count == 1 ? "" : "s")")
            console.print("wrote \(output)")
        })
}
