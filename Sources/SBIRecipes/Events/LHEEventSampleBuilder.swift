#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SBICore
import SBIEvents
import SBISimulation

/// One benchmark of an LHE conversion: its name, the `<wgt id>` holding its weight, and θ.
public struct LHEBenchmark: Sendable, Equatable {
    /// Benchmark name (as in recipes, `--theta benchmarks`, and `events.json`).
    public var name: String
    /// The weight id in the files' `<rwgt>` / `<initrwgt>`.
    public var weightID: String
    /// The parameter point, one value per parameter.
    public var theta: [Double]

    /// A benchmark; see the properties.
    public init(name: String, weightID: String, theta: [Double]) {
        self.name = name
        self.weightID = weightID
        self.theta = theta
    }
}

/// How the nominal weights of an LHE file are normalised (MadGraph's `event_norm`).
public enum LHEWeightNormalization: String, Sendable, Equatable, CaseIterable {
    /// Σ_e XWGTUP = σ_init of the file.
    case sum
    /// mean_e XWGTUP = σ_init (MadGraph's default, `average`): weights are divided by the file's n.
    case average
    /// Whichever of the two the file's XWGTUP and `<init>` cross section agree with best.
    case automatic
}

/// Builds a `WeightedEventSample` from LHE files (one per sampling benchmark): observables from
/// expressions, benchmark weights from the weight ids, MadMiner's sampling factors applied.
///
/// ```
/// c_i = 1 (event_norm = sum) or 1/n_i (event_norm = average)   so file i alone gives Σ_e c_i w_{e,b} = σ_b
/// f_i = n_i / Σ_j n_j                                        (sampling factor of file i)
/// W[e, b] = f_i c_i w_{e,b}      for event e of file i      ⇒   Σ_e W[e, b] = σ_b
/// ```
/// n_i counts every event read from file i (before cuts), so the column sums are the cross
/// sections after cuts. Background files (`backgroundFiles`: a process whose weight does not
/// depend on θ, one XWGTUP per event and no reweighting block) give every benchmark column the
/// event's own weight and share their sampling factors among themselves, so that
/// ```
/// Σ_e W[e, b] = σ_signal(θ_b) + σ_background,   W[e, ·] constant for a background event e
/// ```
/// and morphing returns that constant at every θ (the components include the constant term).
/// A file's k-factor K (`kFactors`) multiplies c_i, so its contribution to every σ_b is K times its own. With one file per sampling benchmark, f_i is MadMiner's sampling factor
/// n_s / Σ n (`DataAnalyzer._calculate_sampling_factors` in madminer/analysis/dataanalyzer.py:
/// events generated per benchmark over all events, multiplied into the weights of the events
/// generated there); several files at one benchmark each get their own share n_i / N.
/// Events failing a cut or lacking an observable are dropped and counted (`EventAnalysis`).
/// The sampling benchmark of a file is the one given, else the benchmark whose weight equals the
/// nominal weight XWGTUP of the file's first event (relative 1e-6), else unknown.
///
/// Shapes: the sample's observables `[n, nObservables]`, weights `[n, nBenchmarks]`.
/// Complexity: one streaming pass over every file; memory O(n_kept · (nObservables + nBenchmarks)).
///
/// [1] arXiv:1805.00020 §III (benchmarks, reweighting); [2] MadMiner documentation, `LHEReader`,
/// `DataAnalyzer` (sampling factors); [3] arXiv:1405.1067 (LHEF weights).
public struct LHEEventSampleBuilder {
    /// The LHE files, plain or gzip.
    public var files: [String]
    /// Parameter names θ_i.
    public var parameterNames: [String]
    /// Parameter ranges (nil: not stated).
    public var parameterRanges: [ClosedRange<Double>]?
    /// The benchmarks and their weight ids.
    public var benchmarks: [LHEBenchmark]
    /// Observables (name, expression), see `ObservableExpression`.
    public var observables: [(name: String, expression: String)]
    /// Cuts (comparisons).
    public var cuts: [String]
    /// Per file, the name of the benchmark it was generated at (nil entries, or nil: detect).
    public var samplingBenchmarks: [String?]?
    /// Normalisation of the files' weights.
    public var normalization: LHEWeightNormalization
    /// LHE files of θ-independent backgrounds (weights XWGTUP only), plain or gzip.
    public var backgroundFiles: [String]
    /// Values of observables (by name) for events where they cannot be computed (MadMiner's
    /// `required=False, default=…`); an observable without one drops such events.
    public var observableDefaults: [String: Double]
    /// k-factors by file (as named in `files` or `backgroundFiles`): every weight of that file is
    /// multiplied by it (MadMiner's `k_factor` of a sample); files not listed keep 1.
    public var kFactors: [String: Double]

