import SBICore
import SBIEstimators
import SBINetworks
import SBISimulation

/// MadMiner's toy closure test of a parameterised ratio estimator, against the exact likelihood.
///
/// ```
/// model:      z ~ N(θ, 2²),  x ~ N(z, 1²)   (`GaussianSimulator`; p(x|θ) = N(x; θ, 5))
/// training:   pairs θ0 ~ U(−4, 4), θ1 = 0, one x at each → 2·pairs rows, with r_xz and t_xz
/// estimator:  (20, 20) tanh, α = 0.1, AMSGrad, lr 10⁻³ → 10⁻⁴, batch 128, 25 % validation,
///             early stopping (MadMiner's tutorial settings, 20 epochs)
/// evaluation: 1000 x ~ p(x|θ = 1), 100 θ evenly on [−5, 5]:
///             MSE = mean over (θ, x) of (log r̂(x|θ, 0) − log r(x|θ, 0))²,
///             log r(x|θ, 0) = [x² − (x − θ)²]/10
/// ```
/// The grid reaches beyond the training prior (|θ| ≤ 4): the error there measures how the
/// network extrapolates. Measured per θ, most of the error comes from θ < −3 (squared error
/// 0.15 at θ = −4, 0.7 at θ = −5, against ≤ 0.01 for |θ| < 3). The x drawn at θ = 1 reach
/// x > 3, where p(x|θ0 ≈ −4) has few training events and r(x|θ0, 0) is small, so the
/// cross-entropy is nearly flat (ŝ and s both near 1) and the score term, which sees only
/// x ~ p(x|θ0), has little data: there the result is largely the network's smooth
/// continuation. MadMiner 0.9.6 reaches 0.060 on this setup; measured here, seeds 1–3: see `sbi bench toy` (which also runs `Settings.tuned`).
///
/// Doubly parameterised methods (`Settings.doubly`, alices2): θ0 and θ1 both ~ U(−4, 4) (MadMiner's
/// `sample_train_more_ratios`), every event reused once at a third θ ~ U(−4, 4) (`additional_thetas`),
/// and the evaluation uses log r̂(x|θ, θ1 = 0) of the antisymmetric g(x, θ0, θ1) − g(x, θ1, θ0).
/// [1] arXiv:1805.12244 (MadMiner), its toy-simulator tutorial; [2] arXiv:1808.00973 (ALICES).
public enum MadMinerToyStudy {
    /// What to train and how to score it; the defaults are MadMiner's tutorial.
    public struct Settings: Sendable {
        /// Numerator points θ0 (each gives a y = 0 and a y = 1 row).
        public var pairs = 50_000
        /// Training epochs.
        public var epochs = 20
        /// Score weight α (in standardised θ units, as MadMiner).
        public var alpha = 0.1
        /// The ratio method.
        public var method = EstimatorMethod.alices
        /// Hidden layers.
        public var hiddenSizes = [20, 20]
        /// Evaluation events (drawn at θ = 1) and θ grid points on [−5, 5].
        public var evaluationEvents = 1000
        public var evaluationThetas = 100
        /// Seed of the training sample (the network seed is the run's own).
        public var sampleSeed: UInt64 = 2024
        /// Samples per step, first learning rate (decaying to 10⁻⁴), validation fraction.
        public var batchSize = 128
        public var initialLearningRate = 1e-3
        public var validationFraction = 0.25

        /// MadMiner's tutorial settings.
        public init() {}

        /// alices2 on more_ratios samples (θ0, θ1 ~ U(−4, 4), one additional θ): `tuned`'s network and
        /// training, with the pairs' events reused once more (twice the rows).
        public static var doubly: Settings {
            var s = tuned
            s.method = .alices2
            return s
        }

        /// The same samples, network and epochs, trained the way this package's speed allows:
        /// α = 1 (MadMiner's default), batch 32 (4× the steps), lr 3·10⁻³ → 10⁻⁴, every sample
        /// trained on (no validation split, no early stopping).
        public static var tuned: Settings {
            var s = Settings()
            s.alpha = 1
            s.batchSize = 32
            s.initialLearningRate = 3e-3
            s.validationFraction = 0
            return s
        }
    }

    /// The outcome of one training seed.
    public struct Result: Sendable {
        /// MSE of log r̂ over the whole grid θ ∈ [−5, 5].
        public let meanSquaredError: Double
        /// The same over the grid points inside the training prior, |θ| ≤ 4.
        public let meanSquaredErrorInsidePrior: Double
        /// Wall time of the training alone, seconds.
        public let trainingSeconds: Double
        /// Training rows × epochs run, per second of training.
        public let samplesPerSecond: Double
    }

