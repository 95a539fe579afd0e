import SBICore
import SBIInference

/// Draws `contours.svg` from a `ContoursFile`: axes labelled from the parameters' LaTeX labels and
/// units, one colour per estimator, one line style per confidence level, the first estimator's regions
/// filled (darker for the inner CL), best fits and θ_true marked, ensemble members as faint lines,
/// optionally the linearised (Fisher) regions, a legend and the file's notes (process, luminosity, data).
///
/// ```
/// 2 parameters: contour paths in the (θ₀, θ₁) plane over the scanned ranges
/// 1 parameter:  one row per estimator with its intervals as bars along θ₀, the axis zoomed to the
///               intervals, best fits and θ_true (padded by a quarter of their span, within the grid)
/// ```
/// Ticks are nice numbers 1, 2, 5 × 10ᵏ (`PlotFrame`).
public enum ContourPlot {
    /// Line colours (Okabe–Ito, distinguishable with colour blindness), by estimator.
    public static let colours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
    /// Dash patterns, by confidence level.
    public static let dashes = ["", "8,4", "2,3", "10,3,2,3"]
    /// The dash pattern of linearised (Fisher) regions.
    static let fisherDash = "5,2,1,2"
    static let height = 520.0

    /// The SVG document; `linearised` adds the Fisher regions of the listed matrices (dotted, in the
    /// colour of the estimator with the same name, grey otherwise).
    public static func svg(_ file: ContoursFile, linearised: [FisherEllipse] = []) -> String {
        let p = file.parameters
        let twoD = p.count == 2
        var frame = PlotFrame(x: p[0].range[0]...p[0].range[1],
                              y: twoD ? p[1].range[0]...p[1].range[1] : 0...Double(max(file.estimators.count, 1)))
        if !twoD { frame.x = zoomedRange(file, linearised: linearised) }
        var body = frame.background() + frame.xAxis(label: axisLabel(p[0]))
        if twoD {
            body += frame.yAxis(label: axisLabel(p[1]))
        } else {
            body += "<g id=\"y-axis\" font-size=\"12\" text-anchor=\"end\">\n"
            for (k, e) in file.estimators.enumerated() {
                body += "<text x=\"\(SVGText.pixel(frame.left - 6))\" y=\"\(SVGText.pixel(frame.py(Double(k) + 0.5) + 4))\">\(SVGText.escape(e.name))</text>\n"
            }
            body += "</g>\n"
        }
        body += "<g id=\"regions\" clip-path=\"url(#plot-area)\" fill=\"none\" stroke-width=\"2\">\n"
        if twoD, let first = file.estimators.first { body += bands(first, colour: colours[0], file: file, frame: frame) }
        for (k, e) in file.estimators.enumerated() {
            let colour = colours[k % colours.count]
            for c in file.confidenceLevels.indices {
                let dash = dashes[c % dashes.count]
                let dashing = dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\""
                // An ensemble's members: thin, faint lines in the ensemble's colour under its own regions (the band).
                let members = e.members ?? []
                for (m, member) in members.enumerated() {
                    body += regions(member, row: k, level: c, file: file, frame: frame,
                                    style: "stroke=\"\(colour)\" stroke-width=\"0.8\" stroke-opacity=\"0.5\"" + dashing,
                                    kind: "member-", offset: 3 * (2 * Double(m + 1) / Double(members.count + 1) - 1))
                }
                body += regions(e, row: k, level: c, file: file, frame: frame, style: "stroke=\"\(colour)\"" + dashing, kind: "", offset: 0)
            }
            // Best fit: a filled circle in the estimator's colour.
            let bx = frame.px(e.bestFit[0]), by = twoD ? frame.py(e.bestFit[1]) : frame.py(Double(k) + 0.5)
            body += "<circle class=\"best-fit\" data-estimator=\"\(SVGText.escape(e.name))\" cx=\"\(SVGText.pixel(bx))\" cy=\"\(SVGText.pixel(by))\" r=\"4\" fill=\"\(colour)\" stroke=\"none\"/>\n"
        }
        body += linearisedRegions(linearised, file: file, frame: frame)
        body += "</g>\n"
        if let t = file.thetaTrue {
            if twoD {
                let x = frame.px(t[0]), y = frame.py(t[1])
                body += "<path id=\"theta-true\" d=\"M\(SVGText.pixel(x)),\(SVGText.pixel(y - 7)) L\(SVGText.pixel(x + 7)),\(SVGText.pixel(y)) L\(SVGText.pixel(x)),\(SVGText.pixel(y + 7)) L\(SVGText.pixel(x - 7)),\(SVGText.pixel(y)) Z\" fill=\"none\" stroke=\"black\" stroke-width=\"1.5\"/>\n"
            } else {
                body += "<line id=\"theta-true\" x1=\"\(SVGText.pixel(frame.px(t[0])))\" y1=\"\(SVGText.pixel(frame.top))\" x2=\"\(SVGText.pixel(frame.px(t[0])))\" y2=\"\(SVGText.pixel(frame.bottom))\" stroke=\"black\" stroke-dasharray=\"1,3\"/>\n"
            }
        }
        let (legendBody, legendWidth) = legend(file, frame: frame, linearised: !linearised.isEmpty)
        body += legendBody
        let title = "\(file.confidenceLevels.map { "\(SVGText.number($0 * 100))%" }.joined(separator: ", ")) CL \(twoD ? "contours" : "intervals")"
        return SVGText.document(width: max(640, frame.right + 20 + legendWidth + 16), height: height, title: title,
                                titleX: (frame.left + frame.right) / 2, body: body)
    }

