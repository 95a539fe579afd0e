import SBICore

/// One option a sub-command accepts.
struct OptionSpec: Sendable {
    /// Long name without dashes (`seed` for `--seed`).
    let name: String
    /// Placeholder for the value (`N`, `PATH`); nil for a boolean flag.
    let valueName: String?
    /// One-line help.
    let help: String

    static func flag(_ name: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: nil, help: help)
    }

    static func value(_ name: String, _ valueName: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: valueName, help: help)
    }
}

/// The parsed command line of one sub-command: options by name and positional words.
struct ParsedOptions {
    private(set) var values: [String: String] = [:]
    /// Every value of each option, in command-line order (for options that may repeat).
    private(set) var repeatedValues: [String: [String]] = [:]
    private(set) var flags: Set<String> = []
    private(set) var positionals: [String] = []
    let command: String

    /// Parses `arguments` against `specs`: `--name value`, `--name=value`, boolean `--flag`,
    /// `--` ending options. Unknown options and missing values are usage errors.
    init(_ arguments: [String], specs: [OptionSpec], command: String) throws {
        self.command = command
        var index = 0
        var onlyPositionals = false
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            if onlyPositionals || !word.hasPrefix("-") || word == "-" {
                positionals.append(word)
                continue
            }
            if word == "--" { onlyPositionals = true; continue }
            guard word.hasPrefix("--") else {
                throw SBIError.usage("unknown option '\(word)' for '\(command)'")
            }
            var name = String(word.dropFirst(2))
            var inlineValue: String?
            if let eq = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard let spec = specs.first(where: { $0.name == name }) else {
                let known = specs.map { "--" + $0.name }
                var message = "unknown option '--\(name)' for '\(command)'"
                if let close = Suggestion.closest(to: "--" + name, among: known) { message += "; did you mean '\(close)'?" }
                throw SBIError.usage(message)
            }
            if let valueName = spec.valueName {
                if let inlineValue {
                    values[name] = inlineValue
                } else {
                    guard index < arguments.count else {
                        throw SBIError.usage("option '--\(name)' needs a value \(valueName)")
                    }
                    values[name] = arguments[index]
                    index += 1
                }
                repeatedValues[name, default: []].append(values[name]!)
            } else {
                guard inlineValue == nil else {
                    throw SBIError.usage("option '--\(name)' takes no value")
                }
                flags.insert(name)
            }
        }
    }

    /// Whether a boolean flag was given.
    func has(_ flag: String) -> Bool { flags.contains(flag) }

    /// The value of `--name`, if given (the last one when repeated).
    func value(_ name: String) -> String? { values[name] }

    /// Every value of a repeatable `--name`, in order (empty when not given).
    func allValues(_ name: String) -> [String] { repeatedValues[name] ?? [] }

    /// The value of `--name` as an integer within `range`.
    func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = values[name] else { return nil }
        guard let n = Int(text), range.contains(n) else {
            throw SBIError.usage("option '--\(name)' expects an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return n
    }
}

/// Did-you-mean suggestions by edit distance.
enum Suggestion {
    /// The candidate closest to `word` if it is within a third of the word's length (at least 2 edits allowed).
    static func closest(to word: String, among candidates: [String]) -> String? {
        let limit = max(2, word.count / 3)
        let scored = candidates.map { ($0, distance(word, $0)) }.filter { $0.1 <= limit }
        return scored.min { $0.1 < $1.1 }?.0
    }

    /// Levenshtein distance.
    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[y.count]
    }
}
