import Foundation
import XCTest
import SBICore
@testable import SBISimulation

/// Augmentation from a `WeightedEventSample` against the gold computed by hand.
final class EventSampleAugmentationTests: XCTestCase {
    /// n events with z ~ U(0, 1) and W[e, b] = (1 + θ_b z_e)² at θ_b ∈ {−1, 0, 1} (an exact quadratic in θ),
    /// observable x = z.
    static func quadraticSample(n: Int, seed: UInt64, components: Bool) throws -> WeightedEventSample {
        let random = SeededRandom(seed: seed)
        var z = Matrix<Double>(rows: n, columns: 1)
        z.withUnsafeMutableBufferPointer { random.fillUniform($0) }
        let thetas = [-1.0, 0.0, 1.0]
        let w = Matrix<Double>(rows: n, columns: 3) { e, b in (1 + thetas[b] * z[e, 0]) * (1 + thetas[b] * z[e, 0]) }
        return try WeightedEventSample(
            observables: z, benchmarkWeights: w, parameterNames: ["theta"], parameterRanges: [-1.0...1.0],
            benchmarkNames: ["minus", "sm", "plus"], benchmarks: Matrix(rows: 3, columns: 1, storage: thetas),
            observableNames: ["x"],
            morphingComponents: components ? try MorphingComponents(maxPowers: [2]) : nil, source: "test")
    }

    /// Gold with a θ-independent background: 3000 signal events (weights (1 + θz)², x = z ∈ (0, 1)) and
    /// 1000 background events (weight 0.5 at every benchmark, x = 2 + u). σ(θ) = Σ_sig (1 + θz)² + 500;
    /// a background event's own weight does not move, so
    ///   r_xz = σ(θ1)/σ(θ0),  t_xz = −σ'(θ0)/σ(θ0)   (background)
    ///   r_xz = (1 + θ0 z)²σ(θ1) / ((1 + θ1 z)²σ(θ0)),  t_xz = 2z/(1 + θ0 z) − σ'(θ0)/σ(θ0)   (signal)
    /// to Float32 rounding (relative 1e-5).
    func testEventAugmentation_withBackground_goldOfBackgroundEventsIsTheCrossSectionRatioAndScore() throws {
        let signal = try Self.quadraticSample(n: 3000, seed: 11, components: true)
        let random = SeededRandom(seed: 12)
        let u = (0..<1000).map { _ in random.uniform() }
        let x = Matrix<Double>(rows: 4000, columns: 1) { e, _ in e < 3000 ? signal.observables[e, 0] : 2 + u[e - 3000] }
        let w = Matrix<Double>(rows: 4000, columns: 3) { e, b in e < 3000 ? signal.benchmarkWeights[e, b] : 0.5 }
        let sample = try WeightedEventSample(
            observables: x, benchmarkWeights: w, parameterNames: ["theta"], parameterRanges: [-1.0...1.0],
            benchmarkNames: signal.benchmarkNames, benchmarks: signal.benchmarks, observableNames: ["x"],
            morphingComponents: try MorphingComponents(maxPowers: [2]), source: "signal + background")
        let z = signal.observables.storage
        func sigma(_ t: Double) -> Double { z.reduce(500) { $0 + (1 + t * $1) * (1 + t * $1) } }
        func dSigma(_ t: Double) -> Double { z.reduce(0) { $0 + 2 * $1 * (1 + t * $1) } }
        let t0 = 0.5, t1 = -0.3
        let samples = try SampleAugmenter(events: sample).augment(
            AugmentationRequest(kind: .ratio, theta0: .point([t0]), theta1: .point([t1]), count: 2000, validationFraction: 0, seed: 5))
        let split = samples.splits[0]
        let xs = split.array("x")!, r = split.array("r_xz")!, t = split.array("t_xz")!
        var backgroundRows = 0
        for i in 0..<xs.rows {
            let xi = Double(xs[i, 0])
            let (rExpected, tExpected): (Double, Double)
            if xi >= 2 {
                backgroundRows += 1
                (rExpected, tExpected) = (sigma(t1) / sigma(t0), -dSigma(t0) / sigma(t0))
            } else {
                let zi = z[try XCTUnwrap(z.firstIndex { Float($0) == xs[i, 0] })]
                rExpected = (1 + t0 * zi) * (1 + t0 * zi) * sigma(t1) / ((1 + t1 * zi) * (1 + t1 * zi) * sigma(t0))
                tExpected = 2 * zi / (1 + t0 * zi) - dSigma(t0) / sigma(t0)
            }
            XCTAssertEqual(Double(r[i, 0]), rExpected, accuracy: 1e-5 * rExpected, "row \(i)")
            XCTAssertEqual(Double(t[i, 0]), tExpected, accuracy: 1e-5 * max(1, abs(tExpected)), "row \(i)")
        }
        XCTAssertGreaterThan(backgroundRows, 100)   // σ_bkg/σ ≈ 500/3900: about 13 % of the rows
    }

