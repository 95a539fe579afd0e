import XCTest
import SBICore
@testable import SBISimulation

final class AugmentationTests: XCTestCase {
    // MARK: ratio samples

    /// Rebuilds the train split's events from the documented stream layout and checks every row:
    /// y, and r_xz and t_xz recomputed from the latent z (Float32 storage: 1e-5 relative).
    func testRatio_gaussianPoints_labelsAndGoldMatchRecomputedEvents() throws {
        let sim = GaussianSimulator()
        let request = AugmentationRequest(kind: .ratio, theta0: .point([1]), theta1: .point([0]), count: 1000,
                                          validationFraction: 0.2, testFraction: 0.1, seed: 42)
        let samples = try SampleAugmenter(simulator: sim).augment(request)
        XCTAssertEqual(samples.splits.map(\.name), ["train", "validation", "test"])
        XCTAssertEqual(samples.splits.map(\.count), [700, 200, 100])
        let train = samples.splits[0]
        XCTAssertEqual(train.arrays.map(\.name), ["x", "theta0", "theta1", "y", "r_xz", "t_xz"])
        for a in train.arrays { XCTAssertEqual(a.values.columns, 1, a.name) }

        let setStream = SeededRandom(seed: 42).substream(0).substream(2).substream(0)
        let e0 = try sim.simulate(at: [1], count: 350, random: setStream.substream(0))
        let e1 = try sim.simulate(at: [0], count: 350, random: setStream.substream(1))
        var byX: [Float: (z: Double, y: Float)] = [:]
        for i in 0..<350 {
            byX[Float(e0.observables[i, 0])] = (e0.latent[i, 0], 0)
            byX[Float(e1.observables[i, 0])] = (e1.latent[i, 0], 1)
        }
        let x = train.array("x")!, y = train.array("y")!, r = train.array("r_xz")!, t = train.array("t_xz")!
        var ones = 0
        for i in 0..<700 {
            guard let event = byX[x[i, 0]] else { return XCTFail("row \(i): x = \(x[i, 0]) is not one of the simulated events") }
            XCTAssertEqual(y[i, 0], event.y)
            if y[i, 0] == 1 { ones += 1 }
            // log r = log N(z; 1, 4) − log N(z; 0, 4) = [z² − (z−1)²]/8;  t = (z − 1)/4.
            let z = event.z
            let expectedR = exp((z * z - (z - 1) * (z - 1)) / 8)
            XCTAssertEqual(Double(r[i, 0]), expectedR, accuracy: 1e-5 * expectedR)
            XCTAssertEqual(Double(t[i, 0]), (z - 1) / 4, accuracy: 1e-5 * max(1, abs(z)))
            XCTAssertEqual(train.array("theta0")![i, 0], 1)
            XCTAssertEqual(train.array("theta1")![i, 0], 0)
        }
        XCTAssertEqual(ones, 350, "half of the events come from θ1")
    }

    /// more_ratios (MadMiner's `sample_train_more_ratios`): every drawn event appears 1 + A times with one
    /// label; an event from θ0 (y = 0) keeps θ0 in every copy, one from θ1 (y = 1) keeps θ1; each row's
    /// r_xz, t_xz0 and t_xz1 equal the closed forms at the event's z (recovered from t_xz0 = (z − θ0)/4)
    /// and the row's own θ0, θ1; the additional point θ = 0.5 appears in the other slot of its copies.
    func testMoreRatios_gaussian_everyCopyHasItsOwnPairsGold() throws {
        let request = AugmentationRequest(kind: .moreRatios, theta0: .prior([.flat(-2...2)]), theta1: .prior([.flat(-2...2)]),
                                          additionalThetas: [.point([0.5]), .prior([.flat(-2...2)])], count: 600, seed: 9, priorPointCount: 30)
        let split = try SampleAugmenter(simulator: GaussianSimulator()).augment(request).splits[0]
        XCTAssertEqual(split.arrays.map(\.name), ["x", "theta0", "theta1", "y", "r_xz", "t_xz0", "t_xz1"])
        XCTAssertEqual(split.count, 1800)
        let x = split.array("x")!, t0 = split.array("theta0")!, t1 = split.array("theta1")!, y = split.array("y")!
        let r = split.array("r_xz")!, s0 = split.array("t_xz0")!, s1 = split.array("t_xz1")!
        var copies: [Float: [Int]] = [:]
        for i in 0..<split.count { copies[x[i, 0], default: []].append(i) }
        XCTAssertEqual(copies.count, 600)
        var halfPointRows = 0
        for (_, rows) in copies {
            XCTAssertEqual(rows.count, 3)
            let label = y[rows[0], 0]
            let z = 4 * Double(s0[rows[0], 0]) + Double(t0[rows[0], 0])
            for i in rows {
                XCTAssertEqual(y[i, 0], label)
                XCTAssertEqual(label == 0 ? t0[i, 0] : t1[i, 0], label == 0 ? t0[rows[0], 0] : t1[rows[0], 0])
                let a = Double(t0[i, 0]), b = Double(t1[i, 0])
                if (label == 0 ? b : a) == 0.5 { halfPointRows += 1 }
                let logR = ((z - b) * (z - b) - (z - a) * (z - a)) / 8
                XCTAssertEqual(log(Double(r[i, 0])), logR, accuracy: 1e-4 * max(1, abs(logR)))
                XCTAssertEqual(Double(s0[i, 0]), (z - a) / 4, accuracy: 1e-5 * max(1, abs(z)))
                XCTAssertEqual(Double(s1[i, 0]), (z - b) / 4, accuracy: 1e-5 * max(1, abs(z)))
            }
        }
        XCTAssertEqual(halfPointRows, 600, "one copy of every event pairs it with the additional point 0.5")
        XCTAssertEqual(y.storage.filter { $0 == 1 }.count, 900)
    }

