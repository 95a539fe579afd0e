import Foundation
import SBICore
import XCTest
@testable import SBINetworks

/// The losses written a second time, directly from arXiv:1805.12244, in
/// Double with the textbook forms (ŝ = 1/(1 + e^f), log of probabilities, r̂ = e^f).
/// The test data keep |f| well inside the ±10 clip, where both agree.
enum ReferenceLoss: CaseIterable {
    case carl, rolr, alice, scoreMSE, cascal, rascal, alices, sally

    static let alpha = 0.7

    var loss: any NetworkLoss {
        switch self {
        case .carl: return CARLLoss()
        case .rolr: return ROLRLoss()
        case .alice: return ALICELoss()
        case .scoreMSE: return ScoreMSELoss(alpha: ReferenceLoss.alpha)
        case .cascal: return CASCALLoss(alpha: ReferenceLoss.alpha)
        case .rascal: return RASCALLoss(alpha: ReferenceLoss.alpha)
        case .alices: return ALICESLoss(alpha: ReferenceLoss.alpha)
        case .sally: return SALLYLoss()
        }
    }

    /// ℓ of one sample; `f` the outputs, `tHat` ∂f/∂θ (or, for SALLY, the outputs again).
    func sample(f: [Double], tHat: [Double], y: Double, r: Double, t: [Double]) -> Double {
        func bce(_ target: Double) -> Double {
            let sHat = 1 / (1 + exp(f[0]))
            return -(target * log(sHat) + (1 - target) * log(1 - sHat))
        }
        func rolr() -> Double {
            let rHat = exp(f[0])
            return (1 - y) * pow(1 / rHat - 1 / r, 2) + y * pow(rHat - r, 2)
        }
        func mse(_ a: [Double]) -> Double {
            var s = 0.0
            for k in 0..<t.count { s += (a[k] - t[k]) * (a[k] - t[k]) }
            return s / Double(t.count)
        }
        var score: Double { ReferenceLoss.alpha * (1 - y) * mse(tHat) }
        switch self {
        case .carl: return bce(y)
        case .rolr: return rolr()
        case .alice: return bce(1 / (1 + r))
        case .scoreMSE: return score
        case .cascal: return bce(y) + score
        case .rascal: return rolr() + score
        case .alices: return bce(1 / (1 + r)) + score
        case .sally: return mse(f)
        }
    }
}

/// A network, a training batch with every field, and the reference mean loss.
struct GradientFixture {
    let fixture: NetworkFixture
    let batch: TrainingBatch
    let kind: ReferenceLoss

    init(kind: ReferenceLoss, activation: Activation, nParameters: Int = 2, batch size: Int = 8) {
        self.kind = kind
        let sally = kind == .sally
        fixture = NetworkFixture(activation: activation, nParameters: sally ? 0 : nParameters,
                                 outputSize: sally ? nParameters : 1, batch: size)
        let random = SeededRandom(seed: 99)
        let y = (0..<size).map { Float($0 % 2) }
        let r = (0..<size).map { _ in Float(exp(random.normal(standardDeviation: 0.7))) }
        let t = Matrix<Float>(rows: size, columns: nParameters) { _, _ in Float(random.normal()) }
        batch = TrainingBatch(x: fixture.x, theta: fixture.theta, y: y, rXZ: r, tXZ: t)
    }

    /// Mean reference loss at Double parameters `p`.
    func referenceLoss(_ p: [Double]) -> Double {
        let ref = fixture.reference
        var total = 0.0
        for i in 0..<batch.count {
            let (f, dTheta) = ref.evaluate(p, x: fixture.xRow(i), theta: fixture.thetaRow(i))
            total += kind.sample(f: f, tHat: dTheta, y: Double(batch.y![i]), r: Double(batch.rXZ![i]),
                                 t: batch.tXZ!.row(i).map(Double.init))
        }
        return total / Double(batch.count)
    }
}