    func testEventAugmentation_ratio_jointRatioAndScoreEqualHandComputation() throws {
        let sample = try Self.quadraticSample(n: 3000, seed: 11, components: true)
        // σ(θ) = Σ_e (1 + θ z_e)² over the whole sample (MadMiner: σ from the events' own weights).
        let z = sample.observables.storage
        func sigma(_ t: Double) -> Double { z.reduce(0) { $0 + (1 + t * $1) * (1 + t * $1) } }
        func dSigma(_ t: Double) -> Double { z.reduce(0) { $0 + 2 * $1 * (1 + t * $1) } }
        let t0 = 0.5, t1 = -0.3
        let request = AugmentationRequest(kind: .ratio, theta0: .point([t0]), theta1: .point([t1]), count: 600,
                                          validationFraction: 0.25, seed: 5)
        let samples = try SampleAugmenter(events: sample).augment(request)
        XCTAssertEqual(samples.splits.map(\.name), ["train", "validation"])
        var seen: [String: Set<Double>] = [:]
        for split in samples.splits {
            let x = split.array("x")!, r = split.array("r_xz")!, t = split.array("t_xz")!, y = split.array("y")!
            XCTAssertEqual(x.rows, split.name == "train" ? 450 : 150)
            for i in 0..<x.rows {
                // x is the Float32 copy of z; take the event's exact z from the sample (z values are distinct).
                let zi = Double(x[i, 0])
                let exactZ = z.min { abs($0 - zi) < abs($1 - zi) }!
                seen[split.name, default: []].insert(exactZ)
                let logR = log((1 + t0 * exactZ) * (1 + t0 * exactZ) / sigma(t0)) - log((1 + t1 * exactZ) * (1 + t1 * exactZ) / sigma(t1))
                // Float32 storage: relative 2⁻²⁴ ≈ 6e-8 plus morphing rounding (~1e-14): 1e-6 relative.
                XCTAssertEqual(Double(r[i, 0]), exp(logR), accuracy: 1e-6 * exp(logR))
                let score = 2 * exactZ / (1 + t0 * exactZ) - dSigma(t0) / sigma(t0)
                XCTAssertEqual(Double(t[i, 0]), score, accuracy: 1e-5 * max(1, abs(score)))
                XCTAssertTrue(y[i, 0] == 0 || y[i, 0] == 1)
            }
        }
        // Splits never share events.
        XCTAssertTrue(seen["train"]!.isDisjoint(with: seen["validation"]!))
        // Same seed → same bytes.
        let again = try SampleAugmenter(events: sample).augment(request)
        XCTAssertEqual(again.splits[0].array("x"), samples.splits[0].array("x"))
        XCTAssertEqual(again.splits[0].array("r_xz"), samples.splits[0].array("r_xz"))
    }

    func testEventAugmentation_unweightedMean_matchesMorphedDistribution() throws {
        // p(z|θ) ∝ (1 + θz)² on [0, 1]: E[z] = (1/2 + 2θ/3 + θ²/4) / (1 + θ + θ²/3); at θ = 1: (17/12)/(7/3) = 17/28.
        let sample = try Self.quadraticSample(n: 20000, seed: 3, components: false)
        let request = AugmentationRequest(kind: .density, theta0: .point([1]), count: 4000, seed: 9)
        let x = try SampleAugmenter(events: sample, morphingMaxPowers: [2]).augment(request).splits[0].array("x")!
        let mean = x.storage.reduce(0) { $0 + Double($1) } / Double(x.rows)
        // sd of z ≈ 0.27; resampling 4000 of 20000 weighted events: standard error ≈ 0.27·sqrt(1/4000 + 1/ESS) ≈ 0.005; 4σ.
        XCTAssertEqual(mean, 17.0 / 28.0, accuracy: 0.02)
    }

