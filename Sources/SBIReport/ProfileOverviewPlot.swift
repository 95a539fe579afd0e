import SBICore
import SBIInference

/// `profiles.svg`: every profile of a scan over N ≥ 2 parameters on one page, as a triangle: row i, column j < i
/// holds the contours of the pair (θ_j, θ_i), the diagonal the interval plot of θ_i, each the `ContourPlot` of
/// that profile (scaled into its cell), so the correlations of all couplings are read at a glance, in the spirit
/// of a corner plot. With two parameters there are no pair profiles: the diagonal cells only.
public enum ProfileOverviewPlot {
    /// Width and height of one cell, in pixels (the aspect of a `ContourPlot` with its legend and notes).
    static let cellWidth = 600.0, cellHeight = 350.0

    /// The SVG document of `profiles` (1-D profiles keyed by [i], pairs by [j, i], j < i), `count` parameters.
    public static func svg(_ profiles: [(kept: [Int], file: ContoursFile)], count: Int, title: String) -> String {
        var body = ""
        for (kept, file) in profiles {
            let (row, column) = kept.count == 1 ? (kept[0], kept[0]) : (kept[1], kept[0])
            let inner = ContourPlot.svg(file)
            guard let (width, height) = size(of: inner), let start = inner.range(of: "<svg"),
                  let open = inner.range(of: ">", range: start.upperBound..<inner.endIndex) else { continue }
            // The sub-document's own <svg> element re-opened at the cell's place and scale (nested SVG viewport).
            let content = inner[open.upperBound...]
            body += "<svg x=\"\(SVGText.pixel(Double(column) * cellWidth))\" y=\"\(SVGText.pixel(40 + Double(row) * cellHeight))\" "
                + "width=\"\(SVGText.pixel(cellWidth))\" height=\"\(SVGText.pixel(cellHeight))\" viewBox=\"0 0 \(SVGText.pixel(width)) \(SVGText.pixel(height))\" "
                + "preserveAspectRatio=\"xMidYMid meet\" class=\"profile-cell\">" + content + "\n"
        }
        return SVGText.document(width: Double(count) * cellWidth, height: 40 + Double(count) * cellHeight, title: title, body: body)
    }

    /// Writes `svg(...)` to `path` atomically.
    /// - Throws: `SBIError.io` when the file cannot be written.
    public static func write(_ profiles: [(kept: [Int], file: ContoursFile)], count: Int, title: String, to path: String) throws {
        try AtomicFileWriter.write(svg(profiles, count: count, title: title), to: path)
    }

    /// The `width` and `height` attributes of the first <svg> element of `document`.
    static func size(of document: String) -> (Double, Double)? {
        guard let start = document.range(of: "<svg") else { return nil }
        let element = document[start.upperBound...].prefix { $0 != ">" }
        func attribute(_ name: String) -> Double? {
            guard let r = element.range(of: " \(name)=\"") else { return nil }
            return Double(element[r.upperBound...].prefix { $0 != "\"" })
        }
        guard let w = attribute("width"), let h = attribute("height") else { return nil }
        return (w, h)
    }
}
