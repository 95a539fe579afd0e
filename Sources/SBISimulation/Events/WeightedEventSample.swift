import Foundation
import SBICore

/// A weighted event sample ready for morphing and augmentation: the hand-off between real-event
/// readers (LHE, MadMiner HDF5) and `SampleAugmenter`.
///
/// Each event e carries observables x_e and its weight at every benchmark θ_b, with the sampling
/// factors of the files it came from already applied, so that
/// ```
/// σ(θ_b) = Σ_e W[e, b]                      (pb)
/// w_e(θ) = Σ_b w_b(θ) W[e, b]               (morphing, when components are known)
/// ```
/// On disk it is a folder ("weighted events folder"):
/// ```
/// observables.npy   <f8 [n, nObservables]
/// weights.npy       <f8 [n, nBenchmarks]
/// events.json       {"format": "sbi-weighted-events", "version": 1, "source": …,
///                    "parameters": [{"name": …, "range": [lo, hi]}], "benchmarks": [{"name": …, "theta": […]}],
///                    "observables": […], "morphing": {"components": [[k…]], "matrix": [[…]]},
///                    "sampling_benchmarks": [b…]}
/// ```
/// `range`, `morphing` (and its `matrix`) and `sampling_benchmarks` are optional; `matrix` is
/// `[nComponents, nBenchmarks]`, MadMiner's `morphing_matrix` layout.
///
/// Shapes: `observables` `[n, nObservables]`, `benchmarkWeights` `[n, nBenchmarks]`,
/// `benchmarks` `[nBenchmarks, nParameters]`.
///
/// [1] J. Brehmer, K. Cranmer, G. Louppe, J. Pavez, arXiv:1805.00020, §III (morphing, benchmarks);
/// [2] MadMiner documentation, `madminer.core`, `madminer.sampling` (benchmark weights per event).
public struct WeightedEventSample: Sendable, Equatable {
    /// Observables x, `[n, nObservables]`.
    public var observables: Matrix<Double>
    /// W[e, b] in pb, sampling factors applied, `[n, nBenchmarks]`.
    public var benchmarkWeights: Matrix<Double>
    /// Parameter names θ_i.
    public var parameterNames: [String]
    /// Allowed range of each parameter (nil: not stated).
    public var parameterRanges: [ClosedRange<Double>]?
    /// Benchmark names, in the order of the columns of `benchmarkWeights`.
    public var benchmarkNames: [String]
    /// The benchmark points θ_b, `[nBenchmarks, nParameters]`.
    public var benchmarks: Matrix<Double>
    /// Observable names, in the order of the columns of `observables`.
    public var observableNames: [String]
    /// Morphing components (nil: not stated; the user's maximum powers decide).
    public var morphingComponents: MorphingComponents?
    /// MadMiner's morphing matrix `[nComponents, nBenchmarks]`, when stated (informative; the
    /// augmenter recomputes it from the components and benchmarks).
    public var morphingMatrix: Matrix<Double>?
    /// For each sample file the events came from, the index of the benchmark it was generated at.
    public var samplingBenchmarks: [Int]?
    /// Free text: which files the events came from.
    public var source: String

    /// The `format` value of `events.json`.
    public static let formatName = "sbi-weighted-events"
    /// The `version` value of `events.json`.
    public static let formatVersion = 1

    /// A validated sample; see the properties.
    /// - Throws: `SBIError.data` naming the field for inconsistent shapes, duplicate or empty names,
    ///   non-finite values, bad ranges or out-of-range sampling benchmarks.
    public init(observables: Matrix<Double>, benchmarkWeights: Matrix<Double>, parameterNames: [String],
                parameterRanges: [ClosedRange<Double>]? = nil, benchmarkNames: [String], benchmarks: Matrix<Double>,
                observableNames: [String], morphingComponents: MorphingComponents? = nil,
                morphingMatrix: Matrix<Double>? = nil, samplingBenchmarks: [Int]? = nil, source: String = "") throws {
        self.observables = observables
        self.benchmarkWeights = benchmarkWeights
        self.parameterNames = parameterNames
        self.parameterRanges = parameterRanges
        self.benchmarkNames = benchmarkNames
        self.benchmarks = benchmarks
        self.observableNames = observableNames
        self.morphingComponents = morphingComponents
        self.morphingMatrix = morphingMatrix
        self.samplingBenchmarks = samplingBenchmarks
        self.source = source
        try validate()
    }