final class GradientTests: XCTestCase {
    /// Analytic gradient of `MLPObjective` (Float32, values + tangents backprop) against central
    /// differences of the Double reference, for every parameter of every layer.
    ///
    /// Tolerance: |analytic − fd| ≤ 1e-4·|fd| + 1e-6·‖fd‖∞. The first term is the asked
    /// relative 1e-4; the second covers Float32 rounding in components that are sums of
    /// cancelling O(‖fd‖∞) terms (ε_f ≈ 6e-8 times a few dozen terms). The central
    /// difference with h = 1e-6 in Double has error ~h² + 1e-16/h ≈ 1e-10.
    private func checkParameterGradient(_ kind: ReferenceLoss, file: StaticString = #filePath, line: UInt = #line) throws {
        for activation in Activation.allCases {
            let g = GradientFixture(kind: kind, activation: activation)
            let objective = try MLPObjective(network: g.fixture.network, loss: kind.loss)
            try kind.loss.validate(g.batch, architecture: g.fixture.network.architecture)
            var analytic = [Float](repeating: .nan, count: objective.parameterCount)
            let value = analytic.withUnsafeMutableBufferPointer { objective.lossAndGradient(g.batch, gradient: $0) }
            let p = g.fixture.doubleParameters
            let referenceValue = g.referenceLoss(p)
            // Loss values: Float32 forward, Double loss: agreement to ~1e-6 relative.
            XCTAssertEqual(value, referenceValue, accuracy: 1e-5 * max(1, abs(referenceValue)),
                           "\(kind) \(activation) loss", file: file, line: line)
            XCTAssertEqual(objective.loss(g.batch), value, accuracy: 1e-6 * max(1, abs(value)),
                           "\(kind) \(activation) loss() vs lossAndGradient", file: file, line: line)
            var fd = [Double](repeating: 0, count: p.count)
            for j in 0..<p.count {
                let h = 1e-6
                var plus = p, minus = p
                plus[j] += h
                minus[j] -= h
                fd[j] = (g.referenceLoss(plus) - g.referenceLoss(minus)) / (2 * h)
            }
            let scale = fd.map(abs).max() ?? 0
            XCTAssertGreaterThan(scale, 1e-3, "\(kind) \(activation): gradient vanishes, test would be vacuous", file: file, line: line)
            var worst = 0.0
            for j in 0..<p.count {
                let error = abs(Double(analytic[j]) - fd[j])
                let tolerance = 1e-4 * abs(fd[j]) + 1e-6 * scale
                worst = max(worst, error / tolerance)
                if error > tolerance {
                    XCTFail("\(kind) \(activation): ∂L/∂p[\(j)] = \(analytic[j]), finite difference \(fd[j])", file: file, line: line)
                    break
                }
            }
        }
    }

    func testCARLGradient_everyActivation_matchesCentralDifferences() throws { try checkParameterGradient(.carl) }
    func testROLRGradient_everyActivation_matchesCentralDifferences() throws { try checkParameterGradient(.rolr) }
    func testALICEGradient_everyActivation_matchesCentralDifferences() throws { try checkParameterGradient(.alice) }
    func testScoreMSEGradient_everyActivation_matchesCentralDifferences() throws { try checkParameterGradient(.scoreMSE) }
    func testCASCALGradient_everyActivation_matchesCentralDifferences() throws { try checkParameterGradient(.cascal) }
    func testRASCALGradient_everyActivation_matchesCentralDifferences() throws { try checkParameterGradient(.rascal) }
    func testALICESGradient_everyActivation_matchesCentralDifferences() throws { try checkParameterGradient(.alices) }
    func testSALLYGradient_everyActivation_matchesCentralDifferences() throws { try checkParameterGradient(.sally) }

