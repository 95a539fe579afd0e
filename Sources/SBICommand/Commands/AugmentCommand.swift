import SBICore
import SBISimulation

/// `sbi augment`: training and evaluation samples with their joint ratio and score.
enum AugmentCommand {
    static let command = SubCommand(
        name: "augment",
        summary: "Write augmented training/test samples (x, theta, y, r_xz, t_xz) as MadMiner .npy files.",
        synopsis: "--simulator NAME --kind ratio|more_ratios|local|density|test --theta0 SPEC [--theta1 SPEC] --events N --output DIR [options]",
        discussion: """
        Sample kinds and the files they write (SPLIT = train, validation, test):
          ratio    x, theta0, theta1, y, r_xz, t_xz    half the events from theta0 (y=0),
                   half from theta1 (y=1); r_xz = p(z|theta0)/p(z|theta1), t_xz at theta0
          more_ratios  x, theta0, theta1, y, r_xz, t_xz0, t_xz1   as ratio, with the
                   scores at theta0 and theta1 (doubly parameterised methods carl2 ...
                   rascal2). Each --additional-theta SPEC reuses every event once more:
                   an event from theta0 paired with (theta0, theta_a), one from theta1
                   with (theta_a, theta1), so N events give N*(1 + A) rows.
          local    x, theta, t_xz                     x and score at one reference point (SALLY)
          density  x, theta, t_xz                     x and score at theta from a prior
          test     x, theta, log_p_x                  one split 'test'; log_p_x only where the
                   simulator has an exact likelihood
        Each array is <name>_<SPLIT>.npy, float32, [n, width] (y, r_xz, log_p_x are [n, 1]).
        The folder gets all files or none.

        Parameter points (SPEC):
          point:V[,V...]                 one point
          points:V[,V...];V[,V...]       several points (events spread evenly)
          benchmarks                     the morphing basis points (weighted simulators)
          prior:flat                     flat over each parameter's range
          prior:flat(LO;HI),gaussian(M;SD)  one term per parameter, or one for all
        Weighted simulators generate one pool of weighted events per split, morph its
        weights to each theta and unweight by sampling with replacement; the smallest
        effective sample size (sum w)^2/sum w^2 is printed. A pool whose ESS at some
        theta is below the events drawn there is regenerated once, larger (at most 50x
        the split, 20M events); if that is still not enough a warning says so.
        Splits never share events.
        Simulators: \(SimulatorRegistry.names.joined(separator: ", ")).

        Real events instead of --simulator:
          sbi augment --events FILE.lhe[.gz] [--events ...] --benchmark NAME=ID:V,...
                      --observable NAME=EXPR ... --kind ... --events N --output DIR
          sbi augment --events DIR --kind ... --events N --output DIR
        \(EventsInput.discussion)
        With real events, --events is given several times: the number of events (digits
        only) and the files. A fixed 20% of the events (--test-events-fraction) is reserved
        for --kind test samples and never used by the other kinds (MadMiner's test_split);
        the rest is split disjointly between train, validation and test. Each split's
        events are morphed (basis: the benchmarks; components: the folder's own, else
        --morphing-max-power) and unweighted like a weighted simulator's pool; r_xz and
        t_xz come from the morphed weights and the events' cross sections.
        """,
        options: [
            .value("simulator", "NAME", "Simulator (\(SimulatorRegistry.names.joined(separator: ", ")))."),
            .value("kind", "KIND", "Sample kind: ratio, more_ratios, local, density or test."),
            .value("theta0", "SPEC", "theta0 for ratio samples; theta for the other kinds."),
            .value("theta", "SPEC", "Same as --theta0."),
            .value("theta1", "SPEC", "theta1 (ratio and more_ratios samples only)."),
            .value("additional-theta", "SPEC", "more_ratios: a further theta at which every event is reused (repeatable)."),
            .value("events", "N|FILE|DIR", "Total number of events over all splits (>= 1); also, repeated, LHE files or one weighted events folder."),
            .value("output", "DIR", "Output folder."),
            .value("seed", "S", "Random seed (default 1)."),
            .value("validation", "F", "Fraction of events for validation (default 0)."),
            .value("test", "F", "Fraction of events for the test split (default 0)."),
            .value("thetas", "K", "Points drawn from a prior per split (default min(n, 1000))."),
            .value("pool-factor", "F", "Weighted simulators: initial pool size / events of the split (default 4)."),
            .value("morphing-max-power", "P[,P...]", "Real events without components: highest power of each parameter (default 2)."),
            .value("morphing-max-overall-power", "Q", "Real events without components: highest total power (default: the largest P)."),
            .value("test-events-fraction", "F", "Real events: fraction reserved for --kind test samples, never used by the other kinds (default 0.2)."),
        ] + EventsInput.options,
        run: { parsed, console in
            guard parsed.positionals.isEmpty else {
                throw SBIError.usage("unexpected argument '\(parsed.positionals[0])'")
            }
            let eventInputs = EventsInput.inputs(parsed)
            if !eventInputs.isEmpty && parsed.value("simulator") != nil {
                throw SBIError.usage("give --simulator or event files (--events FILE), not both", field: "--simulator")
            }
            let simulator: (any Simulator)? = eventInputs.isEmpty ? try CommandInput.simulator(parsed) : nil
            let kindText = try CommandInput.required(parsed, "kind")
            let kind: SampleKind
            do { kind = try SampleKind.parse(kindText) } catch let e as SBIError { throw SBIError.usage(e.message, field: "--kind") }
            if parsed.value("theta0") != nil && parsed.value("theta") != nil {
                throw SBIError.usage("give --theta0 or --theta, not both", field: "--theta")
            }
            guard let theta0Text = parsed.value("theta0") ?? parsed.value("theta") else {
                throw SBIError.usage("missing option --theta0 SPEC")
            }
            let theta0 = try CommandInput.thetaSpecification(theta0Text, option: parsed.value("theta0") != nil ? "theta0" : "theta")
            let theta1 = try parsed.value("theta1").map { try CommandInput.thetaSpecification($0, option: "theta1") }
            let additional = try parsed.allValues("additional-theta").map { try CommandInput.thetaSpecification($0, option: "additional-theta") }
            let counts = parsed.allValues("events").filter(EventsInput.isCount)
            guard counts.count <= 1 else { throw SBIError.usage("the number of events is given \(counts.count) times", field: "--events") }
            guard let countText = counts.first else { throw SBIError.usage("missing option --events N (the number of events)") }
            guard let count = Int(countText), (1...1_000_000_000).contains(count) else {
                throw SBIError.usage("option '--events' expects an integer in 1...1000000000, got '\(countText)'")
            }
            let output = try CommandInput.required(parsed, "output")
            let seed = try CommandInput.seed(parsed)
            let validation = try CommandInput.fraction(parsed, "validation")
            let test = try CommandInput.fraction(parsed, "test")
            let thetas = try parsed.integer("thetas", in: 1...10_000_000)
            var poolFactor = 4.0
            if let text = parsed.value("pool-factor") {
                let largest = SampleAugmenter.maximumPoolFactor
                guard let f = Double(text), f >= 1, f <= Double(largest) else {
                    throw SBIError.usage("option '--pool-factor' expects a number in [1, \(largest)] (pools never grow beyond \(largest)× the events), got '\(text)'")
                }
                poolFactor = f
            }
            if let simulator {
                let weighted = simulator as? any WeightedSimulator
                let components = try weighted.map {
                    try MorphingComponents(maxPowers: $0.morphingMaxPowers, maxOverallPower: $0.morphingMaxOverallPower).count
                }
                let bytes = SampleAugmenter.estimatedBytes(events: count * (1 + additional.count), observables: simulator.observableNames.count,
                                                           parameters: simulator.parameterSpace.count, latent: simulator.latentNames.count,
                                                           morphingComponents: components, poolFactor: poolFactor)
                try CommandInput.checkMemory(bytes, for: "\(count) augmented events", option: "events", advice: "ask for fewer events")
            }
            let request = AugmentationRequest(kind: kind, theta0: theta0, theta1: theta1, additionalThetas: additional, count: count,
                                              validationFraction: validation, testFraction: test, seed: seed,
                                              priorPointCount: thetas, poolFactor: poolFactor)
            let progress = ProgressReporter(stage: "augment", total: count, unit: "events")
            let start = ProgressReporter.monotonicSeconds()
            let samples: AugmentedSamples
            var sourceLines: [String] = []
            do {
                let augmenter: SampleAugmenter
                if let simulator {
                    augmenter = SampleAugmenter(simulator: simulator)
                } else {
                    let reading = ProgressReporter(stage: "read events", total: nil, unit: "events")
                    let (sample, lines) = try EventsInput.sample(parsed, progress: reading)
                    reading.finish()
                    sourceLines = lines
                    let powers = try EventsInput.morphingPowers(parsed, parameterCount: sample.parameterNames.count)
                    var testEvents = 0.2
                    if let text = parsed.value("test-events-fraction") {
                        guard let f = Double(text), f >= 0, f < 1 else {
                            throw SBIError.usage("option '--test-events-fraction' expects a fraction in [0, 1), got '\(text)'")
                        }
                        testEvents = f
                    }
                    augmenter = try SampleAugmenter(events: sample, morphingMaxPowers: powers.powers, morphingMaxOverallPower: powers.overall,
                                                    testEventFraction: testEvents)
                    let sigma = sample.benchmarkCrossSections
                    sourceLines.append("events \(sample.count) weighted, benchmarks " + zip(sample.benchmarkNames, sigma).map { "\($0.0) \($0.1) pb" }.joined(separator: ", "))
                }
                samples = try augmenter.augment(request, progress: progress)
            } catch var e as SBIError {
                // Name the command-line option the problem came from.
                let options = ["theta0": kind.hasTheta1 ? "--theta0" : "--theta", "theta": "--theta", "theta1": "--theta1",
                               "additionalThetas": "--additional-theta",
                               "count": "--events", "validationFraction": "--validation", "testFraction": "--test",
                               "morphing": "--morphing-max-power", "events": "--events"]
                if let f = e.field, let option = options[f] { e.field = option }
                throw e
            }
            let seconds = ProgressReporter.monotonicSeconds() - start
            let paths = try samples.write(to: output)
            for line in sourceLines { console.print(line) }
            console.print("\(simulator.map { "simulator \($0.name)" } ?? "events \(eventInputs.joined(separator: " "))") kind \(kind.rawValue) events \(count) seed \(seed)")
            for split in samples.splits { console.print("split \(split.name) \(split.count) events") }
            if let ess = samples.minimumEffectiveSampleSize {
                console.print("effective_sample_size \(Int(ess.rounded(.down))) (smallest over theta)")
                if let ratio = samples.maximumDrawsPerEffectiveEvent, ratio > 1 {
                    console.error("sbi augment: warning: at some theta \(BenchCommand.formatFigure(ratio)) times more events are drawn than the effective sample size; events repeat (\(simulator == nil ? "use more weighted events or fewer samples" : "raise --pool-factor"))\n")
                }
            }
            console.print("rate \(BenchCommand.formatFigure(Double(count) / max(seconds, 1e-9))) events/s")
            for path in paths { console.print("wrote \(path)") }
        })
}