    /// The weighted toy through the pool → morphing → resampling path: every row's r_xz and t_xz
    /// equal the closed forms at its x (= z) and θ0 (Float32 storage: 1e-4 relative).
    func testRatio_weightedToyPrior_goldMatchesClosedForm() throws {
        let sim = QuadraticToyWeightedSimulator()
        let request = AugmentationRequest(kind: .ratio, theta0: .prior([.flat(nil)]), theta1: .point([0]), count: 4000,
                                          validationFraction: 0.25, seed: 9, priorPointCount: 20)
        let samples = try SampleAugmenter(simulator: sim).augment(request)
        let ess = try XCTUnwrap(samples.minimumEffectiveSampleSize)
        XCTAssertGreaterThan(ess, 500)   // pools ≥ 4000 events; weights vary by at most a factor (2/1)² = 4, so ESS ≥ pool/4 ≥ 1000
        for split in samples.splits {
            let x = split.array("x")!, th0 = split.array("theta0")!, r = split.array("r_xz")!, t = split.array("t_xz")!
            let y = split.array("y")!
            var meanX1 = 0.0, n1 = 0.0
            for i in 0..<split.count {
                let z = Double(x[i, 0]), a = Double(th0[i, 0])
                let expectedR = (1 + a * z) * (1 + a * z) / QuadraticToyWeightedSimulator.sigma(a) / (1 / QuadraticToyWeightedSimulator.sigma(0))
                XCTAssertEqual(Double(r[i, 0]), expectedR, accuracy: 1e-4 * expectedR)
                XCTAssertEqual(Double(t[i, 0]), 2 * z / (1 + a * z) - (1 + 2 * a / 3) / QuadraticToyWeightedSimulator.sigma(a), accuracy: 1e-4)
                XCTAssertTrue((-1...1).contains(a))
                if y[i, 0] == 1 { meanX1 += z; n1 += 1 }
            }
            // Events unweighted to θ1 = 0 follow U(0, 1): mean 1/2, sd 1/√12; 4 standard errors.
            meanX1 /= n1
            XCTAssertEqual(meanX1, 0.5, accuracy: 4 / (12.0 * n1).squareRoot(), split.name)
        }
    }

