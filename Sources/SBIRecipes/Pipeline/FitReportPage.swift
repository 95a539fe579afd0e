import Foundation
import SBICore
import SBIInference
import SBIReport

/// `report.html` of a fit (`ReportPage`), put together from its output folder: the limits stage's
/// contours.json (or its profiles, `LimitsResultSet`), fisher.json and coverage.json, the figures in the plot folder, every stage's
/// stage.json and the recipe the plot stage saved (`recipe.json`).
///
/// ```
/// <out>/plot/report.html   written by the plot stage (no wall times: a stage's bytes do not depend on the clock),
///                          again by sbi fit at the end of a local run with the wall time of every stage it ran,
///                          and by sbi plot --fit
/// ```
/// The wall times sit in cells of class `wall-time`; apart from them the page is the same bytes for the
/// same recipe, however and wherever the fit ran.
public enum FitReportPage {
    /// The file name.
    public static let fileName = "report.html"
    /// The canonical recipe the plot stage saves beside the report.
    public static let recipeFileName = "recipe.json"

    /// The recipe as sbi read it: canonical JSON (sorted keys, defaults filled in), pretty-printed.
    public static func recipeJSON(_ recipe: Recipe) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        // Encoding the validated recipe (plain structs, numbers and strings) cannot fail.
        return Array((try? encoder.encode(recipe)) ?? Data()) + [0x0a]
    }

    /// Writes `plot/report.html` of the fit in `fit` (or into `plotFolder`), with `seconds` per stage for
    /// the stages of this run.
    /// - Throws: `SBIError.io`/`.data` naming a missing or damaged contours.json (or profile), fisher.json or figure.
    public static func write(fit: String, plotFolder: String? = nil, seconds: [RecipeStage: Double] = [:]) throws {
        let plot = plotFolder ?? fit + "/plot"
        let limits = fit + "/" + RecipeStage.limits.rawValue
        var content = ReportPage.Content(title: "sbi fit \((fit as NSString).lastPathComponent)", results: try LimitsResultSet.read(limits))
        if let recipe = FileManager.default.contents(atPath: plot + "/" + recipeFileName)
            ?? FileManager.default.contents(atPath: fit + "/plot/" + recipeFileName) {
            content.recipe = String(decoding: recipe, as: UTF8.self)
            if let name = (try? JSONSerialization.jsonObject(with: recipe)) .flatMap({ ($0 as? [String: Any])?["name"] as? String }) {
                content.title = "sbi fit: \(name)"
            }
        }
        if FileManager.default.fileExists(atPath: limits + "/fisher.json") { content.fisher = try FisherFileEntry.read(limits + "/fisher.json") }
        content.coverage = ToyCoverageFile.read(limits + "/" + ToyCoverageFile.fileName)?.coverage ?? []
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: plot)) ?? []).filter(FitFigures.isFigure)
        // contours.svg first, then the others in FitFigures' order.
        let ordered = names.sorted { rank($0) == rank($1) ? $0 < $1 : rank($0) < rank($1) }
        content.figures = try ordered.map { name in
            guard let data = FileManager.default.contents(atPath: plot + "/" + name) else { throw SBIError.io("cannot read the figure", file: plot + "/" + name) }
            return (name, String(decoding: data, as: UTF8.self))
        }
        // The stages before plot: the plot stage writes this page, so its own record is not final yet.
        for stage in FitPipeline.stages where stage != .plot {
            guard let record = FitStageRecord.read(fit + "/" + stage.rawValue + "/stage.json") else { continue }
            content.stages.append(.init(name: stage.rawValue, seconds: seconds[stage], items: record.items, detail: record.detail))
        }
        try ReportPage.write(content, to: plot + "/" + fileName)
    }

    /// The position of a figure in the page: contours (or the profiles' overview), Fisher, q curves, losses, observables.
    static func rank(_ name: String) -> Int {
        if name == "contours.svg" || name == ProfileResultWriter.overviewFileName { return 0 }
        if name.hasPrefix("fisher") { return 1 }
        if name.hasPrefix("q_") { return 2 }
        return name.hasPrefix("loss_") || name == "calibration.svg" || name == "coverage.svg" ? 3 : 4
    }
}
