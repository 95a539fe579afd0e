import Foundation
import SBICore

/// Reads typed values out of YAML nodes and collects every problem instead of stopping at
/// the first, each as `file:line:column: key.path: message`.
///
/// ```
/// plain scalar → number | integer | boolean | null (YAML 1.2 core schema)
/// quoted scalar → string only ("1" is not a number)
/// ```
/// Each reader returns nil after recording a problem, so callers continue with the next field.
/// [1] YAML 1.2 specification §10.3.2 (core schema tag resolution).
final class RecipeFieldReader {
    /// The file as the user named it.
    let file: String
    /// Problems so far.
    private(set) var problems: [SBIError] = []

    init(file: String) { self.file = file }

    /// Records a problem at `node`'s position.
    func report(_ node: YAMLNode, _ path: String, _ message: String) {
        report(line: node.line, column: node.column, path, message)
    }

    /// Records a problem at a position.
    func report(line: Int, column: Int, _ path: String, _ message: String) {
        problems.append(SBIError.data(message, file: file, line: line, column: column, field: path.isEmpty ? nil : path))
    }

    /// Adds problems found elsewhere (the YAML reader's duplicate keys).
    func append(_ more: [SBIError]) { problems += more }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

    // MARK: Mappings

    /// The known entries of a mapping by key; unknown keys (with a did-you-mean) and missing
    /// required keys are problems. Null counts as an empty mapping.
    func mapping(_ node: YAMLNode, _ path: String, keys: [String], required: [String] = [],
                 what: String = "a mapping") -> [String: YAMLNode]? {
        let entries: [YAMLNode.Entry]
        if node.isNull {
            entries = []
        } else if let e = node.entries {
            entries = e
        } else {
            report(node, path, "expected \(what) with keys \(keys.joined(separator: ", ")), got \(node.kindDescription)")
            return nil
        }
        var out: [String: YAMLNode] = [:]
        for entry in entries {
            if keys.contains(entry.key) {
                out[entry.key] = entry.value
            } else {
                var message = "unknown key \"\(entry.key)\""
                if entry.key == "<<" {
                    message = "YAML merge keys (<<) are not supported; write the keys out"
                } else if let close = RecipeFieldReader.closest(to: entry.key, among: keys) {
                    message += "; did you mean \"\(close)\"?"
                } else {
                    message += "; expected one of \(keys.joined(separator: ", "))"
                }
                report(line: entry.keyLine, column: entry.keyColumn, RecipeFieldReader.join(path, entry.key), message)
            }
        }
        for key in required where out[key] == nil {
            report(node, path, "missing required key \"\(key)\"")
        }
        return out
    }

    /// The position of `key` in a mapping node (for problems about a key that is present).
    func keyPosition(_ node: YAMLNode, _ key: String) -> (line: Int, column: Int) {
        if let entry = node.entries?.first(where: { $0.key == key }) { return (entry.keyLine, entry.keyColumn) }
        return (node.line, node.column)
    }

    // MARK: Scalars

    /// Any non-null scalar as text.
    func string(_ node: YAMLNode, _ path: String, nonEmpty: Bool = true) -> String? {
        guard case .scalar(let text, _) = node.value, !node.isNull else {
            report(node, path, "expected a string, got \(node.kindDescription)")
            return nil
        }
        if nonEmpty && text.trimmingCharacters(in: .whitespaces).isEmpty {
            report(node, path, "expected a non-empty string")
            return nil
        }
        // YAML's core schema reads plain true/false and numbers as booleans and numbers, not text.
        if case .scalar(_, let style) = node.value, style.isPlain,
           ["true", "false", "True", "False", "TRUE", "FALSE"].contains(text) || Double(text) != nil {
            report(node, path, "expected a string, got \(text); quote it ('\(text)') if you mean the text")
            return nil
        }
        return text
    }