    /// Fields as given, unvalidated (`read` validates with file names).
    private init(unchecked x: Matrix<Double>, _ w: Matrix<Double>, _ p: [String], _ r: [ClosedRange<Double>]?, _ bn: [String],
                 _ b: Matrix<Double>, _ o: [String], _ c: MorphingComponents?, _ m: Matrix<Double>?, _ s: [Int]?, _ source: String) {
        observables = x; benchmarkWeights = w; parameterNames = p; parameterRanges = r; benchmarkNames = bn
        benchmarks = b; observableNames = o; morphingComponents = c; morphingMatrix = m; samplingBenchmarks = s
        self.source = source
    }

    /// Number of events.
    public var count: Int { observables.rows }

    /// σ(θ_b) = Σ_e W[e, b], one per benchmark (pb).
    public var benchmarkCrossSections: [Double] {
        var sums = [Double](repeating: 0, count: benchmarkWeights.columns)
        Matrix.gemv(benchmarkWeights, transpose: true, [Double](repeating: 1, count: benchmarkWeights.rows), into: &sums)
        return sums
    }

    /// The parameter space: the stated ranges, or (none stated) the benchmarks' bounding box.
    public var parameterSpace: ParameterSpace {
        if let parameterRanges { return ParameterSpace(names: parameterNames, ranges: parameterRanges) }
        let ranges = (0..<parameterNames.count).map { i -> ClosedRange<Double> in
            let column = benchmarks.column(i)
            let lo = column.min() ?? 0, hi = column.max() ?? 0
            return lo < hi ? lo...hi : (lo - 1)...(hi + 1)
        }
        return ParameterSpace(names: parameterNames, ranges: ranges)
    }

    /// Checks shapes, names and finiteness (what `init` and `write` guarantee).
    /// - Throws: `SBIError.data` naming the field (`observables`, `weights`, `parameters[i]`, …).
    public func validate() throws { try validate(json: nil, observablesFile: nil, weightsFile: nil) }

