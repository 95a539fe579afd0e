#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SBICore

/// Draws training and evaluation samples with their "gold" (joint ratio r(x,z) and score t(x,z)).
///
/// ```
/// ratio:   half the events x ~ p(x|θ0) (y = 0), half x ~ p(x|θ1) (y = 1);
///          r_xz = p(z|θ0)/p(z|θ1),  t_xz = ∇θ log p(z|θ)|θ0
/// local:   x ~ p(x|θ_ref), t_xz at θ_ref        density: x ~ p(x|θ), t_xz at θ
/// test:    x ~ p(x|θ), log_p_x = log p(x|θ) when the simulator has the exact likelihood
/// ```
/// Plain simulators draw events at each θ and take the gold from `jointLogLikelihood`.
/// `WeightedSimulator`s generate one pool of weighted events per split from a proposal
/// (`poolFactor` × the split's events; regenerated once, larger — up to `maximumPoolFactor` ×,
/// at most `maximumPoolSize` — when some θ would get more events than its effective sample size),
/// morph the pool's weights to each θ (`Morpher`; the basis is optimised with
/// `MorphingBasisOptimizer` unless one is given), unweight by resampling (`Unweighting`) and
/// take the gold from the morphed weights (`MorphedJointLikelihood`, exact σ_b).
/// A `WeightedEventSample` (real events) is used the same way: its events, split disjointly
/// between train/validation/test, are the pools, its benchmarks the basis, and σ_b its sums.
///
/// Splits never share events: each split has its own random stream and, for weighted
/// simulators, its own pool. Randomness: `SeededRandom(seed)`; split s ∈ {train 0, validation 1,
/// test 2} uses `substream(s)`, within it stream 0 draws the prior points, 1 the pool,
/// `substream(2).substream(k)` the events of θ set k, and 3 the final shuffle; the basis
/// optimiser uses `substream(100)`.
///
/// Shapes: see `SampleKind`. Complexity: O(n) simulator calls plus, for weighted simulators,
/// O(n_θ · n_pool/64 + n · 64) morphing operations (see `WeightedPoolSource`).
///
/// [1] J. Brehmer, K. Cranmer, G. Louppe, J. Pavez, arXiv:1805.00020, arXiv:1805.12244;
/// [2] MadMiner documentation, `SampleAugmenter`.
public final class SampleAugmenter {
    /// The simulator events come from (nil when they come from a `WeightedEventSample`).
    public let simulator: (any Simulator)?
    /// The weighted events the samples are drawn from, when not from a simulator.
    public let events: WeightedEventSample?
    /// The morphing basis for a weighted simulator, `[nBenchmarks, nParameters]`, when given explicitly;
    /// for `events`, its benchmarks.
    public let basis: Matrix<Double>?
    /// The parameters θ (the simulator's, or the events' with their ranges or benchmark bounding box).
    public let parameterSpace: ParameterSpace
    /// Names of the observables x.
    public let observableNames: [String]
    /// For `events`: the morphing set-up over its benchmarks.
    let eventMorpher: Morpher?
    /// For `events` with weight variations: their nuisance morphing (ν are then the last parameters).
    public let eventNuisance: NuisanceMorphing?
    /// Range of the nuisance parameters of `eventNuisance` (±5σ of their N(0, 1) constraint).
    public static let eventNuisanceRange = -5.0...5.0
    /// For `events`: the fraction of events reserved for `.test` samples (MadMiner's `test_split`).
    public let testEventFraction: Double
    /// Seed of the fixed event permutation that separates the test events from the rest: the same
    /// for every request, so `.test` samples never share events with the other kinds.
    static let eventReservationSeed: UInt64 = 0x5B1E_7E57

    /// - Parameter basis: for a `WeightedSimulator`, the morphing benchmarks to use (nil: optimised per seed).
    public init(simulator: any Simulator, basis: Matrix<Double>? = nil) {
        self.simulator = simulator
        self.basis = basis
        events = nil
        eventMorpher = nil
        eventNuisance = nil
        testEventFraction = 0
        parameterSpace = simulator.parameterSpace
        observableNames = simulator.observableNames
    }

