import Foundation
import SBICore
import SBINetworks

/// Training and evaluation throughput of the standard workload (README.md, "Benchmarks"):
/// a 2×100 tanh network on 10 observables + 1 parameter, batch 128; and a conditional MAF of 5
/// MADEs of 2×100 on the same inputs (NDE and SCANDAL training).
///
/// ```
/// train rate = samples / seconds   (forward + backward + one Adam step per batch)
/// eval rate  = (10⁵ x × 100 θ) / seconds,   eval FLOP = 2·Σ_l in_l·out_l per sample
/// ```
/// The eval FLOP/s is given as a fraction of the SGEMM FLOP/s measured in the same run
/// (square 2048, the ceiling OpenBLAS reaches on this machine).
/// Synthetic data from a fixed seed; the numbers measure speed, not learning.
enum TrainBenchmark {
    static let nObservables = 10
    static let nParameters = 1
    static let hidden = [100, 100]
    static let batchSize = 128
    static let evaluationSamples = 100_000
    static let evaluationThetas = 100

    static var architecture: MLPArchitecture {
        MLPArchitecture(nObservables: nObservables, nParameters: nParameters, hiddenSizes: hidden, activation: .tanh)
    }

    /// Network FLOP per sample of one forward pass (multiply-adds of the weight matrices × 2).
    static var forwardFLOPPerSample: Double {
        let w = architecture.layerWidths
        var n = 0
        for l in 0..<(w.count - 1) { n += 2 * w[l] * w[l + 1] }
        return Double(n)
    }

    /// One figure line.
    struct Figure {
        let name: String
        let value: Double
        let unit: String
    }

    /// 64 synthetic batches with every field a ratio loss reads.
    static func batches(count: Int = 64) -> [TrainingBatch] {
        let random = SeededRandom(seed: 2024)
        return (0..<count).map { _ in
            let b = batchSize
            var x = Matrix<Float>(rows: b, columns: nObservables)
            x.withUnsafeMutableBufferPointer { random.fillNormal($0) }
            var theta = Matrix<Float>(rows: b, columns: nParameters)
            theta.withUnsafeMutableBufferPointer { random.fillUniform($0, lower: -1, upper: 1) }
            var t = Matrix<Float>(rows: b, columns: nParameters)
            t.withUnsafeMutableBufferPointer { random.fillNormal($0) }
            let y = (0..<b).map { Float($0 % 2) }
            let r = (0..<b).map { _ in Float(exp(random.normal(standardDeviation: 0.5))) }
            return TrainingBatch(x: x, theta: theta, y: y, rXZ: r, tXZ: t)
        }
    }

    /// Samples per second of forward + backward + Adam over `loss`.
    ///
    /// OpenBLAS runs on one thread here (restored afterwards): the products of a batch of 128
    /// (at most 256×100×100) are too small to split, and with two threads OpenBLAS's
    /// hand-offs cost more than they save (measured: 1 thread is ~15 % faster on an idle
    /// machine and several times faster on a busy one, where the spinning threads stall).
    static func trainingRate(loss: any NetworkLoss, minimumSeconds: Double) throws -> Double {
        let savedThreads = BLASLibrary.threadCount
        BLASLibrary.setThreadCount(1)
        defer { BLASLibrary.setThreadCount(savedThreads) }
        let network = MLP(architecture: architecture, scaling: InputScaling.identity(nObservables: nObservables, nParameters: nParameters),
                          random: SeededRandom(seed: 5))
        return rate(of: try MLPObjective(network: network, loss: loss), initialSteps: 50, minimumSeconds: minimumSeconds)
    }

    /// Best samples per second of forward + backward + Adam (lr 10⁻⁴) steps of `objective` on the synthetic
    /// batches, over intervals of ≥ 0.05 s within `minimumSeconds`, after 20 warm-up steps.
    static func rate(of objective: any TrainingObjective, initialSteps: Int, minimumSeconds: Double) -> Double {
        let data = batches()
        let optimizer = Adam(parameterCount: objective.parameterCount, learningRate: 1e-4)
        let gradient = UnsafeMutableBufferPointer<Float>.allocate(capacity: objective.parameterCount)
        gradient.initialize(repeating: 0)
        defer { gradient.deallocate() }
        var sink = 0.0
        func step(_ i: Int) {
            sink += objective.lossAndGradient(data[i % data.count], gradient: gradient)
            objective.withParameters { optimizer.step(parameters: $0, gradient: UnsafeBufferPointer(gradient)) }
        }
        for i in 0..<20 { step(i) }  // warm-up: buffers, caches, OpenBLAS threads
        var best = 0.0
        var steps = initialSteps
        let deadline = ProgressReporter.monotonicSeconds() + minimumSeconds
        repeat {
            let start = ProgressReporter.monotonicSeconds()
            for i in 0..<steps { step(i) }
            let seconds = ProgressReporter.monotonicSeconds() - start
            best = max(best, Double(steps * batchSize) / seconds)
            if seconds < 0.05 { steps *= 2 }
        } while ProgressReporter.monotonicSeconds() < deadline
        precondition(sink.isFinite, "TrainBenchmark: loss became \(sink)")
        return best
    }

