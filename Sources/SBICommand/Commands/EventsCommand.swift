import Foundation
import SBICore
import SBISimulation

/// `sbi events convert`: LHE files → a weighted events folder.
enum EventsCommand {
    static let command = SubCommand(
        name: "events",
        summary: "Convert LHE files (with reweighting weights) into a weighted events folder.",
        synopsis: "convert --events FILE.lhe[.gz] [--events ...] --benchmark NAME=ID:V,... --observable NAME=EXPR ... --out DIR",
        discussion: """
        \(EventsInput.discussion)
        The folder (observables.npy, weights.npy, events.json) is what 'sbi augment --events
        DIR' and recipes read; it gets all files or none. Prints, per file, the kept and
        dropped events, the detected event_norm, sampling benchmark and weight factor, then
        the benchmark cross sections.
        """,
        options: [
            .value("events", "FILE", "LHE file, plain or gzip; repeat, one per sampling benchmark."),
            .value("out", "DIR", "Output folder (replaced only if it holds nothing but sbi's event files)."),
        ] + EventsInput.options,
        run: { parsed, console in
            guard parsed.positionals.first == "convert" else {
                throw SBIError.usage(parsed.positionals.isEmpty ? "missing the action: sbi events convert ..."
                                     : "unknown action '\(parsed.positionals[0])'; expected convert")
            }
            let files = parsed.allValues("events") + parsed.positionals.dropFirst()
            guard !files.isEmpty else { throw SBIError.usage("missing option --events FILE.lhe[.gz]") }
            let output = try CommandInput.required(parsed, "out")
            try OwnedFolder.checkSeparate(output: output, inputs: files, option: "--out")
            try OwnedFolder.checkReplaceable(output, ownNames: WeightedEventSample.fileNames, option: "--out")
            let progress = ProgressReporter(stage: "read events", total: nil, unit: "events")
            let start = ProgressReporter.monotonicSeconds()
            let (sample, reports) = try EventsInput.builder(parsed, files: files).build(progress: progress)
            progress.finish()
            let seconds = ProgressReporter.monotonicSeconds() - start
            try sample.write(folder: URL(fileURLWithPath: output))
            let read = reports.reduce(0) { $0 + $1.eventsRead }
            for r in reports { console.print(EventsInput.reportLine(r, benchmarkNames: sample.benchmarkNames)) }
            for (name, sigma) in zip(sample.benchmarkNames, sample.benchmarkCrossSections) { console.print("sigma[\(name)] \(sigma) pb") }
            console.print("read_rate \(BenchCommand.formatFigure(Double(read) / max(seconds, 1e-9))) events/s")
            console.print("wrote \(output) (\(sample.count) events)")
        })
}