    /// `validate()`, naming in each error the file the field is stored in.
    func validate(json file: String?, observablesFile: String?, weightsFile: String?) throws {
        func bad(_ field: String, _ message: String) -> SBIError { SBIError.data(message, file: file, field: field) }
        func badX(_ message: String) -> SBIError { SBIError.data(message, file: observablesFile, field: "observables") }
        func badW(_ message: String) -> SBIError { SBIError.data(message, file: weightsFile, field: "weights") }
        let np = parameterNames.count, nb = benchmarkNames.count, nx = observableNames.count
        try Self.checkNames(parameterNames, "parameters", file: file)
        try Self.checkNames(benchmarkNames, "benchmarks", file: file)
        try Self.checkNames(observableNames, "observables", file: file)
        if let ranges = parameterRanges {
            guard ranges.count == np else { throw bad("parameters", "\(ranges.count) ranges for \(np) parameters") }
            for (i, r) in ranges.enumerated() where !(r.lowerBound.isFinite && r.upperBound.isFinite && r.lowerBound < r.upperBound) {
                throw bad("parameters[\(i)].range", "range [\(r.lowerBound), \(r.upperBound)] must be finite with low < high")
            }
        }
        guard benchmarks.rows == nb, benchmarks.columns == np else {
            throw bad("benchmarks", "benchmark points are [\(benchmarks.rows), \(benchmarks.columns)], expected [\(nb), \(np)] (benchmarks × parameters)")
        }
        if let p = benchmarks.firstNonFinite() { throw bad("benchmarks[\(p.row)].theta", "coordinate \(p.column) is not finite") }
        guard observables.columns == nx else {
            throw badX("observables.npy has \(observables.columns) columns for \(nx) observable names")
        }
        guard benchmarkWeights.columns == nb else {
            throw badW("weights.npy has \(benchmarkWeights.columns) columns for \(nb) benchmarks")
        }
        guard observables.rows == benchmarkWeights.rows else {
            throw badW("weights.npy has \(benchmarkWeights.rows) events, observables.npy \(observables.rows)")
        }
        guard observables.rows >= 1 else { throw badX("the sample has no events") }
        if let p = observables.firstNonFinite() { throw badX("event \(p.row), observable \(observableNames[p.column]) is not finite") }
        if let p = benchmarkWeights.firstNonFinite() { throw badW("event \(p.row), benchmark \(benchmarkNames[p.column]) is not finite") }
        for (b, sigma) in benchmarkCrossSections.enumerated() where !(sigma > 0 && sigma.isFinite) {
            throw badW("the weights at benchmark \(benchmarkNames[b]) sum to σ = \(sigma) pb; a cross section must be positive and finite")
        }
        if let c = morphingComponents {
            guard c.parameterCount == np else {
                throw bad("morphing.components", "components have \(c.parameterCount) powers, expected one per parameter (\(np))")
            }
            if let m = morphingMatrix {
                guard m.rows == c.count, m.columns == nb else {
                    throw bad("morphing.matrix", "matrix is [\(m.rows), \(m.columns)], expected [\(c.count), \(nb)] (components × benchmarks)")
                }
                if let p = m.firstNonFinite() { throw bad("morphing.matrix[\(p.row)]", "entry \(p.column) is not finite") }
                // The stated matrix (MadMiner's morphing_matrix) must be the one the components and
                // benchmarks imply (a singular basis is refused by Morpher); 1e-6 of its largest
                // entry allows for rounding in the file.
                let implied: Matrix<Double>
                do { implied = try Morpher(components: c, basis: benchmarks).matrix } catch let e as SBIError {
                    throw bad("morphing.matrix", e.message)
                }
                let scale = m.storage.map(abs).max() ?? 0
                for i in 0..<m.rows {
                    for b in 0..<m.columns where abs(m[i, b] - implied[i, b]) > 1e-6 * max(scale, 1e-300) {
                        throw bad("morphing.matrix", "the stated morphing matrix has \(m[i, b]) at [\(i), \(b)], the components and benchmarks imply \(implied[i, b])")
                    }
                }
            }
        } else if morphingMatrix != nil {
            throw bad("morphing.matrix", "a morphing matrix needs its components")
        }
        if let s = samplingBenchmarks {
            for (i, b) in s.enumerated() where !(0..<nb).contains(b) {
                throw bad("sampling_benchmarks[\(i)]", "benchmark index \(b) is outside 0..<\(nb)")
            }
        }
    }

    static func checkNames(_ names: [String], _ field: String, file: String?) throws {
        guard !names.isEmpty else { throw SBIError.data("no \(field) listed", file: file, field: field) }
        var seen = Set<String>()
        for (i, name) in names.enumerated() {
            guard !name.isEmpty else { throw SBIError.data("empty name", file: file, field: "\(field)[\(i)]") }
            guard seen.insert(name).inserted else {
                throw SBIError.data("name \"\(name)\" appears twice", file: file, field: "\(field)[\(i)]")
            }
        }
    }

    // MARK: reading and writing

