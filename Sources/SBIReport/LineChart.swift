import SBICore

/// An x–y figure of lines in the style of contours.svg: curves with colours and dash patterns,
/// horizontal reference lines with labels (CL thresholds), vertical markers (a kept epoch, θ_true),
/// a legend and notes on the right.
///
/// ```
/// frame: x over the finite x of every curve (and marker); y over the finite y of every curve and
///        reference line, padded by 5 %, or `yRange` when given
/// ```
public struct LineChart: Sendable {
    /// One curve.
    public struct Curve: Sendable {
        public var label: String
        public var xs: [Double]
        public var ys: [Double]
        public var colour: String
        /// SVG dash pattern ("" solid).
        public var dash: String
        public var width: Double
        /// Shown in the legend (members of an ensemble are drawn but listed once).
        public var inLegend: Bool
        /// Symmetric errors of `ys`, drawn as vertical bars with a dot at each point (nil: a plain line).
        public var errors: [Double]?
        public init(label: String, xs: [Double], ys: [Double], colour: String, dash: String = "", width: Double = 2, inLegend: Bool = true,
                    errors: [Double]? = nil) {
            self.label = label
            self.xs = xs
            self.ys = ys
            self.colour = colour
            self.dash = dash
            self.width = width
            self.inLegend = inLegend
            self.errors = errors
        }
    }

    /// A horizontal (`y`) or vertical (`x`) line across the frame with a label at its end.
    public struct Marker: Sendable {
        public var value: Double
        public var label: String
        public init(value: Double, label: String) {
            self.value = value
            self.label = label
        }
    }

    public var title: String
    /// Axis labels as SVG text content (escape plain text with `SVGText.escape`; LaTeX through `LaTeXLabel.svg`).
    public var xLabel: String
    public var yLabel: String
    public var curves: [Curve] = []
    /// Horizontal reference lines.
    public var levels: [Marker] = []
    /// Vertical reference lines.
    public var verticals: [Marker] = []
    public var notes: [String] = []
    /// Fixed y range (nil: from the data).
    public var yRange: ClosedRange<Double>?
    /// Fixed x range (nil: from the data).
    public var xRange: ClosedRange<Double>?

    public init(title: String, xLabel: String, yLabel: String) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// The SVG document.
    public func svg() -> String {
        let x = xRange ?? PlotFrame.range(of: curves.flatMap(\.xs) + verticals.map(\.value), padding: 0)
        let y = yRange ?? PlotFrame.range(of: curves.flatMap(\.ys) + levels.map(\.value))
        let frame = PlotFrame(x: x, y: y)
        var body = frame.background() + frame.xAxis(label: xLabel) + frame.yAxis(label: yLabel)
        body += "<g id=\"curves\" clip-path=\"url(#plot-area)\" fill=\"none\">\n"
        for level in levels where frame.y.contains(level.value) {
            body += "<line class=\"level\" x1=\"\(SVGText.pixel(frame.left))\" y1=\"\(SVGText.pixel(frame.py(level.value)))\" x2=\"\(SVGText.pixel(frame.right))\" y2=\"\(SVGText.pixel(frame.py(level.value)))\" stroke=\"#888888\" stroke-dasharray=\"4,3\"/>\n"
        }
        for v in verticals where frame.x.contains(v.value) {
            body += "<line class=\"vertical\" x1=\"\(SVGText.pixel(frame.px(v.value)))\" y1=\"\(SVGText.pixel(frame.top))\" x2=\"\(SVGText.pixel(frame.px(v.value)))\" y2=\"\(SVGText.pixel(frame.bottom))\" stroke=\"black\" stroke-dasharray=\"1,3\"/>\n"
        }
        for c in curves {
            let dash = c.dash.isEmpty ? "" : " stroke-dasharray=\"\(c.dash)\""
            body += "<path class=\"curve\" data-label=\"\(SVGText.escape(c.label))\" stroke=\"\(c.colour)\" stroke-width=\"\(SVGText.number(c.width))\"\(dash) d=\"\(frame.path(xs: c.xs, ys: c.ys))\"/>\n"
            for (k, e) in (c.errors ?? []).enumerated() where k < c.xs.count && k < c.ys.count && e.isFinite {
                let x = SVGText.pixel(frame.px(c.xs[k]))
                body += "<line class=\"error\" x1=\"\(x)\" y1=\"\(SVGText.pixel(frame.py(c.ys[k] - e)))\" x2=\"\(x)\" y2=\"\(SVGText.pixel(frame.py(c.ys[k] + e)))\" stroke=\"\(c.colour)\" stroke-width=\"1.5\"/>"
                body += "<circle class=\"point\" cx=\"\(x)\" cy=\"\(SVGText.pixel(frame.py(c.ys[k])))\" r=\"3.5\" fill=\"\(c.colour)\"/>\n"
            }
        }
        body += "</g>\n<g id=\"marker-labels\" font-size=\"11\" fill=\"#555555\">\n"
        for level in levels where frame.y.contains(level.value) {
            body += "<text x=\"\(SVGText.pixel(frame.right - 4))\" y=\"\(SVGText.pixel(frame.py(level.value) - 3))\" text-anchor=\"end\">\(SVGText.escape(level.label))</text>\n"
        }
        for v in verticals where frame.x.contains(v.value) {
            body += "<text x=\"\(SVGText.pixel(frame.px(v.value) + 3))\" y=\"\(SVGText.pixel(frame.top + 12))\">\(SVGText.escape(v.label))</text>\n"
        }
        body += "</g>\n"
        let (legend, width) = legendAndNotes(frame)
        body += legend
        return SVGText.document(width: max(640, frame.right + 20 + width + 16), height: 520, title: title,
                                titleX: (frame.left + frame.right) / 2, body: body)
    }

    /// Writes `svg()` atomically.
    public func write(to path: String) throws {
        try AtomicFileWriter.write(svg(), to: path)
    }

    func legendAndNotes(_ frame: PlotFrame) -> (String, Double) {
        let x = frame.right + 20
        var y = frame.top + 10
        var out = "<g id=\"legend\" font-size=\"12\">\n"
        let listed = curves.filter(\.inLegend)
        for c in listed {
            let dash = c.dash.isEmpty ? "" : " stroke-dasharray=\"\(c.dash)\""
            out += "<line x1=\"\(SVGText.pixel(x))\" y1=\"\(SVGText.pixel(y))\" x2=\"\(SVGText.pixel(x + 28))\" y2=\"\(SVGText.pixel(y))\" stroke=\"\(c.colour)\" stroke-width=\"\(SVGText.number(max(c.width, 2)))\"\(dash)/>"
            out += "<text x=\"\(SVGText.pixel(x + 34))\" y=\"\(SVGText.pixel(y + 4))\">\(SVGText.escape(c.label))</text>\n"
            y += 20
        }
        out += "</g>\n"
        out += SVGText.notes(notes, x: x, y: y + 14)
        let widest = max(34 + 7 * Double(listed.map(\.label.count).max() ?? 0), 7 * Double(notes.map(\.count).max() ?? 0))
        return (out, widest)
    }
}
