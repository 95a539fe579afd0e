import SBICore

/// The built-in simulators by their command-line / recipe name.
///
/// ```
/// make(name: "gaussian")  → GaussianSimulator()
/// make(name: "drell-yan") → DrellYanSimulator()  (default beam and detector)
/// make(name: "wbf-higgs") → WBFHiggsSimulator()  (300 fb⁻¹, 36 SM events)
/// make(name: "gaussian-3d") → TrivariateGaussianSimulator()  (three correlated parameters)
/// ```
/// Unknown names throw an error listing the known ones and the closest match.
public enum SimulatorRegistry {
    /// Names of the built-in simulators, in the order `sbi --help` lists them.
    public static var names: [String] { entries.map(\.name) }

    private static let entries: [(name: String, make: @Sendable () throws -> any Simulator)] = [
        ("gaussian", { GaussianSimulator() }),
        ("drell-yan", { try DrellYanSimulator() }),
        ("wbf-higgs", { WBFHiggsSimulator() }),
        ("gaussian-3d", { TrivariateGaussianSimulator() }),
    ]

    /// A new instance of the simulator called `name` (exact, case-sensitive match).
    /// - Throws: `SBIError.data` with field `simulator` for an unknown name, listing the known
    ///   names and suggesting the nearest one (Levenshtein distance ≤ 3).
    public static func make(name: String) throws -> any Simulator {
        if let entry = entries.first(where: { $0.name == name }) { return try entry.make() }
        var message = "unknown simulator \"\(name)\"; expected one of \(names.joined(separator: ", "))"
        if let suggestion = closestName(to: name) { message += " (did you mean \"\(suggestion)\"?)" }
        throw SBIError.data(message, field: "simulator")
    }

    /// The known name nearest to `name` by edit distance, if within 3 edits (case-insensitive).
    static func closestName(to name: String) -> String? {
        let lowered = Array(name.lowercased())
        var best: (name: String, distance: Int)?
        for candidate in names {
            let d = editDistance(lowered, Array(candidate))
            if d <= 3, best == nil || d < best!.distance { best = (candidate, d) }
        }
        return best?.name
    }

    /// Levenshtein distance between two character arrays (two-row dynamic programme).
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