    /// Weight variations of the signal files that become nuisance parameters (scale, PDF): each
    /// kept event's weights at ν = ±1 are read with its benchmark weights, and `buildWithNuisance`
    /// returns their `NuisanceMorphing` relative to the event's nominal weight XWGTUP. Background
    /// events keep a = b = 0 (their files carry no variations).
    public var variations: [LHEWeightVariation] = []

    /// A conversion; see the properties.
    public init(files: [String], parameterNames: [String], parameterRanges: [ClosedRange<Double>]? = nil,
                benchmarks: [LHEBenchmark], observables: [(name: String, expression: String)], cuts: [String] = [],
                samplingBenchmarks: [String?]? = nil, normalization: LHEWeightNormalization = .automatic,
                backgroundFiles: [String] = [], kFactors: [String: Double] = [:], observableDefaults: [String: Double] = [:]) {
        self.observableDefaults = observableDefaults
        self.backgroundFiles = backgroundFiles
        self.kFactors = kFactors
        self.files = files
        self.parameterNames = parameterNames
        self.parameterRanges = parameterRanges
        self.benchmarks = benchmarks
        self.observables = observables
        self.cuts = cuts
        self.samplingBenchmarks = samplingBenchmarks
        self.normalization = normalization
    }

    /// What happened to one file.
    public struct FileReport: Sendable {
        /// The file.
        public var path: String
        /// Events read.
        public var eventsRead: Int
        /// Events kept.
        public var eventsKept: Int
        /// `EventAnalysis.summary` of the file (kept and dropped counts).
        public var summary: String
        /// The benchmark the file was generated at (index), when known.
        public var samplingBenchmark: Int?
        /// The normalisation used.
        public var normalization: LHEWeightNormalization
        /// f_i c_i (c_i including the file's k-factor), the factor applied to the file's weights.
        public var factor: Double
        /// Whether the file is a θ-independent background.
        public var isBackground = false
    }

    /// Reads every file and returns the sample and a report per file.
    /// - Throws: `SBIError` naming the file (and event) for unreadable or inconsistent files, a
    ///   weight id missing from a file, an unknown sampling benchmark; `.data` naming the field
    ///   (`benchmarks`, `observables`) for bad settings; `.data` if no event passes the cuts.
    public func build(progress: ProgressReporter? = nil) throws -> (sample: WeightedEventSample, files: [FileReport]) {
        let built = try buildWithNuisance(progress: progress)
        return (built.sample, built.files)
    }

