import Foundation
import SBICore
import XCTest
@testable import SBINetworks

final class LossTests: XCTestCase {
    /// Evaluates `loss` on explicit outputs/scores, returning (mean loss, ∂/∂f, ∂/∂t̂) with weight 1/B.
    private func run(_ loss: any NetworkLoss, f: [Float], tHat: [Float]? = nil, y: [Float]? = nil,
                     r: [Float]? = nil, t: Matrix<Float>? = nil) -> (Double, [Float], [Float]) {
        let b = f.count / max(1, t.map { loss is SALLYLoss ? $0.columns : 1 } ?? 1)
        let batch = TrainingBatch(x: Matrix(rows: b, columns: 1), y: y, rXZ: r, tXZ: t)
        var g = [Float](repeating: .nan, count: f.count)
        var gs = [Float](repeating: .nan, count: tHat?.count ?? 0)
        let value = f.withUnsafeBufferPointer { fp in
            g.withUnsafeMutableBufferPointer { gp in
                gs.withUnsafeMutableBufferPointer { gsp in
                    if let tHat {
                        return tHat.withUnsafeBufferPointer { tp in
                            loss.evaluate(output: fp, score: tp, batch: batch, rows: 0..<b, weight: 1 / Double(b),
                                          outputGradient: gp, scoreGradient: gsp)
                        }
                    }
                    return loss.evaluate(output: fp, score: nil, batch: batch, rows: 0..<b, weight: 1 / Double(b),
                                         outputGradient: gp, scoreGradient: nil)
                }
            }
        }
        return (value / Double(b), g, gs)
    }

    /// CARL at f = 0 (ŝ = ½) is log 2 for either label, with gradient y − ½ (closed form).
    func testCARL_zeroLogit_log2AndHalfGradient() {
        let (l, g, _) = run(CARLLoss(), f: [0, 0], y: [0, 1])
        XCTAssertEqual(l, log(2.0), accuracy: 1e-12)
        XCTAssertEqual(g, [-0.25, 0.25])  // (y − ½)/B, exact in binary
    }

    /// Huge logits: the softplus form gives exactly |f| for the wrong label and 0 for the right one,
    /// where log(ŝ) of a rounded ŝ would give ∞ (arXiv:1805.12244 trains with clipped log r̂).
    func testCARL_hugeLogits_finiteExactLoss() {
        let (l, g, _) = run(CARLLoss(), f: [1000, -1000], y: [0, 0])
        // y = 0 (θ0): r̂ = e^1000 is right (ℓ = 0), r̂ = e^−1000 is wrong (ℓ = 1000).
        XCTAssertEqual(l, 500, accuracy: 1e-9)
        XCTAssertEqual(g, [0, -0.5])
    }

    /// ALICE with r_xz = 1 has target ½: at f = 0 the loss is log 2 and the gradient 0;
    /// its minimum over f is at f = log r_xz (ŝ = s).
    func testALICE_targetFromJointRatio_minimumAtLogR() {
        let (l, g, _) = run(ALICELoss(), f: [0], r: [1])
        XCTAssertEqual(l, log(2.0), accuracy: 1e-12)
        XCTAssertEqual(g[0], 0, accuracy: 1e-7)
        let (_, g2, _) = run(ALICELoss(), f: [Float(log(3.0))], r: [3])
        XCTAssertEqual(g2[0], 0, accuracy: 1e-7)  // stationary at log r̂ = log r (Float rounding of log 3)
    }

    /// ROLR vanishes at r̂ = r_xz for both labels; beyond the ±10 clip its gradient is 0.
    func testROLR_exactRatio_zeroLossAndClippedGradient() {
        let (l, g, _) = run(ROLRLoss(), f: [Float(log(2.0)), Float(log(0.5))], y: [0, 1], r: [2, 0.5])
        XCTAssertEqual(l, 0, accuracy: 1e-12)
        XCTAssertEqual(g[0], 0, accuracy: 1e-6)
        XCTAssertEqual(g[1], 0, accuracy: 1e-6)
        let (lc, gc, _) = run(ROLRLoss(), f: [20], y: [1], r: [1])
        XCTAssertEqual(lc, pow(exp(10.0) - 1, 2), accuracy: 1e-6 * pow(exp(10.0), 2))  // r̂ = e^10
        XCTAssertEqual(gc[0], 0)
        // r_xz = 0 on a θ1 sample: the 1/r term has weight 0 and must not give 0·∞ = NaN.
        XCTAssertEqual(run(ROLRLoss(), f: [0], y: [1], r: [0]).0, 1, accuracy: 1e-12)
    }

    /// The score term counts only θ0 samples (y = 0) and averages over the P components:
    /// t̂ − t = (1, 2) on a y = 0 sample gives (1 + 4)/2 = 2.5; α scales it.
    func testScoreMSE_maskedByLabelAveragedOverComponents() {
        let t = Matrix<Float>(rows: 2, columns: 2, storage: [0, 0, 5, 5])
        let (l, g, gs) = run(ScoreMSELoss(alpha: 2), f: [0, 0], tHat: [1, 2, 0, 0], y: [0, 1], t: t)
        XCTAssertEqual(l, 2 * 2.5 / 2, accuracy: 1e-12)
        XCTAssertEqual(g, [0, 0])
        XCTAssertEqual(gs, [1, 2, 0, 0])  // 2α(1−y)(t̂ − t)/(P·B) = 2·2·d/4
    }

