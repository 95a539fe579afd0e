import Foundation
import SBICore
import SBIEvents
import SBIRecipes
import SBISimulation

/// Command-line options shared by `sbi augment --events …` and `sbi events convert`: LHE files
/// (or one weighted events folder) → `WeightedEventSample`. Bad values are usage errors naming
/// the option.
enum EventsInput {
    /// The options `--events` may be combined with.
    static let options: [OptionSpec] = [
        .value("benchmark", "NAME=ID:V[,V...]", "LHE input: benchmark NAME is weight id ID at theta = V,...; repeat per benchmark."),
        .value("observable", "NAME=EXPR", "LHE input: observable NAME computed as EXPR (e.g. 'pt_j1=j[0].pt'); repeat."),
        .value("cut", "EXPR", "LHE input: keep events where EXPR holds (e.g. 'j[0].pt > 30'); repeat."),
        .value("parameter", "NAME[=LO:HI]", "LHE input: parameter name and range, one per parameter in order (default theta_0, ...; range: the benchmarks' span)."),
        .value("sampling-benchmark", "NAME", "LHE input: benchmark the corresponding --events file was generated at; repeat per file (default: the benchmark whose weight equals the nominal weight)."),
        .value("weight-normalization", "MODE", "LHE input: event_norm of the files: auto (default), sum or average."),
        .value("background", "FILE", "LHE input: a background file (weight independent of the parameters, no reweighting); repeat."),
        .value("k-factor", "FILE=K", "LHE input: multiply the weights of FILE (an --events or --background file) by K; repeat."),
        .value("observable-default", "NAME=V", "LHE input: value of observable NAME in events where it cannot be computed (default: drop them); repeat."),
    ]

    /// Help text describing the LHE options.
    static let discussion = """
    Real events: --events FILE.lhe[.gz] (repeat, one file per sampling benchmark) with
    --benchmark NAME=ID:V,... per benchmark (ID = the <wgt id> holding its weight),
    --observable NAME=EXPR per observable, optional --cut EXPR and --parameter NAME=LO:HI;
    or --events DIR, a weighted events folder (sbi events convert, sbi import-madminer),
    or --events FILE.h5, a MadMiner HDF5 analysis file (as sbi import-madminer reads it).
    Weights are normalised per file (event_norm sum/average, detected from <init>) and
    scaled by MadMiner's sampling factors n_file/n_total, so the weights of each
    benchmark sum to its cross section. Events failing a cut or lacking an observable
    are dropped and counted. --background FILE adds a process whose weight does not
    depend on the parameters: each of its events carries its own weight at every
    benchmark (background files share their sampling factors among themselves), so each
    benchmark's weights sum to sigma_signal + sigma_background.
    """

    /// Whether `text` is the number of events rather than a file or folder.
    static func isCount(_ text: String) -> Bool { !text.isEmpty && text.allSatisfy(\.isNumber) && !FileManager.default.fileExists(atPath: text) }

    /// Whether `path` is meant as a MadMiner HDF5 analysis file: it starts with the HDF5 signature,
    /// or it is named `.h5` / `.hdf5` (a damaged one then gets libhdf5's refusal, not a question
    /// about LHE options).
    static func isHDF5(_ path: String) -> Bool {
        let name = path.lowercased()
        if name.hasSuffix(".h5") || name.hasSuffix(".hdf5") { return true }
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
        return (try? handle.read(upToCount: 8)).map { Array($0) == signature } ?? false
    }

    /// The LHE files / events folder given with `--events`.
    static func inputs(_ parsed: ParsedOptions) -> [String] { parsed.allValues("events").filter { !isCount($0) } }

