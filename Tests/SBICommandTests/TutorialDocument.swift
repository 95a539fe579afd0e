import Foundation

/// A Markdown tutorial as the tests read it (Notebooks-md/README.md): its fenced cells, in order.
///
/// ```
/// ```sh          run with /bin/sh -e in the tutorial's folder (built sbi on PATH)
/// ```python      run with $SBI_PYTHON (python3 with numpy) in the same folder
/// ```output      what the sh or python cell just before it must print (stdout and stderr, merged)
/// ```swift       concatenated (one blank line between cells) = the example's main.swift
/// anything else  (console, yaml, text, ...) shown to the reader, never run
/// <!-- tolerance: R -->              relative tolerance of numbers in the next output cell
/// <!-- tolerance: R, absolute A -->  |actual − expected| ≤ max(R·|expected|, A)
/// ```
/// Fences open with three or more backticks (or tildes) and close with at least as many of
/// the same character; the language is the first word of the info string.
struct TutorialDocument {
    /// One fenced block.
    struct Cell {
        /// First word of the info string, lower-cased ("" when none).
        let language: String
        /// Line number (1-based) of the opening fence.
        let line: Int
        /// The lines between the fences.
        let lines: [String]
        /// For output cells: the tolerance stated before it (exact when none).
        let tolerance: OutputMatcher.Tolerance

        /// The cell's text, every line ending in a newline.
        var text: String { lines.map { $0 + "\n" }.joined() }
    }

    /// An sh cell and the output cell that follows it (nil: its output is not checked).
    struct Step {
        let command: Cell
        let expected: Cell?
    }

    /// A problem in the Markdown itself (unclosed fence, unreadable tolerance, stray output cell).
    struct FormatError: Error, CustomStringConvertible {
        let description: String
    }

    /// File name used in messages.
    let name: String
    /// Every fenced cell, in order.
    let cells: [Cell]

    /// Reads and parses the file at `path`.
    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FormatError(description: "\(path): cannot read the tutorial")
        }
        try self.init(text: String(decoding: data, as: UTF8.self), name: (path as NSString).lastPathComponent)
    }

    /// Parses Markdown `text`; `name` appears in every message.
    init(text: String, name: String) throws {
        self.name = name
        var cells: [Cell] = []
        var open: (fence: Character, length: Int, language: String, line: Int)?
        var body: [String] = []
        var pendingTolerance: (OutputMatcher.Tolerance, Int)?
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0.hasSuffix("\r") ? $0.dropLast() : $0)
        }
        for (index, raw) in lines.enumerated() {
            let number = index + 1
            let stripped = raw.drop { $0 == " " }
            let indent = raw.count - stripped.count
            if let current = open {
                let run = stripped.prefix { $0 == current.fence }.count
                if indent <= 3, run >= current.length, stripped.dropFirst(run).allSatisfy({ $0 == " " }) {
                    var tolerance = OutputMatcher.Tolerance.exact
                    if current.language == "output", let pending = pendingTolerance {
                        tolerance = pending.0
                        pendingTolerance = nil
                    }
                    cells.append(Cell(language: current.language, line: current.line, lines: body, tolerance: tolerance))
                    open = nil
                    body = []
                } else {
                    body.append(raw)
                }
                continue
            }
            if indent <= 3, let fence = stripped.first, fence == "`" || fence == "~" {
                let run = stripped.prefix { $0 == fence }.count
                if run >= 3 {
                    let info = stripped.dropFirst(run).trimmingCharacters(in: .whitespaces)
                    let language = info.split(separator: " ").first.map { $0.lowercased() } ?? ""
                    open = (fence, run, language, number)
                    continue
                }
            }
            if let tolerance = try Self.tolerance(in: raw, line: number, name: name) {
                if let pending = pendingTolerance {
                    throw FormatError(description: "\(name):\(pending.1): tolerance comment not followed by an output cell before line \(number)")
                }
                pendingTolerance = (tolerance, number)
            }
        }
        if let current = open {
            throw FormatError(description: "\(name):\(current.line): the \(current.language) cell is never closed")
        }
        if let pending = pendingTolerance {
            throw FormatError(description: "\(name):\(pending.1): tolerance comment not followed by an output cell")
        }
        self.cells = cells
    }

    /// The tolerance stated by an HTML comment on `line`, if it is one.
    static func tolerance(in line: String, line number: Int, name: String) throws -> OutputMatcher.Tolerance? {
        let text = line.trimmingCharacters(in: .whitespaces)
        guard text.hasPrefix("<!--"), text.hasSuffix("-->") else { return nil }
        let inner = text.dropFirst(4).dropLast(3).trimmingCharacters(in: .whitespaces)
        guard inner.hasPrefix("tolerance:") else { return nil }
        let parts = inner.dropFirst("tolerance:".count).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let bad = FormatError(description: "\(name):\(number): expected <!-- tolerance: R --> or <!-- tolerance: R, absolute A --> (numbers ≥ 0), got \(text)")
        guard let first = parts.first, let relative = Double(first), relative >= 0 else { throw bad }
        var absolute = 0.0
        if parts.count == 2 {
            let words = parts[1].split(separator: " ")
            guard words.count == 2, words[0] == "absolute", let a = Double(words[1]), a >= 0 else { throw bad }
            absolute = a
        } else if parts.count > 2 {
            throw bad
        }
        return OutputMatcher.Tolerance(relative: relative, absolute: absolute)
    }

    /// The languages whose cells run.
    static let runnable: Set<String> = ["sh", "python"]

    /// The sh and python cells with the output cells that follow them (prose in between is allowed).
    /// - Throws: `FormatError` for an output cell that follows no sh or python cell, or two in a row.
    func steps() throws -> [Step] {
        var steps: [Step] = []
        var previous: Cell?
        for cell in cells {
            switch cell.language {
            case let language where Self.runnable.contains(language):
                steps.append(Step(command: cell, expected: nil))
            case "output":
                guard let before = previous?.language, Self.runnable.contains(before), let last = steps.popLast() else {
                    throw FormatError(description: "\(name):\(cell.line): output cell without an sh or python cell right before it")
                }
                steps.append(Step(command: last.command, expected: cell))
            default:
                break
            }
            previous = cell
        }
        return steps
    }

    /// The swift cells joined with one blank line between them (the example's main.swift).
    var swiftSource: String {
        cells.filter { $0.language == "swift" }.map(\.text).joined(separator: "\n")
    }
}