    /// CASCAL = CARL + α·score exactly (same batch, same outputs).
    func testCASCAL_isCARLPlusAlphaScore() {
        let t = Matrix<Float>(rows: 2, columns: 1, storage: [0.3, -1])
        let f: [Float] = [0.4, -0.7], tHat: [Float] = [1.1, 0.2], y: [Float] = [0, 1]
        let sum = run(CASCALLoss(alpha: 3), f: f, tHat: tHat, y: y, t: t).0
        let parts = run(CARLLoss(), f: f, y: y).0 + run(ScoreMSELoss(alpha: 3), f: f, tHat: tHat, y: y, t: t).0
        XCTAssertEqual(sum, parts, accuracy: 1e-12)
    }

    /// With the training θ's standard deviations σ, the score term compares σ_k·t̂_k with σ_k·t_k
    /// (MadMiner's standardised units): t̂ − t = (1, 2), σ = (2, 0.5) on a y = 0 sample gives
    /// (4·1 + 0.25·4)/2 = 2.5, α = 3 → 7.5 over a batch of 2 → 3.75 on top of ALICE's cross-entropy.
    func testALICES_scoreTermInStandardisedThetaUnits() {
        let t = Matrix<Float>(rows: 2, columns: 2, storage: [0, 0, 5, 5])
        let f: [Float] = [0.4, -0.7], y: [Float] = [0, 1], r: [Float] = [0.5, 2]
        let scaled = run(ALICESLoss(alpha: 3, parameterStd: [2, 0.5]), f: f, tHat: [1, 2, 0, 0], y: y, r: r, t: t)
        let ratioOnly = run(ALICELoss(), f: f, y: y, r: r).0
        XCTAssertEqual(scaled.0 - ratioOnly, 3.75, accuracy: 1e-9)
        XCTAssertEqual(scaled.2, [6, 0.75, 0, 0])  // 2α(1−y)σ²(t̂ − t)/(P·B) = 2·3·(4·1, 0.25·2)/4
    }

    /// SALLY: mean over components of (g − t)², no label mask.
    func testSALLY_meanSquaredErrorOverComponents() {
        let t = Matrix<Float>(rows: 1, columns: 2, storage: [1, 1])
        let (l, g, _) = run(SALLYLoss(), f: [2, 4], t: t)
        XCTAssertEqual(l, (1 + 9) / 2, accuracy: 1e-12)
        XCTAssertEqual(g, [1, 3])  // 2(g − t)/P
    }

    /// Missing or mis-shaped batch fields throw SBIError naming the field.
    func testValidate_missingFields_throwNamedField() {
        let arch = MLPArchitecture(nObservables: 2, nParameters: 1, hiddenSizes: [3], activation: .tanh)
        let x = Matrix<Float>(rows: 4, columns: 2)
        let theta = Matrix<Float>(rows: 4, columns: 1)
        func field(_ loss: any NetworkLoss, _ batch: TrainingBatch) -> String? {
            do { try loss.validate(batch, architecture: arch); return nil } catch let e as SBIError { return e.field } catch { return "?" }
        }
        XCTAssertEqual(field(CARLLoss(), TrainingBatch(x: x, theta: theta)), "y")
        XCTAssertEqual(field(CARLLoss(), TrainingBatch(x: x)), "theta")
        XCTAssertEqual(field(ALICELoss(), TrainingBatch(x: x, theta: theta, y: [0, 1, 0, 1])), "r_xz")
        XCTAssertEqual(field(ALICESLoss(), TrainingBatch(x: x, theta: theta, y: [0, 1, 0, 1], rXZ: [1, 1, 1, 1])), "t_xz")
        XCTAssertEqual(field(CARLLoss(), TrainingBatch(x: x, theta: theta, y: [0, 1])), "y")
        XCTAssertEqual(field(RASCALLoss(), TrainingBatch(x: x, theta: theta, y: [0, 1, 0, 1], rXZ: [1, 1, 1, 1],
                                                         tXZ: Matrix(rows: 4, columns: 2))), "t_xz")
        XCTAssertNil(field(CARLLoss(), TrainingBatch(x: x, theta: theta, y: [0, 1, 0, 1])))
    }

    /// A score loss on a network without θ inputs, or SALLY on one with θ inputs, is refused.
    func testObjective_mismatchedNetworkAndLoss_throws() {
        let random = SeededRandom(seed: 1)
        let plain = MLP(architecture: MLPArchitecture(nObservables: 2, nParameters: 0, hiddenSizes: [3], activation: .tanh), random: random)
        let param = MLP(architecture: MLPArchitecture(nObservables: 2, nParameters: 1, hiddenSizes: [3], activation: .tanh), random: random)
        XCTAssertThrowsError(try MLPObjective(network: plain, loss: ALICESLoss()))
        XCTAssertThrowsError(try MLPObjective(network: param, loss: SALLYLoss()))
        XCTAssertNoThrow(try MLPObjective(network: param, loss: CARLLoss()))
    }
}
