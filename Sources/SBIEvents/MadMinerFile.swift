import SBICore

/// A MadMiner analysis file (HDF5): the parameter space, benchmarks, morphing setup,
/// observables and the weighted event sample, read and checked for consistency.
///
/// MadMiner stores one weight per event and benchmark, `samples/weights[e, b]` (pb). When the
/// events come from several runs, each generated at a sampling benchmark `s(e)`
/// (`samples/sampling_benchmarks`, −1 for background), every run is normalised to the full cross
/// section on its own, and MadMiner rescales by the fraction of signal events that run holds
/// (`sample_summary/signal_events`, n_b per benchmark):
/// ```
/// f_b = n_b / Σ_b' n_b'     (signal),      f = 1   (background, s(e) = −1)
/// W[e, b] = f_{s(e)} · weights[e, b],      σ_b = Σ_e W[e, b]
/// σ(θ) = Σ_b w_b(θ) σ_b,    w_b(θ) = Σ_c M[c, b] Π_i θ_i^{k_ci}   (morphing)
/// ```
/// `benchmarkWeights()` returns W. Nuisance benchmarks (`benchmarks/is_nuisance`) are not
/// benchmarks of θ: the ones that `/nuisance_parameters` names as a nuisance parameter's ±1σ
/// variation are read into `storedNuisanceWeights` (MadMiner stores them at the reference benchmark's θ,
/// so a = log(w₊/w_ref) etc., see `NuisanceMorphing` in SBISimulation), the others and the
/// finite-difference group are left out with a line in `warnings`.
/// ```
/// /nuisance_parameters/names, /systematics, /benchmark_positive, /benchmark_negative  (strings; "" or "None": none)
/// nuisanceBenchmarkWeights()[e, k] = f_{s(e)} · weights[e, column of nuisance benchmark k]
/// ```
///
/// Two layouts are read: MadMiner 0.9.x (`parameters/val_ranges`, `sample_summary/signal_events`)
/// and the older one (`parameters/ranges`, `parameters/max_power` as a column,
/// `sample_summary/signal_events_per_benchmark`, often no sampling ids).
///
/// Shapes: `benchmarks` `[nBenchmarks, nParameters]`, `morphingComponents` row-major
/// `[nComponents, nParameters]`, `morphingMatrix` `[nComponents, nBenchmarks]`,
/// `observations` `[nEvents, nObservables]`, `storedWeights` `[nEvents, nBenchmarks]`.
///
/// [1] J. Brehmer, F. Kling, I. Espejo, K. Cranmer, arXiv:1907.10621 (MadMiner), §3 and its
///     documentation (`DataAnalyzer`, sampling factors); [2] arXiv:1805.00020, §III (morphing).
public struct MadMinerFile: Sendable {
    /// One theory parameter θ_i.
    public struct Parameter: Sendable, Equatable {
        /// Its name (`CWL2`).
        public var name: String
        /// The range MadMiner was given for it, when the file has one.
        public var range: ClosedRange<Double>?
        /// The highest power of θ_i in the squared matrix element, when stored.
        public var maxPower: Int?
        /// The param-card transform (`16.52*theta`), when stored.
        public var transform: String?
    }

    /// Which generation of MadMiner wrote the file.
    public enum Layout: String, Sendable {
        /// MadMiner 0.9.x: `parameters/val_ranges`, `sample_summary/signal_events`.
        case current
        /// Earlier versions: `parameters/ranges`.
        case legacy
    }

    /// The path as the user named it.
    public let path: String
    /// The layout detected.
    public let layout: Layout
    /// The theory parameters, in the file's order.
    public let parameters: [Parameter]
    /// Names of the (physics) benchmarks, in the order of the weight columns.
    public let benchmarkNames: [String]
    /// θ at each benchmark, `[nBenchmarks, nParameters]`.
    public let benchmarks: Matrix<Double>
    /// Index of the reference benchmark (`benchmarks/is_reference`), if one is flagged.
    public let referenceBenchmark: Int?
    /// Morphing exponents k_ci, row-major `[nComponents, nParameters]`, if the file has a morphing setup.
    public let morphingComponents: [Int]?
    /// Morphing matrix M, `[nComponents, nBenchmarks]` as MadMiner stores it, if present.
    public let morphingMatrix: Matrix<Double>?
    /// Observable names, one per column of `observations`.
    public let observableNames: [String]
    /// Observable definitions as MadMiner recorded them (expressions; empty if not stored).
    public let observableDefinitions: [String]
    /// The observables of every event, `[nEvents, nObservables]`.
    public let observations: Matrix<Double>
    /// The weights as stored (physics columns only, no sampling factors), `[nEvents, nBenchmarks]`, pb.
    public let storedWeights: Matrix<Double>
    /// Per event, the benchmark it was generated at (−1: background); nil if the file has none.
    public let samplingBenchmarks: [Int]?
    /// Signal events generated per benchmark (`sample_summary`), if stored or derived from the sampling ids.
    public let signalEventsPerBenchmark: [Int]?
    /// Background events (`sample_summary/background_events`), if stored.
    public let backgroundEvents: Int?
    /// f_b per benchmark, then f = 1 for background; all 1 without sampling ids.
    public let samplingFactors: [Double]
    /// Largest event count a sample summary may state (sums of such counts cannot overflow).
    static let maximumEventCount = 1_000_000_000_000_000