    /// A name usable as a folder name: letters, digits, `_`, `-`, `.`, not starting with `.`.
    func name(_ node: YAMLNode, _ path: String) -> String? {
        guard let text = string(node, path) else { return nil }
        let ok = text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0) }
        guard ok, !text.hasPrefix("."), text.count <= 64 else {
            report(node, path, "\"\(text)\" is not a valid name; use letters, digits, '_', '-' and '.' (at most 64, not starting with '.')")
            return nil
        }
        return text
    }

    /// A plain scalar read as a number (any float, including .nan and .inf), or nil.
    static func parseNumber(_ node: YAMLNode) -> Double? {
        guard case .scalar(let text, .plain) = node.value else { return nil }
        switch text {
        case ".nan", ".NaN", ".NAN", "nan", "NaN": return .nan
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "inf", "+inf": return .infinity
        case "-.inf", "-.Inf", "-.INF", "-inf": return -.infinity
        default: break
        }
        guard !text.isEmpty, text.unicodeScalars.allSatisfy({ "0123456789+-.eE".unicodeScalars.contains($0) }),
              text.unicodeScalars.contains(where: { ("0"..."9").contains($0) }) else { return nil }
        return Double(text)
    }

    /// A finite number.
    func number(_ node: YAMLNode, _ path: String) -> Double? {
        guard let x = RecipeFieldReader.parseNumber(node) else {
            report(node, path, "expected a number, got \(node.kindDescription)")
            return nil
        }
        guard x.isFinite else {
            report(node, path, "expected a finite number, got \(node.scalarText ?? "")")
            return nil
        }
        return x
    }

    /// A finite number satisfying `check`, described by `expected` ("a number > 0").
    func number(_ node: YAMLNode, _ path: String, _ expected: String, _ check: (Double) -> Bool) -> Double? {
        guard let x = number(node, path) else { return nil }
        guard check(x) else {
            report(node, path, "expected \(expected), got \(node.scalarText ?? "")")
            return nil
        }
        return x
    }

    /// An integer ≥ `minimum` (and ≤ `maximum`). `1e6` is accepted as 1000000.
    func integer(_ node: YAMLNode, _ path: String, minimum: Int, maximum: Int = Int(Int32.max)) -> Int? {
        let text = node.scalarText ?? ""
        var value: Int?
        if case .scalar(_, .plain) = node.value {
            if let n = Int(text) { value = n }
            else if let x = RecipeFieldReader.parseNumber(node), x.isFinite, x == x.rounded(), abs(x) < 9e15 { value = Int(x) }
            else if let x = RecipeFieldReader.parseNumber(node) {
                report(node, path, x.isFinite ? "expected an integer, got \(text)" : "expected a finite integer, got \(text)")
                return nil
            }
        }
        guard let n = value else {
            report(node, path, "expected an integer, got \(node.kindDescription)")
            return nil
        }
        guard n >= minimum, n <= maximum else {
            report(node, path, "expected an integer in \(minimum)...\(maximum), got \(text)")
            return nil
        }
        return n
    }

    /// A seed: an integer in 0...2⁶⁴−1.
    func seed(_ node: YAMLNode, _ path: String) -> UInt64? {
        if case .scalar(let text, .plain) = node.value, let n = UInt64(text) { return n }
        report(node, path, "expected a seed (an integer in 0...18446744073709551615), got \(node.kindDescription)")
        return nil
    }

    /// `true` or `false`.
    func bool(_ node: YAMLNode, _ path: String) -> Bool? {
        if case .scalar(let text, .plain) = node.value {
            switch text {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default: break
            }
        }
        report(node, path, "expected true or false, got \(node.kindDescription)")
        return nil
    }

    /// One of the spellings of `E`.
    func choice<E: RecipeChoice>(_ node: YAMLNode, _ path: String, _ type: E.Type = E.self) -> E? {
        guard case .scalar(let text, _) = node.value, !node.isNull else {
            report(node, path, "expected one of \(E.spellings), got \(node.kindDescription)")
            return nil
        }
        guard let value = E(rawValue: text) else {
            report(node, path, "unknown \"\(text)\"; expected one of \(E.spellings)")
            return nil
        }
        return value
    }

    // MARK: Lists

    /// The elements of a list (a single scalar is not promoted).
    func list(_ node: YAMLNode, _ path: String, nonEmpty: Bool = false) -> [YAMLNode]? {
        guard let elements = node.elements else {
            report(node, path, "expected a list, got \(node.kindDescription)")
            return nil
        }
        if nonEmpty && elements.isEmpty {
            report(node, path, "expected a non-empty list")
            return nil
        }
        return elements
    }

    /// A list of finite numbers, of length `count` when given (`names` describes the entries).
    func numbers(_ node: YAMLNode, _ path: String, count: Int? = nil, names: [String] = []) -> [Double]? {
        guard let elements = list(node, path) else { return nil }
        if let count, elements.count != count {
            let detail = names.isEmpty ? "" : " (\(names.joined(separator: ", ")))"
            report(node, path, "expected \(count) number\(count == 1 ? "" : "s")\(detail), got \(elements.count)")
            return nil
        }
        var out: [Double] = []
        var ok = true
        for (i, e) in elements.enumerated() {
            if let x = number(e, path + "[\(i)]") { out.append(x) } else { ok = false }
        }
        return ok ? out : nil
    }

    /// `[low, high]` with finite low < high.
    func range(_ node: YAMLNode, _ path: String) -> ClosedRange<Double>? {
        guard let values = numbers(node, path, count: 2) else { return nil }
        guard values[0] < values[1] else {
            let texts = node.elements?.map { $0.scalarText ?? "" } ?? []
            let shown = "[\(texts.joined(separator: ", "))]"
            report(node, path, values[0] == values[1] ? "range \(shown) is empty; expected [low, high] with low < high"
                                                       : "range \(shown) is reversed; expected [low, high] with low < high")
            return nil
        }
        return values[0]...values[1]
    }

    // MARK: Suggestions

    /// The candidate closest to `word` by edit distance, within max(2, |word|/3) edits.
    static func closest(to word: String, among candidates: [String]) -> String? {
        let limit = max(2, word.count / 3)
        var best: (String, Int)?
        for c in candidates {
            let d = editDistance(Array(word.lowercased()), Array(c.lowercased()))
            if d <= limit, best == nil || d < best!.1 { best = (c, d) }
        }
        return best?.0
    }

    /// Levenshtein distance (two-row dynamic programme).
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