    /// Writes `svg(file, linearised:)` atomically.
    public static func write(_ file: ContoursFile, linearised: [FisherEllipse] = [], to path: String) throws {
        try AtomicFileWriter.write(svg(file, linearised: linearised), to: path)
    }

    /// 1-D: the span of every interval end, best fit, θ_true and linearised interval, padded by a quarter
    /// of it on each side, inside the scanned range (the whole range when there is nothing to show).
    static func zoomedRange(_ file: ContoursFile, linearised: [FisherEllipse]) -> ClosedRange<Double> {
        let full = file.parameters[0].range[0]...file.parameters[0].range[1]
        var values = file.estimators.flatMap { e in e.bestFit + e.intervals.flatMap { $0.intervals.flatMap { [$0.lower, $0.upper] } } }
        values += file.thetaTrue ?? []
        for l in linearised {
            for cl in file.confidenceLevels { if let r = l.region(confidenceLevel: cl) { values += r.xs } }
        }
        let finite = values.filter { $0.isFinite && full.contains($0) }
        guard let lo = finite.min(), let hi = finite.max(), hi > lo else { return full }
        let pad = (hi - lo) / 4
        return max(full.lowerBound, lo - pad)...min(full.upperBound, hi + pad)
    }

    /// The filled regions of the first estimator: closed paths only, the outer CL lighter, drawn under the lines.
    static func bands(_ e: ContoursFile.Estimator, colour: String, file: ContoursFile, frame: PlotFrame) -> String {
        var out = ""
        let order = file.confidenceLevels.enumerated().sorted { $0.element > $1.element }
        for (rank, (_, cl)) in order.enumerated() {
            let opacity = 0.12 + 0.14 * Double(rank) / Double(max(order.count - 1, 1))
            for path in e.contours.first(where: { $0.confidenceLevel == cl })?.paths ?? [] where path.closed && path.count > 2 {
                out += "<path class=\"band\" data-estimator=\"\(SVGText.escape(e.name))\" data-cl=\"\(cl)\" fill=\"\(colour)\" fill-opacity=\"\(SVGText.number(opacity))\" stroke=\"none\" d=\"\(frame.path(xs: path.xs, ys: path.ys, closed: true))\"/>\n"
            }
        }
        return out
    }

    /// The regions of `r` (an estimator or an ensemble member) in row `k`, at level `c`, with `style`;
    /// `kind` prefixes the classes ("" or "member-"), `offset` moves 1-D intervals within the row.
    static func regions(_ r: ContoursFile.Estimator, row k: Int, level c: Int, file: ContoursFile, frame: PlotFrame,
                        style: String, kind: String, offset: Double) -> String {
        let cl = file.confidenceLevels[c]
        var out = ""
        if file.parameters.count == 2 {
            for path in r.contours.first(where: { $0.confidenceLevel == cl })?.paths ?? [] where path.count > 1 {
                out += "<path class=\"\(kind)contour\" data-estimator=\"\(SVGText.escape(r.name))\" data-cl=\"\(cl)\" \(style) d=\"\(frame.path(xs: path.xs, ys: path.ys, closed: path.closed))\"/>\n"
            }
        } else {
            // The inner CL drawn thicker, so nested intervals read as bands.
            let rank = file.confidenceLevels.filter { $0 > cl }.count
            let width = kind.isEmpty ? 2 + 2 * Double(rank) : 0.8
            let y = frame.py(Double(k) + 0.5) + (Double(c) - Double(file.confidenceLevels.count - 1) / 2) * 8 + offset
            for iv in r.intervals.first(where: { $0.confidenceLevel == cl })?.intervals ?? [] {
                out += "<line class=\"\(kind)interval\" data-estimator=\"\(SVGText.escape(r.name))\" data-cl=\"\(cl)\" \(style) stroke-width=\"\(SVGText.number(width))\" x1=\"\(SVGText.pixel(frame.px(iv.lower)))\" y1=\"\(SVGText.pixel(y))\" x2=\"\(SVGText.pixel(frame.px(iv.upper)))\" y2=\"\(SVGText.pixel(y))\"/>\n"
            }
        }
        return out
    }