    /// Forward-mode ∂f/∂θ (Float) against central differences of the Double reference in raw θ,
    /// two parameters and two outputs, non-trivial input scaling.
    /// Tolerance 1e-4 relative + 1e-6 absolute: Float32 tangents of O(1) values (~1e-6 error).
    func testThetaTangents_everyActivation_matchFiniteDifferencesInTheta() {
        for activation in Activation.allCases {
            let fx = NetworkFixture(activation: activation, outputSize: 2)
            let net = fx.network
            let ws = MLPWorkspace(architecture: net.architecture, batchCapacity: fx.x.rows, thetaTangents: true)
            fx.x.withUnsafeBufferPointer { xp in
                fx.theta!.withUnsafeBufferPointer { tp in
                    net.forward(x: xp, theta: tp, count: fx.x.rows, thetaTangents: true, workspace: ws)
                }
            }
            var tangents = [Float](repeating: 0, count: fx.x.rows * 4)
            tangents.withUnsafeMutableBufferPointer { net.thetaGradient(workspace: ws, into: $0) }
            let p = fx.doubleParameters
            for i in 0..<fx.x.rows {
                for k in 0..<2 {
                    let h = 1e-6
                    var plus = fx.thetaRow(i), minus = fx.thetaRow(i)
                    plus[k] += h
                    minus[k] -= h
                    let fp = fx.reference.evaluate(p, x: fx.xRow(i), theta: plus).f
                    let fm = fx.reference.evaluate(p, x: fx.xRow(i), theta: minus).f
                    for o in 0..<2 {
                        let fd = (fp[o] - fm[o]) / (2 * h)
                        XCTAssertEqual(Double(tangents[(i * 2 + o) * 2 + k]), fd, accuracy: 1e-4 * abs(fd) + 1e-6,
                                       "\(activation) ∂f_\(o)/∂θ_\(k) sample \(i)")
                    }
                }
            }
        }
    }

    /// Reverse-mode ∂f/∂(x, θ) from `backward(inputGradient:)` against central differences in
    /// raw x and θ, and its θ part against the forward-mode tangents (two independent routes).
    /// Tolerances as in the θ-tangent test (Float32 derivatives of O(1) values).
    func testInputGradient_everyActivation_matchesFiniteDifferencesAndForwardMode() {
        for activation in Activation.allCases {
            let fx = NetworkFixture(activation: activation, outputSize: 2)
            let net = fx.network
            let n = fx.x.rows, nIn = 5
            let ws = MLPWorkspace(architecture: net.architecture, batchCapacity: n, thetaTangents: true)
            for o in 0..<2 {
                var seed = [Float](repeating: 0, count: n * 2)
                for i in 0..<n { seed[i * 2 + o] = 1 }
                var inputGradient = [Float](repeating: .nan, count: n * nIn)
                var tangents = [Float](repeating: 0, count: n * 4)
                fx.x.withUnsafeBufferPointer { xp in
                    fx.theta!.withUnsafeBufferPointer { tp in
                        net.forward(x: xp, theta: tp, count: n, thetaTangents: true, preparingBackward: true, workspace: ws)
                    }
                }
                tangents.withUnsafeMutableBufferPointer { net.thetaGradient(workspace: ws, into: $0) }
                seed.withUnsafeBufferPointer { s in
                    inputGradient.withUnsafeMutableBufferPointer { ig in
                        net.backward(outputGradient: s, scoreGradient: nil, workspace: ws, parameterGradient: nil, inputGradient: ig)
                    }
                }
                let p = fx.doubleParameters
                for i in 0..<n {
                    for j in 0..<nIn {
                        let h = 1e-6
                        var xp = fx.xRow(i), xm = fx.xRow(i), tp = fx.thetaRow(i), tm = fx.thetaRow(i)
                        if j < 3 { xp[j] += h; xm[j] -= h } else { tp[j - 3] += h; tm[j - 3] -= h }
                        let fd = (fx.reference.evaluate(p, x: xp, theta: tp).f[o] - fx.reference.evaluate(p, x: xm, theta: tm).f[o]) / (2 * h)
                        XCTAssertEqual(Double(inputGradient[i * nIn + j]), fd, accuracy: 1e-4 * abs(fd) + 1e-6,
                                       "\(activation) ∂f_\(o)/∂input_\(j) sample \(i)")
                        if j >= 3 {
                            // Forward and reverse mode sum the same products in different orders: Float32 rounding only.
                            XCTAssertEqual(inputGradient[i * nIn + j], tangents[(i * 2 + o) * 2 + (j - 3)],
                                           accuracy: 1e-5 * max(1, abs(tangents[(i * 2 + o) * 2 + (j - 3)])))
                        }
                    }
                }
            }
        }
    }
}
