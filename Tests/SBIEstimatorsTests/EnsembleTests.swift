import Foundation
import XCTest
import SBICore
import SBINetworks
@testable import SBIEstimators

final class EnsembleTests: XCTestCase {
    /// Eigenvalues of a symmetric matrix by cyclic Jacobi rotations (test helper, small n).
    func symmetricEigenvalues(_ a: Matrix<Double>) -> [Double] {
        var m = a
        let n = m.rows
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<n { for q in (p + 1)..<n { off += m[p, q] * m[p, q] } }
            if off < 1e-24 { break }
            for p in 0..<n {
                for q in (p + 1)..<n where abs(m[p, q]) > 1e-300 {
                    let theta = (m[q, q] - m[p, p]) / (2 * m[p, q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let mkp = m[k, p], mkq = m[k, q]
                        m[k, p] = c * mkp - s * mkq
                        m[k, q] = s * mkp + c * mkq
                    }
                    for k in 0..<n {
                        let mpk = m[p, k], mqk = m[q, k]
                        m[p, k] = c * mpk - s * mqk
                        m[q, k] = s * mpk + c * mqk
                    }
                }
            }
        }
        return (0..<n).map { m[$0, $0] }
    }

    /// The ensemble mean against the exact log r(x|θ, 0) of the toy, for three ensemble seeds: its MSE
    /// over θ ∈ [−3, 3] and 500 events at θ = 1 stays below 0.10 (measured 0.067, 0.070, 0.068 for seeds
    /// 41–43, members 0.051–0.104: they share a bias that averaging cannot remove); the bound is 1.5× the
    /// measured, so a mis-wired ensemble (wrong members, a sign, a member's input scaling lost) fails. Then the ambiguity decomposition checks the spread that
    /// `logRatioMeanAndVariance` reports, and the covariance of summed log r is PSD.
    func testRatioEnsemble_toySetup_meanIsCloseToExactLogRatioAndCovarianceIsPSD() throws {
        // 5 CARL members on 10,000 toy rows (5,000 θ0), (20, 20) tanh, 10 epochs, seeds substream(k) of 41;
        // evaluated inside the training prior (θ ∈ [−3, 3]), where the members' error is mostly variance.
        let s = try GaussianToy.ratioSamples(pairs: 5_000, seed: 808)
        let data = try TrainingDataset(x: s.x, theta: s.theta0, y: s.y, rXZ: s.rXZ, tXZ: s.tXZ0)
        let ensemble = try RatioEnsemble.train(
            count: 5, seed: 41, method: .carl, data: data, network: NetworkSettings(hiddenSizes: [20, 20]),
            training: TrainingSettings(seed: 0, initialLearningRate: 3e-3, batchSize: 32, epochs: 10, validationFraction: 0),
            progress: { _ in ProgressReporter(stage: "t", total: nil, quiet: true) })
        XCTAssertEqual(Set(ensemble.members.map { $0.training!.seed }).count, 5, "derived seeds differ")
        let x = try GaussianToy.events(at: 1, count: 500, seed: 99)
        let thetas = GaussianToy.grid(-3, 3, 41)
        let memberMSE = try ensemble.members.map { GaussianToy.logRatioMSE(try $0.logRatio(x: x, thetas: thetas), x: x, thetas: thetas) }
        let ensembleMSE = GaussianToy.logRatioMSE(try ensemble.logRatio(x: x, thetas: thetas), x: x, thetas: thetas)
        XCTAssertLessThan(ensembleMSE, 0.10)
        for seed: UInt64 in [42, 43] {
            let other = try RatioEnsemble.train(
                count: 5, seed: seed, method: .carl, data: data, network: NetworkSettings(hiddenSizes: [20, 20]),
                training: TrainingSettings(seed: 0, initialLearningRate: 3e-3, batchSize: 32, epochs: 10, validationFraction: 0),
                progress: { _ in ProgressReporter(stage: "t", total: nil, quiet: true) })
            let mse = GaussianToy.logRatioMSE(try other.logRatio(x: x, thetas: thetas), x: x, thetas: thetas)
            XCTAssertLessThan(mse, 0.10, "ensemble seed \(seed)")
        }
        // "Typical member" = a member picked at random, whose expected MSE is the members' mean MSE.
        // Ambiguity decomposition (Krogh & Vedelsby 1995), an identity for squared errors:
        //   mean_m MSE_m = MSE(ensemble mean) + mean over grid of (1/M) Σ_m (f_m − f̄)²,
        // so the ensemble beats the typical member by exactly the members' spread (> 0 unless the
        // derived seeds failed to make them differ). Tolerance 1e-9: Double rounding of sums of 2·10⁴ terms.
        let typical = memberMSE.reduce(0, +) / 5
        let (_, spread) = try ensemble.logRatioMeanAndVariance(x: x, thetas: thetas)
        let ambiguity = spread.storage.reduce(0, +) / Double(spread.count) * 4 / 5
        XCTAssertEqual(typical, ensembleMSE + ambiguity, accuracy: 1e-9)
        XCTAssertGreaterThan(ambiguity, 1e-4)
        XCTAssertLessThan(ensembleMSE, typical)

        let (mean, covariance) = try ensemble.summedLogRatioCovariance(x: x, thetas: GaussianToy.grid(-3, 3, 8))
        XCTAssertEqual(mean.count, 8)
        for a in 0..<8 { for b in 0..<8 { XCTAssertEqual(covariance[a, b], covariance[b, a]) } }
        let eigen = symmetricEigenvalues(covariance)
        let trace = (0..<8).reduce(0.0) { $0 + covariance[$1, $1] }
        XCTAssertGreaterThan(trace, 0)
        // PSD up to rounding (relative 1e-10 of the trace); rank ≤ M − 1 = 4, so at least 4 eigenvalues ≈ 0.
        for e in eigen { XCTAssertGreaterThan(e, -1e-10 * trace) }
        XCTAssertGreaterThanOrEqual(eigen.filter { abs($0) <= 1e-9 * trace }.count, 4)

        let (m2, variance) = try ensemble.logRatioMeanAndVariance(x: x, thetas: thetas)
        XCTAssertEqual(m2, try ensemble.logRatio(x: x, thetas: thetas))
        XCTAssertTrue(variance.storage.allSatisfy { $0 >= 0 })

        // Members side by side in one folder; loading gives the same predictions.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sbi-est-\(getpid())-ensemble").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try ensemble.save(to: folder)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/member-4/weights.npy"))
        let loaded = try RatioEnsemble.load(from: folder)
        XCTAssertEqual(try loaded.logRatio(x: x, thetas: thetas), try ensemble.logRatio(x: x, thetas: thetas))
    }