    func testEventAugmentation_benchmarksAsTheta_usesTheEventsBenchmarks() throws {
        let sample = try Self.quadraticSample(n: 500, seed: 2, components: true)
        let request = AugmentationRequest(kind: .density, theta0: .benchmarks, count: 30, seed: 1)
        let theta = try SampleAugmenter(events: sample).augment(request).splits[0].array("theta")!
        XCTAssertEqual(Set(theta.storage), [-1, 0, 1])   // exactly the three benchmark points
    }

    func testEventAugmentation_testSamples_neverShareEventsWithTrainingSamples() throws {
        // 1000 events, 20 % (200) reserved for test samples by a permutation independent of the seeds.
        let sample = try Self.quadraticSample(n: 1000, seed: 4, components: true)
        let augmenter = try SampleAugmenter(events: sample)
        let test = try augmenter.augment(AugmentationRequest(kind: .test, theta0: .point([0.3]), count: 500, seed: 1))
        let train = try augmenter.augment(AugmentationRequest(kind: .density, theta0: .prior([.flat(nil)]), count: 2000, seed: 2))
        let testZ = Set(test.splits[0].array("x")!.storage), trainZ = Set(train.splits[0].array("x")!.storage)
        XCTAssertTrue(testZ.isDisjoint(with: trainZ))
        // Resampling 500 of 200 events: at most 200 distinct; 2000 of 800: at most 800 (exact counts, no tolerance).
        XCTAssertLessThanOrEqual(testZ.count, 200)
        XCTAssertLessThanOrEqual(trainZ.count, 800)
        XCTAssertGreaterThan(trainZ.count, 200)
        XCTAssertThrowsError(try SampleAugmenter(events: sample, testEventFraction: 1)) {
            XCTAssertEqual(($0 as? SBIError)?.field, "testEventFraction")
        }
    }

    func testEventSampleSimulator_simulateUsesReservedEvents_crossSectionMorphs() throws {
        let sample = try Self.quadraticSample(n: 1000, seed: 8, components: true)
        let augmenter = try SampleAugmenter(events: sample)
        let reserved = try XCTUnwrap(augmenter.reservedTestEvents)
        XCTAssertEqual(reserved.count, 200)   // round(0.2 · 1000)
        let sim = try EventSampleSimulator(sample: sample, morpher: XCTUnwrap(augmenter.eventMorphing), simulationRows: reserved)
        let batch = try sim.simulate(at: [0.5], count: 300, random: SeededRandom(seed: 3))
        let allowed = Set(reserved.map { sample.observables[$0, 0] })
        XCTAssertTrue(batch.observables.storage.allSatisfy { allowed.contains($0) })
        // σ(θ) = Σ_e (1 + θ z_e)² exactly (quadratic morphing reproduces it; rounding of 1000 terms: 1e-12 relative).
        let sigma = sample.observables.storage.reduce(0) { $0 + (1 + 0.5 * $1) * (1 + 0.5 * $1) }
        XCTAssertEqual(try sim.crossSection(at: [0.5]), sigma, accuracy: 1e-12 * sigma)
        // Joint log-likelihood of an event: log w(θ) − log σ(θ).
        var none: Matrix<Double>? = nil
        let z = batch.observables[0, 0]
        let logP = try sim.jointLogLikelihood(latent: batch.latent.rows(0..<1), at: [0.5], gradient: &none)[0]
        XCTAssertEqual(logP, log((1 + 0.5 * z) * (1 + 0.5 * z)) - log(sigma), accuracy: 1e-12)
    }