    /// drell-yan through the weighted path: E[r(x,z) | x ~ θ1] = 1 and E[1/r(x,z) | x ~ θ0] = 1. Resampling
    /// n events from a pool of effective size ESS has variance ≈ sd²·(1/n + 1/ESS), so the tolerance is
    /// 4·sd·√(1/n + 1/ESS). Also E[t(x,z|θ0) | x ~ θ0] = 0 with the same tolerance. θ0 and θ1 are opposite
    /// corners of the range so that swapping them (r ↔ 1/r) moves the means by 2–3 tolerances.
    func testRatio_drellYanPoints_goldIdentitiesHold() throws {
        let sim = try DrellYanSimulator()
        let samples = try SampleAugmenter(simulator: sim)
            .augment(AugmentationRequest(kind: .ratio, theta0: .point([0.1, 0.1]), theta1: .point([-0.1, -0.1]), count: 20000, seed: 12))
        let ess = try XCTUnwrap(samples.minimumEffectiveSampleSize)
        let split = samples.splits[0]
        let y = split.array("y")!, r = split.array("r_xz")!, t = split.array("t_xz")!
        func check(_ values: [Double], _ expected: Double, _ label: String) {
            let n = Double(values.count), mean = values.reduce(0, +) / n
            let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
            XCTAssertEqual(mean, expected, accuracy: 4 * sd * (1 / n + 1 / ess).squareRoot(), label)
        }
        var r1: [Double] = [], inverse0: [Double] = [], t0: [Double] = [], t1: [Double] = []
        for i in 0..<split.count {
            if y[i, 0] == 1 { r1.append(Double(r[i, 0])) } else {
                inverse0.append(1 / Double(r[i, 0])); t0.append(Double(t[i, 0])); t1.append(Double(t[i, 1]))
            }
        }
        XCTAssertEqual(r1.count, 10000)
        check(r1, 1, "E[r | θ1]")
        check(inverse0, 1, "E[1/r | θ0]")
        check(t0, 0, "E[t_0 | θ0]")
        check(t1, 0, "E[t_1 | θ0]")
    }

    /// Unweighting the toy's uniform pool to θ = 1 must give p(z|1) = (1+z)²/(7/3), whose mean is
    /// (1/2 + 2/3 + 1/4)/(7/3) = 17/28 and variance E[z²] − (17/28)² = (31/30)/(7/3) − (17/28)².
    /// Tolerance 4·sd·√(1/n + 1/ESS) (resampling from a finite pool, see the drell-yan test).
    func testLocal_weightedToyAtOne_followsTargetDensity() throws {
        let samples = try SampleAugmenter(simulator: QuadraticToyWeightedSimulator())
            .augment(AugmentationRequest(kind: .local, theta0: .point([1]), count: 20000, seed: 21))
        let ess = try XCTUnwrap(samples.minimumEffectiveSampleSize)
        let x = samples.splits[0].array("x")!.storage.map(Double.init)
        let mean = x.reduce(0, +) / Double(x.count)
        let variance = (1.0 / 3 + 2.0 / 4 + 1.0 / 5) / (7.0 / 3) - (17.0 / 28) * (17.0 / 28)
        XCTAssertEqual(mean, 17.0 / 28, accuracy: 4 * variance.squareRoot() * (1 / Double(x.count) + 1 / ess).squareRoot())
    }

    func testBenchmarks_weightedToy_thetasAreBasisPoints() throws {
        let sim = QuadraticToyWeightedSimulator()
        let basis = Matrix<Double>(rows: 3, columns: 1, storage: [-1, 0, 1])
        let request = AugmentationRequest(kind: .density, theta0: .benchmarks, count: 300, seed: 1)
        let samples = try SampleAugmenter(simulator: sim, basis: basis).augment(request)
        let theta = samples.splits[0].array("theta")!
        var seen: [Float: Int] = [:]
        for i in 0..<theta.rows { seen[theta[i, 0], default: 0] += 1 }
        XCTAssertEqual(seen, [-1: 100, 0: 100, 1: 100])
    }

    // MARK: local, density, test

    /// SALLY sample at θ_ref = 2: E[t(x,z)|x] = (x − 2)/5, so the mean of t − (x−2)/5 is 0 (3 standard errors).
    func testLocal_gaussian_scoreIsUnbiased() throws {
        let samples = try SampleAugmenter(simulator: GaussianSimulator())
            .augment(AugmentationRequest(kind: .local, theta0: .point([2]), count: 20000, seed: 5))
        let split = samples.splits[0]
        XCTAssertEqual(split.arrays.map(\.name), ["x", "theta", "t_xz"])
        let x = split.array("x")!, t = split.array("t_xz")!
        var sum = 0.0, sumSquares = 0.0
        for i in 0..<split.count {
            let d = Double(t[i, 0]) - (Double(x[i, 0]) - 2) / 5
            sum += d; sumSquares += d * d
        }
        let n = Double(split.count), mean = sum / n
        XCTAssertLessThan(abs(mean), 3 * ((sumSquares / n - mean * mean) / (n - 1)).squareRoot())
    }