    func testScoreEnsemble_covariancePerEvent_symmetricPSD() throws {
        // Three small SALLY members on 5,000 gaussian local samples; per-event 1×1 covariance ≥ 0
        // and equal to the members' sample variance.
        let x = Matrix<Float>(rows: 5000, columns: 1) { i, _ in Float(i % 100) / 25 - 2 }
        let t = Matrix<Float>(rows: 5000, columns: 1) { i, _ in x[i, 0] / 5 }
        let data = try TrainingDataset(x: x, tXZ: t)
        let ensemble = try ScoreEnsemble.train(count: 3, seed: 5, data: data, network: NetworkSettings(hiddenSizes: [8]),
                                               training: TrainingSettings(seed: 0, epochs: 2))
        let probe = Matrix<Double>(rows: 4, columns: 1, storage: [-1, 0, 0.5, 1.5])
        let (mean, cov) = try ensemble.scoreMeanAndCovariance(x: probe)
        let each = try ensemble.members.map { try $0.score(x: probe) }
        for i in 0..<4 {
            let v = each.map { $0[i, 0] }
            let mu = v.reduce(0, +) / 3
            XCTAssertEqual(mean[i, 0], mu, accuracy: 1e-12)
            XCTAssertEqual(cov[i, 0], v.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / 2, accuracy: 1e-12)
            XCTAssertGreaterThan(cov[i, 0], 0)
        }

        // An ensemble may replace a single model sbi wrote, and a single model the ensemble (re-training
        // with another member count into the same folder); a user's file in the folder stops both.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sbi-est-\(getpid())-swap").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try ensemble.members[0].save(to: folder)
        try ensemble.save(to: folder)
        XCTAssertEqual(try ScoreEnsemble.load(from: folder).members.count, 3)
        try ensemble.members[1].save(to: folder)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/" + EnsembleFolder.indexFile))
        try "notes".write(toFile: folder + "/notes.txt", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ensemble.save(to: folder))
        XCTAssertThrowsError(try ensemble.members[0].save(to: folder))
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/notes.txt"))
    }
}
