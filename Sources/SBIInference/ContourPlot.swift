import CGSL
import SBICore

/// Draws `contours.svg` from a `ContoursFile`: axes with names, units and ticks, one colour per
/// estimator, one line style per confidence level, best fits and θ_true marked, and a legend.
///
/// ```
/// 2 parameters: contour paths in the (θ₀, θ₁) plane
/// 1 parameter:  one row per estimator with its intervals as bars along θ₀
/// pixel(x) = left + (x − x_min)/(x_max − x_min)·width,  pixel(y) = bottom − (y − y_min)/(y_max − y_min)·height
/// ```
/// Ticks are "nice" numbers 1, 2, 5 × 10ᵏ, about six per axis.
public enum ContourPlot {
    static let colours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
    static let dashes = ["", "8,4", "2,3", "10,3,2,3"]
    static let size = (width: 640.0, height: 520.0)
    static let frame = (left: 80.0, right: 440.0, top: 40.0, bottom: 440.0)

    /// The SVG document.
    public static func svg(_ file: ContoursFile) -> String {
        let p = file.parameters
        var body = ""
        let xr = (p[0].range[0], p[0].range[1])
        let yr: (Double, Double) = p.count == 2 ? (p[1].range[0], p[1].range[1]) : (0, Double(max(file.estimators.count, 1)))
        func px(_ x: Double) -> Double { frame.left + (x - xr.0) / (xr.1 - xr.0) * (frame.right - frame.left) }
        func py(_ y: Double) -> Double { frame.bottom - (y - yr.0) / (yr.1 - yr.0) * (frame.bottom - frame.top) }

        body += "<defs><clipPath id=\"plot-area\"><rect x=\"\(f(frame.left))\" y=\"\(f(frame.top))\" width=\"\(f(frame.right - frame.left))\" height=\"\(f(frame.bottom - frame.top))\"/></clipPath></defs>\n"
        body += "<rect x=\"\(f(frame.left))\" y=\"\(f(frame.top))\" width=\"\(f(frame.right - frame.left))\" height=\"\(f(frame.bottom - frame.top))\" fill=\"white\" stroke=\"black\"/>\n"
        // X ticks and label.
        body += "<g id=\"x-axis\" font-size=\"12\" text-anchor=\"middle\">\n"
        for t in ticks(xr.0, xr.1) {
            body += "<line x1=\"\(f(px(t)))\" y1=\"\(f(frame.bottom))\" x2=\"\(f(px(t)))\" y2=\"\(f(frame.bottom - 6))\" stroke=\"black\"/>"
            body += "<text x=\"\(f(px(t)))\" y=\"\(f(frame.bottom + 16))\">\(escape(tickLabel(t)))</text>\n"
        }
        body += "<text x=\"\(f((frame.left + frame.right) / 2))\" y=\"\(f(frame.bottom + 40))\" font-size=\"14\">\(escape(axisLabel(p[0])))</text>\n</g>\n"
        // Y ticks and label.
        body += "<g id=\"y-axis\" font-size=\"12\" text-anchor=\"end\">\n"
        if p.count == 2 {
            for t in ticks(yr.0, yr.1) {
                body += "<line x1=\"\(f(frame.left))\" y1=\"\(f(py(t)))\" x2=\"\(f(frame.left + 6))\" y2=\"\(f(py(t)))\" stroke=\"black\"/>"
                body += "<text x=\"\(f(frame.left - 6))\" y=\"\(f(py(t) + 4))\">\(escape(tickLabel(t)))</text>\n"
            }
            let cy = (frame.top + frame.bottom) / 2
            body += "<text x=\"\(f(frame.left - 50))\" y=\"\(f(cy))\" font-size=\"14\" text-anchor=\"middle\" transform=\"rotate(-90 \(f(frame.left - 50)) \(f(cy)))\">\(escape(axisLabel(p[1])))</text>\n"
        } else {
            for (k, e) in file.estimators.enumerated() {
                body += "<text x=\"\(f(frame.left - 6))\" y=\"\(f(py(Double(k) + 0.5) + 4))\">\(escape(e.name))</text>\n"
            }
        }
        body += "</g>\n<g id=\"regions\" clip-path=\"url(#plot-area)\" fill=\"none\" stroke-width=\"2\">\n"
        /// The regions of `r` (an estimator or an ensemble member) in row `k`, at level `c`, with `style`;
        /// `kind` prefixes the classes ("" or "member-"), `offset` moves 1-D intervals within the row.
        func drawRegions(_ r: ContoursFile.Estimator, row k: Int, level c: Int, style: String, kind: String, offset: Double) {
            let cl = file.confidenceLevels[c]
            if p.count == 2 {
                for path in r.contours.first(where: { $0.confidenceLevel == cl })?.paths ?? [] where path.count > 1 {
                    var d = ""
                    for i in 0..<path.count { d += (i == 0 ? "M" : " L") + "\(f(px(path.xs[i]))),\(f(py(path.ys[i])))" }
                    if path.closed { d += " Z" }
                    body += "<path class=\"\(kind)contour\" data-estimator=\"\(escape(r.name))\" data-cl=\"\(cl)\" \(style) d=\"\(d)\"/>\n"
                }
            } else {
                let y = py(Double(k) + 0.5) + (Double(c) - Double(file.confidenceLevels.count - 1) / 2) * 8 + offset
                for iv in r.intervals.first(where: { $0.confidenceLevel == cl })?.intervals ?? [] {
                    body += "<line class=\"\(kind)interval\" data-estimator=\"\(escape(r.name))\" data-cl=\"\(cl)\" \(style) x1=\"\(f(px(iv.lower)))\" y1=\"\(f(y))\" x2=\"\(f(px(iv.upper)))\" y2=\"\(f(y))\"/>\n"
                }
            }
        }
        for (k, e) in file.estimators.enumerated() {
            let colour = colours[k % colours.count]
            for c in file.confidenceLevels.indices {
                let dash = dashes[c % dashes.count]
                let dashing = dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\""
                // An ensemble's members: thin, faint lines in the ensemble's colour under its own regions (the band).
                let members = e.members ?? []
                for (m, member) in members.enumerated() {
                    drawRegions(member, row: k, level: c, style: "stroke=\"\(colour)\" stroke-width=\"0.8\" stroke-opacity=\"0.5\"" + dashing,
                                kind: "member-", offset: 3 * (2 * Double(m + 1) / Double(members.count + 1) - 1))
                }
                drawRegions(e, row: k, level: c, style: "stroke=\"\(colour)\"" + dashing, kind: "", offset: 0)
            }
            // Best fit: a filled circle in the estimator's colour.
            let bx = px(e.bestFit[0]), by = p.count == 2 ? py(e.bestFit[1]) : py(Double(k) + 0.5)
            body += "<circle class=\"best-fit\" data-estimator=\"\(escape(e.name))\" cx=\"\(f(bx))\" cy=\"\(f(by))\" r=\"4\" fill=\"\(colour)\" stroke=\"none\"/>\n"
        }
        body += "</g>\n"
        if let t = file.thetaTrue {
            if p.count == 2 {
                let x = px(t[0]), y = py(t[1])
                body += "<path id=\"theta-true\" d=\"M\(f(x)),\(f(y - 7)) L\(f(x + 7)),\(f(y)) L\(f(x)),\(f(y + 7)) L\(f(x - 7)),\(f(y)) Z\" fill=\"none\" stroke=\"black\" stroke-width=\"1.5\"/>\n"
            } else {
                body += "<line id=\"theta-true\" x1=\"\(f(px(t[0])))\" y1=\"\(f(frame.top))\" x2=\"\(f(px(t[0])))\" y2=\"\(f(frame.bottom))\" stroke=\"black\" stroke-dasharray=\"1,3\"/>\n"
            }
        }
        body += legend(file)
        let width = canvasWidth(file)
        let title = "\(file.confidenceLevels.map { "\(trim($0 * 100))%" }.joined(separator: ", ")) CL \(p.count == 2 ? "contours" : "intervals")"
        return """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(size.height))" viewBox="0 0 \(f(width)) \(f(size.height))" font-family="Helvetica, Arial, sans-serif">
        <title>\(escape(title))</title>
        <text x="\(f((frame.left + frame.right) / 2))" y="24" font-size="15" text-anchor="middle">\(escape(title))</text>
        \(body)</svg>

        """
    }

