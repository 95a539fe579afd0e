import Foundation
import SBICore
import SBIEvents
import SBIRecipes
import SBISimulation

/// `sbi import-madminer`: a MadMiner HDF5 analysis file → a weighted events folder.
enum ImportMadMinerCommand {
    static let command = SubCommand(
        name: "import-madminer",
        summary: "Convert a MadMiner HDF5 analysis file into a weighted events folder.",
        synopsis: "FILE.h5 --out DIR",
        discussion: """
        Reads the parameters, benchmarks, morphing setup, observables and weighted events of a
        MadMiner file (the 0.9.x layout or the older one) and writes DIR with
          observables.npy   float64 [n, nObservables]
          weights.npy       float64 [n, nBenchmarks], pb, MadMiner's sampling factors applied
                            (events generated at benchmark b are scaled by n_b / sum n), so
                            the column sums are the benchmark cross sections
          events.json       parameters (with ranges), benchmarks, observables, morphing
                            components and matrix, sampling benchmarks
        The folder gets all files or none (written beside DIR, then renamed).
        Nuisance benchmarks, nuisance parameters and systematics are not supported: they are
        left out with a warning on stderr. A file whose datasets disagree (weight columns vs
        benchmarks, observation rows vs weight rows) or lacks a group is refused (exit 1).
        Prints the number of events, the benchmark cross sections and the reading rate.
        """,
        options: [
            .value("out", "DIR", "Output folder (replaced only if it holds nothing but sbi's event files)."),
        ],
        run: { parsed, console in
            guard parsed.positionals.count == 1 else {
                throw SBIError.usage(parsed.positionals.isEmpty ? "missing the MadMiner file (FILE.h5)"
                                     : "expected one MadMiner file, got \(parsed.positionals.joined(separator: " "))")
            }
            let input = parsed.positionals[0]
            let output = try CommandInput.required(parsed, "out")
            try OwnedFolder.checkSeparate(output: output, inputs: [input], option: "--out")
            try OwnedFolder.checkReplaceable(output, ownNames: WeightedEventSample.fileNames, option: "--out")
            let clock = ContinuousClock()
            let start = clock.now
            let file = try MadMinerFile(path: input)
            let seconds = max(1e-9, (clock.now - start).seconds)
            for warning in file.warnings { console.error("sbi import-madminer: warning: \(warning)\n") }
            if !file.nuisanceParameters.isEmpty {
                console.error("sbi import-madminer: warning: \(input): the nuisance parameters \(file.nuisanceParameters.map(\.name).joined(separator: ", ")) "
                              + "are not written to the events folder (it holds the benchmark weights only); name the .h5 file as "
                              + "simulator.madminer in a recipe to use them\n")
            }
            let sample = try WeightedEventSample(madMiner: file)
            try sample.write(folder: URL(fileURLWithPath: output))
            console.print("read \(file.eventCount) events, \(file.benchmarkCount) benchmarks, \(file.parameterCount) parameters, \(file.observableNames.count) observables from \(input) (\(file.layout.rawValue) layout)")
            let sigma = sample.benchmarkCrossSections
            for (name, value) in zip(sample.benchmarkNames, sigma) {
                console.print("sigma[\(name)] \(value) pb")
            }
            console.print("read_rate \(BenchCommand.formatFigure(Double(file.eventCount) / seconds)) events/s")
            console.print("wrote \(output)")
        })
}

fileprivate extension Duration {
    /// The duration in seconds as a Double.
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}
