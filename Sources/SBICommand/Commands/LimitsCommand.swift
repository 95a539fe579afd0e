import Foundation
import SBICore
import SBIEstimators
import SBIInference
import SBIReport
import SBISimulation

/// `sbi limits`: likelihood scans on a θ grid for one or more inference modes, written as
/// contours.json, hepdata.yaml, contours.svg, pvalues.npy and grid.npy (Recipes/README.md, `inference` and `outputs`).
enum LimitsCommand {
    static let command = SubCommand(
        name: "limits",
        summary: "Expected or observed limits on a parameter grid; writes contours, HEPData and a plot.",
        synopsis: "--simulator NAME --mode M[,M...] --grid LO:HI:N[,LO:HI:N] (--theta-true V[,V] | --observed X.npy) (--events N | --luminosity-inverse-femtobarn L) --output DIR [options]",
        discussion: """
        Modes: \(InferenceMode.allCases.map(\.rawValue).joined(separator: ", ")).
          truth      exact likelihood (simulators with one)
          rate       Poisson counts only (weighted simulators, needs --luminosity-inverse-femtobarn)
          histogram  histogram of --observables (1 or 2), --bins per axis, --binning adaptive|fixed
          ml         ratio or likelihood (nde) model folders given by --model DIR[,DIR...]; a doubly
                     parameterised model (carl2 ... rascal2) is read as log r(x|theta, theta1)
                     with theta1 = --reference (default --theta-true, else the origin)
          sally      histogram of the estimated score of --score-model DIR
          sallino    the score of --score-model DIR (estimated at --score-reference) projected on
                     theta - theta_ref: a 1-D histogram of --bins bins at every grid point
        Asimov data (--theta-true): a sample of --asimov-events events at theta_true standing for N
        events, N = --events or sigma(theta_true) x --luminosity-inverse-femtobarn. Observed data (--observed): an .npy
        of shape [n, observables]. With --luminosity-inverse-femtobarn (weighted simulators) every mode adds the rate
        term log Pois(n | sigma(theta) L). q = -2 (log L - max log L), p from chi2 with k = number of
        parameters; contours at p = 1 - CL (--cl, default 0.68,0.95).
        Writes DIR/contours.json, hepdata.yaml, contours.svg, and the scans pvalues.npy,
        loglikelihood.npy, q.npy [modes, points] with grid.npy [points, parameters].
        With two parameters DIR/profiles/<a>/ holds each parameter's interval with the other profiled
        (maximised on the grid; p from chi2 with k = 1). With three or more, DIR holds the scans of the
        whole grid, and DIR/profiles/<a>/ and DIR/profiles/<a>_vs_<b>/ the result files of every
        parameter's and pair's profile likelihood (k = 1 or 2); DIR/profiles/profiles.svg shows them all.
        --toys N draws N pseudo-experiments at theta_true (n ~ Pois(nu) with a luminosity, else
        --events each), fits each with every mode and writes DIR/toys.npy [toys, results, 2 + k]
        (n, q(theta_true), best fit) and DIR/coverage.json: the fraction of toys whose CL region holds
        theta_true, with its binomial error.
        """,
        options: [
            .value("simulator", "NAME", "Simulator (\(SimulatorRegistry.names.joined(separator: ", ")))."),
            .value("mode", "M[,M...]", "Inference modes (default truth)."),
            .value("grid", "LO:HI:N[,...]", "Regular grid, one LO:HI:N per parameter."),
            .value("theta-true", "V[,V...]", "Asimov data at this parameter point."),
            .value("observed", "PATH", "Observed events, .npy [n, observables]."),
            .value("events", "N", "Number of events (Asimov, without a luminosity)."),
            .value("luminosity-inverse-femtobarn", "L", "Integrated luminosity in fb^-1, as recipes' luminosity_inverse_femtobarn (weighted simulators)."),
            .value("luminosity", "L", "Removed (it was in pb^-1): use --luminosity-inverse-femtobarn; 1 fb^-1 = 1000 pb^-1."),
            .value("norm-uncertainty", "U[,U...]", "Relative log-normal uncertainties of the expected events, profiled in the rate term (needs --luminosity-inverse-femtobarn)."),
            .value("cl", "CL[,CL...]", "Confidence levels in (0, 1) (default 0.68,0.95)."),
            .value("observables", "I[,I]", "Histogram observables, by index or name (default the first)."),
            .value("bins", "B[,B]", "Histogram bins per axis (default 20)."),
            .value("binning", "KIND", "adaptive (equal population, default) or fixed."),
            .value("model", "DIR[,DIR...]", "Ratio estimator (or ensemble) folders for mode ml."),
            .value("reference", "V[,V...]", "Mode ml, doubly parameterised models: the fixed theta1 (default --theta-true, else 0)."),
            .value("score-model", "DIR", "Score estimator folder for modes sally and sallino."),
            .value("score-reference", "V[,V...]", "Mode sallino: the point the score model was trained at."),
            .value("asimov-events", "M", "Size of the Asimov sample (default 100000)."),
            .value("mc-events", "M", "Events of the one sample reweighted to every grid point for histograms (default 200000)."),
            .value("refine", "K", "Bicubic refinement factor for 2-D contours (default 1: none)."),
            .value("output", "DIR", "Output folder."),
            .value("seed", "S", "Random seed (default 1)."),
            .value("toys", "N", "Also fit N pseudo-experiments at --theta-true with every mode: toys.npy and coverage.json."),
            .value("toy-seed", "S", "Seed of the toys (default --seed)."),
        ],
        run: { parsed, console in
            guard parsed.positionals.isEmpty else { throw SBIError.usage("unexpected argument '\(parsed.positionals[0])'") }
            let start = ProgressReporter.monotonicSeconds()
            let simulator = try CommandInput.simulator(parsed)
            let space = simulator.parameterSpace
            let modes = try (parsed.value("mode") ?? "truth").split(separator: ",").map { text -> InferenceMode in
                do { return try InferenceMode.parse(String(text)) } catch let e as SBIError { throw SBIError.usage(e.message, field: "--mode") }
            }
            let grid = try limitsGrid(parsed, space: space)
            let cls = try CommandInput.numbers(parsed.value("cl") ?? "0.68,0.95", option: "cl")
            do { try ConfidenceLevels.check(cls) } catch let e as SBIError { throw SBIError.usage(e.message, field: "--cl") }
            let output = try CommandInput.required(parsed, "output")
            // Only a folder holding nothing but sbi's own result files (or nothing) is written into.
            try OwnedFolder.checkReplaceable(output, ownNames: ResultWriter.fileNames + ["toys.npy", ToyCoverageFile.fileName, ProfileResultWriter.folderName],
                                             option: "--output")
            try OwnedFolder.checkSeparate(output: output, inputs: (parsed.value("model")?.split(separator: ",").map(String.init) ?? [])
                                          + [parsed.value("score-model"), parsed.value("observed")].compactMap { $0 }, option: "--output")
            let seed = try CommandInput.seed(parsed)
            let asimovEvents = try parsed.integer("asimov-events", in: 1...100_000_000) ?? 100_000
            let mcEvents = try parsed.integer("mc-events", in: 1...100_000_000) ?? BinExpectation.defaultSampleEvents
            let refine = try parsed.integer("refine", in: 1...64) ?? 1
            let toyCount = try parsed.integer("toys", in: 1...1_000_000)
            var toySeed = seed
            if let text = parsed.value("toy-seed") {
                guard toyCount != nil else { throw SBIError.usage("--toy-seed is the seed of --toys; give --toys N", field: "--toy-seed") }
                guard let s = UInt64(text) else { throw SBIError.usage("option '--toy-seed' expects a non-negative integer, got '\(text)'") }
                toySeed = s
            }
            if toyCount != nil, modes.contains(.sallino) {
                throw SBIError.usage("toys do not refit mode sallino (a binning per grid point); drop it or --toys", field: "--toys")
            }
            if toyCount != nil, parsed.value("theta-true") == nil {
                throw SBIError.usage("toys are drawn at --theta-true; give it instead of --observed", field: "--toys")
            }

            var rate: EventRate?
            if let text = parsed.value("luminosity") {
                // One unit everywhere: recipes take fb^-1, so the option says so; the old pb^-1 value is not guessed at.
                throw SBIError.usage("option '--luminosity' (pb^-1) is now --luminosity-inverse-femtobarn (fb^-1, as in recipes): "
                                     + "--luminosity \(text) is --luminosity-inverse-femtobarn \(Double(text).map { String(format: "%g", $0 / 1000) } ?? "L/1000")",
                                     field: "--luminosity")
            }
            if let text = parsed.value("luminosity-inverse-femtobarn") {
                guard let l = Double(text), l.isFinite, l > 0 else {
                    throw SBIError.usage("option '--luminosity-inverse-femtobarn' expects a positive number (fb^-1), got '\(text)'")
                }
                guard let weighted = simulator as? any CrossSectionSimulator else {
                    throw SBIError.usage("simulator \(simulator.name) has no cross section; use --events", field: "--luminosity-inverse-femtobarn")
                }
                rate = EventRate(luminosityInversePicobarn: 1000 * l) { try weighted.crossSection(at: $0) }
            }
            if let text = parsed.value("norm-uncertainty") {
                let uncertainties = try CommandInput.numbers(text, option: "norm-uncertainty")
                let largest = ProfiledNormalization.maximumRelativeUncertainty
                guard uncertainties.allSatisfy({ $0 > 0 && $0 <= largest }) else {
                    throw SBIError.usage("option '--norm-uncertainty' expects relative uncertainties in (0, \(String(format: "%g", largest))], got '\(text)'")
                }
                guard rate != nil else {
                    throw SBIError.usage("a normalisation uncertainty scales the expected events; it needs --luminosity-inverse-femtobarn", field: "--norm-uncertainty")
                }
                rate?.normalizationLogWidth = ProfiledNormalization.combinedLogWidth(relativeUncertainties: uncertainties)
            }
            let events = try parsed.integer("events", in: 1...1_000_000_000)

            // Modes that cannot run here are refused before any scan spends time.
            if modes.contains(.rate), rate == nil {
                throw SBIError.usage("mode rate needs --luminosity-inverse-femtobarn and a weighted simulator", field: "--mode")
            }
            if modes.contains(.truth), !(simulator is any ExactLikelihoodSimulator) {
                throw SBIError.usage("simulator \(simulator.name) has no exact likelihood", field: "--mode")
            }

            // Data: Asimov at θ_true, or observed events.
            let data: ScanData
            var thetaTrue: [Double]?
            switch (parsed.value("theta-true"), parsed.value("observed")) {
            case (let t?, nil):
                let theta = try CommandInput.numbers(t, option: "theta-true")
                try space.validate(theta, field: "--theta-true")
                thetaTrue = theta
                let n: Double
                if let rate { n = try rate.expectedEvents(at: theta) } else if let events { n = Double(events) } else {
                    throw SBIError.usage("Asimov data need --events N or --luminosity-inverse-femtobarn L")
                }
                data = try ScanData.asimov(simulator: simulator, thetaTrue: theta, sampleEvents: asimovEvents, expectedEvents: n,
                                           random: SeededRandom(seed: seed).substream(1))
            case (nil, let path?):
                let x = try readObserved(path, observables: simulator.observableNames.count)
                data = try ScanData.observed(x)
            default:
                throw SBIError.usage("give exactly one of --theta-true (Asimov data) and --observed (an events file)")
            }

            var results: [(name: String, mode: String, result: LikelihoodScanResult)] = []
            var toyLikelihoods: [ToyLikelihood] = []   // one per result, in order
            for mode in modes {
                let modeStart = ProgressReporter.monotonicSeconds()
                let resultsBefore = results.count
                switch mode {
                case .truth:
                    guard let exact = simulator as? any ExactLikelihoodSimulator else {
                        throw SBIError.usage("simulator \(simulator.name) has no exact likelihood", field: "--mode")
                    }
                    results.append(("truth", "truth", try LikelihoodScan.truth(simulator: exact, data: data, grid: grid, rate: rate)))
                    if toyCount != nil { toyLikelihoods.append(.ratio(try ExactLogRatio(simulator: exact, reference: grid.point(0)))) }
                case .rate:
                    guard let rate else { throw SBIError.usage("mode rate needs --luminosity-inverse-femtobarn and a weighted simulator", field: "--mode") }
                    results.append(("rate", "rate", try LikelihoodScan.rateOnly(rate: rate, observedEvents: data.eventCount, grid: grid)))
                    toyLikelihoods.append(.rateOnly)
                case .histogram:
                    let columns = try observableColumns(parsed, names: simulator.observableNames)
                    let features = HistogramFeatures.observables(columns)
                    let likelihood = HistogramLikelihood(histogram: try histogram(parsed, features: features, data: data, axes: columns.count),
                                                         features: features,
                                                         expectation: try expectation(simulator, grid: grid, thetaTrue: thetaTrue, count: mcEvents, seed: seed))
                    let name = "histogram(" + columns.map { simulator.observableNames[$0] }.joined(separator: ",") + ")"
                    results.append((name, "histogram", try likelihood.scan(data: data, grid: grid, rate: rate, asimovTheta: thetaTrue)))
                    toyLikelihoods.append(.histogram(likelihood))
                case .ml:
                    let folders = try CommandInput.required(parsed, "model").split(separator: ",").map(String.init)
                    for folder in folders {
                        let estimator: any LogRatioEstimator
                        switch try EvaluateCommand.LoadedModel.load(folder) {
                        case .ratio(let e): estimator = e
                        case .morphingAware(let e): estimator = e
                        case .ratioEnsemble(let e): estimator = e
                        case .likelihood(let e): estimator = e
                        case .doubly(let e):
                            let reference = try parsed.value("reference").map { try CommandInput.numbers($0, option: "reference") }
                                ?? thetaTrue ?? [Double](repeating: 0, count: space.count)
                            try space.validate(reference, field: "--reference")
                            estimator = try e.against(reference: reference)
                        default: throw SBIError.data("not a ratio estimator (or ensemble) folder", file: folder, field: "--model")
                        }
                        let name = URL(fileURLWithPath: folder).lastPathComponent
                        do {
                            results.append((name, "ml", try LikelihoodScan.ml(estimator: estimator, data: data, grid: grid, rate: rate)))
                            toyLikelihoods.append(.ratio(estimator))
                        } catch let e as SBIError { throw e.inFile(folder) }
                    }
                case .sally:
                    let folder = try CommandInput.required(parsed, "score-model")
                    guard case .score(let score) = try EvaluateCommand.LoadedModel.load(folder) else {
                        throw SBIError.data("not a score estimator folder", file: folder, field: "--score-model")
                    }
                    let features = HistogramFeatures.score(score)
                    let likelihood = HistogramLikelihood(histogram: try histogram(parsed, features: features, data: data, axes: score.parameterCount),
                                                         features: features,
                                                         expectation: try expectation(simulator, grid: grid, thetaTrue: thetaTrue, count: mcEvents, seed: seed))
                    results.append((URL(fileURLWithPath: folder).lastPathComponent, "sally", try likelihood.scan(data: data, grid: grid, rate: rate, asimovTheta: thetaTrue)))
                    toyLikelihoods.append(.histogram(likelihood))
                case .sallino:
                    let folder = try CommandInput.required(parsed, "score-model")
                    guard case .score(let score) = try EvaluateCommand.LoadedModel.load(folder) else {
                        throw SBIError.data("not a score estimator folder", file: folder, field: "--score-model")
                    }
                    let reference = try CommandInput.numbers(try CommandInput.required(parsed, "score-reference"), option: "score-reference")
                    try space.validate(reference, field: "--score-reference")
                    let bins = try parsed.integer("bins", in: 1...10_000) ?? 20
                    let likelihood = SALLINOLikelihood(score: score, reference: reference, bins: bins,
                                                       expectation: try expectation(simulator, grid: grid, thetaTrue: thetaTrue, count: mcEvents, seed: seed))
                    do {
                        results.append((URL(fileURLWithPath: folder).lastPathComponent, "sallino",
                                        try likelihood.scan(data: data, grid: grid, rate: rate, asimovTheta: thetaTrue)))
                    } catch let e as SBIError { throw e.inFile(folder) }
                }
                // One line per result of this mode (ml may scan several models); the time is the mode's.
                let seconds = format(ProgressReporter.monotonicSeconds() - modeStart)
                for r in results[resultsBefore...] {
                    console.print("\(r.name): best fit \(r.result.bestFit.map { format($0) }.joined(separator: ", ")) (\(mode.rawValue) mode \(seconds) s)")
                }
            }

            // Toys first, so that a failure leaves no result files behind.
            var toyResult: (table: Matrix<Double>, file: ToyCoverageFile)?
            if let toyCount, let theta = thetaTrue {
                let likelihoods = zip(results, toyLikelihoods).map { PseudoExperiments.Likelihood(name: $0.name, mode: $0.mode, likelihood: $1) }
                let progress = ProgressReporter(stage: "toys", total: likelihoods.count * ToyTable.chunkCount(
                    toys: toyCount, grid: grid, expectedEvents: try rate?.expectedEvents(at: theta) ?? Double(events ?? 0)), unit: "fits")
                let (table, _) = try ToyTable.fit(likelihoods, simulator: simulator, theta: theta, toys: 0..<toyCount, grid: grid, rate: rate,
                                                  fixedEvents: rate == nil ? events.map(Double.init) : nil,
                                                  random: SeededRandom(seed: toySeed).substream(5), progress: progress)
                progress.finish()
                toyResult = (table, ToyCoverageFile(table: table.storage, likelihoods: likelihoods.map { ($0.name, $0.mode) }, confidenceLevels: cls,
                                                    parameterNames: space.names, seed: toySeed, thetaTrue: theta))
            }
            let parameters = (0..<space.count).map { i in
                ContoursFile.Parameter(name: space.names[i], unit: space.units[i], label: space.latexLabels[i],
                                       range: grid.axes![i].values[0]...grid.axes![i].values[grid.axes![i].count - 1])
            }
            let notes = ResultNotes.lines(simulator: simulator.name, eventCount: data.eventCount,
                                          luminosityInversePicobarn: rate?.luminosityInversePicobarn, thetaTrue: thetaTrue,
                                          observedFile: parsed.value("observed"))
            var written: [String]
            if space.count <= 2 {
                var file = try ContoursFile.make(space: parameters, grid: grid, results: results, confidenceLevels: cls,
                                                 thetaTrue: thetaTrue, refinement: refine)
                file.notes = notes
                try ResultWriter.write(file, grid: grid, scans: results.map(\.result), to: output)
                written = ResultWriter.fileNames
                if space.count == 1 { printIntervals(file, console: console) } else {
                    // Two parameters: each one's interval with the other profiled, the 1-D limits quoted next to a contour.
                    let profiles = try ProfileResultWriter.write(results: results, grid: grid, parameters: parameters, confidenceLevels: cls,
                                                                 thetaTrue: thetaTrue, refinement: refine, notes: notes, to: output)
                    for profile in profiles { printIntervals(profile.file, console: console, profiled: true) }
                    written += profiles.map { $0.folder + "/" } + [ProfileResultWriter.folderName + "/" + ProfileResultWriter.overviewFileName]
                }
            } else {
                // Three or more parameters: the whole grid's scans here, every parameter's and pair's profile below.
                let profiles = try ProfileResultWriter.write(results: results, grid: grid, parameters: parameters, confidenceLevels: cls,
                                                             thetaTrue: thetaTrue, refinement: refine, notes: notes, to: output)
                try ResultWriter.writeScans(results.map(\.result), grid: grid, to: output)
                for profile in profiles where profile.kept.count == 1 { printIntervals(profile.file, console: console, profiled: true) }
                written = ResultWriter.scanFileNames + profiles.map { $0.folder + "/" } + [ProfileResultWriter.folderName + "/" + ProfileResultWriter.overviewFileName]
            }
            if let toyResult, let toyCount {
                let (table, file) = toyResult
                try NPYFile.write(NPYArray(shape: [toyCount, file.likelihoods.count, 2 + space.count], data: .float64(table.storage)),
                                  to: output + "/toys.npy")
                try AtomicFileWriter.write(file.jsonBytes(), to: output + "/" + ToyCoverageFile.fileName)
                for row in file.coverage {
                    console.print("\(row.name) \(percent(row.confidenceLevel))% CL coverage over \(toyCount) toys: "
                                  + "\(String(format: "%.3f", row.fraction)) ± \(String(format: "%.3f", row.binomialError))")
                }
                written += ["toys.npy", ToyCoverageFile.fileName]
            }
            console.print("time \(format(ProgressReporter.monotonicSeconds() - start)) s")
            for name in written { console.print("wrote \(output)/\(name)") }
        })