    /// Writes `svg(file)` atomically.
    public static func write(_ file: ContoursFile, to path: String) throws {
        try AtomicFileWriter.write(svg(file), to: path)
    }

    /// The legend text of estimator `e`.
    static func legendLabel(_ e: ContoursFile.Estimator) -> String {
        e.name == e.mode ? e.name : "\(e.name) (\(e.mode))"
    }

    /// Canvas width: at least `size.width`, wider when a legend label would run off the
    /// right edge (about 7 px per character at font size 12).
    static func canvasWidth(_ file: ContoursFile) -> Double {
        let longest = (file.estimators.map { legendLabel($0).count } + ["true θ (Asimov data)".count]).max() ?? 0
        return max(size.width, frame.right + 20 + 34 + 7 * Double(longest) + 16)
    }

    static func legend(_ file: ContoursFile) -> String {
        let x = frame.right + 20
        var y = frame.top + 10
        var out = "<g id=\"legend\" font-size=\"12\">\n"
        for (k, e) in file.estimators.enumerated() {
            out += "<line x1=\"\(f(x))\" y1=\"\(f(y))\" x2=\"\(f(x + 28))\" y2=\"\(f(y))\" stroke=\"\(colours[k % colours.count])\" stroke-width=\"3\"/>"
            out += "<text x=\"\(f(x + 34))\" y=\"\(f(y + 4))\">\(escape(legendLabel(e)))</text>\n"
            y += 20
        }
        y += 6
        for (c, cl) in file.confidenceLevels.enumerated() {
            let dash = dashes[c % dashes.count]
            out += "<line x1=\"\(f(x))\" y1=\"\(f(y))\" x2=\"\(f(x + 28))\" y2=\"\(f(y))\" stroke=\"#444444\" stroke-width=\"2\"\(dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"")/>"
            out += "<text x=\"\(f(x + 34))\" y=\"\(f(y + 4))\">\(trim(cl * 100))% CL</text>\n"
            y += 20
        }
        y += 6
        out += "<circle cx=\"\(f(x + 14))\" cy=\"\(f(y))\" r=\"4\" fill=\"#444444\"/><text x=\"\(f(x + 34))\" y=\"\(f(y + 4))\">best fit</text>\n"
        if file.thetaTrue != nil {
            y += 20
            out += "<path d=\"M\(f(x + 14)),\(f(y - 6)) L\(f(x + 20)),\(f(y)) L\(f(x + 14)),\(f(y + 6)) L\(f(x + 8)),\(f(y)) Z\" fill=\"none\" stroke=\"black\"/>"
            out += "<text x=\"\(f(x + 34))\" y=\"\(f(y + 4))\">true θ (Asimov data)</text>\n"
        }
        return out + "</g>\n"
    }