    /// Reads a weighted events folder.
    /// - Throws: `SBIError.io` if a file is missing, `SBIError.data` naming the file and field for
    ///   anything malformed (wrong format tag, shapes, names, non-finite values).
    public static func read(folder: URL) throws -> WeightedEventSample {
        let jsonPath = folder.appendingPathComponent("events.json").path
        guard let data = FileManager.default.contents(atPath: jsonPath) else {
            throw SBIError.io("cannot read the weighted events description (missing or unreadable)", file: jsonPath)
        }
        let description: Description
        do {
            description = try JSONDecoder().decode(Description.self, from: data)
        } catch let error as DecodingError {
            throw Self.describe(error, file: jsonPath)
        } catch {
            throw SBIError.data("not valid JSON: \(error.localizedDescription)", file: jsonPath)
        }
        guard description.format == formatName else {
            throw SBIError.data("format is \"\(description.format)\", expected \"\(formatName)\"", file: jsonPath, field: "format")
        }
        guard description.version == formatVersion else {
            throw SBIError.data("version \(description.version) is not supported (expected \(formatVersion))", file: jsonPath, field: "version")
        }
        let np = description.parameters.count
        let rangeCount = description.parameters.filter { $0.range != nil }.count
        guard rangeCount == 0 || rangeCount == np else {
            throw SBIError.data("either every parameter has a range or none does", file: jsonPath, field: "parameters")
        }
        var ranges: [ClosedRange<Double>]? = nil
        if rangeCount == np && np > 0 {
            ranges = []
            for (i, p) in description.parameters.enumerated() {
                let r = p.range!
                guard r.count == 2, r[0].isFinite, r[1].isFinite, r[0] < r[1] else {
                    throw SBIError.data("range must be [low, high] with low < high, got \(r)", file: jsonPath, field: "parameters[\(i)].range")
                }
                ranges!.append(r[0]...r[1])
            }
        }
        var thetas: [Double] = []
        for (b, benchmark) in description.benchmarks.enumerated() {
            guard benchmark.theta.count == np else {
                throw SBIError.data("\(benchmark.theta.count) values for \(np) parameters", file: jsonPath, field: "benchmarks[\(b)].theta")
            }
            thetas += benchmark.theta
        }
        var components: MorphingComponents? = nil
        var matrix: Matrix<Double>? = nil
        if let morphing = description.morphing {
            for (c, row) in morphing.components.enumerated() where row.count != np {
                throw SBIError.data("\(row.count) powers for \(np) parameters", file: jsonPath, field: "morphing.components[\(c)]")
            }
            do {
                components = try MorphingComponents(exponents: morphing.components.flatMap { $0 }, parameterCount: max(np, 1))
            } catch let e as SBIError {
                throw SBIError.data(e.message, file: jsonPath, field: "morphing." + (e.field ?? "components"))
            }
            if let rows = morphing.matrix {
                let width = rows.first?.count ?? 0
                for (c, row) in rows.enumerated() where row.count != width {
                    throw SBIError.data("row has \(row.count) entries, the first \(width)", file: jsonPath, field: "morphing.matrix[\(c)]")
                }
                matrix = Matrix(rows: rows.count, columns: width, storage: rows.flatMap { $0 })
            }
        }
        let observablesPath = folder.appendingPathComponent("observables.npy").path
        let weightsPath = folder.appendingPathComponent("weights.npy").path
        let x = try readMatrix(observablesPath)
        let w = try readMatrix(weightsPath)
        let sample = WeightedEventSample(unchecked: x, w, description.parameters.map(\.name), ranges,
                                         description.benchmarks.map(\.name),
                                         Matrix(rows: description.benchmarks.count, columns: np, storage: thetas),
                                         description.observables, components, matrix, description.sampling_benchmarks,
                                         description.source ?? "")
        try sample.validate(json: jsonPath, observablesFile: observablesPath, weightsFile: weightsPath)
        return sample
    }

    /// A rank-2 floating-point `.npy` file as a Double matrix.
    private static func readMatrix(_ path: String) throws -> Matrix<Double> {
        guard FileManager.default.fileExists(atPath: path) else { throw SBIError.io("missing file", file: path) }
        let array = try NPYFile.read(path)
        guard array.dtype == .float64 || array.dtype == .float32 else {
            throw SBIError.data("dtype \(array.dtype.rawValue) is not a floating-point type (expected <f8)", file: path, field: "dtype")
        }
        guard array.shape.count == 2 else {
            throw SBIError.data("expected a 2-dimensional array, got shape \(array.shape)", file: path, field: "shape")
        }
        return try array.matrix(as: Double.self, file: path)
    }

    /// Writes the folder atomically: everything goes into a temporary sibling folder, which is
    /// then renamed into place (an existing folder of that name is replaced).
    /// The files `write(folder:)` creates (besides the `OwnedFolder` marker).
    public static let fileNames = ["observables.npy", "weights.npy", "events.json"]