    /// What was ignored or assumed while reading (unused nuisance benchmarks, missing summaries).
    public let warnings: [String]

    /// A nuisance parameter of the file: the nuisance benchmarks of its +1σ and (two-sided) −1σ variations.
    public struct NuisanceParameter: Sendable, Equatable {
        /// Name (`/nuisance_parameters/names`, MadMiner's `<systematic>_nuisance_param_<k>`).
        public var name: String
        /// The systematic it belongs to (`/nuisance_parameters/systematics`), if stored.
        public var systematic: String?
        /// Column of `storedNuisanceWeights` at ν = +1.
        public var positive: Int
        /// Column of `storedNuisanceWeights` at ν = −1, nil for a one-sided variation.
        public var negative: Int?
    }

    /// The file's nuisance parameters (empty without `/nuisance_parameters`).
    public let nuisanceParameters: [NuisanceParameter]
    /// Names of the nuisance benchmarks that the nuisance parameters use (columns of `storedNuisanceWeights`).
    public let nuisanceBenchmarkNames: [String]
    /// Their stored weights `[nEvents, nNuisanceBenchmarks]` (pb, at the reference benchmark's θ).
    public let storedNuisanceWeights: Matrix<Double>

    /// Number of events.
    public var eventCount: Int { observations.rows }
    /// Number of parameters.
    public var parameterCount: Int { parameters.count }
    /// Number of (physics) benchmarks.
    public var benchmarkCount: Int { benchmarkNames.count }

