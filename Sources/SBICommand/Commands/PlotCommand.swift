import Foundation
import SBICore
import SBIInference
import SBIRecipes
import SBIReport

/// `sbi plot`: redraws contours.svg from a contours.json written by `sbi limits` or `sbi fit`, or every
/// figure of a fit from its output folder.
enum PlotCommand {
    static let command = SubCommand(
        name: "plot",
        summary: "Redraw contours.svg from a contours.json, or every figure of a fit.",
        synopsis: "(--input contours.json [--output contours.svg] | --fit FOLDER [--output DIR])",
        discussion: """
        --input: reads the contours or intervals of every estimator from the JSON file written by
        'sbi limits' or 'sbi fit' and draws them: one colour per estimator, one line style per
        confidence level, the first estimator's regions filled, best fits as dots, the Asimov point
        as a diamond, the notes on the data. The output defaults to contours.svg next to the input.

        --fit: draws every figure of the 'sbi fit' output FOLDER from its limits and train stages:
        contours.svg, fisher.svg (linearised Fisher regions over the contours), q_<parameter>.svg
        (q, or q profiled over the other parameters) and loss_<estimator>.svg (training and
        validation loss per epoch), and report.html, the page with all of them (with the figures
        only sbi fit draws, observables_*, morphing_*, calibration and coverage, when they are in
        the folder). A fit of three or more parameters has profiles instead: each profile's
        contours.svg (in FOLDER/plot/profiles/), profiles.svg, fisher_<a>_vs_<b>.svg and q_<a>.svg.
        They go into FOLDER/plot, or into DIR, which must be new, empty or hold only
        figures sbi drew.
        """,
        options: [
            .value("input", "PATH", "contours.json to read."),
            .value("fit", "FOLDER", "Output folder of 'sbi fit' to draw every figure of."),
            .value("output", "PATH", "SVG file (--input; default: next to the input) or folder (--fit; default FOLDER/plot)."),
        ],
        run: { parsed, console in
            guard parsed.positionals.isEmpty else { throw SBIError.usage("unexpected argument '\(parsed.positionals[0])'") }
            switch (parsed.value("input"), parsed.value("fit")) {
            case (let input?, nil):
                let output = parsed.value("output") ?? {
                    guard let slash = input.lastIndex(of: "/") else { return "contours.svg" }
                    return String(input[...slash]) + "contours.svg"
                }()
                let file = try ContoursFile.read(input)
                try ContourPlot.write(file, to: output)
                console.print("\(file.estimators.count) estimator\(file.estimators.count == 1 ? "" : "s"), \(file.confidenceLevels.count) confidence level\(file.confidenceLevels.count == 1 ? "" : "s")")
                console.print("wrote \(output)")
            case (nil, let fit?):
                try plotFit(fit, output: parsed.value("output"), console: &console)
            default:
                throw SBIError.usage("give exactly one of --input contours.json and --fit FOLDER")
            }
        })

    /// Every figure of the fit in `fit` into `output` (default `fit/plot`, the plot stage sbi wrote).
    static func plotFit(_ fit: String, output: String?, console: inout Console) throws {
        let limits = fit + "/limits"
        guard FileManager.default.fileExists(atPath: limits + "/contours.json")
              || FileManager.default.fileExists(atPath: limits + "/" + ProfileResultWriter.folderName + "/" + ProfileResultWriter.indexFileName) else {
            throw SBIError.io("no limits results (limits/contours.json, or limits/profiles/ for 3 or more parameters) in this folder; run sbi fit first", file: fit)
        }
        let results = try LimitsResultSet.read(limits)
        let folder: String
        if let output {
            try OwnedFolder.checkReplaceable(output, ownNames: FitFigures.fileNames + [FitReportPage.fileName], option: "--output")
            try OwnedFolder.checkSeparate(output: output, inputs: [fit + "/limits", fit + "/train"], option: "--output")
            do { try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true) } catch {
                throw SBIError.io("cannot create the folder: \(error.localizedDescription)", file: output)
            }
            try OwnedFolder.mark(output, writer: "sbi plot")
            folder = output
        } else {
            folder = fit + "/plot"
            guard FileManager.default.fileExists(atPath: folder + "/stage.json") else {
                throw SBIError.io("not the plot stage of sbi fit (no stage.json); give --output DIR", file: folder)
            }
        }
        var contours: [String] = []
        for entry in results.entries {
            // A profile's contours.svg sits in its folder under the plot stage's profiles/ (not under --output).
            let name = entry.folder.isEmpty ? "contours.svg" : entry.folder + "/contours.svg"
            guard entry.folder.isEmpty || (output == nil && FileManager.default.fileExists(atPath: folder + "/" + entry.folder)) else { continue }
            try ContourPlot.write(entry.file, to: folder + "/" + name)
            contours.append(name)
        }
        let figures = try FitFigures.write(limits: limits, train: fit + "/train", into: folder)
        try FitReportPage.write(fit: fit, plotFolder: folder)
        for name in contours + figures + [FitReportPage.fileName] { console.print("wrote \(folder)/\(name)") }
    }
}
