import SBICore

/// `sbi bench`: performance figures as `name value unit` lines.
enum BenchCommand {
    static let suites = ["gemm", "train"]
    /// Suites run only when named (they need input files and take longer): `events`, `fit`, `toy`, `memory`, `coverage`.
    static let namedSuites = ["events", "fit", "toy", "memory", "coverage"]

    static let command = SubCommand(
        name: "bench",
        summary: "Measure performance; prints one 'name value unit' line per figure.",
        synopsis: "[gemm|train|all|events|fit|toy|memory|coverage] [--seconds S] [--lhe FILE] [--recipe FILE]... [--events N] [--toys N]",
        discussion: """
        Suites:
          gemm   SGEMM GFLOP/s through OpenBLAS at the shapes of a 128-batch MLP
                 layer and a 2048x2048 product: the ceiling for the other figures.
          train  samples/s of training the standard workload (2x100 tanh, 10
                 observables + 1 parameter, batch 128) with the ALICES and CARL
                 losses and Adam (OpenBLAS on one thread: batch-128 products are
                 too small to split), and of evaluating log r for 1e5 x at 100
                 theta (one worker per BLAS thread), also as a fraction of the
                 SGEMM FLOP/s measured in the same run; and of training a
                 conditional MAF (5 MADEs of 2x100 on the same inputs) by NDE
                 and by SCANDAL (alpha 1).
          all    gemm and train (the default).
        Named only:
          events events/s of reading a gzip LHE file (MadGraph pp > jj, 145 weights
                 per event) and computing three observables; zlib inflates on a
                 second thread while the main thread parses
                 (--lhe FILE, default Tests/Fixtures/\(EventsBenchmark.fileName)).
          fit    wall time of a whole sbi fit (every stage forced, in a temporary
                 folder) of each shipped recipe, and of each stage (--recipe FILE,
                 repeatable; default Recipes/{\(FitBenchmark.shipped.joined(separator: ","))}).
                 --jobs N times it again with N local shard processes (and each
                 sharded stage's time over the one-process run's); --executor slurm
                 again as Slurm jobs (its overhead over the one-process run).
          memory peak resident memory of a one-process sbi fit that augments (in pieces of
                 2e6 events) and trains (one epoch) a gaussian ratio sample of --events N
                 (default 1e8) events.
          coverage  seconds and toys/s of --toys N (default 1000) pseudo-experiments of a
                 recipe (--recipe FILE, default Recipes/wbf-higgs.yaml) fitted with its
                 trained networks, modes truth and ml only, and each region's coverage
                 of theta_true (the recipe trains first, in a temporary folder).
          toy    MadMiner's toy closure test: ALICES on z ~ N(theta, 2^2), x ~ N(z, 1),
                 100000 samples, (20,20) tanh, 20 epochs, alpha 0.1 (MadMiner's
                 tutorial); MSE of log r against the exact one on theta in [-5, 5]
                 for seeds 1-3 (MadMiner 0.9.6: 0.060), and the training rate; then
                 the same samples with alpha 1, batch 32, lr 3e-3, no validation;
                 then alices2 (doubly parameterised) on more_ratios samples, theta0
                 and theta1 ~ U(-4, 4), each event reused at one more theta.
        Run it from a release build (swift build -c release).
        """,
        options: [.value("seconds", "S", "Minimum measuring time per figure (default 0.5)."),
                  .value("lhe", "FILE", "LHE file of the events suite."),
                  .value("recipe", "FILE", "Recipe of the fit suite (repeatable)."),
                  .value("jobs", "N", "fit: also time the recipe with N local shard processes."),
                  .value("events", "N", "memory: events of the sample (default 100000000)."),
                  .value("executor", "NAME", "fit: slurm also times the recipe as Slurm jobs."),
                  .value("toys", "N", "coverage: pseudo-experiments (default 1000).")],
        run: { parsed, console in
            guard parsed.positionals.count <= 1 else {
                throw SBIError.usage("expected at most one suite, got \(parsed.positionals.joined(separator: " "))")
            }
            let suite = parsed.positionals.first ?? "all"
            guard suite == "all" || suites.contains(suite) || namedSuites.contains(suite) else {
                var message = "unknown suite '\(suite)'; expected one of \((suites + ["all"] + namedSuites).joined(separator: ", "))"
                if let close = Suggestion.closest(to: suite, among: suites) { message += " (did you mean '\(close)'?)" }
                throw SBIError.usage(message)
            }
            var seconds = 0.5
            if let text = parsed.value("seconds") {
                guard let s = Double(text), s > 0, s <= 600 else {
                    throw SBIError.usage("option '--seconds' expects a number of seconds in (0, 600], got '\(text)'")
                }
                seconds = s
            }
            if suite == "memory" {
                let events = try parsed.integer("events", in: 1000...1_000_000_000) ?? 100_000_000
                for figure in try MemoryBenchmark.figures(events: events) { console.print("\(figure.name) \(formatFigure(figure.value)) \(figure.unit)") }
                return
            }
            if suite == "coverage" {
                let toys = try parsed.integer("toys", in: 1...1_000_000) ?? 1000
                let paths = parsed.allValues("recipe")
                let path = try paths.isEmpty ? FitBenchmark.locate([]).first { $0.hasSuffix("/wbf-higgs.yaml") } ?? "" : FitBenchmark.locate(paths)[0]
                for figure in try CoverageBenchmark.figures(recipePath: path, toys: toys, console: console) {
                    console.print("\(figure.name) \(formatFigure(figure.value)) \(figure.unit)")
                }
                return
            }
            if suite == "toy" {
                for figure in try ToyBenchmark.figures() { console.print("\(figure.name) \(formatFigure(figure.value)) \(figure.unit)") }
                return
            }
            if suite == "fit" {
                for path in try FitBenchmark.locate(parsed.allValues("recipe")) {
                    let jobs = try parsed.integer("jobs", in: 1...64) ?? 1
                    let executor = parsed.value("executor") ?? "local"
                    guard ["local", "slurm"].contains(executor) else {
                        throw SBIError.usage("--executor '\(executor)': expected local or slurm", field: "--executor")
                    }
                    for figure in try FitBenchmark.figures(recipePath: path, console: console, jobs: jobs, slurm: executor == "slurm") { console.print("\(figure.name) \(formatFigure(figure.value)) \(figure.unit)") }
                }
                return
            }
            if suite != "events" { console.print("blas_threads \(BLASLibrary.threadCount) threads") }
            if suite == "all" || suite == "gemm" {
                for shape in GEMMBenchmark.shapes {
                    let value = GEMMBenchmark.gflops(shape, minimumSeconds: seconds)
                    console.print("\(shape.name) \(formatFigure(value)) GFLOP/s")
                }
            }
            if suite == "events" {
                let path = try EventsBenchmark.locate(parsed.value("lhe"))
                console.print("lhe_gz_parse_observables_145_weights \(formatFigure(try EventsBenchmark.eventsPerSecond(path: path, minimumSeconds: seconds))) events/s")
                let three = try EventsBenchmark.eventsPerSecond(path: path, weights: EventsBenchmark.threeWeights, minimumSeconds: seconds)
                console.print("lhe_gz_parse_observables_3_weights \(formatFigure(three)) events/s")
            }
            if suite == "all" || suite == "train" {
                for figure in try TrainBenchmark.figures(minimumSeconds: seconds) {
                    console.print("\(figure.name) \(formatFigure(figure.value)) \(figure.unit)")
                }
            }
        })

    /// Four significant figures, plain decimal.
    static func formatFigure(_ x: Double) -> String {
        let digits = x >= 1000 ? 0 : x >= 100 ? 1 : x >= 10 ? 2 : 3
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let v = (x * scale).rounded() / scale
        return digits == 0 ? String(Int(v)) : String(v)
    }
}