    /// Samples from real weighted events (LHE files, MadMiner files). A fixed share
    /// `testEventFraction` of the events (chosen by a permutation that does not depend on the
    /// request's seed) is reserved for `.test` samples, the rest feeds the other kinds, as MadMiner's
    /// `test_split` partition does; within that pool the events are split between the
    /// train/validation/test splits (disjoint, in proportion to the events requested from each), and each
    /// split's events are morphed and unweighted exactly like a weighted simulator's pool, with the
    /// events' benchmarks as the morphing basis and gold from the sample's own cross sections:
    /// ```
    /// w_e(θ) = Σ_b w_b(θ) W[e, b],  σ(θ) = Σ_b w_b(θ) Σ_e W[e, b]
    /// log r(x,z|θ0,θ1) = log[w_e(θ0)/σ(θ0)] − log[w_e(θ1)/σ(θ1)]      (MorphedJointLikelihood.sampleMean)
    /// ```
    /// Components: the sample's own, else every monomial with powers ≤ `morphingMaxPowers` (and
    /// total ≤ `morphingMaxOverallPower`).
    /// - Throws: `SBIError.data` (field `morphing`) without components or maximum powers, or with
    ///   fewer benchmarks than components, (field `morphing.matrix`) when the sample states a morphing
    ///   matrix other than the one its components and benchmarks imply, (field `testEventFraction`)
    ///   for a fraction outside [0, 1);
    ///   `SBIError.numerical` for a singular benchmark basis.
    ///
    /// With `nuisance` (the events' weight variations, one row per event) the parameters become (θ, ν):
    /// events are drawn from w_e(θ)·exp(Σ aν + bν²) and the gold comes from `NuisanceMorphedJointLikelihood`
    /// (joint ratios and scores with ν components, MadMiner's convention, arXiv:1907.10621 §3).
    ///
    /// [1] arXiv:1805.00020 §III–IV; [2] MadMiner documentation, `SampleAugmenter` (samples from weighted events).
    public init(events: WeightedEventSample, morphingMaxPowers: [Int]? = nil, morphingMaxOverallPower: Int? = nil,
                testEventFraction: Double = 0.2, nuisance: NuisanceMorphing? = nil) throws {
        if let nuisance, nuisance.eventCount != events.count {
            throw SBIError.data("nuisance morphing of \(nuisance.eventCount) events for \(events.count) events", field: "nuisance")
        }
        guard testEventFraction >= 0, testEventFraction < 1 else {
            throw SBIError.data("fraction \(testEventFraction) of events reserved for test samples must be in [0, 1)", field: "testEventFraction")
        }
        try events.validate()   // its fields are public vars: a stated morphing matrix may have changed since init
        let components: MorphingComponents
        if let c = events.morphingComponents {
            components = c
        } else if let powers = morphingMaxPowers {
            guard powers.count == events.parameterNames.count else {
                throw SBIError.data("\(powers.count) maximum powers for \(events.parameterNames.count) parameters (\(events.parameterNames.joined(separator: ", ")))",
                                    field: "morphing")
            }
            components = try MorphingComponents(maxPowers: powers, maxOverallPower: morphingMaxOverallPower)
        } else {
            throw SBIError.data("the events state no morphing components; give the maximum power of each parameter", field: "morphing")
        }
        guard events.benchmarks.rows >= components.count else {
            throw SBIError.data("\(events.benchmarks.rows) benchmarks cannot fix \(components.count) morphing components; need at least \(components.count) (or lower the maximum powers)",
                                field: "morphing")
        }
        let morpher = try Morpher(components: components, basis: events.benchmarks)
        eventMorpher = morpher
        self.testEventFraction = testEventFraction
        self.events = events
        simulator = nil
        basis = events.benchmarks
        eventNuisance = nuisance
        var space = events.parameterSpace
        if let nuisance {
            space = ParameterSpace(names: space.names + nuisance.names, ranges: space.ranges + nuisance.names.map { _ in Self.eventNuisanceRange },
                                   units: space.units + nuisance.names.map { _ in "" }, latexLabels: space.latexLabels + nuisance.names)
        }
        parameterSpace = space
        observableNames = events.observableNames
    }

    /// The morphing set-up used for `events` (nil for simulators).
    public var eventMorphing: Morpher? { eventMorpher }

    /// For `events`: the indices of the events reserved for `.test` samples (all events when
    /// `testEventFraction` is 0); nil for simulators.
    public var reservedTestEvents: [Int]? {
        guard let events else { return nil }
        return try? Self.eventPool(count: events.count, testFraction: testEventFraction, forTest: true)
    }

    /// Weighted pools grow to at most this many times the events of their split …
    public static let maximumPoolFactor = 50
    /// … and never beyond this many events.
    public static let maximumPoolSize = 20_000_000