    /// Density sample over a flat prior: θ stays in the prior's range and splits share no event
    /// (x is continuous, so a shared value would mean a reused event).
    func testDensity_gaussianPrior_splitsDisjointAndThetaInPrior() throws {
        let spec = try ThetaSpecification.parse("prior:flat(-2;3)", field: "theta")
        let samples = try SampleAugmenter(simulator: GaussianSimulator())
            .augment(AugmentationRequest(kind: .density, theta0: spec, count: 3000, validationFraction: 0.2,
                                         testFraction: 0.2, seed: 77, priorPointCount: 50))
        var owner: [Float: String] = [:]
        for split in samples.splits {
            let x = split.array("x")!, theta = split.array("theta")!
            for i in 0..<split.count {
                XCTAssertTrue((-2...3).contains(theta[i, 0]))
                if let other = owner[x[i, 0]], other != split.name { XCTFail("x = \(x[i, 0]) in \(other) and \(split.name)") }
                owner[x[i, 0]] = split.name
            }
        }
        XCTAssertEqual(samples.splits.map(\.count), [1800, 600, 600])
    }

    /// Explicit points: events spread evenly over them, and a point outside the range is refused.
    func testDensity_gaussianExplicitPoints_evenlySpread() throws {
        let spec = try ThetaSpecification.parse("points:-1;0.5;2", field: "theta")
        let samples = try SampleAugmenter(simulator: GaussianSimulator())
            .augment(AugmentationRequest(kind: .density, theta0: spec, count: 301, seed: 4))
        var seen: [Float: Int] = [:]
        for v in samples.splits[0].array("theta")!.storage { seen[v, default: 0] += 1 }
        XCTAssertEqual(seen, [-1: 101, 0.5: 100, 2: 100])
        XCTAssertThrowsError(try SampleAugmenter(simulator: GaussianSimulator()).augment(
            AugmentationRequest(kind: .density, theta0: .parse("points:0;11", field: "theta"), count: 10, seed: 1))) { error in
            XCTAssertEqual((error as? SBIError)?.field, "theta")
        }
    }

    /// A single θ with many events: with pool factor 1 the pool's ESS (≈ 0.86 of its size for drell-yan
    /// at the SM) is below the 5000 events, so the pool is regenerated once, larger, until it covers them.
    func testLocal_drellYan_poolGrowsToCoverEvents() throws {
        let samples = try SampleAugmenter(simulator: try DrellYanSimulator())
            .augment(AugmentationRequest(kind: .local, theta0: .point([0, 0]), count: 5000, seed: 2, poolFactor: 1))
        let ess = try XCTUnwrap(samples.minimumEffectiveSampleSize)
        XCTAssertGreaterThanOrEqual(ess, 5000)
        XCTAssertLessThan(ess, 5000 * 1.3)   // grown once with a 5 % margin, not needlessly large
        XCTAssertLessThanOrEqual(try XCTUnwrap(samples.maximumDrawsPerEffectiveEvent), 1)
    }

    /// For weighted simulators each split has its own pool: no latent event appears in two splits.
    func testSplits_weightedToy_disjointPools() throws {
        let samples = try SampleAugmenter(simulator: QuadraticToyWeightedSimulator())
            .augment(AugmentationRequest(kind: .local, theta0: .point([0.5]), count: 2000, validationFraction: 0.5, seed: 3))
        let train = Set(samples.splits[0].array("x")!.storage), validation = Set(samples.splits[1].array("x")!.storage)
        XCTAssertTrue(train.isDisjoint(with: validation))
    }

    func testTest_gaussian_logPMatchesExactLikelihood() throws {
        let samples = try SampleAugmenter(simulator: GaussianSimulator())
            .augment(AugmentationRequest(kind: .test, theta0: .point([-1.5]), count: 500, seed: 2))
        XCTAssertEqual(samples.fileNames, ["x_test.npy", "theta_test.npy", "log_p_x_test.npy"])
        let split = samples.splits[0]
        let x = split.array("x")!, lp = split.array("log_p_x")!
        for i in 0..<split.count {
            let d = Double(x[i, 0]) + 1.5
            let expected = -0.5 * log(2 * Double.pi * 5) - d * d / 10
            XCTAssertEqual(Double(lp[i, 0]), expected, accuracy: 1e-5 * max(1, abs(expected)))  // Float32 storage
        }
    }

    /// Progress advances by exactly the number of events, over all splits, for both event sources.
    func testAugment_progress_countsEveryEvent() throws {
        for simulator in [GaussianSimulator() as any Simulator, QuadraticToyWeightedSimulator()] {
            let reporter = ProgressReporter(stage: "augment", total: 1000, unit: "events", quiet: true, isTerminal: false)
            _ = try SampleAugmenter(simulator: simulator).augment(
                AugmentationRequest(kind: .ratio, theta0: .prior([.flat(nil)]), theta1: .point([0]), count: 1000,
                                    validationFraction: 0.3, seed: 1, priorPointCount: 30), progress: reporter)
            XCTAssertEqual(reporter.step, 1000, simulator.name)
        }
    }