    /// The linearised regions: dotted ellipses (2-D) or dotted bars under each estimator's row (1-D).
    static func linearisedRegions(_ list: [FisherEllipse], file: ContoursFile, frame: PlotFrame) -> String {
        var out = ""
        for l in list {
            let row = file.estimators.firstIndex { $0.name == l.name }
            let colour = row.map { colours[$0 % colours.count] } ?? "#666666"
            for cl in file.confidenceLevels {
                guard let region = l.region(confidenceLevel: cl) else { continue }
                let attributes = "class=\"linearised\" data-estimator=\"\(SVGText.escape(l.name))\" data-cl=\"\(cl)\" stroke=\"\(colour)\" stroke-width=\"1.5\" stroke-dasharray=\"\(fisherDash)\""
                if file.parameters.count == 2 {
                    out += "<path \(attributes) d=\"\(frame.path(xs: region.xs, ys: region.ys, closed: true))\"/>\n"
                } else if let row {
                    let y = frame.py(Double(row) + 0.5) + 4 * Double(file.confidenceLevels.count) + 4
                    out += "<line \(attributes) x1=\"\(SVGText.pixel(frame.px(region.xs[0])))\" y1=\"\(SVGText.pixel(y))\" x2=\"\(SVGText.pixel(frame.px(region.xs[1])))\" y2=\"\(SVGText.pixel(y))\"/>\n"
                }
            }
        }
        return out
    }

    /// The legend text of estimator `e`.
    static func legendLabel(_ e: ContoursFile.Estimator) -> String {
        e.name == e.mode ? e.name : "\(e.name) (\(e.mode))"
    }

    /// The legend and the notes right of the frame, and their width (about 7 px per character at size 12).
    static func legend(_ file: ContoursFile, frame: PlotFrame, linearised: Bool) -> (String, Double) {
        let x = frame.right + 20
        var y = frame.top + 10
        var out = "<g id=\"legend\" font-size=\"12\">\n"
        var labels: [String] = []
        func entry(_ symbol: String, _ text: String) {
            out += symbol + "<text x=\"\(SVGText.pixel(x + 34))\" y=\"\(SVGText.pixel(y + 4))\">\(SVGText.escape(text))</text>\n"
            labels.append(text)
            y += 20
        }
        for (k, e) in file.estimators.enumerated() {
            entry("<line x1=\"\(SVGText.pixel(x))\" y1=\"\(SVGText.pixel(y))\" x2=\"\(SVGText.pixel(x + 28))\" y2=\"\(SVGText.pixel(y))\" stroke=\"\(colours[k % colours.count])\" stroke-width=\"3\"/>",
                  legendLabel(e))
        }
        y += 6
        for (c, cl) in file.confidenceLevels.enumerated() {
            let dash = dashes[c % dashes.count]
            entry("<line x1=\"\(SVGText.pixel(x))\" y1=\"\(SVGText.pixel(y))\" x2=\"\(SVGText.pixel(x + 28))\" y2=\"\(SVGText.pixel(y))\" stroke=\"#444444\" stroke-width=\"2\"\(dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"")/>",
                  "\(SVGText.number(cl * 100))% CL")
        }
        if linearised {
            entry("<line x1=\"\(SVGText.pixel(x))\" y1=\"\(SVGText.pixel(y))\" x2=\"\(SVGText.pixel(x + 28))\" y2=\"\(SVGText.pixel(y))\" stroke=\"#444444\" stroke-width=\"1.5\" stroke-dasharray=\"\(fisherDash)\"/>",
                  "linearised (Fisher)")
        }
        y += 6
        entry("<circle cx=\"\(SVGText.pixel(x + 14))\" cy=\"\(SVGText.pixel(y))\" r=\"4\" fill=\"#444444\"/>", "best fit")
        if file.thetaTrue != nil {
            // The same mark as in the plot: a diamond in 2-D, a dotted vertical line in 1-D.
            let mark = file.parameters.count == 2
                ? "<path d=\"M\(SVGText.pixel(x + 14)),\(SVGText.pixel(y - 6)) L\(SVGText.pixel(x + 20)),\(SVGText.pixel(y)) L\(SVGText.pixel(x + 14)),\(SVGText.pixel(y + 6)) L\(SVGText.pixel(x + 8)),\(SVGText.pixel(y)) Z\" fill=\"none\" stroke=\"black\"/>"
                : "<line x1=\"\(SVGText.pixel(x + 14))\" y1=\"\(SVGText.pixel(y - 8))\" x2=\"\(SVGText.pixel(x + 14))\" y2=\"\(SVGText.pixel(y + 8))\" stroke=\"black\" stroke-dasharray=\"1,3\"/>"
            entry(mark, "true θ (Asimov data)")
        }
        out += "</g>\n"
        let notes = file.notes ?? []
        out += SVGText.notes(notes, x: x, y: y + 14)
        let widest = max(34 + 7 * Double(labels.map(\.count).max() ?? 0), 7 * Double(notes.map(\.count).max() ?? 0))
        return (out, widest)
    }

    /// "label [unit]" with the label's LaTeX rendered (SVG text content).
    static func axisLabel(_ p: ContoursFile.Parameter) -> String {
        let label = LaTeXLabel.svg(p.label)
        return p.unit.isEmpty ? label : "\(label) [\(SVGText.escape(p.unit))]"
    }
}
