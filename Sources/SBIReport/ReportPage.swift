import Foundation
import SBICore
import SBIInference

/// `report.html`: one self-contained page per fit (no network, no JavaScript) with what a physicist
/// checks before trusting a limit: the notes on the data, the closure table (size of every region and
/// its ratio to the exact likelihood's), coverage from toys, every figure, the Fisher matrices, the
/// stages with their wall times, the recipe as sbi read it and its hash, and the program version.
///
/// Figures are embedded as `data:image/svg+xml;base64,…` images, so the page is one file that can be
/// mailed or attached to an analysis note.
public enum ReportPage {
    /// One stage of the fit.
    public struct Stage: Sendable {
        public var name: String
        /// Wall seconds of the run that wrote the page; nil when unknown (skipped, another process, Slurm).
        public var seconds: Double?
        public var items: Int
        public var detail: String
        public init(name: String, seconds: Double?, items: Int, detail: String) {
            self.name = name
            self.seconds = seconds
            self.items = items
            self.detail = detail
        }
    }

    /// Everything the page shows.
    public struct Content: Sendable {
        public var title: String
        /// The regions: one contours file, or every profile of a scan over 3 or more parameters (a closure table each).
        public var results: LimitsResultSet
        public var fisher: [FisherFileEntry] = []
        public var coverage: [ToyCoverageFile.Row] = []
        /// (file name, SVG document), in the order shown.
        public var figures: [(name: String, svg: String)] = []
        public var stages: [Stage] = []
        /// The recipe as sbi read it (canonical JSON, defaults filled in), if known.
        public var recipe: String?
        public var programVersion = SBIVersion.string
        /// The page of one contours file.
        public init(title: String, contours: ContoursFile) {
            self.init(title: title, results: LimitsResultSet(parameters: contours.parameters.map(\.name),
                                                             entries: [.init(title: nil, folder: "", kept: Array(contours.parameters.indices), file: contours)]))
        }
        /// The page of a limits folder's results.
        public init(title: String, results: LimitsResultSet) {
            self.title = title
            self.results = results
        }
    }