    /// The Asimov events at θ are the reserved events with weight (1 + θz)² (exact for quadratic morphing,
    /// 1e-12 relative); at θ = −1 an event with z = 1 has weight 0, which morphing returns as ±rounding and
    /// must count as 0; a row whose morphed weight is −0.1175 at θ = 0.5 is refused naming the event.
    func testEventSampleSimulator_simulationEventsWeightedAtTheta_areExactWeightsRoundingNegativesAsZero() throws {
        let sample = try Self.quadraticSample(n: 1000, seed: 8, components: true)
        let augmenter = try SampleAugmenter(events: sample)
        let reserved = try XCTUnwrap(augmenter.reservedTestEvents)
        let morpher = try XCTUnwrap(augmenter.eventMorphing)
        let sim = try EventSampleSimulator(sample: sample, morpher: morpher, simulationRows: reserved)
        let batch = try sim.simulationEvents(weightedAt: [0.5])
        let weights = try XCTUnwrap(batch.weights)
        XCTAssertEqual(weights.count, reserved.count)
        for (k, e) in reserved.enumerated() {
            let z = sample.observables[e, 0]
            XCTAssertEqual(batch.observables[k, 0], z)
            XCTAssertEqual(weights[k], (1 + 0.5 * z) * (1 + 0.5 * z), accuracy: 1e-12)
        }
        let edge = try WeightedEventSample(
            observables: Matrix(rows: 2, columns: 1, storage: [1, 0.5]), benchmarkWeights: Matrix(rows: 2, columns: 3, storage: [0, 1, 4, 0.25, 1, 2.25]),
            parameterNames: ["theta"], parameterRanges: [-1.0...1.0], benchmarkNames: ["minus", "sm", "plus"],
            benchmarks: Matrix(rows: 3, columns: 1, storage: [-1, 0, 1]), observableNames: ["x"],
            morphingComponents: try MorphingComponents(maxPowers: [2]), source: "edge")
        let edgeSim = try EventSampleSimulator(sample: edge, morpher: morpher, simulationRows: nil)
        let atMinusOne = try XCTUnwrap(try edgeSim.simulationEvents(weightedAt: [-1]).weights)
        XCTAssertEqual(atMinusOne[0], 0)   // (1 − 1)² as rounding
        XCTAssertEqual(atMinusOne[1], 0.25, accuracy: 1e-12)
        let negative = try WeightedEventSample(
            observables: Matrix(rows: 1, columns: 1, storage: [0.5]), benchmarkWeights: Matrix(rows: 1, columns: 3, storage: [1, 0.01, 1e-4]),  // w(0.5) = 0.01 − 0.249975 + 0.1225125 < 0
            parameterNames: ["theta"], parameterRanges: [-1.0...1.0], benchmarkNames: ["minus", "sm", "plus"],
            benchmarks: Matrix(rows: 3, columns: 1, storage: [-1, 0, 1]), observableNames: ["x"],
            morphingComponents: try MorphingComponents(maxPowers: [2]), source: "negative")
        let negativeSim = try EventSampleSimulator(sample: negative, morpher: morpher, simulationRows: nil)
        XCTAssertThrowsError(try negativeSim.simulationEvents(weightedAt: [0.5])) { error in
            XCTAssertEqual((error as? SBIError)?.field, "event 0", "\(error)")
        }
    }

    func testEventAugmentation_statedMorphingMatrix_mustMatchComponentsAndBenchmarks() throws {
        var sample = try Self.quadraticSample(n: 50, seed: 2, components: true)
        // Basis θ = −1, 0, 1 with components 1, θ, θ²: A = [[1,−1,1],[1,0,0],[1,1,1]], M = A⁻¹ =
        // [[0, 1, 0], [−1/2, 0, 1/2], [1/2, −1, 1/2]] (rows: components, columns: benchmarks).
        sample.morphingMatrix = Matrix(rows: 3, columns: 3, storage: [0, 1, 0, -0.5, 0, 0.5, 0.5, -1, 0.5])
        XCTAssertNoThrow(try SampleAugmenter(events: sample))
        sample.morphingMatrix![2, 1] = -0.9
        XCTAssertThrowsError(try SampleAugmenter(events: sample)) { XCTAssertEqual(($0 as? SBIError)?.field, "morphing.matrix") }
    }

    func testEventAugmentation_noComponents_throwsNamingMorphing() throws {
        let sample = try Self.quadraticSample(n: 10, seed: 2, components: false)
        XCTAssertThrowsError(try SampleAugmenter(events: sample)) { XCTAssertEqual(($0 as? SBIError)?.field, "morphing") }
        // Power 3 needs 4 benchmarks; the sample has 3.
        XCTAssertThrowsError(try SampleAugmenter(events: sample, morphingMaxPowers: [3])) { XCTAssertEqual(($0 as? SBIError)?.field, "morphing") }
        // Too few events for three splits.
        let request = AugmentationRequest(kind: .density, theta0: .point([0]), count: 100, validationFraction: 0.1, testFraction: 0.1, seed: 1)
        let tiny = try Self.quadraticSample(n: 2, seed: 2, components: true)
        XCTAssertThrowsError(try SampleAugmenter(events: tiny).augment(request)) { XCTAssertEqual(($0 as? SBIError)?.field, "events") }
    }
}
