import Foundation
import SBICore
import SBIInference

/// The morphing basis of a sample (`morphing_<sample>.svg`): its benchmark points over the parameter
/// ranges, on a colour map of log₁₀ Σ_b w_b(θ)², the sum of the squared morphing weights.
///
/// ```
/// p(x|θ) = Σ_b w_b(θ) p(x|θ_b)      Var[morphed estimate] ∝ Σ_b w_b(θ)²  (for equal benchmark samples)
/// ```
/// Where Σ w² is large the morphed weights cancel between benchmarks and the events' statistical noise
/// is amplified: a good basis keeps it small over the region that matters. One parameter: the same
/// quantity as a curve, the benchmarks as vertical lines. [1] J. Brehmer, F. Kling, I. Espejo,
/// K. Cranmer, arXiv:1907.10621 §2.3 (morphing, choice of basis and the squared-weight criterion).
public enum MorphingBasisPlot {
    /// Colour stops of the map, low to high (viridis).
    static let stops: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
    /// Cells per axis of the 2-D map.
    static let cells = 40

    /// The figure of `basis` (`[benchmarks, parameters]`, 1 or 2 parameters) with `squaredWeights(θ)` = Σ_b w_b(θ)².
    public static func svg(parameters p: [ContoursFile.Parameter], basis: Matrix<Double>, title: String, notes: [String] = [],
                           squaredWeights: ([Double]) -> Double) -> String {
        func label(_ q: ContoursFile.Parameter) -> String { LaTeXLabel.svg(q.label) + (q.unit.isEmpty ? "" : " [\(SVGText.escape(q.unit))]") }
        if p.count == 1 {
            var chart = LineChart(title: title, xLabel: label(p[0]), yLabel: "log₁₀ Σ_b w_b(θ)²")
            let (lo, hi) = (p[0].range[0], p[0].range[1])
            let xs = (0...200).map { lo + (hi - lo) * Double($0) / 200 }
            chart.curves = [.init(label: "Σ w²", xs: xs, ys: xs.map { log10(max(squaredWeights([$0]), 1e-300)) }, colour: ContourPlot.colours[0])]
            chart.verticals = (0..<basis.rows).map { .init(value: basis[$0, 0], label: "b\($0)") }
            chart.xRange = lo...hi
            chart.notes = notes
            return chart.svg()
        }
        let frame = PlotFrame(x: p[0].range[0]...p[0].range[1], y: p[1].range[0]...p[1].range[1])
        let dx = (frame.x.upperBound - frame.x.lowerBound) / Double(cells), dy = (frame.y.upperBound - frame.y.lowerBound) / Double(cells)
        var values = [Double](repeating: 0, count: cells * cells)
        for i in 0..<cells {
            for j in 0..<cells {
                let theta = [frame.x.lowerBound + (Double(i) + 0.5) * dx, frame.y.lowerBound + (Double(j) + 0.5) * dy]
                values[i * cells + j] = log10(max(squaredWeights(theta), 1e-300))
            }
        }
        let finite = values.filter(\.isFinite)
        let lo = finite.min() ?? 0, hi = max(finite.max() ?? 1, lo + 1e-9)
        var body = frame.background() + "<g id=\"map\" clip-path=\"url(#plot-area)\" stroke=\"none\">\n"
        for i in 0..<cells {
            for j in 0..<cells {
                let x0 = frame.px(frame.x.lowerBound + Double(i) * dx), x1 = frame.px(frame.x.lowerBound + Double(i + 1) * dx)
                let y0 = frame.py(frame.y.lowerBound + Double(j + 1) * dy), y1 = frame.py(frame.y.lowerBound + Double(j) * dy)
                body += "<rect x=\"\(SVGText.pixel(x0))\" y=\"\(SVGText.pixel(y0))\" width=\"\(SVGText.pixel(x1 - x0 + 0.5))\" height=\"\(SVGText.pixel(y1 - y0 + 0.5))\" fill=\"\(colour((values[i * cells + j] - lo) / (hi - lo)))\"/>"
            }
            body += "\n"
        }
        body += "</g>\n<rect x=\"\(SVGText.pixel(frame.left))\" y=\"\(SVGText.pixel(frame.top))\" width=\"\(SVGText.pixel(frame.right - frame.left))\" height=\"\(SVGText.pixel(frame.bottom - frame.top))\" fill=\"none\" stroke=\"black\"/>\n"
        body += frame.xAxis(label: label(p[0])) + frame.yAxis(label: label(p[1]))
        body += "<g id=\"benchmarks\" font-size=\"11\">\n"
        for b in 0..<basis.rows {
            let x = frame.px(basis[b, 0]), y = frame.py(basis[b, 1])
            body += "<circle class=\"benchmark\" cx=\"\(SVGText.pixel(x))\" cy=\"\(SVGText.pixel(y))\" r=\"4.5\" fill=\"white\" stroke=\"black\" stroke-width=\"1.5\"/>"
            body += "<text x=\"\(SVGText.pixel(x + 6))\" y=\"\(SVGText.pixel(y - 6))\" fill=\"white\" stroke=\"black\" stroke-width=\"0.3\">b\(b)</text>\n"
        }
        body += "</g>\n"
        // The colour bar with its scale, right of the frame.
        let barX = frame.right + 20, barTop = frame.top + 10, barHeight = 200.0
        body += "<defs><linearGradient id=\"scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">"
        for (k, _) in stops.enumerated() {
            let t = Double(k) / Double(stops.count - 1)
            body += "<stop offset=\"\(SVGText.number(t))\" stop-color=\"\(colour(t))\"/>"
        }
        body += "</linearGradient></defs>\n<g id=\"colour-bar\" font-size=\"11\">\n"
        body += "<rect x=\"\(SVGText.pixel(barX))\" y=\"\(SVGText.pixel(barTop))\" width=\"16\" height=\"\(SVGText.pixel(barHeight))\" fill=\"url(#scale)\" stroke=\"black\"/>\n"
        for k in 0...4 {
            let v = lo + (hi - lo) * Double(k) / 4, y = barTop + barHeight * (1 - Double(k) / 4)
            body += "<text x=\"\(SVGText.pixel(barX + 22))\" y=\"\(SVGText.pixel(y + 4))\">\(SVGText.significant(v, digits: 3))</text>\n"
        }
        body += "<text x=\"\(SVGText.pixel(barX))\" y=\"\(SVGText.pixel(barTop + barHeight + 20))\">log₁₀ Σ_b w_b(θ)²</text>\n</g>\n"
        body += SVGText.notes(notes, x: barX, y: barTop + barHeight + 44)
        let width = max(640, barX + 7 * Double(max(notes.map(\.count).max() ?? 0, 20)) + 16)
        return SVGText.document(width: width, height: 520, title: title, titleX: (frame.left + frame.right) / 2, body: body)
    }

    /// The map's colour at `t` in [0, 1], linear between the stops.
    static func colour(_ t: Double) -> String {
        let u = min(max(t.isFinite ? t : 0, 0), 1) * Double(stops.count - 1)
        let k = min(Int(u), stops.count - 2), f = u - Double(k)
        let (a, b) = (stops[k], stops[k + 1])
        func channel(_ x: Double, _ y: Double) -> Int { Int((x + (y - x) * f).rounded()) }
        return String(format: "#%02x%02x%02x", channel(a.0, b.0), channel(a.1, b.1), channel(a.2, b.2))
    }
}