    /// Bytes an augmented sample of `events` events holds at once, in Double: the arrays x, θ0, θ1, y,
    /// r_xz, t_xz and, for a weighted simulator (`morphingComponents` given), the first pool of
    /// max(1000, poolFactor·events) events with observables, latent variables and weights:
    /// ```
    /// events·8·(x + 4θ + 2)  +  pool·8·(x + z + components + 2)
    /// ```
    /// A pool regenerated larger (up to `maximumPoolFactor`×) depends on the morphing weights and is
    /// not counted.
    public static func estimatedBytes(events: Int, observables: Int, parameters: Int, latent: Int,
                                      morphingComponents: Int?, poolFactor: Double) -> Double {
        let n = Double(events), x = Double(observables)
        var bytes = n * 8 * (x + 4 * Double(parameters) + 2)
        if let components = morphingComponents {
            bytes += max(1000, poolFactor * n) * 8 * (x + Double(latent + components) + 2)
        }
        return bytes
    }

    /// The morphing set-up `augment` uses for `simulator`: components from its maximum powers and a
    /// basis from `MorphingBasisOptimizer` over the parameter ranges, seeded with `seed`.
    public static func optimizedMorpher(for simulator: any WeightedSimulator, seed: UInt64) throws -> Morpher {
        let components = try MorphingComponents(maxPowers: simulator.morphingMaxPowers,
                                                maxOverallPower: simulator.morphingMaxOverallPower)
        let optimizer = try MorphingBasisOptimizer(components: components, ranges: simulator.parameterSpace.ranges,
                                                   testPointCount: 200, seed: seed, starts: 3, maximumIterations: 1500)
        return try Morpher(components: components, basis: optimizer.optimize().basis)
    }

    /// Produces the samples `request` describes, in memory (write them with `AugmentedSamples.write(to:)`).
    /// - Throws: `SBIError.data` for an invalid request (θ outside the range, n ≤ 0, missing θ1, …),
    ///   `SBIError.numerical` for a singular morphing basis or negative weights; nothing is written.
    public func augment(_ request: AugmentationRequest, progress: ProgressReporter? = nil) throws -> AugmentedSamples {
        try augment(request, eventShard: nil, progress: progress)
    }

    /// True when samples can be drawn in event shards (`augment(_:eventShard:of:)`): a plain simulator,
    /// whose θ sets draw their events independently. Weighted simulators and real events share one pool
    /// per split among the sets.
    public var supportsEventShards: Bool { events == nil && simulator != nil && !(simulator is any WeightedSimulator) }

    /// Event shard `index` of `count`: in every split, the events of the θ sets ⌊S·index/count⌋ ..< ⌊S·(index+1)/count⌋
    /// (S sets in the split), with their gold, in set order and not shuffled. `mergeEventShards` joins the
    /// shards of a request into exactly the samples `augment(_:)` draws: each θ set has its own random
    /// stream, and the split's shuffle is applied after joining.
    /// - Throws: as `augment(_:)`; `SBIError.data` (field `events`) when the augmenter does not support event shards.
    public func augment(_ request: AugmentationRequest, eventShard index: Int, of count: Int,
                        progress: ProgressReporter? = nil) throws -> AugmentedSamples {
        guard supportsEventShards else {
            throw SBIError.data("samples of weighted simulators and real events cannot be drawn in event shards", field: "events")
        }
        precondition(count >= 1 && (0..<count).contains(index), "SampleAugmenter: event shard \(index) of \(count)")
        return try augment(request, eventShard: (index, count), progress: progress)
    }