    /// Reads and checks the MadMiner file at `path`.
    /// - Throws: `SBIError` naming the file and the HDF5 path for a missing group or dataset,
    ///   shapes that disagree (weight columns vs benchmarks, observation rows vs weight rows, …),
    ///   non-finite values, or sampling ids out of range; `.io` if the file cannot be opened.
    public init(path: String) throws {
        let h5 = try HDF5File(path: path)
        var warnings: [String] = []
        func fail(_ message: String, _ object: String) -> SBIError {
            SBIError.data(message, file: path, field: "/" + object)
        }
        for group in ["parameters", "benchmarks", "samples"] where !h5.isGroup(group) {
            throw fail("missing group: this is not a MadMiner analysis file (it needs parameters, benchmarks and samples)", group)
        }

        // Parameters.
        let parameterNames = try h5.readStrings("parameters/names")
        let np = parameterNames.count
        guard np > 0 else { throw fail("no parameters", "parameters/names") }
        var layout = Layout.current
        var ranges: [ClosedRange<Double>]?
        let rangePath = h5.exists("parameters/val_ranges") ? "parameters/val_ranges"
            : h5.exists("parameters/ranges") ? "parameters/ranges" : nil
        if rangePath == "parameters/ranges" { layout = .legacy }
        if let rangePath {
            let (shape, values) = try h5.readDoubles(rangePath)
            guard shape == [np, 2] else { throw fail("expected shape [\(np), 2] (one range per parameter), found \(shape)", rangePath) }
            ranges = try (0..<np).map { i in
                let lo = values[2 * i], hi = values[2 * i + 1]
                guard lo.isFinite, hi.isFinite, lo <= hi else { throw fail("range \(i) [\(lo), \(hi)] is not an interval", rangePath) }
                return lo...hi
            }
        } else {
            warnings.append("\(path): no parameter ranges (/parameters/val_ranges or /parameters/ranges)")
        }
        var maxPowers: [Int]?
        if h5.exists("parameters/max_power") {
            let (shape, values) = try h5.readIntegers("parameters/max_power")
            if let rows = shape.first, rows == np, !values.isEmpty, values.count % np == 0 {
                let k = values.count / np
                maxPowers = (0..<np).map { i in values[i * k ..< (i + 1) * k].max() ?? 0 }
            } else {
                warnings.append("\(path): /parameters/max_power has shape \(shape), expected [\(np)]; ignored")
            }
        }
        var transforms: [String]?
        if h5.exists("parameters/transforms") {
            let t = try h5.readStrings("parameters/transforms")
            if t.count == np { transforms = t } else {
                warnings.append("\(path): /parameters/transforms has \(t.count) entries for \(np) parameters; ignored")
            }
        }
        parameters = (0..<np).map { i in
            Parameter(name: parameterNames[i], range: ranges?[i], maxPower: maxPowers?[i],
                      transform: transforms.map { $0[i].isEmpty ? nil : $0[i] } ?? nil)
        }

        // Benchmarks (nuisance ones dropped).
        let allNames = try h5.readStrings("benchmarks/names")
        let nAll = allNames.count
        guard nAll > 0 else { throw fail("no benchmarks", "benchmarks/names") }
        let values = try h5.readDoubles("benchmarks/values")
        guard values.shape == [nAll, np] else {
            throw fail("expected shape [\(nAll), \(np)] (\(nAll) benchmarks × \(np) parameters), found \(values.shape)", "benchmarks/values")
        }
        var isNuisance = [Bool](repeating: false, count: nAll)
        if h5.exists("benchmarks/is_nuisance") {
            let flags = try h5.readIntegers("benchmarks/is_nuisance").values
            guard flags.count == nAll else { throw fail("\(flags.count) flags for \(nAll) benchmarks", "benchmarks/is_nuisance") }
            isNuisance = flags.map { $0 != 0 }
        }
        let physics = (0..<nAll).filter { !isNuisance[$0] }
        guard !physics.isEmpty else { throw fail("every benchmark is flagged as a nuisance benchmark", "benchmarks/is_nuisance") }
        // Nuisance parameters and the nuisance benchmarks of their variations.
        var nuisance: [NuisanceParameter] = []
        var nuisanceColumns: [Int] = []   // index into allNames per nuisance-benchmark column
        if h5.exists("nuisance_parameters/names") {
            let names = try h5.readStrings("nuisance_parameters/names")
            if h5.exists("nuisance_parameters/benchmark_positive") {
                let positive = try h5.readStrings("nuisance_parameters/benchmark_positive")
                let negative = h5.exists("nuisance_parameters/benchmark_negative")
                    ? try h5.readStrings("nuisance_parameters/benchmark_negative") : names.map { _ in "" }
                let systematics = h5.exists("nuisance_parameters/systematics")
                    ? try h5.readStrings("nuisance_parameters/systematics") : names.map { _ in "" }
                for (list, object) in [(positive, "benchmark_positive"), (negative, "benchmark_negative"), (systematics, "systematics")]
                    where list.count != names.count {
                    throw fail("\(list.count) entries for \(names.count) nuisance parameters", "nuisance_parameters/" + object)
                }
                func column(_ benchmark: String, _ k: Int, _ object: String) throws -> Int? {
                    if benchmark.isEmpty || benchmark == "None" { return nil }
                    guard let b = allNames.firstIndex(of: benchmark) else {
                        throw fail("nuisance parameter '\(names[k])' names benchmark '\(benchmark)', which /benchmarks/names does not hold",
                                   "nuisance_parameters/" + object)
                    }
                    guard isNuisance[b] else {
                        throw fail("nuisance parameter '\(names[k])' names '\(benchmark)', a benchmark of θ, not a nuisance benchmark",
                                   "nuisance_parameters/" + object)
                    }
                    if let existing = nuisanceColumns.firstIndex(of: b) { return existing }
                    nuisanceColumns.append(b)
                    return nuisanceColumns.count - 1
                }
                for k in names.indices {
                    guard let up = try column(positive[k], k, "benchmark_positive") else {
                        throw fail("nuisance parameter '\(names[k])' has no +1σ benchmark", "nuisance_parameters/benchmark_positive")
                    }
                    nuisance.append(NuisanceParameter(name: names[k], systematic: systematics[k].isEmpty || systematics[k] == "None" ? nil : systematics[k],
                                                      positive: up, negative: try column(negative[k], k, "benchmark_negative")))
                }
                if Set(names).count != names.count { throw fail("a nuisance parameter name is repeated", "nuisance_parameters/names") }
            } else if !names.isEmpty {
                warnings.append("\(path): ignored /nuisance_parameters (no benchmark_positive: the variations of \(names.joined(separator: ", ")) are unknown)")
            }
        }
        nuisanceParameters = nuisance
        nuisanceBenchmarkNames = nuisanceColumns.map { allNames[$0] }
        let unused = (0..<nAll).filter { isNuisance[$0] && !nuisanceColumns.contains($0) }.map { allNames[$0] }
        if !unused.isEmpty {
            warnings.append("\(path): ignored \(unused.count) nuisance benchmark(s) that no nuisance parameter uses, and their weights: \(unused.joined(separator: ", "))")
        }
        benchmarkNames = physics.map { allNames[$0] }
        var theta = Matrix<Double>(rows: physics.count, columns: np)
        for (row, b) in physics.enumerated() {
            for p in 0..<np {
                let v = values.values[b * np + p]
                guard v.isFinite else { throw fail("benchmark '\(allNames[b])' has a non-finite coordinate \(p)", "benchmarks/values") }
                theta[row, p] = v
            }
        }
        benchmarks = theta
        var reference: Int?
        if h5.exists("benchmarks/is_reference") {
            let flags = try h5.readIntegers("benchmarks/is_reference").values
            guard flags.count == nAll else { throw fail("\(flags.count) flags for \(nAll) benchmarks", "benchmarks/is_reference") }
            reference = physics.firstIndex { flags[$0] != 0 }
        }
        referenceBenchmark = reference
        if h5.exists("finite_differences") {
            warnings.append("\(path): ignored /finite_differences (sbi computes scores from the morphing, not from finite-difference benchmarks)")
        }

        // Morphing.
        if h5.exists("morphing/components") || h5.exists("morphing/morphing_matrix") {
            let (cShape, exponents) = try h5.readIntegers("morphing/components")
            guard cShape.count == 2, cShape[1] == np, cShape[0] > 0 else {
                throw fail("expected shape [nComponents, \(np)], found \(cShape)", "morphing/components")
            }
            if let bad = exponents.firstIndex(where: { $0 < 0 }) {
                throw fail("component \(bad / np) has a negative exponent", "morphing/components")
            }
            let m = try h5.readMatrix("morphing/morphing_matrix")
            guard m.rows == cShape[0], m.columns == physics.count else {
                throw fail("expected shape [\(cShape[0]), \(physics.count)] (components × benchmarks), found [\(m.rows), \(m.columns)]",
                           "morphing/morphing_matrix")
            }
            if let bad = m.storage.firstIndex(where: { !$0.isFinite }) {
                throw fail("entry [\(bad / m.columns), \(bad % m.columns)] is not finite", "morphing/morphing_matrix")
            }
            morphingComponents = exponents
            morphingMatrix = m
        } else {
            morphingComponents = nil
            morphingMatrix = nil
        }

        // Observables.
        let names = try h5.readStrings("observables/names")
        observableNames = names
        if h5.exists("observables/definitions") {
            let defs = try h5.readStrings("observables/definitions")
            guard defs.count == names.count else {
                throw fail("\(defs.count) definitions for \(names.count) observables", "observables/definitions")
            }
            observableDefinitions = defs
        } else {
            observableDefinitions = names.map { _ in "" }
        }

        // Samples.
        let x = try h5.readMatrix("samples/observations")
        let w = try h5.readMatrix("samples/weights")
        guard x.columns == names.count else {
            throw fail("\(x.columns) columns but \(names.count) observables in /observables/names", "samples/observations")
        }
        guard w.columns == nAll else {
            throw fail("inconsistent weights: \(w.columns) columns but the file defines \(nAll) benchmarks in /benchmarks/names; expected one weight per event and benchmark",
                       "samples/weights")
        }
        guard w.rows == x.rows else {
            throw fail("inconsistent samples: \(w.rows) weight rows but \(x.rows) rows in /samples/observations", "samples/weights")
        }
        guard x.rows > 0 else { throw fail("no events", "samples/observations") }
        if let bad = x.storage.firstIndex(where: { !$0.isFinite }) {
            throw fail("event \(bad / x.columns): observable '\(names[bad % x.columns])' is not finite", "samples/observations")
        }
        func columns(_ selected: [Int]) throws -> Matrix<Double> {
            var out = Matrix<Double>(rows: w.rows, columns: selected.count)
            try w.withUnsafeBufferPointer { src in
                try out.withUnsafeMutableBufferPointer { dst in
                    for e in 0..<w.rows {
                        for (j, b) in selected.enumerated() {
                            let v = src[e * nAll + b]
                            guard v.isFinite else { throw fail("event \(e): weight at benchmark '\(allNames[b])' is not finite", "samples/weights") }
                            dst[e * selected.count + j] = v
                        }
                    }
                }
            }
            return out
        }
        observations = x
        storedWeights = try columns(physics)
        storedNuisanceWeights = try columns(nuisanceColumns)

        // Sampling ids, summary and factors.
        var ids: [Int]?
        if h5.exists("samples/sampling_benchmarks") {
            let values = try h5.readIntegers("samples/sampling_benchmarks").values
            if !values.isEmpty {
                guard values.count == x.rows else {
                    throw fail("\(values.count) sampling ids for \(x.rows) events", "samples/sampling_benchmarks")
                }
                if let bad = values.firstIndex(where: { $0 < -1 || $0 >= physics.count }) {
                    throw fail("event \(bad): sampling benchmark \(values[bad]) is not −1 (background) or a benchmark index below \(physics.count)",
                               "samples/sampling_benchmarks")
                }
                ids = values
            }
        }
        samplingBenchmarks = ids
        let summaryPath = h5.exists("sample_summary/signal_events") ? "sample_summary/signal_events"
            : h5.exists("sample_summary/signal_events_per_benchmark") ? "sample_summary/signal_events_per_benchmark" : nil
        var signal: [Int]?
        if let summaryPath {
            let counts = try h5.readIntegers(summaryPath).values
            guard counts.count == physics.count else {
                throw fail("\(counts.count) entries for \(physics.count) benchmarks", summaryPath)
            }
            if let bad = counts.firstIndex(where: { $0 < 0 || $0 > Self.maximumEventCount }) {
                throw fail("entry \(bad) is \(counts[bad]); expected an event count in [0, 10^15]", summaryPath)
            }
            signal = counts
        }
        var background: Int?
        if h5.exists("sample_summary/background_events") {
            let v = try h5.readIntegers("sample_summary/background_events").values
            guard v.count == 1 else { throw fail("expected one number, found \(v.count)", "sample_summary/background_events") }
            background = v[0]
        }
        var factors = [Double](repeating: 1, count: physics.count + 1)
        if let ids {
            if signal == nil {
                var counted = [Int](repeating: 0, count: physics.count)
                for id in ids where id >= 0 { counted[id] += 1 }
                signal = counted
                warnings.append("\(path): no /sample_summary; events generated per benchmark counted from /samples/sampling_benchmarks")
            }
            let counts = signal ?? []
            let total = counts.reduce(0, +)
            if total > 0 {
                for b in 0..<physics.count { factors[b] = Double(counts[b]) / Double(total) }
            }
            var present = [Int](repeating: 0, count: physics.count)
            for id in ids where id >= 0 { present[id] += 1 }
            for b in 0..<physics.count where present[b] > 0 && counts[b] == 0 {
                throw fail("events were generated at benchmark '\(benchmarkNames[b])' but the summary counts none for it",
                           summaryPath ?? "samples/sampling_benchmarks")
            }
            if present != counts {
                warnings.append("\(path): the sample summary (\(counts)) differs from the events per sampling benchmark in the file (\(present)); using the summary, as MadMiner does")
            }
        }
        signalEventsPerBenchmark = signal
        backgroundEvents = background
        samplingFactors = factors
        self.path = path
        self.layout = layout
        self.warnings = warnings
    }