/// Compares a cell's actual output with its `output` cell, line by line.
///
/// ```
/// a line "..."            matches any run of lines (also none)
/// "..." inside a line     matches any text
/// numbers                 |a − e| ≤ max(relative·|e|, absolute)
/// other text              equal after trimming trailing spaces; trailing blank lines ignored
/// ```
enum OutputMatcher {
    /// How far numbers may be from the expected ones.
    struct Tolerance: Equatable {
        var relative: Double
        var absolute: Double
        static let exact = Tolerance(relative: 0, absolute: 0)

        func accepts(_ actual: Double, _ expected: Double) -> Bool {
            if actual == expected { return true }
            return abs(actual - expected) <= max(relative * abs(expected), absolute)
        }
    }

    /// Where the comparison failed: the furthest point the best match reached.
    struct Mismatch: Equatable {
        /// 0-based index into the expected lines (== count: the expectation ended first).
        let expectedIndex: Int
        /// 0-based index into the actual lines (== count: the output ended first).
        let actualIndex: Int
        let expectedLine: String?
        let actualLine: String?
    }

    static let numberPattern = #"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"#

    /// nil when `actual` matches `expected`; otherwise the first point where they differ.
    static func mismatch(expected: [String], actual: [String], tolerance: Tolerance) -> Mismatch? {
        func clean(_ lines: [String]) -> [String] {
            var out = lines.map { String($0.reversed().drop { $0 == " " || $0 == "\t" }.reversed()) }
            while out.last == "" { out.removeLast() }
            return out
        }
        let e = clean(expected), a = clean(actual)
        // memo[i][j]: can e[i...] match a[j...]?
        var memo = [[Bool?]](repeating: [Bool?](repeating: nil, count: a.count + 1), count: e.count + 1)
        var furthest = (i: 0, j: 0)
        func note(_ i: Int, _ j: Int) {
            if i > furthest.i || (i == furthest.i && j > furthest.j) { furthest = (i, j) }
        }
        func match(_ i: Int, _ j: Int) -> Bool {
            if let known = memo[i][j] { return known }
            let result: Bool
            if i == e.count {
                result = j == a.count
                if !result { note(i, j) }
            } else if e[i].trimmingCharacters(in: .whitespaces) == "..." {
                result = match(i + 1, j) || (j < a.count && match(i, j + 1))
            } else if j < a.count, lineMatches(expected: e[i], actual: a[j], tolerance: tolerance) {
                result = match(i + 1, j + 1)
            } else {
                note(i, j)
                result = false
            }
            memo[i][j] = result
            return result
        }
        if match(0, 0) { return nil }
        let (i, j) = furthest
        return Mismatch(expectedIndex: i, actualIndex: j, expectedLine: i < e.count ? e[i] : nil, actualLine: j < a.count ? a[j] : nil)
    }

    /// One expected line against one actual line (no trailing spaces on either).
    static func lineMatches(expected: String, actual: String, tolerance: Tolerance) -> Bool {
        if expected == actual { return true }
        // Expected line → anchored pattern: "..." any text, numbers captured, the rest literal.
        guard let numberRegex = try? NSRegularExpression(pattern: numberPattern) else { return false }
        var numbers: [Double] = []
        var pieces: [String] = []
        for piece in expected.components(separatedBy: "...") {
            let ns = piece as NSString
            var regex = ""
            var cursor = 0
            for m in numberRegex.matches(in: piece, range: NSRange(location: 0, length: ns.length)) {
                guard let value = Double(ns.substring(with: m.range)) else { continue }
                regex += NSRegularExpression.escapedPattern(for: ns.substring(with: NSRange(location: cursor, length: m.range.location - cursor)))
                // Whole numbers only: a number never ends mid-digits, and a wildcard right before it
                // may not take its sign or leading digits.
                let afterWildcard = !pieces.isEmpty && m.range.location == 0
                regex += (afterWildcard ? "(?<![-+0-9.])" : "") + "(" + numberPattern + ")(?![0-9])(?!\\.[0-9])"
                numbers.append(value)
                cursor = m.range.location + m.range.length
            }
            regex += NSRegularExpression.escapedPattern(for: ns.substring(from: cursor))
            pieces.append(regex)
        }
        let pattern = "^" + pieces.joined(separator: ".*") + "$"
        guard let regex = try? NSRegularExpression(pattern: pattern),
              let m = regex.firstMatch(in: actual, range: NSRange(location: 0, length: (actual as NSString).length)) else { return false }
        for (k, value) in numbers.enumerated() {
            let range = m.range(at: k + 1)
            guard range.location != NSNotFound, let got = Double((actual as NSString).substring(with: range)),
                  tolerance.accepts(got, value) else { return false }
        }
        return true
    }
}
