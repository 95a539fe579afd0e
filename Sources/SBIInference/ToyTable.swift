import Foundation
import SBICore
import SBISimulation

/// Every toy's fit with several likelihoods as one table, and its coverage file.
///
/// ```
/// toys.npy       [toys, likelihoods, 2 + k]  <f8: n_t, q_t(θ_true), θ̂_t (k parameters)
/// coverage.json  per likelihood × CL: toys, covered, fraction ĉ, binomial_error √(ĉ(1 − ĉ)/toys)
/// ```
/// (`ToyFits`, `ToyCoverage`; arXiv:1007.1727 §3.)
public enum ToyTable {
    /// Toys `toys` at `theta` (toy t from sub-stream t of `random`) fitted with every likelihood, as rows
    /// `[toys.count, likelihoods × (2 + k)]`, and the number of events drawn. The toys go through in
    /// chunks of whole groups of `ToyLikelihood.toyGroup` (≤ 10⁶ expected events and ≤ 4·10⁶ log L values
    /// each), so memory stays bounded whatever the toy count and, for a `toys` range starting at a multiple
    /// of the group, the bits do not depend on how a toy set is cut.
    /// - Throws: `SBIError.data` naming `toys` for a non-finite or negative expected event count; as
    ///   `PseudoExperiments.events` and `.fit`.
    public static func fit(_ likelihoods: [PseudoExperiments.Likelihood], simulator: any Simulator, theta: [Double], toys: Range<Int>,
                           grid: ParameterGrid, rate: EventRate?, fixedEvents: Double?, random: SeededRandom,
                           progress: ProgressReporter? = nil) throws -> (table: Matrix<Double>, events: Int) {
        let k = grid.parameterCount, width = 2 + k
        let expected = try rate?.expectedEvents(at: theta) ?? fixedEvents ?? 0
        guard expected.isFinite, expected >= 0 else {
            throw SBIError.data("\(expected) expected events per toy at θ = \(theta); expected a finite number ≥ 0", field: "toys")
        }
        let chunk = chunkSize(toys: toys.count, grid: grid, expectedEvents: expected)
        var table = Matrix<Double>(rows: toys.count, columns: likelihoods.count * width)
        var eventCount = 0
        for start in stride(from: toys.lowerBound, to: toys.upperBound, by: chunk) {
            let block = start ..< min(start + chunk, toys.upperBound)
            let events = try PseudoExperiments.events(simulator: simulator, theta: theta, count: block.count, firstToy: block.lowerBound,
                                                      rate: rate, fixedEvents: fixedEvents, random: random)
            eventCount += events.x.rows
            for (l, likelihood) in likelihoods.enumerated() {
                let fit = try PseudoExperiments.fit([likelihood], toys: events, theta: theta, grid: grid, rate: rate)[0]
                for t in 0..<block.count {
                    let row = block.lowerBound - toys.lowerBound + t
                    table[row, l * width] = Double(fit.events[t])
                    table[row, l * width + 1] = fit.q[t]
                    for i in 0..<k { table[row, l * width + 2 + i] = fit.bestFits[t, i] }
                }
                progress?.advance(detail: likelihood.name)
            }
        }
        return (table, eventCount)
    }

    /// The number of `fit`'s chunks (progress steps per likelihood) for `toys`.
    public static func chunkCount(toys: Int, grid: ParameterGrid, expectedEvents: Double) -> Int {
        let chunk = chunkSize(toys: toys, grid: grid, expectedEvents: expectedEvents)
        return (toys + chunk - 1) / chunk
    }

    /// Toys per chunk: whole groups of `ToyLikelihood.toyGroup`, ≤ 10⁶ expected events, ≤ 4·10⁶ log L values.
    static func chunkSize(toys: Int, grid: ParameterGrid, expectedEvents: Double) -> Int {
        let group = ToyLikelihood.toyGroup
        let events = expectedEvents.isFinite ? max(1, expectedEvents) : 1
        return group * max(1, min(toys, 4_000_000 / max(1, grid.count), Int(1_000_000 / events)) / group)
    }
}

/// `coverage.json`: the coverage of every likelihood's regions over toys at θ_true.
public struct ToyCoverageFile: Codable, Sendable {
    public static let fileName = "coverage.json"
    /// One likelihood at one confidence level.
    public struct Row: Codable, Sendable, Equatable {
        public var name: String
        public var mode: String
        public var confidenceLevel: Double
        public var toys: Int
        public var covered: Int
        public var fraction: Double
        public var binomialError: Double

        public init(_ c: ToyCoverage) {
            (name, mode, confidenceLevel, toys, covered) = (c.name, c.mode, c.confidenceLevel, c.toys, c.covered)
            (fraction, binomialError) = (c.fraction, c.binomialError)
        }
    }
    public var toys: Int
    public var seed: UInt64
    public var thetaTrue: [Double]
    /// The last axis of toys.npy.
    public var columns: [String]
    /// The middle axis of toys.npy.
    public var likelihoods: [String]
    public var coverage: [Row]

    /// The coverage of `table` (`ToyTable.fit`'s values, `[toys, likelihoods, 2 + k]` row-major) for
    /// `likelihoods` (name, mode) at every confidence level.
    public init(table: [Double], likelihoods: [(name: String, mode: String)], confidenceLevels: [Double], parameterNames: [String],
                seed: UInt64, thetaTrue: [Double]) {
        let width = 2 + parameterNames.count, count = likelihoods.isEmpty ? 0 : table.count / (likelihoods.count * width)
        var rows: [Row] = []
        for (l, scan) in likelihoods.enumerated() {
            let q = (0..<count).map { table[($0 * likelihoods.count + l) * width + 1] }
            for cl in confidenceLevels {
                rows.append(Row(ToyCoverage(name: scan.name, mode: scan.mode, confidenceLevel: cl, q: q, parameterCount: parameterNames.count)))
            }
        }
        self.init(toys: count, seed: seed, thetaTrue: thetaTrue, columns: ["events", "q_theta_true"] + parameterNames.map { "best_fit_" + $0 },
                  likelihoods: likelihoods.map(\.name), coverage: rows)
    }

    public init(toys: Int, seed: UInt64, thetaTrue: [Double], columns: [String], likelihoods: [String], coverage: [Row]) {
        (self.toys, self.seed, self.thetaTrue, self.columns, self.likelihoods, self.coverage) = (toys, seed, thetaTrue, columns, likelihoods, coverage)
    }

    /// The file at `path`, nil when it is missing or unreadable.
    public static func read(_ path: String) -> ToyCoverageFile? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? ResultJSON.decoder().decode(ToyCoverageFile.self, from: data)
    }

    /// The file's bytes (`ResultJSON`).
    public func jsonBytes() -> [UInt8] { ResultJSON.bytes(self) }
}