/// Parsing of the options `simulate` and `augment` share; bad values are usage errors (exit 2)
/// naming the option.
enum CommandInput {
    static func required(_ parsed: ParsedOptions, _ name: String) throws -> String {
        guard let v = parsed.value(name) else { throw SBIError.usage("missing option --\(name)") }
        return v
    }

    static func required<T>(_ parsed: ParsedOptions, _ name: String, _ value: T?) throws -> T {
        guard let v = value else { throw SBIError.usage("missing option --\(name)") }
        return v
    }

    static func simulator(_ parsed: ParsedOptions) throws -> any Simulator {
        let name = try required(parsed, "simulator")
        do { return try SimulatorRegistry.make(name: name) } catch let e as SBIError {
            throw SBIError.usage(e.message, field: "--simulator")
        }
    }

    /// Refuses, naming `option`, work whose largest arrays (`bytes`, see `MemoryBudget`) exceed this
    /// machine's memory, before anything is allocated.
    static func checkMemory(_ bytes: Double, for what: String, option: String, advice: String) throws {
        if let problem = MemoryBudget.excess(bytes, for: what) {
            throw SBIError.usage(problem + "; " + advice, field: "--" + option)
        }
    }

    static func seed(_ parsed: ParsedOptions) throws -> UInt64 {
        guard let text = parsed.value("seed") else { return 1 }
        guard let s = UInt64(text) else {
            throw SBIError.usage("option '--seed' expects a non-negative integer, got '\(text)'")
        }
        return s
    }