    // MARK: files

    func testWrite_ratioSplits_madMinerNamesShapesFloat32() throws {
        let folder = temporaryFolder(self) + "/nested/out"
        let samples = try SampleAugmenter(simulator: GaussianSimulator())
            .augment(AugmentationRequest(kind: .ratio, theta0: .prior([.flat(nil)]), theta1: .point([0]), count: 101,
                                         validationFraction: 0.1, seed: 4))
        let paths = try samples.write(to: folder)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: folder)), Set(samples.fileNames))
        XCTAssertEqual(paths.count, 12)
        for (name, width) in [("x", 1), ("theta0", 1), ("theta1", 1), ("y", 1), ("r_xz", 1), ("t_xz", 1)] {
            let train = try NPYFile.read(folder + "/\(name)_train.npy")
            XCTAssertEqual(train.shape, [91, width], name)
            XCTAssertEqual(train.dtype, .float32)
            XCTAssertEqual(try NPYFile.read(folder + "/\(name)_validation.npy").shape, [10, width])
        }
    }

    // MARK: bad input

    /// Every invalid request throws a clear error before anything is written.
    func testBadInput_clearErrorsAndNothingWritten() throws {
        let folder = temporaryFolder(self)
        func expectError(_ simulator: any Simulator, basis: Matrix<Double>? = nil, _ request: AugmentationRequest,
                         kind: SBIError.Kind, field: String?, line: UInt = #line) {
            XCTAssertThrowsError(try SampleAugmenter(simulator: simulator, basis: basis).augment(request).write(to: folder),
                                 line: line) { error in
                let e = error as? SBIError
                XCTAssertEqual(e?.kind, kind, "\(error)", line: line)
                if let field { XCTAssertEqual(e?.field, field, "\(error)", line: line) }
                if kind == .numerical { XCTAssertTrue(e?.message.contains("negative") ?? false || field == "basis", "\(error)", line: line) }
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder), "something was written", line: line)
        }
        let gaussian = GaussianSimulator()
        expectError(gaussian, AugmentationRequest(kind: .ratio, theta0: .point([20]), theta1: .point([0]), count: 10, seed: 1),
                    kind: .data, field: "theta0")
        expectError(gaussian, AugmentationRequest(kind: .density, theta0: .point([0]), count: 0, seed: 1), kind: .data, field: "count")
        expectError(gaussian, AugmentationRequest(kind: .ratio, theta0: .point([0]), count: 10, seed: 1), kind: .data, field: "theta1")
        expectError(gaussian, AugmentationRequest(kind: .local, theta0: .prior([.flat(nil)]), count: 10, seed: 1), kind: .data, field: "theta")
        expectError(gaussian, AugmentationRequest(kind: .density, theta0: .benchmarks, count: 10, seed: 1), kind: .data, field: "theta0")
        expectError(gaussian, AugmentationRequest(kind: .density, theta0: .point([0]), count: 10, validationFraction: 0.6,
                                                  testFraction: 0.5, seed: 1), kind: .data, field: "validationFraction")
        expectError(gaussian, AugmentationRequest(kind: .density, theta0: .prior([.flat(-20...0)]), count: 10, seed: 1),
                    kind: .data, field: "theta")
        let singular = Matrix<Double>(rows: 3, columns: 1, storage: [0.5, 0.5, 0.1])
        expectError(QuadraticToyWeightedSimulator(), basis: singular,
                    AugmentationRequest(kind: .density, theta0: .point([0]), count: 10, seed: 1), kind: .numerical, field: "basis")
        expectError(NegativeWeightToySimulator(), AugmentationRequest(kind: .test, theta0: .point([1]), count: 10, seed: 1),
                    kind: .numerical, field: nil)
        XCTAssertThrowsError(try SampleKind.parse("ration")) { error in
            XCTAssertEqual("\(error)", "kind: unknown sample kind \"ration\"; expected one of ratio, more_ratios, local, density, test")
        }
    }

    func testThetaSpecification_parse_formsAndErrors() throws {
        XCTAssertEqual(try ThetaSpecification.parse("point:1.5,-2", field: "t"), .point([1.5, -2]))
        XCTAssertEqual(try ThetaSpecification.parse("benchmarks", field: "t"), .benchmarks)
        XCTAssertEqual(try ThetaSpecification.parse("points:0,1;2,3", field: "t"),
                       .points(Matrix(rows: 2, columns: 2, storage: [0, 1, 2, 3])))
        XCTAssertEqual(try ThetaSpecification.parse("prior:flat,gaussian(0;0.5)", field: "t"),
                       .prior([.flat(nil), .gaussian(mean: 0, standardDeviation: 0.5)]))
        for bad in ["point:", "point:a", "points:1;2,3", "points:", "prior:gauss(0;1)", "prior:gaussian(0;-1)", "prior:flat(2;1)", "bench"] {
            XCTAssertThrowsError(try ThetaSpecification.parse(bad, field: "--theta0")) { error in
                XCTAssertEqual((error as? SBIError)?.field, "--theta0", bad)
            }
        }
    }

    // MARK: unweighting

    func testUnweighting_essAndFrequencies() throws {
        XCTAssertEqual(Unweighting.effectiveSampleSize([1, 1, 1, 1]), 4)
        XCTAssertEqual(Unweighting.effectiveSampleSize([3, 0, 0]), 1)
        XCTAssertEqual(Unweighting.effectiveSampleSize([1, 2]), 9.0 / 5)
        // Frequencies ∝ weights [1, 2, 7] over 100 000 draws: binomial sd ≤ 0.0016, 5 sd tolerance.
        let picks = try Unweighting.resample(weights: [1, 2, 7], count: 100_000, random: SeededRandom(seed: 1))
        var counts = [0, 0, 0]
        for p in picks { counts[p] += 1 }
        for (i, p) in [0.1, 0.2, 0.7].enumerated() { XCTAssertEqual(Double(counts[i]) / 100_000, p, accuracy: 0.008) }
        XCTAssertThrowsError(try Unweighting.resample(weights: [1, -1], count: 1, random: SeededRandom(seed: 1)))
    }
}