    /// Samples (x, θ pairs) per second of log r̂ over the grid of 10⁵ x × 100 θ (best slice of 10 θ).
    /// With `minimumSeconds` below 0.5 and below the time of one grid, fewer θ points are evaluated.
    /// Runs `workers` threads over disjoint x ranges with OpenBLAS single-threaded in each
    /// (restored afterwards), so the activation loops use every core, not only the GEMMs.
    static func evaluationRate(minimumSeconds: Double, workers: Int) -> Double {
        let savedThreads = BLASLibrary.threadCount
        if workers > 1 { BLASLibrary.setThreadCount(1) }
        defer { BLASLibrary.setThreadCount(savedThreads) }
        let random = SeededRandom(seed: 11)
        let network = MLP(architecture: architecture, random: random.substream(0))
        var x = Matrix<Float>(rows: evaluationSamples, columns: nObservables)
        x.withUnsafeMutableBufferPointer { random.fillNormal($0) }
        var thetas = Matrix<Float>(rows: evaluationThetas, columns: nParameters)
        thetas.withUnsafeMutableBufferPointer { random.fillUniform($0, lower: -1, upper: 1) }
        var output = Matrix<Float>(rows: evaluationThetas, columns: evaluationSamples)
        // Warm-up on a small slice.
        var warm = Matrix<Float>(rows: 1, columns: 1000)
        network.logRatioGrid(x: x.rows(0..<1000), thetas: thetas.rows(0..<1), into: &warm, workers: workers)
        // The whole grid is evaluated in slices of 10 θ (10⁶ samples each); the figure is the best
        // slice, as the SGEMM figure is the best repetition, so a busy moment on a shared machine
        // does not decide it.
        let start = ProgressReporter.monotonicSeconds()
        var done = 0
        var best = 0.0
        let step = 10
        var slice = Matrix<Float>(rows: step, columns: evaluationSamples)
        while done < evaluationThetas {
            let rows = done..<min(evaluationThetas, done + step)
            if slice.rows != rows.count { slice = Matrix<Float>(rows: rows.count, columns: evaluationSamples) }
            let sliceStart = ProgressReporter.monotonicSeconds()
            network.logRatioGrid(x: x, thetas: thetas.rows(rows), into: &slice, workers: workers)
            best = max(best, Double(rows.count * evaluationSamples) / (ProgressReporter.monotonicSeconds() - sliceStart))
            output.withUnsafeMutableBufferPointer { o in
                slice.withUnsafeBufferPointer { s in
                    (o.baseAddress! + rows.lowerBound * evaluationSamples).update(from: s.baseAddress!, count: s.count)
                }
            }
            done = rows.upperBound
            if ProgressReporter.monotonicSeconds() - start > minimumSeconds && minimumSeconds < 0.5 { break }
        }
        precondition(output[0, 0].isFinite, "TrainBenchmark: log r̂ is \(output[0, 0])")
        return best
    }

    /// MADE blocks and hidden widths of the flow figures (issue 18's workload: 5 MADEs of 2×100 on the same
    /// 10 observables and 1 parameter, batch 128).
    static let flowBlocks = 5

    /// Samples per second of forward + backward + Adam of a conditional MAF, NDE (α = 0) or SCANDAL (α = 1,
    /// the score through θ-tangents and back), on the synthetic batches (OpenBLAS on one thread, as
    /// `trainingRate`; with `--threads 2` or more the two halves of each batch run at once, `MAFObjective`).
    static func flowTrainingRate(alpha: Double, minimumSeconds: Double) throws -> Double {
        let savedThreads = BLASLibrary.threadCount
        BLASLibrary.setThreadCount(1)
        defer { BLASLibrary.setThreadCount(savedThreads) }
        let architecture = MAFArchitecture(nObservables: nObservables, nParameters: nParameters, blocks: flowBlocks, hiddenSizes: hidden,
                                           activation: .tanh)
        let flow = try MaskedAutoregressiveFlow(architecture: architecture,
                                                scaling: .identity(nObservables: nObservables, nParameters: nParameters), random: SeededRandom(seed: 5))
        return rate(of: MAFObjective(flow: flow, alpha: alpha, workers: savedThreads), initialSteps: 20, minimumSeconds: minimumSeconds)
    }

    /// All figures of the suite.
    static func figures(minimumSeconds: Double) throws -> [Figure] {
        let alices = try trainingRate(loss: ALICESLoss(alpha: 1), minimumSeconds: minimumSeconds)
        let carl = try trainingRate(loss: CARLLoss(), minimumSeconds: minimumSeconds)
        let nde = try flowTrainingRate(alpha: 0, minimumSeconds: minimumSeconds)
        let scandal = try flowTrainingRate(alpha: 1, minimumSeconds: minimumSeconds)
        let evaluation = evaluationRate(minimumSeconds: minimumSeconds, workers: BLASLibrary.threadCount)
        let sgemm = GEMMBenchmark.gflops(GEMMBenchmark.Shape(name: "sgemm_square_2048", m: 2048, n: 2048, k: 2048),
                                         minimumSeconds: min(minimumSeconds, 0.5))
        let evaluationGFLOPS = evaluation * forwardFLOPPerSample / 1e9
        return [
            Figure(name: "train_alices_adam_2x100_tanh_b128", value: alices, unit: "samples/s"),
            Figure(name: "train_carl_adam_2x100_tanh_b128", value: carl, unit: "samples/s"),
            Figure(name: "train_nde_maf_5x2x100_b128", value: nde, unit: "samples/s"),
            Figure(name: "train_scandal_maf_5x2x100_b128", value: scandal, unit: "samples/s"),
            Figure(name: "eval_logr_1e5x_100theta", value: evaluation, unit: "samples/s"),
            Figure(name: "eval_logr_gflops", value: evaluationGFLOPS, unit: "GFLOP/s"),
            Figure(name: "sgemm_square_2048", value: sgemm, unit: "GFLOP/s"),
            Figure(name: "eval_logr_fraction_of_sgemm", value: 100 * evaluationGFLOPS / sgemm, unit: "%"),
        ]
    }
}