    static func format(_ x: Double) -> String { BenchCommand.formatFigure(x) }

    /// One line per estimator and CL of a 1-parameter file: `alices 68% CL: [-0.1, 0.1]` (`profiled` adds the
    /// parameter's name: `alices 68% CL on theta1 (profiled): …`).
    static func printIntervals(_ file: ContoursFile, console: Console, profiled: Bool = false) {
        let on = profiled ? " on \(file.parameters[0].name) (profiled)" : ""
        for e in file.estimators {
            for set in e.intervals {
                let text = set.intervals.map { "[\(format($0.lower)), \(format($0.upper))]" }.joined(separator: " ∪ ")
                console.print("\(e.name) \(percent(set.confidenceLevel))% CL\(on): \(text.isEmpty ? "empty" : text)")
            }
        }
    }

    /// 0.68 → "68", 0.6827 → "68.27".
    static func percent(_ cl: Double) -> String {
        let p = (cl * 1e4).rounded() / 100
        return p == p.rounded() ? String(Int(p)) : "\(p)"
    }

    /// `--grid LO:HI:N[,LO:HI:N...]`, one entry per parameter, inside the model's ranges.
    static func limitsGrid(_ parsed: ParsedOptions, space: ParameterSpace) throws -> ParameterGrid {
        let text = try CommandInput.required(parsed, "grid")
        let parts = text.split(separator: ",").map { $0.split(separator: ":", omittingEmptySubsequences: false) }
        guard parts.count == space.count else {
            throw SBIError.usage("option '--grid' needs one LO:HI:N per parameter (\(space.names.joined(separator: ", "))), got '\(text)'")
        }
        var ranges: [ClosedRange<Double>] = [], counts: [Int] = []
        for (i, p) in parts.enumerated() {
            guard p.count == 3, let lo = Double(p[0]), let hi = Double(p[1]), let n = Int(p[2]), lo.isFinite, hi.isFinite else {
                throw SBIError.usage("option '--grid' expects LO:HI:N for \(space.names[i]), got '\(p.joined(separator: ":"))'")
            }
            guard lo <= hi else { throw SBIError.usage("range \(lo):\(hi) is reversed; expected LO < HI", field: "--grid \(space.names[i])") }
            ranges.append(lo...hi)
            counts.append(n)
        }
        do {
            let grid = try ParameterGrid(names: space.names, ranges: ranges, counts: counts)
            guard grid.shape.allSatisfy({ $0 >= 2 }) else {
                throw SBIError.data("limits need at least 2 points per parameter", field: "grid")
            }
            try grid.validate(against: space)
            return grid
        } catch let e as SBIError { throw SBIError.usage(e.message, field: "--" + (e.field ?? "grid")) }
    }