    /// The HTML document.
    public static func html(_ c: Content) -> String {
        var body = "<h1>\(escape(c.title))</h1>\n"
        let hash = c.results.entries.first?.file.recipeHash
        body += "<p class=\"meta\">sbi \(escape(c.programVersion))" + (hash.map { " · recipe hash <code>\(escape($0))</code>" } ?? "") + "</p>\n"
        let notes = c.results.sharedNotes
        if !notes.isEmpty {
            body += "<ul class=\"notes\">" + notes.map { "<li>\(escape($0))</li>" }.joined() + "</ul>\n"
        }
        body += closureTables(c.results)
        if !c.coverage.isEmpty { body += coverageTable(c.coverage) }
        if !c.figures.isEmpty {
            body += "<h2>Figures</h2>\n"
            for (name, svg) in c.figures {
                let data = Data(svg.utf8).base64EncodedString()
                body += "<figure><img alt=\"\(escape(name))\" src=\"data:image/svg+xml;base64,\(data)\"><figcaption>\(escape(name))</figcaption></figure>\n"
            }
        }
        if !c.fisher.isEmpty { body += fisherTables(c.fisher) }
        if !c.stages.isEmpty { body += stageTable(c.stages) }
        if let recipe = c.recipe {
            body += "<h2>Recipe</h2>\n<p>As sbi read it, defaults filled in (its hash is above).</p>\n<pre>\(escape(recipe))</pre>\n"
        }
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>\(escape(c.title))</title>
        <style>
        body { font-family: Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
        table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
        th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: right; }
        th:first-child, td:first-child, td.text { text-align: left; }
        .flag { color: #b00; font-weight: bold; }
        figure { display: inline-block; margin: 0 1em 1em 0; }
        figure img { width: 36em; border: 1px solid #ddd; }
        pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 85%; }
        .meta { color: #555; }
        </style>
        </head>
        <body>
        \(body)</body>
        </html>

        """
    }

    /// Writes `html(content)` atomically.
    public static func write(_ content: Content, to path: String) throws {
        try AtomicFileWriter.write(html(content), to: path)
    }

    /// The closure tables: one for the whole scan, or one per profile under its title.
    static func closureTables(_ results: LimitsResultSet) -> String {
        var out = "<h2>Regions and closure</h2>\n<p>Size of each confidence region and its ratio to the exact likelihood's "
            + "(an estimator cannot beat the exact likelihood: a ratio below 1 is noise or an error, above 1 lost information)"
            + (results.isProfiled ? "; for each parameter and pair with the others profiled (maximum of log L over them on the grid)" : "") + ".</p>\n"
        for entry in results.entries {
            if let title = entry.title { out += "<h3>\(escape(title))</h3>\n" }
            out += closureTable(entry.file)
        }
        return out
    }

    /// Estimator × CL: size (area or length), status, ratio to truth; ratios above 1.05 flagged.
    static func closureTable(_ file: ContoursFile) -> String {
        let sizeName = file.parameters.count == 2 ? "area" : "length"
        var out = "<table class=\"closure\">\n<tr><th>estimator</th><th>mode</th><th>CL</th><th>\(sizeName)</th><th>status</th><th>× truth</th><th>best fit</th></tr>\n"
        for e in file.estimators {
            for r in e.regions ?? [] {
                let ratio = r.ratioToTruth.map { ratio -> String in
                    let text = "×" + SVGText.significant(ratio, digits: 3)
                    return abs(ratio - 1) > 0.05 ? "<span class=\"flag\">\(text)</span>" : text
                } ?? "—"
                out += "<tr><td>\(escape(e.name))</td><td class=\"text\">\(escape(e.mode))</td><td>\(SVGText.number(r.confidenceLevel * 100))%</td>"
                    + "<td>\(SVGText.significant(r.size, digits: 4))</td><td class=\"text\">\(r.status.rawValue)</td><td>\(ratio)</td>"
                    + "<td>\(e.bestFit.map { SVGText.significant($0, digits: 4) }.joined(separator: ", "))</td></tr>\n"
            }
        }
        return out + "</table>\n"
    }

    static func coverageTable(_ rows: [ToyCoverageFile.Row]) -> String {
        var out = "<h2>Coverage from pseudo-experiments</h2>\n<table class=\"coverage\">\n<tr><th>likelihood</th><th>CL</th><th>toys</th><th>covered</th><th>fraction</th></tr>\n"
        for r in rows {
            let off = abs(r.fraction - r.confidenceLevel) > 3 * max(r.binomialError, 1e-12)
            let fraction = "\(SVGText.significant(r.fraction, digits: 3)) ± \(SVGText.significant(r.binomialError, digits: 2))"
            out += "<tr><td>\(escape(r.name))</td><td>\(SVGText.number(r.confidenceLevel * 100))%</td><td>\(r.toys)</td><td>\(r.covered)</td>"
                + "<td>\(off ? "<span class=\"flag\">\(fraction)</span>" : fraction)</td></tr>\n"
        }
        return out + "</table>\n"
    }

    static func fisherTables(_ entries: [FisherFileEntry]) -> String {
        var out = "<h2>Fisher information at θ_true</h2>\n"
        for e in entries {
            out += "<table class=\"fisher\">\n<tr><th>\(escape(e.name)) (\(escape(e.mode)))</th>" + e.parameters.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
            let k = e.parameters.count
            for i in 0..<k {
                out += "<tr><td>\(escape(e.parameters[i]))</td>" + (0..<k).map { "<td>\(SVGText.significant(e.matrix[i * k + $0], digits: 4))</td>" }.joined() + "</tr>\n"
            }
            out += "</table>\n"
        }
        return out
    }

    static func stageTable(_ stages: [Stage]) -> String {
        var out = "<h2>Stages</h2>\n<table class=\"stages\">\n<tr><th>stage</th><th>wall time</th><th>items</th><th>result</th></tr>\n"
        for s in stages {
            let time = s.seconds.map { String(format: "%.2f s", $0) } ?? "not in this run"
            out += "<tr><td>\(escape(s.name))</td><td class=\"wall-time\">\(time)</td><td>\(s.items)</td><td class=\"text\">\(escape(s.detail))</td></tr>\n"
        }
        return out + "</table>\n"
    }

    static func escape(_ s: String) -> String { SVGText.escape(s) }
}
