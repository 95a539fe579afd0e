import Foundation

/// The rectangle a figure draws its data in, the map from data to pixels, and its axes: ticks at nice
/// numbers, tick labels, axis labels and a clip path named `plot-area`.
///
/// ```
/// pixel(x) = left + (x − x_min)/(x_max − x_min)·(right − left)
/// pixel(y) = bottom − (y − y_min)/(y_max − y_min)·(bottom − top)
/// ```
/// Ticks are the numbers 1, 2, 5 × 10ᵏ, about six per axis (`ticks`).
public struct PlotFrame: Sendable {
    /// Data range along x.
    public var x: ClosedRange<Double>
    /// Data range along y.
    public var y: ClosedRange<Double>
    /// Pixel edges of the data rectangle.
    public var left = 80.0, right = 440.0, top = 40.0, bottom = 440.0

    /// A frame over `x` × `y` (degenerate ranges are widened by ±0.5 so the map stays finite).
    public init(x: ClosedRange<Double>, y: ClosedRange<Double>) {
        self.x = Self.nonDegenerate(x)
        self.y = Self.nonDegenerate(y)
    }

    static func nonDegenerate(_ r: ClosedRange<Double>) -> ClosedRange<Double> {
        guard r.lowerBound.isFinite, r.upperBound.isFinite else { return 0...1 }
        if r.upperBound > r.lowerBound { return r }
        let pad = r.lowerBound == 0 ? 0.5 : abs(r.lowerBound) * 0.5
        return (r.lowerBound - pad)...(r.upperBound + pad)
    }

    /// The horizontal pixel of data value `v`.
    public func px(_ v: Double) -> Double { left + (v - x.lowerBound) / (x.upperBound - x.lowerBound) * (right - left) }
    /// The vertical pixel of data value `v`.
    public func py(_ v: Double) -> Double { bottom - (v - y.lowerBound) / (y.upperBound - y.lowerBound) * (bottom - top) }

    /// The clip path `plot-area` and the white, outlined data rectangle.
    public func background() -> String {
        let (l, t, w, h) = (SVGText.pixel(left), SVGText.pixel(top), SVGText.pixel(right - left), SVGText.pixel(bottom - top))
        return "<defs><clipPath id=\"plot-area\"><rect x=\"\(l)\" y=\"\(t)\" width=\"\(w)\" height=\"\(h)\"/></clipPath></defs>\n"
            + "<rect x=\"\(l)\" y=\"\(t)\" width=\"\(w)\" height=\"\(h)\" fill=\"white\" stroke=\"black\"/>\n"
    }

    /// The x axis: ticks, tick labels and `label` (SVG text content, already escaped) under the frame.
    public func xAxis(label: String) -> String {
        var out = "<g id=\"x-axis\" font-size=\"12\" text-anchor=\"middle\">\n"
        for t in Self.ticks(x.lowerBound, x.upperBound) {
            out += "<line x1=\"\(SVGText.pixel(px(t)))\" y1=\"\(SVGText.pixel(bottom))\" x2=\"\(SVGText.pixel(px(t)))\" y2=\"\(SVGText.pixel(bottom - 6))\" stroke=\"black\"/>"
            out += "<text x=\"\(SVGText.pixel(px(t)))\" y=\"\(SVGText.pixel(bottom + 16))\">\(SVGText.escape(Self.tickLabel(t)))</text>\n"
        }
        return out + "<text x=\"\(SVGText.pixel((left + right) / 2))\" y=\"\(SVGText.pixel(bottom + 40))\" font-size=\"14\">\(label)</text>\n</g>\n"
    }

    /// The y axis: ticks, tick labels and `label` (SVG text content, already escaped), rotated, left of the frame.
    public func yAxis(label: String) -> String {
        var out = "<g id=\"y-axis\" font-size=\"12\" text-anchor=\"end\">\n"
        for t in Self.ticks(y.lowerBound, y.upperBound) {
            out += "<line x1=\"\(SVGText.pixel(left))\" y1=\"\(SVGText.pixel(py(t)))\" x2=\"\(SVGText.pixel(left + 6))\" y2=\"\(SVGText.pixel(py(t)))\" stroke=\"black\"/>"
            out += "<text x=\"\(SVGText.pixel(left - 6))\" y=\"\(SVGText.pixel(py(t) + 4))\">\(SVGText.escape(Self.tickLabel(t)))</text>\n"
        }
        let cx = left - 56, cy = (top + bottom) / 2
        return out + "<text x=\"\(SVGText.pixel(cx))\" y=\"\(SVGText.pixel(cy))\" font-size=\"14\" text-anchor=\"middle\" transform=\"rotate(-90 \(SVGText.pixel(cx)) \(SVGText.pixel(cy)))\">\(label)</text>\n</g>\n"
    }

    /// An SVG path through the data points (`M x,y L x,y …`), starting a new piece after a non-finite point.
    public func path(xs: [Double], ys: [Double], closed: Bool = false) -> String {
        var d = "", pen = false
        for (a, b) in zip(xs, ys) {
            guard a.isFinite, b.isFinite else { pen = false; continue }
            d += (pen ? " L" : (d.isEmpty ? "M" : " M")) + "\(SVGText.pixel(px(a))),\(SVGText.pixel(py(b)))"
            pen = true
        }
        return closed && !d.isEmpty ? d + " Z" : d
    }

    /// Nice tick positions (1, 2, 5 × 10ᵏ), about six within [lo, hi].
    public static func ticks(_ lo: Double, _ hi: Double) -> [Double] {
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

    /// 10ᵏ by repeated multiplication or division (the tick positions of earlier plots, to the bit).
    static func pow10(_ k: Int) -> Double {
        var v = 1.0
        if k >= 0 { for _ in 0..<k { v *= 10 } } else { for _ in 0..<(-k) { v /= 10 } }
        return v
    }

    /// A tick's label: the value rounded to 6 decimals, without a trailing ".0".
    public static func tickLabel(_ t: Double) -> String { SVGText.number((t * 1e6).rounded() / 1e6) }

    /// A range that contains every finite value of `values`, padded by `padding` of its width on each side.
    public static func range(of values: [Double], padding: Double = 0.05) -> ClosedRange<Double> {
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return 0...1 }
        let pad = (hi - lo) * padding
        return nonDegenerate((lo - pad)...(hi + pad))
    }
}
