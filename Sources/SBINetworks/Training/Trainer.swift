import Foundation
import SBICore

/// Minimises a `TrainingObjective` over a `TrainingDataset` by mini-batch gradient descent.
///
/// Per epoch e = 0 … E−1:
/// ```
/// lr_e = lr_0 · (lr_1 / lr_0)^(e / (E − 1))
/// for each shuffled batch b of training rows:  g = ∇θ L_b(θ);  g ← clip(g);  θ ← optimizer(θ, g, lr_e)
/// L_val(e) = mean loss over the validation rows
/// ```
/// and, with early stopping, θ ends as the parameters after the epoch with the lowest
/// `L_val` (MadMiner's behaviour, arXiv:1805.12244); with `patience`, training also stops
/// after that many epochs without improvement.
///
/// Randomness: epoch e uses `SeededRandom(seed: settings.seed).substream(e)` for the
/// chunk order and in-window shuffles (see `BatchStream`), and the validation split
/// is a hash of the seed and the row number (`ValidationSplit`), so the same seed and
/// data give the same parameters bit for bit.
///
/// Data stream from disk through `TrainingDataset`; memory does not grow with the
/// number of samples.
///
/// - Throws: `SBIError.numerical` naming the epoch and batch when a loss or gradient
///   is NaN or infinite; `SBIError.data` for invalid settings, a validation set with
///   other fields than the training set, or no training rows.
public final class Trainer {
    /// The settings in use.
    public let settings: TrainingSettings

    /// Batches up to this size train with OpenBLAS on one thread (restored afterwards).
    public static let singleThreadedBatchLimit = 1024

    /// A trainer with `settings`.
    public init(settings: TrainingSettings) {
        self.settings = settings
    }