    /// The training sample: ratio rows from `SampleAugmenter` on `GaussianSimulator`, θ0 flat on
    /// [−4, 4] with one θ0 per pair, θ1 = 0.
    /// - Throws: the augmenter's errors (none for valid settings).
    public static func trainingData(_ settings: Settings) throws -> TrainingDataset {
        if settings.method.kind == .doublyParameterizedRatio {
            let flat = ThetaSpecification.prior([.flat(-4...4)])
            let request = AugmentationRequest(kind: .moreRatios, theta0: flat, theta1: flat, additionalThetas: [flat],
                                              count: 2 * settings.pairs, seed: settings.sampleSeed, priorPointCount: settings.pairs)
            let split = try SampleAugmenter(simulator: GaussianSimulator()).augment(request).splits[0]
            return try DoublyParameterizedRatioEstimator.dataset(x: split.array("x")!, theta0: split.array("theta0")!,
                                                                 theta1: split.array("theta1")!, y: split.array("y")!.storage,
                                                                 rXZ: split.array("r_xz")!.storage, tXZ0: split.array("t_xz0")!,
                                                                 tXZ1: split.array("t_xz1")!)
        }
        let request = AugmentationRequest(kind: .ratio, theta0: .prior([.flat(-4...4)]), theta1: .point([0]),
                                          count: 2 * settings.pairs, seed: settings.sampleSeed, priorPointCount: settings.pairs)
        let split = try SampleAugmenter(simulator: GaussianSimulator()).augment(request).splits[0]
        return try TrainingDataset(x: split.array("x")!, theta: split.array("theta0")!, y: split.array("y")!.storage,
                                   rXZ: split.array("r_xz")!.storage, tXZ: split.array("t_xz")!)
    }

    /// Trains one estimator with network seed `seed` on `data` and scores it against the exact ratio.
    /// - Throws: training and evaluation errors; `SBIError.data` (field `evaluationThetas`) for fewer than 2 grid points.
    public static func run(seed: UInt64, data: TrainingDataset, settings: Settings = Settings()) throws -> Result {
        let training = TrainingSettings(seed: seed, initialLearningRate: settings.initialLearningRate, batchSize: settings.batchSize,
                                        epochs: settings.epochs, validationFraction: settings.validationFraction)
        let network = NetworkSettings(hiddenSizes: settings.hiddenSizes, activation: .tanh, alpha: settings.alpha)
        let start = ProgressReporter.monotonicSeconds()
        let estimator: any LogRatioEstimator
        let history: TrainingHistory?
        if settings.method.kind == .doublyParameterizedRatio {
            let doubly = try DoublyParameterizedRatioEstimator.train(method: settings.method, data: data, network: network, training: training)
            estimator = try doubly.against(reference: [0])
            history = doubly.history
        } else {
            let single = try ParameterizedRatioEstimator.train(method: settings.method, data: data, network: network, training: training)
            estimator = single
            history = single.history
        }
        let seconds = ProgressReporter.monotonicSeconds() - start

        let simulator = GaussianSimulator()
        let x = try simulator.simulate(at: [1], count: settings.evaluationEvents, random: SeededRandom(seed: 99)).observables
        let n = settings.evaluationThetas
        guard n >= 2 else { throw SBIError.data("\(n) grid points; expected at least 2 on [−5, 5]", field: "evaluationThetas") }
        let thetas = Matrix<Double>(rows: n, columns: 1) { j, _ in -5 + 10 * Double(j) / Double(n - 1) }
        let estimate = try estimator.logRatio(x: x, thetas: thetas)
        let reference = try simulator.exactLogLikelihood(observables: x, at: [0])
        var all = 0.0, inside = 0.0, insideCount = 0
        for j in 0..<n {
            let exact = try simulator.exactLogLikelihood(observables: x, at: [thetas[j, 0]])
            var s = 0.0
            for i in 0..<x.rows {
                let d = estimate[j, i] - (exact[i] - reference[i])
                s += d * d
            }
            all += s
            if abs(thetas[j, 0]) <= 4 { inside += s; insideCount += x.rows }
        }
        let samplesTrained = Double((history?.trainingSampleCount ?? 0) * (history?.epochCount ?? 0))
        return Result(meanSquaredError: all / Double(n * x.rows),
                      meanSquaredErrorInsidePrior: inside / Double(max(insideCount, 1)),
                      trainingSeconds: seconds, samplesPerSecond: samplesTrained / seconds)
    }
}