    /// Joins the event shards of `request` written (by `AugmentedSamples.write`) in `folders`, in shard
    /// order, shuffles each split as `augment(_:)` does and writes the result into `output`: the files
    /// `augment(request).write(to: output)` would write, byte for byte. Memory stays bounded whatever the
    /// sample's size: the shards are memory-mapped and each output file is gathered `blockRows` rows at a
    /// time (out[i] = joined[π(i)], π the split's permutation), the mapped pages released after each block;
    /// what is held is π (one integer per event of the split) and one block.
    /// - Throws: `SBIError.data` when the shards' files do not fit together; `SBIError.io` from the files.
    public static func mergeEventShards(folders: [String], request: AugmentationRequest, into output: String,
                                        blockRows: Int = 1 << 18) throws {
        guard let first = folders.first else { throw SBIError.data("no event shards to merge", field: "events") }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: first).filter { $0.hasSuffix(".npy") }.sorted() } catch {
            throw SBIError.io("cannot list the event shard: \(error.localizedDescription)", file: first)
        }
        do { try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true) } catch {
            throw SBIError.io("cannot create the output folder: \(error.localizedDescription)", file: output)
        }
        let root = SeededRandom(seed: request.seed)
        var writers: [NPYStreamWriter<Float>] = []
        for (index, split) in ["train", "validation", "test"].enumerated() {
            let files = names.filter { $0.hasSuffix("_" + split + ".npy") }
            var permutation: [Int]?
            for name in files {
                let parts = try folders.map { try NPYMappedFile(path: $0 + "/" + name) }
                let width = parts[0].rowElementCount
                for part in parts where part.header.dtype != .float32 || part.header.shape.count != 2 || part.rowElementCount != width {
                    throw SBIError.data("shape \(part.header.shape), dtype \(part.header.dtype); expected [n, \(width)] float32 like the first shard's",
                                        file: part.path)
                }
                var offsets = [0]
                for part in parts { offsets.append(offsets[offsets.count - 1] + part.rowCount) }
                let rows = offsets[offsets.count - 1]
                if permutation?.count != rows { permutation = root.substream(UInt64(index)).substream(3).permutation(rows) }
                let order = permutation ?? []
                let writer = try NPYStreamWriter<Float>(path: output + "/" + name, shape: [rows, width])
                var block = [Float](repeating: 0, count: min(rows, blockRows) * width)
                let bases = parts.map { $0.dataBytes.baseAddress }
                let rowBytes = width * MemoryLayout<Float>.size
                var start = 0
                while start < rows {
                    let end = min(rows, start + blockRows)
                    block.withUnsafeMutableBytes { buffer in
                        guard rowBytes > 0, let out = buffer.baseAddress else { return }
                        for i in start..<end {
                            let source = order[i]
                            // The shard holding joined row `source`: the last offset ≤ source.
                            var lo = 0, hi = parts.count - 1
                            while lo < hi { let mid = (lo + hi + 1) / 2; if offsets[mid] <= source { lo = mid } else { hi = mid - 1 } }
                            guard let base = bases[lo] else { continue }
                            (out + (i - start) * rowBytes).copyMemory(from: base + (source - offsets[lo]) * rowBytes, byteCount: rowBytes)
                        }
                    }
                    try block.withUnsafeBufferPointer { try writer.append(UnsafeBufferPointer(rebasing: $0[0..<((end - start) * width)])) }
                    for part in parts { part.releasePages() }
                    start = end
                }
                writers.append(writer)
            }
        }
        for writer in writers { try writer.commit() }
    }

    /// `augment(_:)`, or with `eventShard` one event shard of it (unshuffled).
    private func augment(_ request: AugmentationRequest, eventShard: (index: Int, count: Int)?,
                         progress: ProgressReporter?) throws -> AugmentedSamples {
        let splits = try request.validatedSplits()
        let space = parameterSpace
        // Validate every θ before any simulation.
        try request.theta0.validate(space, field: request.kind.hasTheta1 ? "theta0" : "theta")
        try request.theta1?.validate(space, field: "theta1")
        for (a, theta) in request.additionalThetas.enumerated() { try theta.validate(space, field: "additional_thetas[\(a)]") }
        if let p = request.proposal { try space.validate(p, field: "proposal") }
        let root = SeededRandom(seed: request.seed)
        var activeMorpher: Morpher?
        var eventPartition: [Range<Int>] = []
        var eventLikelihood: (any JointLikelihood)?
        var eventOrder: [Int] = []
        if let events, let m = eventMorpher {
            activeMorpher = m
            eventLikelihood = try eventNuisance.map { try NuisanceMorphedJointLikelihood(morpher: m, benchmarkWeights: events.benchmarkWeights, nuisance: $0) }
                ?? MorphedJointLikelihood.sampleMean(benchmarkWeights: events.benchmarkWeights, morpher: m)
            let pool = try Self.eventPool(count: events.count, testFraction: testEventFraction, forTest: request.kind == .test)
            eventPartition = try Self.partition(events: pool.count, among: splits)
            let order = root.substream(101).permutation(pool.count)
            eventOrder = order.map { pool[$0] }
        } else if let weighted = simulator as? any WeightedSimulator {
            if let basis {
                let components = try MorphingComponents(maxPowers: weighted.morphingMaxPowers,
                                                        maxOverallPower: weighted.morphingMaxOverallPower)
                for b in 0..<basis.rows { try space.validate(basis.row(b), field: "basis[\(b)]") }
                activeMorpher = try Morpher(components: components, basis: basis)
            } else {
                activeMorpher = try Self.optimizedMorpher(for: weighted, seed: root.substream(100).seed)
            }
        } else if let simulator, request.theta0 == .benchmarks || request.theta1 == .benchmarks || request.additionalThetas.contains(.benchmarks) {
            let field = request.theta0 == .benchmarks ? "theta0" : request.theta1 == .benchmarks ? "theta1" : "additional_thetas"
            throw SBIError.data("simulator \(simulator.name) has no morphing benchmarks (it is not a weighted simulator); use point: or prior:",
                                field: field)
        }
        var outSplits: [AugmentedSamples.Split] = []
        var minimumESS: Double? = nil
        var worstRatio: Double? = nil
        for (splitNumber, split) in splits.enumerated() {
            let index: UInt64 = split.name == "train" ? 0 : split.name == "validation" ? 1 : 2
            let stream = root.substream(index)
            let makeSource: ([DrawRequest]) throws -> EventSource
            if let events, let m = activeMorpher, let likelihood = eventLikelihood {
                let rows = Array(eventOrder[eventPartition[splitNumber]])
                makeSource = { _ in
                    WeightedPoolSource(observables: WeightedPoolSource.gather(events.observables, rows),
                                       benchmarkWeights: WeightedPoolSource.gather(events.benchmarkWeights, rows),
                                       morpher: m, likelihood: likelihood, nuisance: self.eventNuisance?.selecting(events: rows))
                }
            } else if let weighted = simulator as? any WeightedSimulator, let m = activeMorpher {
                let poolSize = max(1000, Int((Double(split.count) * request.poolFactor).rounded(.up)))
                let largestPool = max(poolSize, min(Self.maximumPoolFactor * split.count, Self.maximumPoolSize))
                let proposal = request.proposal ?? space.ranges.map { 0.5 * ($0.lowerBound + $0.upperBound) }
                makeSource = { requests in
                    // The pool is regenerated once, larger, if some θ would get more events than its ESS
                    // (ESS grows linearly with the pool); the same stream keeps it reproducible.
                    let pool = try WeightedPoolSource(simulator: weighted, morpher: m, proposal: proposal, poolSize: poolSize,
                                                      random: stream.substream(1))
                    let growth = pool.requiredGrowth(for: requests)
                    guard growth > 1 else { return pool }
                    let target = Double(poolSize) * growth * 1.05   // 5 % margin; growth may be infinite
                    let grown = target >= Double(largestPool) ? largestPool : Int(target.rounded(.up))
                    guard grown > poolSize else { return pool }
                    return try WeightedPoolSource(simulator: weighted, morpher: m, proposal: proposal, poolSize: grown,
                                                  random: stream.substream(1))
                }
            } else if let simulator {
                makeSource = { _ in SimulatorSource(simulator: simulator) }
            } else {
                throw SBIError(.internal, "SampleAugmenter has neither a simulator nor events")
            }
            let result = try augmentSplit(request, count: split.count, name: split.name, makeSource: makeSource,
                                          benchmarks: activeMorpher?.basis, stream: stream, eventShard: eventShard, progress: progress)
            outSplits.append(result.split)
            if let ess = result.minimumESS { minimumESS = min(minimumESS ?? .infinity, ess) }
            if let r = result.worstRatio { worstRatio = max(worstRatio ?? 0, r) }
        }
        progress?.finish()
        return AugmentedSamples(kind: request.kind, splits: outSplits, minimumEffectiveSampleSize: minimumESS,
                                maximumDrawsPerEffectiveEvent: worstRatio, morphingBasis: activeMorpher?.basis)
    }

    /// One split: resolves the θ sets, draws events set by set, computes the gold, shuffles.
    private func augmentSplit(_ request: AugmentationRequest, count: Int, name: String,
                              makeSource: ([DrawRequest]) throws -> EventSource,
                              benchmarks: Matrix<Double>?, stream: SeededRandom, eventShard: (index: Int, count: Int)? = nil,
                              progress: ProgressReporter?)
        throws -> (split: AugmentedSamples.Split, minimumESS: Double?, worstRatio: Double?) {
        let space = parameterSpace
        let np = space.count, nx = observableNames.count
        let kind = request.kind
        let priorPoints = request.priorPointCount ?? min(count, 1000)
        let thetaStream = stream.substream(0)
        let theta0 = try request.theta0.points(in: space, benchmarks: benchmarks, priorPointCount: priorPoints,
                                               random: thetaStream.substream(0), field: kind.hasTheta1 ? "theta0" : "theta")
        let theta1 = try request.theta1.map {
            try $0.points(in: space, benchmarks: benchmarks, priorPointCount: priorPoints, random: thetaStream.substream(1), field: "theta1")
        }
        let additional = try request.additionalThetas.enumerated().map { a, theta in
            try theta.points(in: space, benchmarks: benchmarks, priorPointCount: priorPoints,
                             random: thetaStream.substream(2 + UInt64(a)), field: "additional_thetas[\(a)]")
        }
        let sets = max(theta0.rows, theta1?.rows ?? 0)
        // Events per set: for ratio kinds, ⌈n/2⌉ at θ0 and ⌊n/2⌋ at θ1, each spread evenly over the sets.
        let n0 = kind.hasTheta1 ? (count + 1) / 2 : count
        let n1 = count - n0
        func share(_ total: Int, _ k: Int) -> Int { total / sets + (k < total % sets ? 1 : 0) }
        // An event shard draws a range of the θ sets only (each set has its own stream) and leaves them unshuffled.
        let setRange = eventShard.map { (sets * $0.index / $0.count) ..< (sets * ($0.index + 1) / $0.count) } ?? 0..<sets
        // more_ratios: every event is written 1 + A times (the drawn pair, then one row per additional θ).
        let copies = 1 + additional.count
        let fullCount = count * copies
        let count = setRange.reduce(0) { $0 + share(n0, $1) + share(n1, $1) } * copies

        var x = Matrix<Float>(rows: count, columns: nx)
        var thetaA = Matrix<Float>(rows: count, columns: np)
        var thetaB = Matrix<Float>(rows: kind.hasTheta1 ? count : 0, columns: np)
        var y = Matrix<Float>(rows: kind.hasTheta1 ? count : 0, columns: 1)
        var r = Matrix<Float>(rows: kind.hasTheta1 ? count : 0, columns: 1)
        var t = Matrix<Float>(rows: kind == .test ? 0 : count, columns: np)
        var t1 = Matrix<Float>(rows: kind == .moreRatios ? count : 0, columns: np)
        let exact = simulator.flatMap { $0 as? any ExactLikelihoodSimulator }
        var logP = Matrix<Float>(rows: kind == .test && exact != nil ? count : 0, columns: 1)
        var row = 0
        var minimumESS: Double? = nil
        var worstRatio: Double? = nil

        // All draws of the split at once, so a weighted pool is read once for every θ together.
        var requests: [DrawRequest] = []
        var requestIndex: [(first: Int, second: Int?)] = []
        let setsStream = stream.substream(2)
        for k in 0..<sets {
            guard setRange.contains(k) else { requestIndex.append((-1, nil)); continue }
            let m0 = share(n0, k), m1 = share(n1, k)
            let setStream = setsStream.substream(UInt64(k))
            var second: Int? = nil
            if m0 > 0 { requests.append(DrawRequest(theta: theta0.row(k % theta0.rows), count: m0, random: setStream.substream(0))) }
            let first = requests.count - 1
            if let theta1, m1 > 0 {
                requests.append(DrawRequest(theta: theta1.row(k % theta1.rows), count: m1, random: setStream.substream(1)))
                second = requests.count - 1
            }
            requestIndex.append((m0 > 0 ? first : -1, second))
        }
        let source = try makeSource(requests)
        let results = try source.drawAll(requests, progress: progress)
        if source.isWeighted {
            var drawsAtTheta: [[Double]: (count: Int, ess: Double)] = [:]
            for (r, request) in requests.enumerated() {
                drawsAtTheta[request.theta, default: (0, results[r].ess)].count += request.count
            }
            worstRatio = drawsAtTheta.values.map { Double($0.count) / max($0.ess, .leastNonzeroMagnitude) }.max()
        }

        for k in setRange {
            let m0 = share(n0, k), m1 = share(n1, k)
            if m0 + m1 == 0 { continue }
            let th0 = theta0.row(k % theta0.rows)
            let th1 = theta1.map { $0.row(k % $0.rows) }
            var drawn: DrawnEvents
            var labels = [Float](repeating: 0, count: m0)
            if requestIndex[k].first >= 0 {
                drawn = results[requestIndex[k].first]
                if let second = requestIndex[k].second {
                    let other = results[second]
                    drawn = DrawnEvents(x: Self.stack(drawn.x, other.x), events: Self.stack(drawn.events, other.events),
                                        ess: min(drawn.ess, other.ess))
                    labels += [Float](repeating: 1, count: m1)
                }
            } else {
                // Only θ1 events in this set (n odd and fewer θ0 events than sets).
                drawn = results[requestIndex[k].second!]
                labels = [Float](repeating: 1, count: m1)
            }
            if source.isWeighted {
                minimumESS = min(minimumESS ?? .infinity, drawn.ess)
            }
            let rows = drawn.x.rows
            Self.copy(drawn.x, into: &x, at: row)
            Self.fill(&thetaA, rows: row ..< row + rows, with: th0)
            switch kind {
            case .ratio, .moreRatios:
                guard let th1 else { break }
                Self.fill(&thetaB, rows: row ..< row + rows, with: th1)
                let logR = try source.likelihood.logRatio(drawn.events, theta0: th0, theta1: th1)
                try Self.fillRatio(&r, labels: &y, rows: row, logRatio: logR, labels: labels, theta0: th0, theta1: th1)
                let score0 = try source.likelihood.score(drawn.events, at: th0)
                Self.copy(score0, into: &t, at: row)
                guard kind == .moreRatios else { break }
                let score1 = try source.likelihood.score(drawn.events, at: th1)
                Self.copy(score1, into: &t1, at: row)
                // Each additional θa: events drawn at θ0 (y = 0) pair with (θ0, θa), events drawn at θ1 (y = 1)
                // with (θa, θ1); log r(x,z|θa, θ1) = log r(x,z|θ0, θ1) − log r(x,z|θ0, θa).
                for (a, points) in additional.enumerated() {
                    let tha = points.row(k % points.rows)
                    let at = row + (1 + a) * rows
                    let logR0a = try source.likelihood.logRatio(drawn.events, theta0: th0, theta1: tha)
                    let scoreA = try source.likelihood.score(drawn.events, at: tha)
                    Self.copy(drawn.x, into: &x, at: at)
                    var pairLogR = [Double](repeating: 0, count: rows)
                    for i in 0..<rows {
                        let fromTheta0 = labels[i] == 0
                        pairLogR[i] = fromTheta0 ? logR0a[i] : logR[i] - logR0a[i]
                        for j in 0..<np {
                            thetaA[at + i, j] = Float(fromTheta0 ? th0[j] : tha[j])
                            thetaB[at + i, j] = Float(fromTheta0 ? tha[j] : th1[j])
                            t[at + i, j] = fromTheta0 ? Float(score0[i, j]) : Float(scoreA[i, j])
                            t1[at + i, j] = fromTheta0 ? Float(scoreA[i, j]) : Float(score1[i, j])
                        }
                    }
                    // An overflow names θ0, θ_a and θ1: the pair is (θ0, θ_a) or (θ_a, θ1) depending on the row's label.
                    try Self.fillRatio(&r, labels: &y, rows: at, logRatio: pairLogR, labels: labels, theta0: th0, theta1: tha, also: th1)
                }
            case .local, .density:
                Self.copy(try source.likelihood.score(drawn.events, at: th0), into: &t, at: row)
            case .test:
                if let exact {
                    let lp = try exact.exactLogLikelihood(observables: drawn.x, at: th0)
                    for i in 0..<rows { logP[row + i, 0] = Float(lp[i]) }
                }
            }
            row += rows * copies
        }
        precondition(row == count, "augmentSplit: filled \(row) rows of \(count)")

        // Shuffle rows jointly (θ sets are contiguous until now); an event shard is shuffled when the shards are joined.
        let permutation = eventShard == nil ? stream.substream(3).permutation(fullCount) : Array(0..<count)
        var arrays: [AugmentedSamples.Array2D] = []
        func add(_ name: String, _ m: Matrix<Float>) { arrays.append(.init(name: name, values: Self.permuted(m, permutation))) }
        switch kind {
        case .ratio:
            add("x", x); add("theta0", thetaA); add("theta1", thetaB); add("y", y); add("r_xz", r); add("t_xz", t)
        case .moreRatios:
            add("x", x); add("theta0", thetaA); add("theta1", thetaB); add("y", y); add("r_xz", r); add("t_xz0", t); add("t_xz1", t1)
        case .local, .density:
            add("x", x); add("theta", thetaA); add("t_xz", t)
        case .test:
            add("x", x); add("theta", thetaA)
            if exact != nil { add("log_p_x", logP) }
        }
        return (AugmentedSamples.Split(name: name, arrays: arrays), minimumESS, worstRatio)
    }

    /// The events a request may use: a fixed permutation of 0..<count (seed `eventReservationSeed`)
    /// whose last round(count·testFraction) entries are the test events, the others the rest.
    /// - Throws: `SBIError.data` (field `events`) if the chosen part is empty.
    static func eventPool(count: Int, testFraction: Double, forTest: Bool) throws -> [Int] {
        let permutation = SeededRandom(seed: eventReservationSeed).permutation(count)
        let nTest = Int((Double(count) * testFraction).rounded())
        let pool = forTest ? (nTest > 0 ? Array(permutation[(count - nTest)...]) : permutation) : Array(permutation[..<(count - nTest)])
        guard !pool.isEmpty else {
            throw SBIError.data("\(count) weighted events leave none for \(forTest ? "test" : "training") samples (\(nTest) reserved for test samples)", field: "events")
        }
        return pool
    }

    /// Disjoint ranges of (permuted) event indices, one per split, in proportion to the split's
    /// requested events: split s gets ⌊n·c_s/Σc⌋ events, the first split the remainder.
    /// - Throws: `SBIError.data` (field `events`) if a split would get no events.
    static func partition(events n: Int, among splits: [(name: String, count: Int)]) throws -> [Range<Int>] {
        let total = splits.reduce(0) { $0 + $1.count }
        var sizes = splits.map { Int((Double(n) * Double($0.count) / Double(max(total, 1))).rounded(.down)) }
        sizes[0] += n - sizes.reduce(0, +)
        for (s, size) in sizes.enumerated() where size < 1 {
            throw SBIError.data("\(n) weighted events cannot be shared among the splits: \(splits[s].name) would get none", field: "events")
        }
        var ranges: [Range<Int>] = []
        var start = 0
        for size in sizes { ranges.append(start ..< start + size); start += size }
        return ranges
    }

    // MARK: row helpers (contiguous copies, no per-element allocation)

    /// Writes r = exp(log r) and the labels into rows `rows ..< rows + logRatio.count` of `r` and `y`.
    /// - Throws: `SBIError.numerical` (field `r_xz`) when r overflows Float32; the pair is named in the message.
    static func fillRatio(_ r: inout Matrix<Float>, labels y: inout Matrix<Float>, rows start: Int, logRatio: [Double],
                          labels: [Float], theta0: [Double], theta1: [Double], also third: [Double]? = nil) throws {
        for i in 0..<logRatio.count {
            let value = Float(exp(logRatio[i]))
            guard value.isFinite else {
                let pair = third.map { "among θ0 = \(theta0), θ_a = \(theta1), θ1 = \($0)" } ?? "at θ0 = \(theta0), θ1 = \(theta1)"
                throw SBIError.numerical("r(x,z) = exp(\(logRatio[i])) overflows Float32 \(pair); narrow the θ range", field: "r_xz")
            }
            r[start + i, 0] = value
            y[start + i, 0] = labels[i]
        }
    }

    static func stack(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Matrix<Double> {
        precondition(a.columns == b.columns, "stack: [\(a.rows), \(a.columns)] and [\(b.rows), \(b.columns)]")
        return Matrix(rows: a.rows + b.rows, columns: a.columns, storage: a.storage + b.storage)
    }

    static func copy(_ source: Matrix<Double>, into target: inout Matrix<Float>, at row: Int) {
        precondition(source.columns == target.columns && row + source.rows <= target.rows,
                     "copy: [\(source.rows), \(source.columns)] into [\(target.rows), \(target.columns)] at row \(row)")
        let offset = row * target.columns
        source.withUnsafeBufferPointer { s in
            target.withUnsafeMutableBufferPointer { t in
                for i in 0..<s.count { t[offset + i] = Float(s[i]) }
            }
        }
    }

    static func fill(_ target: inout Matrix<Float>, rows: Range<Int>, with values: [Double]) {
        let w = target.columns
        target.withUnsafeMutableBufferPointer { t in
            for i in rows { for j in 0..<w { t[i * w + j] = Float(values[j]) } }
        }
    }

    static func permuted(_ m: Matrix<Float>, _ permutation: [Int]) -> Matrix<Float> {
        var out = Matrix<Float>(rows: m.rows, columns: m.columns)
        let w = m.columns
        m.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { o in
                for i in 0..<permutation.count {
                    let src = permutation[i] * w
                    for j in 0..<w { o[i * w + j] = s[src + j] }
                }
            }
        }
        return out
    }
}
