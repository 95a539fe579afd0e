import SBICore
import SBIInference

/// Writes confidence regions as a HEPData submission in one YAML file (`hepdata.yaml`).
///
/// ```
/// --- comment: …                                 (submission header)
/// --- name: "<estimator> <CL>% CL", description, keywords,
///     independent_variables: [{header: {name: θ₀, units}, values: [{value: x}…]}]
///     dependent_variables:   [{header: {name: θ₁, units}, qualifiers: [CL, estimator], values: [{value: y}…]},
///                             {header: {name: contour path}, values: [{value: k}…]}]
/// 1-D: independent θ₀ with {low, high} per interval, dependent CL.
/// ```
/// One table per estimator and confidence level; `HEPDataSubmission` writes the same tables as a
/// submission folder with the likelihood scans and best fits. Numbers are written with 17 significant digits
/// (round-trip exact); strings are double-quoted YAML scalars.
///
/// [1] HEPData submission format, https://hepdata-submission.readthedocs.io.
public enum HEPDataWriter {
    /// The YAML text of `file`; `cmEnergies` (GeV) fills every table's `cmenergies` keyword.
    public static func yaml(_ file: ContoursFile, cmEnergies: Double? = nil) -> String {
        var out = "---\n"
        out += "comment: \(quote("Confidence regions from sbi \(file.version) (simulation-based inference; arXiv:1805.00013, 1805.00020)."))\n"
        let p = file.parameters
        for e in file.estimators {
            for cl in file.confidenceLevels {
                let percent = format(cl * 100)
                out += "---\n"
                out += "name: \(quote("\(e.name) \(percent)% CL"))\n"
                out += "description: \(quote(describe(e, cl: cl, parameters: p, thetaTrue: file.thetaTrue)))\n"
                out += keywords(p, cmEnergies: cmEnergies)
                out += variables(e, cl: cl, parameters: p)
            }
        }
        return out
    }

    /// The keywords of a table: the parameters as observables, and the centre-of-mass energies (GeV) when known.
    static func keywords(_ p: [ContoursFile.Parameter], cmEnergies: Double?) -> String {
        "keywords:\n- {name: observables, values: [\(p.map { quote($0.name) }.joined(separator: ", "))]}\n"
            + (cmEnergies.map { "- {name: cmenergies, values: [\(format($0))]}\n" } ?? "")
    }

    /// The `independent_variables` and `dependent_variables` of estimator `e`'s region at `cl`: the
    /// contour points (2-D) or interval ends (1-D).
    static func variables(_ e: ContoursFile.Estimator, cl: Double, parameters p: [ContoursFile.Parameter]) -> String {
        var out = ""
        if p.count == 1 {
            let intervals = e.intervals.first { $0.confidenceLevel == cl }?.intervals ?? []
            out += "independent_variables:\n- header: {name: \(quote(p[0].name))\(units(p[0]))}\n"
            out += block(intervals.map { "  - {low: \(format($0.lower)), high: \(format($0.upper))}\n" }.joined())
            out += "dependent_variables:\n- header: {name: \(quote("confidence level"))}\n"
            out += "  qualifiers:\n  - {name: estimator, value: \(quote(e.name))}\n"
            out += block(intervals.map { _ in "  - {value: \(format(cl))}\n" }.joined())
        } else {
            let paths = e.contours.first { $0.confidenceLevel == cl }?.paths ?? []
            var xs = "", ys = "", ks = ""
            for (k, path) in paths.enumerated() {
                let n = path.closed ? path.count + 1 : path.count   // closed loops repeat the first point
                for i in 0..<n {
                    xs += "  - {value: \(format(path.xs[i % path.count]))}\n"
                    ys += "  - {value: \(format(path.ys[i % path.count]))}\n"
                    ks += "  - {value: \(k)}\n"
                }
            }
            out += "independent_variables:\n- header: {name: \(quote(p[0].name))\(units(p[0]))}\n" + block(xs)
            out += "dependent_variables:\n- header: {name: \(quote(p[1].name))\(units(p[1]))}\n"
            out += "  qualifiers:\n  - {name: CL, value: \(format(cl))}\n  - {name: estimator, value: \(quote(e.name))}\n" + block(ys)
            out += "- header: {name: \(quote("contour path index"))}\n" + block(ks)
        }
        return out
    }

    /// Writes `yaml(file, cmEnergies:)` atomically to `path`.
    public static func write(_ file: ContoursFile, cmEnergies: Double? = nil, to path: String) throws {
        try AtomicFileWriter.write(yaml(file, cmEnergies: cmEnergies), to: path)
    }

    static func describe(_ e: ContoursFile.Estimator, cl: Double, parameters p: [ContoursFile.Parameter], thetaTrue: [Double]?) -> String {
        var text = "\(format(cl * 100))% CL \(p.count == 1 ? "interval" : "contour") of \(p.map(\.name).joined(separator: ", ")) from the \(e.mode) likelihood (estimator \(e.name)); best fit \(e.bestFit.map(format).joined(separator: ", "))"
        if let thetaTrue { text += "; Asimov data at \(thetaTrue.map(format).joined(separator: ", "))" }
        return text + "."
    }

    /// `  values:` followed by the items, or `  values: []` when there are none.
    static func block(_ items: String) -> String { items.isEmpty ? "  values: []\n" : "  values:\n" + items }

    static func units(_ p: ContoursFile.Parameter) -> String { p.unit.isEmpty ? "" : ", units: \(quote(p.unit))" }

    /// A double-quoted YAML scalar with `\` and `"` escaped and control characters dropped.
    static func quote(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: if ch.value >= 0x20 { out.unicodeScalars.append(ch) }
            }
        }
        return out + "\""
    }

    /// Shortest round-trip decimal (Swift's description), never `nan`/`inf`.
    static func format(_ x: Double) -> String {
        guard x.isFinite else { return "null" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }
}