    /// - Throws: `SBIError.data` if the sample is inconsistent, `SBIError.io` naming the path.
    public func write(folder: URL) throws {
        try validate()
        let fm = FileManager.default
        let target = folder.standardizedFileURL
        let parent = target.deletingLastPathComponent()
        let name = target.lastPathComponent
        do { try fm.createDirectory(at: parent, withIntermediateDirectories: true) } catch {
            throw SBIError.io("cannot create the folder: \(error.localizedDescription)", file: parent.path)
        }
        let pid = ProcessInfo.processInfo.processIdentifier
        let temporary = parent.appendingPathComponent(".\(name).tmp-\(pid)")
        try? fm.removeItem(at: temporary)
        do { try fm.createDirectory(at: temporary, withIntermediateDirectories: false) } catch {
            throw SBIError.io("cannot create a temporary folder: \(error.localizedDescription)", file: temporary.path)
        }
        do {
            try NPYFile.write(observables, to: temporary.appendingPathComponent("observables.npy").path)
            try NPYFile.write(benchmarkWeights, to: temporary.appendingPathComponent("weights.npy").path)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let json = try encoder.encode(description)
            try AtomicFileWriter.write([UInt8](json) + [10], to: temporary.appendingPathComponent("events.json").path)
            try OwnedFolder.mark(temporary.path, writer: "sbi events")
            try OwnedFolder.checkReplaceable(target.path, ownNames: Self.fileNames, option: "output folder")
            var isDirectory: ObjCBool = false
            if fm.fileExists(atPath: target.path, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else { throw SBIError.io("exists and is not a folder", file: target.path) }
                let old = parent.appendingPathComponent(".\(name).old-\(pid)")
                try? fm.removeItem(at: old)
                try fm.moveItem(at: target, to: old)
                try fm.moveItem(at: temporary, to: target)
                try? fm.removeItem(at: old)
            } else {
                try fm.moveItem(at: temporary, to: target)
            }
        } catch let error as SBIError {
            try? fm.removeItem(at: temporary)
            throw error
        } catch {
            try? fm.removeItem(at: temporary)
            throw SBIError.io("cannot write the weighted events folder: \(error.localizedDescription)", file: target.path)
        }
    }

    // MARK: events.json

    private var description: Description {
        let np = parameterNames.count
        var morphing: Description.Morphing? = nil
        if let c = morphingComponents {
            morphing = .init(components: (0..<c.count).map { c.exponents(of: $0) },
                             matrix: morphingMatrix.map { m in (0..<m.rows).map { m.row($0) } })
        }
        return Description(
            format: Self.formatName, version: Self.formatVersion, source: source,
            parameters: parameterNames.enumerated().map { i, n in
                .init(name: n, range: parameterRanges.map { [$0[i].lowerBound, $0[i].upperBound] })
            },
            benchmarks: benchmarkNames.enumerated().map { b, n in .init(name: n, theta: np == 0 ? [] : benchmarks.row(b)) },
            observables: observableNames, morphing: morphing, sampling_benchmarks: samplingBenchmarks)
    }

    /// The JSON layout of `events.json` (snake_case keys as in the file).
    private struct Description: Codable {
        struct Parameter: Codable { var name: String; var range: [Double]? }
        struct Benchmark: Codable { var name: String; var theta: [Double] }
        struct Morphing: Codable { var components: [[Int]]; var matrix: [[Double]]? }
        var format: String
        var version: Int
        var source: String?
        var parameters: [Parameter]
        var benchmarks: [Benchmark]
        var observables: [String]
        var morphing: Morphing?
        var sampling_benchmarks: [Int]?
    }

    /// A decoding error as an `SBIError` naming the JSON path.
    private static func describe(_ error: DecodingError, file: String) -> SBIError {
        func path(_ keys: [any CodingKey]) -> String {
            var out = ""
            for key in keys {
                if let i = key.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + key.stringValue }
            }
            return out
        }
        switch error {
        case .keyNotFound(let key, let context):
            let p = path(context.codingPath + [key])
            return SBIError.data("required field is missing", file: file, field: p)
        case .typeMismatch(let type, let context):
            return SBIError.data("expected a value of type \(type)", file: file, field: path(context.codingPath))
        case .valueNotFound(let type, let context):
            return SBIError.data("expected a value of type \(type), found null", file: file, field: path(context.codingPath))
        case .dataCorrupted(let context):
            let p = path(context.codingPath)
            return SBIError.data("not valid JSON: \(context.debugDescription)", file: file, field: p.isEmpty ? nil : p)
        @unknown default:
            return SBIError.data("cannot decode: \(error)", file: file)
        }
    }
}
