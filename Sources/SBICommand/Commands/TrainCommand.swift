import Foundation
import SBICore
import SBINetworks
import SBIEstimators

/// `sbi train`: a sample folder (MadMiner's file names) + a method + hyper-parameters → a model folder.
enum TrainCommand {
    static let command = SubCommand(
        name: "train",
        summary: "Train a ratio or score estimator on MadMiner-style .npy samples; writes a model folder.",
        synopsis: "--samples DIR --method METHOD --output DIR [options]",
        discussion: """
        Methods (files read from DIR, each <name>_SUFFIX.npy, SUFFIX = train by default):
          carl                    x theta0 y
          rolr alice              x theta0 y r_xz
          cascal                  x theta0 y t_xz
          rascal alices           x theta0 y r_xz t_xz
          carl2                   x theta0 theta1 y                (doubly parameterized)
          rolr2 alice2            x theta0 theta1 y r_xz
          cascal2                 x theta0 theta1 y t_xz0 t_xz1
          rascal2 alices2         x theta0 theta1 y r_xz t_xz0 t_xz1
          sally                   x t_xz                           (score at the reference point)
          nde                     x theta                          (density sample: a masked
                                                                    autoregressive flow p(x|theta))
          scandal                 x theta t_xz                     (nde + alpha x score term)
        --morphing-aware (carl ... rascal) trains the quadratic form log r(x|theta) = log v'Q(x)v - log v'Qv,
        v = (1, theta - theta1): exact for squared matrix elements quadratic in the couplings; it also
        reads theta1 (one reference point, e.g. 'augment --theta1 point:0,0').
        These are the files MadMiner's SampleAugmenter and 'sbi augment' write. Every file must
        have one row per sample and only finite values; nothing is written otherwise.
        With --members N > 1 the output is an ensemble folder: member-0 ... member-(N-1) side
        by side, member k trained with the seed derived as substream k of --seed.
        Defaults are MadMiner's: one tanh layer of 100, AMSGrad, learning rate 1e-3 -> 1e-4,
        batch 128, 50 epochs, 25 % validation with early stopping, alpha 1. nde: --blocks MADEs
        (default 5) of --hidden layers each (default 100,100), the variables' order reversed
        between blocks.
        """,
        options: [
            .value("samples", "DIR", "Folder with the training .npy files."),
            .value("method", "METHOD", "Training method (carl, rolr, alice, alices, cascal, rascal, their '2' variants, sally, nde, scandal)."),
            .value("output", "DIR", "Model folder to write (replaced atomically, only if it holds nothing but a model sbi wrote)."),
            .value("suffix", "NAME", "File-name suffix of the training split (default train)."),
            .value("hidden", "N[,N...]", "Hidden-layer widths (default 100, MadMiner's n_hidden=(100,))."),
            .value("activation", "NAME", "Hidden activation (\(Activation.allCases.map(\.rawValue).joined(separator: ", ")); default tanh)."),
            .value("alpha", "A", "Weight of the score term, scores in standardised theta units as MadMiner (default 1)."),
            .value("epochs", "N", "Epochs (default 50)."),
            .value("batch-size", "N", "Samples per step (default 128)."),
            .value("learning-rate", "LR[,LR_END]", "Initial and final learning rate (default 1e-3,1e-4)."),
            .value("optimizer", "NAME", "adam, amsgrad or sgd (default amsgrad)."),
            .value("validation", "F", "Fraction held out for validation/early stopping (default 0.25; without it a sample folder's own x_validation.npy ... split is used when present)."),
            .value("seed", "S", "Random seed (default 1)."),
            .value("clip-gradient-norm", "C", "Rescale each step's gradient to Euclidean norm at most C (default: no clipping), as recipes' clip_gradient_norm."),
            .value("members", "N", "Train an ensemble of N members (default 1)."),
            .value("blocks", "K", "nde: MADE blocks of the flow (default 5)."),
            .flag("morphing-aware", "carl ... rascal: a network per quadratic-form entry, r(x|theta) quadratic in theta (ML4EFT, MadMiner's morphing-aware estimator)."),
        ],
        run: { parsed, console in
            guard parsed.positionals.isEmpty else { throw SBIError.usage("unexpected argument '\(parsed.positionals[0])'") }
            let folder = try CommandInput.required(parsed, "samples")
            let methodText = try CommandInput.required(parsed, "method")
            let method: EstimatorMethod
            do { method = try EstimatorMethod.parse(methodText) } catch let e as SBIError { throw SBIError.usage(e.message, field: "--method") }
            let output = try CommandInput.required(parsed, "output")
            try OwnedFolder.checkSeparate(output: output, inputs: [folder], option: "--output")
            try OwnedFolder.checkReplaceable(output, ownNames: ModelFolder.replaceableEntries, option: "--output")
            let suffix = parsed.value("suffix") ?? "train"
            let network = try networkSettings(parsed)
            let training = try trainingSettings(parsed)
            let members = try parsed.integer("members", in: 1...1000) ?? 1

            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw SBIError.io("no sample folder here", file: folder)
            }
            let start = ProgressReporter.monotonicSeconds()
            let summary: (history: TrainingHistory?, samples: Int)
            switch method.kind {
            case .parameterizedRatio where parsed.has("morphing-aware"):
                guard members == 1 else { throw SBIError.usage("--members is not supported with --morphing-aware yet", field: "--members") }
                var paths = try files(method, folder: folder, suffix: suffix)
                paths[.theta1] = try existing(folder, TrainingDataset.Field.theta1.fileStem, suffix, method: method, what: describe(.theta1))
                let data = try TrainingDataset(files: paths)
                try checkMemory(network, training, data: data)
                let validation = try validationSplit(parsed, folder: folder, suffix: suffix, fields: Array(paths.keys))
                let e = try MorphingAwareRatioEstimator.train(method: method, data: data, validation: validation, network: network, training: training)
                try e.save(to: output)
                summary = (e.history, data.count)
            case .parameterizedRatio:
                let paths = try files(method, folder: folder, suffix: suffix)
                let data = try TrainingDataset(files: paths)
                try checkMemory(network, training, data: data)
                let validation = try validationSplit(parsed, folder: folder, suffix: suffix, fields: Array(paths.keys))
                if members == 1 {
                    let e = try ParameterizedRatioEstimator.train(method: method, data: data, validation: validation, network: network, training: training)
                    try e.save(to: output)
                    summary = (e.history, data.count)
                } else {
                    let ensemble = try RatioEnsemble.train(count: members, seed: training.seed, method: method, data: data,
                                                           validation: validation, network: network, training: training)
                    try ensemble.save(to: output)
                    summary = (ensemble.members.last?.history, data.count)
                }
            case .likelihood:
                guard members == 1 else { throw SBIError.usage("--members is not supported for \(method.rawValue) yet", field: "--members") }
                let data = try NeuralDensityEstimator.dataset(method: method, folder: folder, suffix: suffix)
                let ownValidation = suffix == "train" && parsed.value("validation") == nil
                let validation = ownValidation ? try NeuralDensityEstimator.validationDataset(method: method, folder: folder) : nil
                var settings = NeuralDensityEstimator.FlowSettings(activation: network.activation)
                if parsed.value("hidden") != nil { settings.hiddenSizes = network.hiddenSizes }
                settings.blocks = try parsed.integer("blocks", in: 1...MAFArchitecture.maximumBlocks) ?? settings.blocks
                // One MADE's training memory, times the blocks (and the θ-tangent rows SCANDAL carries).
                let d = data.width(of: .x) ?? 1, p = data.width(of: .theta) ?? 0
                let made = MLPArchitecture(nObservables: d, nParameters: p, hiddenSizes: settings.hiddenSizes, activation: settings.activation,
                                           outputSize: 2 * d)
                let tangentFactor = Double(method == .scandal ? 1 + p : 1)
                try CommandInput.checkMemory(made.trainingBytes(batchSize: training.batchSize) * Double(settings.blocks) * tangentFactor,
                                             for: "training \(settings.blocks) MADE blocks of \(settings.hiddenSizes) with batches of \(training.batchSize)",
                                             option: "hidden", advice: "use narrower layers or fewer --blocks")
                let e = try NeuralDensityEstimator.train(method: method, alpha: network.alpha, data: data, validation: validation,
                                                         flow: settings, training: training)
                try e.save(to: output)
                summary = (e.history, data.count)
            case .doublyParameterizedRatio:
                let data = try DoublyParameterizedRatioEstimator.dataset(method: method, folder: folder, suffix: suffix)
                try checkMemory(network, training, data: data)
                guard members == 1 else { throw SBIError.usage("--members is not supported for doubly parameterized methods yet", field: "--members") }
                // The sample's own validation split, as for the other methods.
                let ownValidation = suffix == "train" && parsed.value("validation") == nil
                let validation = ownValidation ? try DoublyParameterizedRatioEstimator.validationDataset(method: method, folder: folder) : nil
                let e = try DoublyParameterizedRatioEstimator.train(method: method, data: data, validation: validation, network: network,
                                                                    training: training)
                try e.save(to: output)
                summary = (e.history, data.count)
            case .morphingAwareRatio:
                // No method trains this kind by itself: it is a parameterised ratio method with --morphing-aware.
                throw SBIError(.internal, field: "--method", "method \(method.rawValue) reports kind \(method.kind.rawValue)")
            case .score:
                let paths = try files(method, folder: folder, suffix: suffix)
                let data = try TrainingDataset(files: paths)
                try checkMemory(network, training, data: data)
                let validation = try validationSplit(parsed, folder: folder, suffix: suffix, fields: Array(paths.keys))
                if members == 1 {
                    let e = try SALLYEstimator.train(data: data, validation: validation, network: network, training: training)
                    try e.save(to: output)
                    summary = (e.history, data.count)
                } else {
                    let ensemble = try ScoreEnsemble.train(count: members, seed: training.seed, data: data, validation: validation,
                                                           network: network, training: training)
                    try ensemble.save(to: output)
                    summary = (ensemble.members.last?.history, data.count)
                }
            }
            let seconds = ProgressReporter.monotonicSeconds() - start
            let kind = parsed.has("morphing-aware") && method.kind == .parameterizedRatio ? ModelKind.morphingAwareRatio : method.kind
            console.print("method \(method.rawValue) kind \(kind.rawValue) samples \(summary.samples) members \(members) seed \(training.seed)")
            if let h = summary.history {
                var line = "epochs \(h.epochCount) training_loss \(BenchCommand.formatFigure(h.trainingLoss.last ?? .nan))"
                if let v = h.validationLoss.last { line += " validation_loss \(BenchCommand.formatFigure(v))" }
                if let b = h.bestEpoch { line += " best_epoch \(b + 1)" }
                console.print(line)
            }
            console.print("time \(BenchCommand.formatFigure(seconds)) s")
            console.print("wrote \(output)")
        })

    /// The sample folder's own validation split (`x_validation.npy`, ...) when training on the `train`
    /// split without an explicit `--validation` fraction; nil otherwise (the fraction is then held out).
    static func validationSplit(_ parsed: ParsedOptions, folder: String, suffix: String,
                                fields: [TrainingDataset.Field]) throws -> TrainingDataset? {
        guard suffix == "train", parsed.value("validation") == nil else { return nil }
        return try TrainingDataset.validationSplit(folder: folder, fields: fields)
    }

    /// MadMiner's file for each field the method reads; a missing file is a data error naming it.
    static func files(_ method: EstimatorMethod, folder: String, suffix: String) throws -> [TrainingDataset.Field: String] {
        var fields: [TrainingDataset.Field] = [.x]
        if method.kind != .score { fields += [.theta, .y] }
        if method.needsJointRatio { fields.append(.rXZ) }
        if method.usesScore { fields.append(.tXZ) }
        var result: [TrainingDataset.Field: String] = [:]
        for field in fields {
            result[field] = try existing(folder, field.fileStem, suffix, method: method, what: describe(field))
        }
        return result
    }

    static func existing(_ folder: String, _ stem: String, _ suffix: String, method: EstimatorMethod, what: String) throws -> String {
        let path = folder + "/" + stem + "_" + suffix + ".npy"
        guard FileManager.default.fileExists(atPath: path) else {
            throw SBIError.data("missing; method \(method.rawValue) needs \(stem)_\(suffix).npy (\(what))", file: path)
        }
        return path
    }

    static func describe(_ field: TrainingDataset.Field) -> String {
        switch field {
        case .x: return "observables"
        case .theta: return "parameter points theta0"
        case .theta1: return "parameter points theta1"
        case .y: return "labels: 0 for x from theta0, 1 for x from theta1"
        case .rXZ: return "joint likelihood ratios"
        case .tXZ: return "joint scores"
        }
    }

    /// Refuses (`--hidden`) a network whose training would not fit in memory
    /// (`MLPArchitecture.trainingBytes`), before the first weight is allocated. θ inputs: the
    /// widths of θ0 and θ1 (none for SALLY); outputs: the score's width for SALLY, else 1.
    static func checkMemory(_ network: NetworkSettings, _ training: TrainingSettings, data: TrainingDataset) throws {
        let score = data.width(of: .tXZ) ?? 1
        let isScore = data.width(of: .theta) == nil
        let architecture = MLPArchitecture(nObservables: data.width(of: .x) ?? 1,
                                           nParameters: (data.width(of: .theta) ?? 0) + (data.width(of: .theta1) ?? 0),
                                           hiddenSizes: network.hiddenSizes, activation: network.activation,
                                           outputSize: isScore ? score : 1)
        try CommandInput.checkMemory(architecture.trainingBytes(batchSize: training.batchSize),
                                     for: "training hidden layers \(network.hiddenSizes) with batches of \(training.batchSize)",
                                     option: "hidden", advice: "use narrower layers")
    }

    static func networkSettings(_ parsed: ParsedOptions) throws -> NetworkSettings {
        var s = NetworkSettings()
        if let text = parsed.value("hidden") {
            let widths = text.split(separator: ",").map { Int($0) }
            guard !widths.isEmpty, widths.allSatisfy({ ($0 ?? 0) >= 1 }) else {
                throw SBIError.usage("option '--hidden' expects comma-separated positive widths, got '\(text)'")
            }
            s.hiddenSizes = widths.map { $0! }
        }
        if let text = parsed.value("activation") {
            guard let a = Activation(rawValue: text) else {
                throw SBIError.usage("option '--activation': unknown '\(text)'; expected one of \(Activation.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            s.activation = a
        }
        if let text = parsed.value("alpha") {
            guard let a = Double(text), a >= 0, a.isFinite else {
                throw SBIError.usage("option '--alpha' expects a number >= 0, got '\(text)'")
            }
            s.alpha = a
        }
        return s
    }

    static func trainingSettings(_ parsed: ParsedOptions) throws -> TrainingSettings {
        var s = TrainingSettings(seed: try CommandInput.seed(parsed))
        if let e = try parsed.integer("epochs", in: 1...1_000_000) { s.epochs = e }
        if let b = try parsed.integer("batch-size", in: 1...10_000_000) { s.batchSize = b }
        if let text = parsed.value("learning-rate") {
            let rates = try CommandInput.numbers(text, option: "learning-rate")
            let maximum = TrainingSettings.maximumLearningRate
            guard rates.count <= 2, rates.allSatisfy({ $0 > 0 && $0 <= maximum }) else {
                throw SBIError.usage("option '--learning-rate' expects LR or LR,LR_END with numbers in (0, \(String(format: "%g", maximum))], got '\(text)'")
            }
            s.initialLearningRate = rates[0]
            s.finalLearningRate = rates.count == 2 ? rates[1] : rates[0]
        }
        if let text = parsed.value("optimizer") {
            guard let o = OptimizerKind(rawValue: text) else {
                throw SBIError.usage("option '--optimizer': unknown '\(text)'; expected one of \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            s.optimizer = o
        }
        if parsed.value("validation") != nil { s.validationFraction = try CommandInput.fraction(parsed, "validation") }
        if let text = parsed.value("clip-gradient-norm") {
            guard let c = Double(text), c > 0, c.isFinite else {
                throw SBIError.usage("option '--clip-gradient-norm' expects a positive number, got '\(text)'")
            }
            s.clipGradientNorm = c
        }
        return s
    }
}