extension AugmentationTests {
    /// Event shards (ranges of θ sets, each with its own stream) written to disk, then joined and shuffled
    /// by `mergeEventShards` in blocks of 100 rows, give the files of one `augment` call byte for byte:
    /// ratio samples with train/validation/test splits and prior θ0, density and more_ratios samples, for 1, 2 and 7
    /// shards (7 leaves some shards of the 5-set validation split empty).
    func testEventShards_mergedFromDisk_equalTheWholeSamplesFiles() throws {
        let folder = NSTemporaryDirectory() + "sbi-event-shards-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let augmenter = SampleAugmenter(simulator: GaussianSimulator())
        XCTAssertTrue(augmenter.supportsEventShards)
        let requests = [
            AugmentationRequest(kind: .ratio, theta0: .prior([.flat(nil)]), theta1: .point([0]), count: 3001,
                                validationFraction: 0.1, testFraction: 0.1, seed: 5, priorPointCount: 40),
            AugmentationRequest(kind: .density, theta0: .prior([.flat(nil)]), count: 999, seed: 6, priorPointCount: 13),
            AugmentationRequest(kind: .moreRatios, theta0: .prior([.flat(nil)]), theta1: .prior([.flat(nil)]),
                                additionalThetas: [.prior([.flat(nil)]), .point([0.5])], count: 1001, validationFraction: 0.2, seed: 8,
                                priorPointCount: 17),
        ]
        for (r, request) in requests.enumerated() {
            let whole = folder + "/whole-\(r)"
            let files = try augmenter.augment(request).write(to: whole).map { URL(fileURLWithPath: $0).lastPathComponent }
            for count in [1, 2, 7] {
                let shards = try (0..<count).map { k -> String in
                    let path = folder + "/shard-\(r)-\(count)-\(k)"
                    try augmenter.augment(request, eventShard: k, of: count).write(to: path)
                    return path
                }
                let merged = folder + "/merged-\(r)-\(count)"
                try SampleAugmenter.mergeEventShards(folders: shards, request: request, into: merged, blockRows: 100)
                XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: merged).sorted(), files.sorted())
                for file in files {
                    XCTAssertEqual(FileManager.default.contents(atPath: merged + "/" + file), FileManager.default.contents(atPath: whole + "/" + file),
                                   "\(request.kind), \(count) shards: \(file)")
                }
            }
        }
        // Weighted simulators share one pool among the sets: no event shards.
        XCTAssertFalse(SampleAugmenter(simulator: try DrellYanSimulator()).supportsEventShards)
    }
}
