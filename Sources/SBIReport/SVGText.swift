import Foundation

/// The text pieces every figure of this module shares: pixel coordinates with at most two decimals,
/// numbers without a trailing ".0", XML escaping, and the document around a figure's body.
public enum SVGText {
    /// A pixel coordinate with at most two decimals ("12", "12.5", "12.25"). Coordinates far off the canvas
    /// (a linearised region of almost no information) are clamped to ±10⁷ px, NaN drawn at 0: the
    /// clip path hides them, and no value can trap the conversion.
    public static func pixel(_ x: Double) -> String {
        let clamped = x.isNaN ? 0 : min(max(x, -1e7), 1e7)
        let r = (clamped * 100).rounded() / 100
        return r == r.rounded() ? String(Int64(r)) : "\(r)"
    }

    /// A value without a trailing ".0", rounded to 9 decimals ("0.1", not "0.10000000000000001").
    public static func number(_ x: Double) -> String {
        let r = (x * 1e9).rounded() / 1e9
        if r == r.rounded(), abs(r) < 1e15 { return String(Int64(r)) }
        return "\(r)"
    }

    /// A value with `digits` significant digits, for captions and tables ("0.0707", "1.2e+03").
    public static func significant(_ x: Double, digits: Int = 3) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "∞" : "−∞") }
        let a = abs(x)
        if a != 0, a < 1e-3 || a >= 1e5 { return String(format: "%.\(max(digits - 1, 0))e", x) }
        return String(format: "%.\(digits)g", x)
    }

    /// XML text and attribute escaping of `&`, `<`, `>`, `"`.
    public static func escape(_ s: String) -> String {
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

    /// The notes block (`<g id="notes">`): one line of text per entry from (`x`, `y`) down, 16 px apart;
    /// empty for no lines.
    public static func notes(_ lines: [String], x: Double, y: Double) -> String {
        guard !lines.isEmpty else { return "" }
        var out = "<g id=\"notes\" font-size=\"12\" fill=\"#333333\">\n"
        for (k, line) in lines.enumerated() {
            out += "<text x=\"\(pixel(x))\" y=\"\(pixel(y + 16 * Double(k)))\">\(escape(line))</text>\n"
        }
        return out + "</g>\n"
    }

    /// A complete SVG document of `width` × `height` pixels with a `<title>` and a heading centred on
    /// `titleX` (default: the middle).
    public static func document(width: Double, height: Double, title: String, titleX: Double? = nil, body: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(pixel(width))" height="\(pixel(height))" viewBox="0 0 \(pixel(width)) \(pixel(height))" font-family="Helvetica, Arial, sans-serif">
        <title>\(escape(title))</title>
        <text x="\(pixel(titleX ?? width / 2))" y="24" font-size="15" text-anchor="middle">\(escape(title))</text>
        \(body)</svg>

        """
    }
}
