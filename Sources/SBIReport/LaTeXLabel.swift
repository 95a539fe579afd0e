/// Axis labels from the recipe's `latex` field, drawn as SVG text: the subset of LaTeX that parameter
/// labels use, turned into Unicode and `<tspan>` sub- and superscripts.
///
/// ```
/// \delta g_V^\mu   →  δ g<sub>V</sub><sup>μ</sup>
/// f_{WW}/\Lambda^2 →  f<sub>WW</sub>/Λ<sup>2</sup>
/// ```
/// Greek letters (`\alpha` … `\Omega`), `\mathrm{…}`, `\text{…}`, `\rm`, `\,` `\;` `\ ` (spaces), `\cdot`,
/// `\times`, `\pm`, braces as groups, `$` removed. An unknown command is kept as its name without
/// the backslash, so nothing is silently dropped.
public enum LaTeXLabel {
    static let symbols: [String: String] = [
        "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
        "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
        "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ",
        "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
        "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω", "cdot": "·", "times": "×", "pm": "±",
        "ell": "ℓ", "infty": "∞", "prime": "′", ",": " ", ";": " ", " ": " ", "!": "", "rm": "", "mathrm": "",
        "text": "", "mathit": "", "mathbf": "", "bar": "", "tilde": "", "hat": "",
    ]

    /// The SVG text content (escaped, with `<tspan>`s) of `latex`.
    public static func svg(_ latex: String) -> String {
        var chars = Array(latex.replacingOccurrences(of: "$", with: ""))
        var i = 0
        return render(&chars, &i, stopAtBrace: false)
    }

    /// The plain Unicode text of `latex` (scripts written with `_` and `^` dropped to their contents).
    public static func plain(_ latex: String) -> String {
        var out = "", inTag = false
        for ch in svg(latex) {
            if ch == "<" { inTag = true } else if ch == ">" { inTag = false } else if !inTag { out.append(ch) }
        }
        return out.replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
    }

    /// Renders from `i` to the end, or to the closing brace of the current group.
    static func render(_ c: inout [Character], _ i: inout Int, stopAtBrace: Bool) -> String {
        var out = ""
        while i < c.count {
            let ch = c[i]
            switch ch {
            case "}":
                i += 1
                if stopAtBrace { return out }
            case "{":
                i += 1
                out += render(&c, &i, stopAtBrace: true)
            case "_", "^":
                i += 1
                let inner = atom(&c, &i)
                let shift = ch == "_" ? "sub" : "super"
                out += "<tspan baseline-shift=\"\(shift)\" font-size=\"70%\">\(inner)</tspan>"
            case "\\":
                i += 1
                out += command(&c, &i)
            default:
                i += 1
                out += SVGText.escape(String(ch))
            }
        }
        return out
    }

    /// One script argument: a group, a command or a single character.
    static func atom(_ c: inout [Character], _ i: inout Int) -> String {
        guard i < c.count else { return "" }
        if c[i] == "{" { i += 1; return render(&c, &i, stopAtBrace: true) }
        if c[i] == "\\" { i += 1; return command(&c, &i) }
        defer { i += 1 }
        return SVGText.escape(String(c[i]))
    }

    /// A command after its backslash: letters, or one non-letter character.
    static func command(_ c: inout [Character], _ i: inout Int) -> String {
        guard i < c.count else { return "" }
        var name = ""
        if c[i].isLetter {
            while i < c.count, c[i].isLetter { name.append(c[i]); i += 1 }
            while i < c.count, c[i] == " " { i += 1 }   // a space after a command word only ends it
        } else {
            name = String(c[i]); i += 1
        }
        if let s = symbols[name] { return SVGText.escape(s) }
        return SVGText.escape(name)
    }
}