    /// "name [unit]".
    static func axisLabel(_ p: ContoursFile.Parameter) -> String { p.unit.isEmpty ? p.name : "\(p.name) [\(p.unit)]" }

    /// Nice tick positions (1, 2, 5 × 10ᵏ) within [lo, hi].
    static func ticks(_ lo: Double, _ hi: Double) -> [Double] {
        guard hi > lo, (hi - lo).isFinite else { return [lo] }
        let raw = (hi - lo) / 6
        let magnitude = pow10(Int((log10(raw)).rounded(.down)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var out: [Double] = []
        var t = (lo / step).rounded(.up) * step
        while t <= hi + 1e-9 * step {
            out.append(abs(t) < 1e-12 * step ? 0 : t)
            t += step
        }
        return out
    }

    static func pow10(_ k: Int) -> Double {
        var v = 1.0
        if k >= 0 { for _ in 0..<k { v *= 10 } } else { for _ in 0..<(-k) { v /= 10 } }
        return v
    }

    static func tickLabel(_ t: Double) -> String {
        let r = (t * 1e6).rounded() / 1e6
        return trim(r)
    }

    /// A number without a trailing ".0".
    static func trim(_ x: Double) -> String {
        let r = (x * 1e9).rounded() / 1e9
        if r == r.rounded(), abs(r) < 1e15 { return String(Int64(r)) }
        return "\(r)"
    }

    /// Two-decimal pixel coordinates.
    static func f(_ x: Double) -> String {
        let r = (x * 100).rounded() / 100
        return r == r.rounded() ? String(Int64(r)) : "\(r)"
    }

    /// XML text escaping.
    static func escape(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(ch)
            }
        }
        return out
    }
}