    /// Observed events as `[n, observables]` Double.
    static func readObserved(_ path: String, observables: Int) throws -> Matrix<Double> {
        let array = try NPYFile.read(path)
        let width = array.shape.count == 1 ? 1 : (array.shape.count == 2 ? array.shape[1] : -1)
        guard width == observables, let n = array.shape.first, n >= 1 else {
            throw SBIError.data("shape \(array.shape); expected [n, \(observables)] with n ≥ 1", file: path, field: "shape")
        }
        let values: [Double]
        switch array.data {
        case .float64(let v): values = v
        case .float32(let v): values = v.map(Double.init)
        default: throw SBIError.data("dtype \(array.dtype); expected float32 or float64", file: path, field: "dtype")
        }
        return Matrix(rows: n, columns: observables, storage: values)
    }

    /// `--observables` as column indices (indices or names).
    static func observableColumns(_ parsed: ParsedOptions, names: [String]) throws -> [Int] {
        guard let text = parsed.value("observables") else { return [0] }
        let columns = try text.split(separator: ",").map { word -> Int in
            if let i = Int(word), names.indices.contains(i) { return i }
            if let i = names.firstIndex(of: String(word)) { return i }
            throw SBIError.usage("unknown observable '\(word)'; expected an index 0..<\(names.count) or one of \(names.joined(separator: ", "))",
                                 field: "--observables")
        }
        guard (1...2).contains(columns.count) else { throw SBIError.usage("histograms take 1 or 2 observables", field: "--observables") }
        return columns
    }