    static func fraction(_ parsed: ParsedOptions, _ name: String) throws -> Double {
        guard let text = parsed.value(name) else { return 0 }
        guard let f = Double(text), f >= 0, f < 1 else {
            throw SBIError.usage("option '--\(name)' expects a fraction in [0, 1), got '\(text)'")
        }
        return f
    }

    static func numbers(_ text: String, option: String) throws -> [Double] {
        let values = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0!.isFinite }) else {
            throw SBIError.usage("option '--\(option)' expects comma-separated numbers, got '\(text)'")
        }
        return values.map { $0! }
    }

    static func thetaSpecification(_ text: String, option: String) throws -> ThetaSpecification {
        do { return try ThetaSpecification.parse(text, field: "--" + option) } catch let e as SBIError {
            throw SBIError.usage(e.message, field: "--" + option)
        }
    }

    /// Writes every array to `folder` (created if missing): all are written under temporary names
    /// first, then renamed; a failed rename removes those already renamed.
    static func writeAll(_ files: [(String, NPYArray)], to folder: String) throws {
        try ensureFolder(folder)
        var committed: [String] = []
        var writers: [(String, AtomicFileWriter)] = []
        for (name, array) in files {
            let path = folder + "/" + name
            let writer = try AtomicFileWriter(path: path)
            try writer.write(NPYHeader.encode(dtype: array.dtype, shape: array.shape))
            switch array.data {
            case .float64(let v): try v.withUnsafeBytes { try writer.write($0) }
            case .float32(let v): try v.withUnsafeBytes { try writer.write($0) }
            default: throw SBIError(.internal, "simulate writes only float arrays")
            }
            writers.append((path, writer))
        }
        do {
            for (path, writer) in writers { try writer.commit(); committed.append(path) }
        } catch {
            for path in committed { remove(path) }
            throw error
        }
    }
}
