import SBICore

/// A `WeightedEventSample` seen as a `WeightedSimulator`, so that code written for simulators
/// (Asimov samples, histogram expectations, the rate term, truth-level Fisher information)
/// runs on real events.
///
/// The latent history z of an event is its row of benchmark weights; with the morphing set-up M:
/// ```
/// w(z|θ) = Σ_b w_b(θ) z_b,      σ(θ) = Σ_b w_b(θ) σ_b,  σ_b = Σ_e W[e, b]   (pb)
/// log p(z|θ) = log w(z|θ) − log σ(θ)                       (MorphedJointLikelihood)
/// simulate(θ, n):  n events drawn with replacement ∝ w_e(θ) from the whole sample (or the rows given)
/// simulateWeighted(·, n): every event of the sample (n is ignored), weighted at θ
/// ```
/// Shapes: latent `[n, nBenchmarks]`, observables `[n, nObservables]`.
///
/// [1] arXiv:1805.00020 §III–IV; [2] MadMiner documentation, `DataAnalyzer.weighted_events`, `xsecs`.
public struct EventSampleSimulator: WeightedSimulator {
    /// The events.
    public let sample: WeightedEventSample
    /// The morphing set-up over the sample's benchmarks.
    public let morpher: Morpher
    /// The joint likelihood with σ_b from the sample.
    let likelihood: MorphedJointLikelihood
    /// The events `simulate` draws from (block sums and Gram matrix computed once).
    let pool: WeightedPoolSource
    /// `"events"`.
    public let name = "events"
    /// The parameters (the sample's, or as given).
    public let parameterSpace: ParameterSpace
    /// The sample's observable names.
    public var observableNames: [String] { sample.observableNames }
    /// The benchmark names (the latent row is the benchmark weights).
    public var latentNames: [String] { sample.benchmarkNames }
    /// Highest power of each parameter among the morphing components.
    public let morphingMaxPowers: [Int]
    /// Highest total power among the morphing components.
    public let morphingMaxOverallPower: Int

    /// - Parameters:
    ///   - morpher: the morphing set-up; its basis must be the sample's benchmarks (e.g. `SampleAugmenter(events:).eventMorphing`).
    ///   - parameterSpace: nil: the sample's own.
    ///   - simulationRows: the events `simulate` draws from (nil: all; e.g. the events
    ///     `SampleAugmenter.reservedTestEvents` keeps away from training samples).
    /// - Precondition: `morpher.benchmarkCount` equals the sample's benchmark count; rows in range.
    public init(sample: WeightedEventSample, morpher: Morpher, parameterSpace: ParameterSpace? = nil, simulationRows: [Int]? = nil) throws {
        precondition(morpher.benchmarkCount == sample.benchmarkNames.count,
                     "EventSampleSimulator: \(morpher.benchmarkCount) basis points, \(sample.benchmarkNames.count) benchmarks")
        self.sample = sample
        self.morpher = morpher
        self.parameterSpace = parameterSpace ?? sample.parameterSpace
        var powers = [Int](repeating: 0, count: morpher.parameterCount), overall = 0
        for c in 0..<morpher.components.count {
            let k = morpher.components.exponents(of: c)
            for i in k.indices { powers[i] = max(powers[i], k[i]) }
            overall = max(overall, k.reduce(0, +))
        }
        morphingMaxPowers = powers
        morphingMaxOverallPower = overall
        likelihood = try MorphedJointLikelihood(morpher: morpher, benchmarkCrossSections: sample.benchmarkCrossSections)
        if let rows = simulationRows {
            precondition(!rows.isEmpty && rows.allSatisfy { (0..<sample.count).contains($0) },
                         "EventSampleSimulator: simulation rows must be non-empty and in 0..<\(sample.count)")
            pool = WeightedPoolSource(observables: WeightedPoolSource.gather(sample.observables, rows),
                                      benchmarkWeights: WeightedPoolSource.gather(sample.benchmarkWeights, rows),
                                      morpher: morpher, likelihood: likelihood)
        } else {
            pool = WeightedPoolSource(observables: sample.observables, benchmarkWeights: sample.benchmarkWeights,
                                      morpher: morpher, likelihood: likelihood)
        }
    }

    /// `count` events drawn with replacement in proportion to their morphed weight at θ.
    /// - Throws: `SBIError.data` for an invalid θ or count; `.numerical` if weights at θ are negative.
    public func simulate(at theta: [Double], count: Int, random: SeededRandom) throws -> EventBatch {
        try parameterSpace.validate(theta)
        guard count > 0 else { throw SBIError.data("count must be at least 1, got \(count)", field: "count") }
        let drawn = try pool.drawAll([DrawRequest(theta: theta, count: count, random: random)], progress: nil)[0]
        return EventBatch(observables: drawn.x, latent: drawn.events)
    }

    /// log w(z|θ) − log σ(θ) and its gradient.
    public func jointLogLikelihood(latent: Matrix<Double>, at theta: [Double], gradient: inout Matrix<Double>?) throws -> [Double] {
        try likelihood.logLikelihood(latent, at: theta, gradient: &gradient)
    }

    /// Every event of the sample with its weight at θ (`count` is ignored: the sample is fixed).
    public func simulateWeighted(proposalAt theta: [Double], count: Int, random: SeededRandom) throws -> EventBatch {
        EventBatch(observables: sample.observables, latent: sample.benchmarkWeights,
                   weights: morpher.eventWeights(benchmarkWeights: sample.benchmarkWeights, at: theta))
    }

    /// The events `simulate` draws from (the reserved test events, or all of them), each with its
    /// weight at θ: the Asimov expectation at θ without resampling noise.
    /// Negative weights within rounding count as 0, as when drawing.
    /// - Throws: `SBIError.data` for an invalid θ; `.numerical` for weights at θ negative beyond rounding.
    public func simulationEvents(weightedAt theta: [Double]) throws -> EventBatch {
        try parameterSpace.validate(theta)
        return EventBatch(observables: pool.observables, latent: pool.benchmarkWeights, weights: try pool.weights(at: theta))
    }

    /// w(z|θ) = Σ_b w_b(θ) z_b per row.
    public func weights(latent: Matrix<Double>, at theta: [Double]) throws -> [Double] {
        guard latent.columns == morpher.benchmarkCount else {
            throw SBIError.data("latent rows have \(latent.columns) entries, expected \(morpher.benchmarkCount) benchmark weights", field: "latent")
        }
        return morpher.eventWeights(benchmarkWeights: latent, at: theta)
    }

    /// σ(θ) = Σ_b w_b(θ) σ_b in pb.
    public func crossSection(at theta: [Double]) throws -> Double { likelihood.crossSection(at: theta) }
}