    /// Trains `objective` in place and returns the loss history.
    /// - Parameters:
    ///   - data: training samples; a `validationFraction` of them is held out unless `validation` is given.
    ///   - validation: an explicit validation set with the same fields and widths.
    ///   - progress: where to show progress (default: a `train` reporter on standard error, drawn only on a TTY).
    ///     It counts training samples, or whole epochs when its unit is `epochs` (its total then being the epochs).
    public func train(_ objective: TrainingObjective, data: TrainingDataset, validation: TrainingDataset? = nil,
                      progress: ProgressReporter? = nil) throws -> TrainingHistory {
        try settings.validate()
        // Mini-batch products (≤ 1024 rows) are too small to split across OpenBLAS threads: the
        // hand-over costs more than it saves (drell-yan recipe: 28 s with 2 threads, 20 s with 1).
        let savedThreads = BLASLibrary.threadCount
        if settings.batchSize <= Trainer.singleThreadedBatchLimit { BLASLibrary.setThreadCount(1) }
        defer { BLASLibrary.setThreadCount(savedThreads) }
        if let validation {
            for field in TrainingDataset.Field.allCases where data.width(of: field) != validation.width(of: field) {
                let expected = data.width(of: field).map { "\($0) values per row" } ?? "no such field"
                let found = validation.width(of: field).map { "\($0) values per row" } ?? "none"
                throw SBIError.data("validation set has \(found) for \(field.rawValue); the training set has \(expected)",
                                    file: validation.source(of: field) ?? validation.source(of: .x), field: field.rawValue)
            }
        }
        // Which rows train and which validate.
        let split: ValidationSplit? = validation == nil && settings.validationFraction > 0
            ? ValidationSplit(fraction: settings.validationFraction, seed: settings.seed) : nil
        var history = TrainingHistory()
        let heldOut = split?.validationCount(of: data.count) ?? 0
        history.trainingSampleCount = data.count - heldOut
        history.validationSampleCount = validation?.count ?? heldOut
        guard history.trainingSampleCount > 0 else {
            throw SBIError.data("no training samples left after holding out \(heldOut) of \(data.count) for validation; lower validationFraction or add samples",
                                file: data.source(of: .x), field: "validationFraction")
        }
        let trainSubset: BatchStream.Subset = split.map { .training($0) } ?? .all
        let validationSubset: BatchStream.Subset? = history.validationSampleCount == 0 ? nil
            : (split.map { .validation($0) } ?? .all)

        let stream = BatchStream(dataset: data, batchSize: settings.batchSize,
                                 chunkRows: settings.chunkRows, chunksPerWindow: settings.chunksPerWindow)
        let validationStream = validation.map {
            BatchStream(dataset: $0, batchSize: settings.batchSize, chunkRows: settings.chunkRows,
                        chunksPerWindow: settings.chunksPerWindow)
        } ?? stream

        let count = objective.parameterCount
        let schedule = settings.schedule
        let optimizer = settings.optimizer.make(parameterCount: count, learningRate: Float(schedule.rate(epoch: 0)),
                                                momentum: Float(settings.momentum))
        let gradient = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
        gradient.initialize(repeating: 0)
        let best = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
        best.initialize(repeating: 0)
        defer { gradient.deallocate(); best.deallocate() }

        let epochs = settings.epochs
        let reporter = progress ?? ProgressReporter(stage: "train", total: epochs * history.trainingSampleCount,
                                                    unit: "samples")
        let root = SeededRandom(seed: settings.seed)
        let clip = settings.clipGradientNorm
        var bestLoss = Double.infinity
        var samplesDone = 0
        var lastDetail = ""

        for epoch in 0..<epochs {
            let rate = schedule.rate(epoch: epoch)
            optimizer.learningRate = Float(rate)
            history.learningRate.append(rate)
            var lossSum = 0.0
            var lossCount = 0
            let random = root.substream(UInt64(epoch))
            try stream.forEachBatch(subset: trainSubset, random: random) { batch, batchIndex in
                try Trainer.validate(batch, for: objective, from: data)
                let loss = objective.lossAndGradient(batch, gradient: gradient)
                guard loss.isFinite else {
                    throw Trainer.nonFinite("training loss is \(loss)", epoch: epoch, of: epochs, batch: batchIndex)
                }
                let norm = clip.map { GradientClipping.clip(gradient, maxNorm: $0) }
                    ?? GradientClipping.norm(UnsafeBufferPointer(gradient))
                guard norm.isFinite else {
                    throw Trainer.nonFinite("gradient norm is \(norm) (loss \(loss))", epoch: epoch, of: epochs, batch: batchIndex)
                }
                objective.withParameters { parameters in
                    optimizer.step(parameters: parameters, gradient: UnsafeBufferPointer(gradient))
                }
                lossSum += loss * Double(batch.count)
                lossCount += batch.count
                samplesDone += batch.count
                reporter.update(step: reporter.unit == "epochs" ? samplesDone / max(history.trainingSampleCount, 1) : samplesDone,
                                detail: "epoch \(epoch + 1)/\(epochs)  loss \(Trainer.format(lossSum / Double(lossCount)))")
            }
            let trainingLoss = lossSum / Double(max(lossCount, 1))
            history.trainingLoss.append(trainingLoss)
            lastDetail = "epoch \(epoch + 1)/\(epochs)  loss \(Trainer.format(trainingLoss))"

            guard let validationSubset else { continue }
            var validationSum = 0.0
            var validationCount = 0
            try validationStream.forEachBatch(subset: validationSubset, random: nil) { batch, _ in
                try Trainer.validate(batch, for: objective, from: validation ?? data)
                validationSum += objective.loss(batch) * Double(batch.count)
                validationCount += batch.count
            }
            let validationLoss = validationSum / Double(max(validationCount, 1))
            guard validationLoss.isFinite else {
                throw SBIError.numerical("validation loss is \(validationLoss) after epoch \(epoch + 1) of \(epochs); lower the learning rate or check the inputs",
                                         field: "epoch \(epoch + 1)")
            }
            history.validationLoss.append(validationLoss)
            lastDetail += "  val \(Trainer.format(validationLoss))"
            if validationLoss < bestLoss {
                bestLoss = validationLoss
                history.bestEpoch = epoch
                if settings.earlyStopping {
                    objective.withParameters { parameters in
                        _ = best.update(fromContentsOf: parameters)
                    }
                }
            } else if let patience = settings.patience, let bestEpoch = history.bestEpoch, epoch - bestEpoch >= patience {
                history.stoppedEarly = true
                break
            }
        }
        if settings.earlyStopping, history.bestEpoch != nil {
            objective.withParameters { parameters in
                _ = parameters.update(fromContentsOf: best)
            }
        }
        if let bestEpoch = history.bestEpoch { lastDetail += "  best epoch \(bestEpoch + 1)" }
        reporter.finish(detail: lastDetail)
        return history
    }

    /// The error for a non-finite loss or gradient, counting epochs and batches from 1.
    static func nonFinite(_ what: String, epoch: Int, of epochs: Int, batch: Int) -> SBIError {
        SBIError.numerical("\(what) at epoch \(epoch + 1) of \(epochs), batch \(batch + 1); lower the learning rate, clip the gradient norm or check the inputs",
                           field: "epoch \(epoch + 1), batch \(batch + 1)")
    }

    /// Four significant figures.
    static func format(_ value: Double) -> String { String(format: "%.4g", value) }

    /// `objective.validate(batch)`, with the dataset's file of the offending field (or of x, when the
    /// field is missing) added to the error.
    static func validate(_ batch: TrainingBatch, for objective: TrainingObjective, from data: TrainingDataset) throws {
        do {
            try objective.validate(batch)
        } catch var error as SBIError {
            if error.file == nil {
                let field = TrainingDataset.Field.allCases.first { $0.fileStem == error.field || $0.rawValue == error.field }
                error.file = field.flatMap { data.source(of: $0) } ?? data.source(of: .x)
            }
            throw error
        }
    }
}