    /// W[e, b] = f_{s(e)} · weights[e, b]: the weights with MadMiner's sampling factors applied,
    /// `[nEvents, nBenchmarks]`, so that Σ_e W[e, b] estimates σ_b (pb).
    /// - Complexity: one pass over the weights.
    public func benchmarkWeights() -> Matrix<Double> { applyingSamplingFactors(storedWeights) }

    /// The nuisance benchmarks' weights with the sampling factors applied, `[nEvents, nNuisanceBenchmarks]`
    /// (the same factor as the event's benchmark weights, so ratios to them are the stored ones).
    public func nuisanceBenchmarkWeights() -> Matrix<Double> { applyingSamplingFactors(storedNuisanceWeights) }

    /// `weights` `[nEvents, k]` with each row multiplied by its event's sampling factor f_{s(e)}.
    private func applyingSamplingFactors(_ weights: Matrix<Double>) -> Matrix<Double> {
        guard let ids = samplingBenchmarks else { return weights }
        var out = weights
        let k = out.columns, n = out.rows
        out.withUnsafeMutableBufferPointer { w in
            for e in 0..<n {
                let f = samplingFactors[ids[e] < 0 ? samplingFactors.count - 1 : ids[e]]
                for b in 0..<k { w[e * k + b] *= f }
            }
        }
        return out
    }

    /// σ_b = Σ_e W[e, b] (pb) for every benchmark, sampling factors applied.
    public func crossSections() -> [Double] {
        let w = benchmarkWeights()
        var sums = [Double](repeating: 0, count: w.columns)
        w.withUnsafeBufferPointer { p in
            for e in 0..<w.rows { for b in 0..<w.columns { sums[b] += p[e * w.columns + b] } }
        }
        return sums
    }
}