    /// The binning from `--bins` / `--binning`, built on the data's features.
    static func histogram(_ parsed: ParsedOptions, features: HistogramFeatures, data: ScanData, axes: Int) throws -> Histogram {
        let bins: [Int]
        if let text = parsed.value("bins") {
            let words = text.split(separator: ",", omittingEmptySubsequences: false)
            let b = words.compactMap { Int($0) }.filter { $0 >= 1 }
            guard let first = b.first, b.count == words.count, b.count == 1 || b.count == axes else {
                throw SBIError.usage("option '--bins' expects \(axes == 1 ? "a positive integer" : "1 or \(axes) positive integers"), got '\(text)'")
            }
            bins = b.count == axes ? b : Array(repeating: first, count: axes)
        } else { bins = Array(repeating: 20, count: axes) }
        guard axes <= 2 else { throw SBIError.usage("histograms take 1 or 2 features; the score model has \(axes)", field: "--score-model") }
        let reference = try features.evaluate(data.x)
        switch parsed.value("binning") ?? "adaptive" {
        case "adaptive": return try Histogram.adaptive(sample: reference, bins: bins)
        case "fixed":
            let ranges = (0..<axes).map { a -> ClosedRange<Double> in
                let c = reference.column(a)
                let lo = c.min() ?? 0, hi = c.max() ?? 1
                return lo...(hi > lo ? hi : lo + 1)
            }
            return try Histogram.fixed(ranges: ranges, bins: bins)
        case let other: throw SBIError.usage("unknown binning '\(other)'; expected adaptive or fixed", field: "--binning")
        }
    }

    /// Expected bin contents from one sample at θ_true (observed data: the grid's centre), reweighted to every θ.
    static func expectation(_ simulator: any Simulator, grid: ParameterGrid, thetaTrue: [Double]?, count: Int, seed: UInt64) throws -> BinExpectation {
        let centre: [Double] = (grid.axes ?? []).map(\.values).map { 0.5 * (($0.first ?? 0) + ($0.last ?? 0)) }
        return try BinExpectation.sample(for: simulator, reference: thetaTrue ?? centre, count: count, random: SeededRandom(seed: seed).substream(2))
    }
}