    /// Reads or builds the weighted event sample the options describe.
    /// - Returns: the sample and one report line per file read (empty for a folder).
    static func sample(_ parsed: ParsedOptions, progress: ProgressReporter?) throws -> (sample: WeightedEventSample, lines: [String]) {
        let inputs = inputs(parsed)
        var isDirectory: ObjCBool = false
        let lheOnly = ["benchmark", "observable", "cut", "parameter", "sampling-benchmark", "weight-normalization", "background", "k-factor",
                       "observable-default"]
        if inputs.count == 1, FileManager.default.fileExists(atPath: inputs[0], isDirectory: &isDirectory), isDirectory.boolValue {
            for name in lheOnly where parsed.value(name) != nil {
                throw SBIError.usage("--\(name) applies to LHE files; an events folder states its own setup", field: "--\(name)")
            }
            return (try WeightedEventSample.read(folder: URL(fileURLWithPath: inputs[0])), [])
        }
        if inputs.count == 1, isHDF5(inputs[0]) {
            for name in lheOnly where parsed.value(name) != nil {
                throw SBIError.usage("--\(name) applies to LHE files; a MadMiner HDF5 file states its own setup", field: "--\(name)")
            }
            let file = try MadMinerFile(path: inputs[0])
            return (try WeightedEventSample(madMiner: file), file.warnings.map { "warning: " + $0 })
        }
        for input in inputs where FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) && isDirectory.boolValue {
            throw SBIError.usage("'\(input)' is a folder; give either one events folder or LHE files", field: "--events")
        }
        let builder = try builder(parsed, files: inputs)
        let (sample, reports) = try builder.build(progress: progress)
        let lines = reports.map { reportLine($0, benchmarkNames: sample.benchmarkNames) }
        return (sample, lines)
    }

    /// One line per LHE file read: events kept, event_norm, sampling benchmark (or background), weight factor.
    static func reportLine(_ r: LHEEventSampleBuilder.FileReport, benchmarkNames: [String]) -> String {
        "file \(r.path): \(r.summary); event_norm \(r.normalization.rawValue); "
            + (r.isBackground ? "background" : "sampling benchmark " + (r.samplingBenchmark.map { benchmarkNames[$0] } ?? "unknown"))
            + "; weight factor \(r.factor)"
    }

    /// The `LHEEventSampleBuilder` of the options.
    static func builder(_ parsed: ParsedOptions, files: [String]) throws -> LHEEventSampleBuilder {
        var benchmarks: [LHEBenchmark] = []
        for text in parsed.allValues("benchmark") {
            guard let eq = text.firstIndex(of: "="), let colon = text[eq...].firstIndex(of: ":") else {
                throw SBIError.usage("expected NAME=ID:V[,V...], got '\(text)'", field: "--benchmark")
            }
            let name = String(text[..<eq]), id = String(text[text.index(after: eq) ..< colon])
            guard !name.isEmpty, !id.isEmpty else { throw SBIError.usage("expected NAME=ID:V[,V...], got '\(text)'", field: "--benchmark") }
            let theta = try CommandInput.numbers(String(text[text.index(after: colon)...]), option: "benchmark")
            if benchmarks.contains(where: { $0.name == name }) {
                throw SBIError.usage("benchmark '\(name)' is given twice", field: "--benchmark")
            }
            benchmarks.append(LHEBenchmark(name: name, weightID: id, theta: theta))
        }
        guard let first = benchmarks.first else {
            throw SBIError.usage("LHE input needs --benchmark NAME=ID:V[,V...] for each benchmark", field: "--benchmark")
        }
        let np = first.theta.count
        for b in benchmarks where b.theta.count != np {
            throw SBIError.usage("benchmark '\(b.name)' has \(b.theta.count) values, '\(first.name)' \(np)", field: "--benchmark")
        }
        var observables: [(name: String, expression: String)] = []
        for text in parsed.allValues("observable") {
            guard let eq = text.firstIndex(of: "="), eq != text.startIndex, text.index(after: eq) != text.endIndex else {
                throw SBIError.usage("expected NAME=EXPR, got '\(text)'", field: "--observable")
            }
            observables.append((String(text[..<eq]).trimmingCharacters(in: .whitespaces), String(text[text.index(after: eq)...])))
        }
        guard !observables.isEmpty else { throw SBIError.usage("LHE input needs at least one --observable NAME=EXPR", field: "--observable") }
        var names: [String] = [], ranges: [ClosedRange<Double>] = []
        for text in parsed.allValues("parameter") {
            let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            names.append(String(parts[0]))
            if parts.count == 2 {
                let bounds = parts[1].split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
                guard bounds.count == 2, let lo = bounds[0], let hi = bounds[1], lo.isFinite, hi.isFinite, lo < hi else {
                    throw SBIError.usage("expected NAME=LO:HI with LO < HI, got '\(text)'", field: "--parameter")
                }
                ranges.append(lo...hi)
            }
        }
        if names.isEmpty { names = (0..<np).map { "theta_\($0)" } }
        guard names.count == np else {
            throw SBIError.usage("\(names.count) parameters named, benchmarks have \(np) values", field: "--parameter")
        }
        guard ranges.isEmpty || ranges.count == np else {
            throw SBIError.usage("give a range for every parameter or for none", field: "--parameter")
        }
        let sampling = parsed.allValues("sampling-benchmark")
        guard sampling.isEmpty || sampling.count == files.count else {
            throw SBIError.usage("\(sampling.count) sampling benchmarks for \(files.count) files", field: "--sampling-benchmark")
        }
        var normalization = LHEWeightNormalization.automatic
        if let text = parsed.value("weight-normalization") {
            switch text {
            case "auto", "automatic": normalization = .automatic
            case "sum": normalization = .sum
            case "average": normalization = .average
            default: throw SBIError.usage("expected auto, sum or average, got '\(text)'", field: "--weight-normalization")
            }
        }
        return LHEEventSampleBuilder(files: files, parameterNames: names, parameterRanges: ranges.isEmpty ? nil : ranges,
                                     benchmarks: benchmarks, observables: observables, cuts: parsed.allValues("cut"),
                                     samplingBenchmarks: sampling.isEmpty ? nil : sampling.map { Optional($0) },
                                     normalization: normalization, backgroundFiles: parsed.allValues("background"),
                                     kFactors: try kFactors(parsed), observableDefaults: try observableDefaults(parsed))
    }

    /// `--observable-default NAME=V`, repeated.
    static func observableDefaults(_ parsed: ParsedOptions) throws -> [String: Double] {
        var out: [String: Double] = [:]
        for text in parsed.allValues("observable-default") {
            guard let eq = text.firstIndex(of: "="), let v = Double(text[text.index(after: eq)...]), v.isFinite else {
                throw SBIError.usage("expected NAME=V with a finite number V, got '\(text)'", field: "--observable-default")
            }
            out[String(text[..<eq])] = v
        }
        return out
    }

    /// `--k-factor FILE=K`, repeated.
    static func kFactors(_ parsed: ParsedOptions) throws -> [String: Double] {
        var out: [String: Double] = [:]
        for text in parsed.allValues("k-factor") {
            guard let eq = text.lastIndex(of: "="), let k = Double(text[text.index(after: eq)...]), k.isFinite, k > 0 else {
                throw SBIError.usage("expected FILE=K with K > 0, got '\(text)'", field: "--k-factor")
            }
            let file = String(text[..<eq])
            guard out[file] == nil else { throw SBIError.usage("the k-factor of \(file) is given twice", field: "--k-factor") }
            out[file] = k
        }
        return out
    }

    /// `--morphing-max-power P[,P...]` (one per parameter, or one for all; default 2) and
    /// `--morphing-max-overall-power Q` (default: the largest P).
    static func morphingPowers(_ parsed: ParsedOptions, parameterCount: Int) throws -> (powers: [Int], overall: Int) {
        var powers = [Int](repeating: 2, count: parameterCount)
        if let text = parsed.value("morphing-max-power") {
            let words = text.split(separator: ",", omittingEmptySubsequences: false)
            let values = words.compactMap { Int($0) }.filter { (0...8).contains($0) }
            guard let first = values.first, values.count == words.count, values.count == 1 || values.count == parameterCount else {
                throw SBIError.usage("expected one power in 0...8, or one per parameter (\(parameterCount)), got '\(text)'", field: "--morphing-max-power")
            }
            powers = values.count == 1 ? [Int](repeating: first, count: parameterCount) : values
        }
        let overall = try parsed.integer("morphing-max-overall-power", in: 0...16) ?? (powers.max() ?? 2)
        return (powers, overall)
    }
}
