import Foundation
import SBICore
import SBISimulation

/// `sbi simulate`: draw events from a built-in simulator and write x, z (and weights) as `.npy`.
enum SimulateCommand {
    static let command = SubCommand(
        name: "simulate",
        summary: "Draw events from a simulator; writes x.npy, z.npy (and weights.npy).",
        synopsis: "--simulator NAME --theta V[,V...] --events N --output DIR [--seed S] [--weighted]",
        discussion: """
        Writes to DIR (created if missing), all files or none:
          x.npy        observables, [N, n_observables], float64
          z.npy        latent histories, [N, n_latent], float64
          weights.npy  event weights w(z|theta) in pb, [N, 1] (only with --weighted)
        Without --weighted the events are unweighted, distributed as p(x, z|theta).
        With --weighted (weighted simulators only) they come from the simulator's proposal
        tuned for theta and carry weights whose mean is the cross section sigma(theta).
        Simulators: \(SimulatorRegistry.names.joined(separator: ", ")).
        The same seed gives the same bytes.
        """,
        options: [
            .value("simulator", "NAME", "Simulator (\(SimulatorRegistry.names.joined(separator: ", ")))."),
            .value("theta", "V[,V...]", "Parameter point, one value per parameter."),
            .value("events", "N", "Number of events (>= 1)."),
            .value("output", "DIR", "Output folder."),
            .value("seed", "S", "Random seed (default 1)."),
            .flag("weighted", "Write weighted events and weights.npy (weighted simulators)."),
        ],
        run: { parsed, console in
            guard parsed.positionals.isEmpty else {
                throw SBIError.usage("unexpected argument '\(parsed.positionals[0])'")
            }
            let simulator = try CommandInput.simulator(parsed)
            let thetaText = try CommandInput.required(parsed, "theta")
            let theta = try CommandInput.numbers(thetaText, option: "theta")
            let count = try CommandInput.required(parsed, "events", parsed.integer("events", in: 1...1_000_000_000))
            let output = try CommandInput.required(parsed, "output")
            let seed = try CommandInput.seed(parsed)
            try simulator.parameterSpace.validate(theta, field: "--theta")
            // x, z and (weighted) w(z|θ), 8 bytes each, held at once, plus the encoded copy of the
            // largest of them while it is written.
            let widths = [simulator.observableNames.count, simulator.latentNames.count, simulator is any WeightedSimulator ? 1 : 0]
            try CommandInput.checkMemory(Double(count) * 8 * Double(widths.reduce(0, +) + (widths.max() ?? 0)), for: "\(count) events",
                                         option: "events", advice: "ask for fewer events")
            let random = SeededRandom(seed: seed)
            let batch: EventBatch
            if parsed.has("weighted") {
                guard let weighted = simulator as? any WeightedSimulator else {
                    throw SBIError.usage("simulator \(simulator.name) is not weighted; drop --weighted", field: "--weighted")
                }
                batch = try weighted.simulateWeighted(proposalAt: theta, count: count, random: random)
            } else {
                batch = try simulator.simulate(at: theta, count: count, random: random)
            }
            var files: [(String, NPYArray)] = [
                ("x.npy", NPYArray(batch.observables)),
                ("z.npy", NPYArray(batch.latent)),
            ]
            if parsed.has("weighted"), let w = batch.weights {
                files.append(("weights.npy", NPYArray(shape: [w.count, 1], data: .float64(w))))
            }
            try CommandInput.writeAll(files, to: output)
            console.print("simulator \(simulator.name) theta \(theta.map { "\($0)" }.joined(separator: ",")) events \(batch.count) seed \(seed)")
            for (name, array) in files {
                console.print("wrote \(output)/\(name) [\(array.shape.map(String.init).joined(separator: ", "))]")
            }
        })
}

extension CommandInput {
    /// Creates `folder` and its parents if missing.
    /// - Throws: `SBIError.io` if it cannot be created or exists as a file.
    static func ensureFolder(_ folder: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw SBIError.io("exists and is not a folder", file: folder) }
            return
        }
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw SBIError.io("cannot create the output folder: \(error.localizedDescription)", file: folder)
        }
    }

    /// Removes `path`, ignoring failures (used to undo a partial write).
    static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }
}