    /// `build`, and the nuisance morphing of `variations` for the kept events (nil without variations).
    /// - Throws: as `build`; an id of `variations` missing from a signal file or not declared in its
    ///   `<initrwgt>` names the file; `.data` naming the nuisance parameter for variation weights whose
    ///   ratio to the nominal weight is zero, negative or not finite (counted, the first event shown).
    public func buildWithNuisance(progress: ProgressReporter? = nil) throws
        -> (sample: WeightedEventSample, files: [FileReport], nuisance: NuisanceMorphing?) {
        guard !files.isEmpty else { throw SBIError.data("no LHE files given", field: "events") }
        let np = parameterNames.count, nb = benchmarks.count, nx = observables.count
        for (b, benchmark) in benchmarks.enumerated() where benchmark.theta.count != np {
            throw SBIError.data("\(benchmark.theta.count) values for \(np) parameters (\(parameterNames.joined(separator: ", ")))",
                                field: "benchmarks[\(b)] '\(benchmark.name)'")
        }
        if let s = samplingBenchmarks, s.count != files.count {
            throw SBIError.data("\(s.count) sampling benchmarks for \(files.count) files", field: "sampling_benchmarks")
        }
        for (file, k) in kFactors.sorted(by: { $0.key < $1.key }) {
            guard files.contains(file) || backgroundFiles.contains(file) else {
                throw SBIError.data("k-factor for \(file), which is not one of the event files", field: "k_factors")
            }
            guard k.isFinite, k > 0 else { throw SBIError.data("k-factor \(k) of \(file) must be positive and finite", field: "k_factors") }
        }
        var ids = Set<String>()
        for (b, benchmark) in benchmarks.enumerated() where !ids.insert(benchmark.weightID).inserted {
            throw SBIError.data("weight id '\(benchmark.weightID)' is used twice", field: "benchmarks[\(b)] '\(benchmark.name)'")
        }
        // Variation ids follow the benchmarks in the reader's table (an id that is also a benchmark's is read once).
        var tableIDs = benchmarks.map(\.weightID)
        for v in variations { for id in [v.up] + (v.down.map { [$0] } ?? []) where !tableIDs.contains(id) { tableIDs.append(id) } }
        let slot = Dictionary(uniqueKeysWithValues: tableIDs.enumerated().map { ($1, $0) })
        let table = LHEWeightMapping.table(benchmarks.map { LHEWeightAssignment(weightID: $0.weightID, benchmark: $0.name) }
                                           + tableIDs[nb...].map { LHEWeightAssignment(weightID: $0, benchmark: "variation " + $0) })
        var nominalWeights: [Double] = []
        var upWeights = [[Double]](repeating: [], count: variations.count)
        var downWeights = [[Double]](repeating: [], count: variations.count)
        var xStorage: [Double] = []
        var wStorage: [Double] = []
        var reports: [FileReport] = []
        var fileOfRows: [(rows: Range<Int>, scale: Double)] = []
        var values = [Double](repeating: 0, count: nx)
        var event = LHEEvent()
        for (i, path) in (files + backgroundFiles).enumerated() {
            let isBackground = i >= files.count
            let analysis = try EventAnalysis(observables: observables, cuts: cuts, defaults: observableDefaults)
            let reader = try LHEReader(path: path, weights: isBackground ? .nominalOnly : table)
            guard isBackground || Array(reader.benchmarkNames.prefix(nb)) == benchmarks.map(\.name) else {
                throw SBIError(.internal, file: path, "reader benchmark order \(reader.benchmarkNames) differs from the table")
            }
            let firstRow = wStorage.count / max(nb, 1)
            var nominalSum = 0.0
            var detected: Int? = nil
            var read = 0
            while try reader.next(into: &event) {
                read += 1
                nominalSum += event.weight
                if read == 1 && !isBackground {
                    detected = event.weights.indices.first { b in
                        abs(event.weights[b] - event.weight) <= 1e-6 * max(abs(event.weight), .leastNormalMagnitude)
                    }
                }
                let kept = values.withUnsafeMutableBufferPointer { analysis.process(event, into: $0) }
                if kept {
                    xStorage.append(contentsOf: values)
                    if isBackground {
                        wStorage.append(contentsOf: repeatElement(event.weight, count: nb))
                    } else {
                        wStorage.append(contentsOf: event.weights.prefix(nb))
                    }
                    if !variations.isEmpty {
                        nominalWeights.append(event.weight)
                        for (k, v) in variations.enumerated() {
                            upWeights[k].append(isBackground ? event.weight : event.weights[slot[v.up] ?? 0])
                            if let down = v.down { downWeights[k].append(isBackground ? event.weight : event.weights[slot[down] ?? 0]) }
                        }
                    }
                }
                if read % 4096 == 0 { progress?.advance(by: 4096) }
            }
            progress?.advance(by: read % 4096)
            guard read > 0 else { throw SBIError.data("the file has no events", file: path) }
            var sampling = detected
            if !isBackground, let given = samplingBenchmarks?[i] {
                guard let b = benchmarks.firstIndex(where: { $0.name == given }) else {
                    throw SBIError.data("unknown benchmark '\(given)'; expected one of \(benchmarks.map(\.name).joined(separator: ", "))",
                                        file: path, field: "sampling_benchmarks[\(i)]")
                }
                sampling = b
            }
            var mode = normalization
            if mode == .automatic {
                // Compare Σ XWGTUP and mean XWGTUP with the <init> cross section, in log distance.
                let sigma = reader.header.initBlock.totalCrossSectionPicobarn
                let mean = nominalSum / Double(read)
                if sigma > 0, nominalSum > 0 {
                    mode = abs(log(mean / sigma)) < abs(log(nominalSum / sigma)) ? .average : .sum
                } else {
                    mode = .average
                }
            }
            let c = (mode == .average ? 1 / Double(read) : 1) * (kFactors[path] ?? 1)
            let lastRow = wStorage.count / max(nb, 1)
            fileOfRows.append((firstRow ..< lastRow, c))
            reports.append(FileReport(path: path, eventsRead: read, eventsKept: lastRow - firstRow, summary: analysis.summary,
                                      samplingBenchmark: sampling, normalization: mode, factor: c, isBackground: isBackground))
        }
        // Sampling factors within each group: signal files estimate σ_signal(θ) together, background files σ_background.
        let signalTotal = reports.filter { !$0.isBackground }.reduce(0) { $0 + $1.eventsRead }
        let backgroundTotal = reports.filter(\.isBackground).reduce(0) { $0 + $1.eventsRead }
        for i in reports.indices {
            let f = Double(reports[i].eventsRead) / Double(reports[i].isBackground ? backgroundTotal : signalTotal)
            let scale = f * fileOfRows[i].scale
            reports[i].factor = scale
            for k in fileOfRows[i].rows.lowerBound * nb ..< fileOfRows[i].rows.upperBound * nb { wStorage[k] *= scale }
        }
        let n = wStorage.count / max(nb, 1)
        guard n > 0 else {
            throw SBIError.data("no event passed the cuts and observables: " + reports.map { "\($0.path): \($0.summary)" }.joined(separator: "; "),
                                field: "cuts")
        }
        let sampling = reports.filter { !$0.isBackground }.compactMap(\.samplingBenchmark)
        let sample = try WeightedEventSample(
            observables: Matrix(rows: n, columns: nx, storage: xStorage),
            benchmarkWeights: Matrix(rows: n, columns: nb, storage: wStorage),
            parameterNames: parameterNames, parameterRanges: parameterRanges,
            benchmarkNames: benchmarks.map(\.name),
            benchmarks: Matrix(rows: nb, columns: np, storage: benchmarks.flatMap(\.theta)),
            observableNames: observables.map(\.name),
            samplingBenchmarks: sampling.count == reports.count ? sampling : nil,
            source: "LHE files: " + files.joined(separator: ", ") + (backgroundFiles.isEmpty ? "" : "; background: " + backgroundFiles.joined(separator: ", ")))
        guard !variations.isEmpty else { return (sample, reports, nil) }
        let nuisance = try NuisanceMorphing(nominal: nominalWeights, variations: variations.enumerated().map { k, v in
            NuisanceVariation(name: v.name, up: upWeights[k], down: v.down == nil ? nil : downWeights[k])
        }, source: files.joined(separator: ", "))
        return (sample, reports, nuisance)
    }
}
