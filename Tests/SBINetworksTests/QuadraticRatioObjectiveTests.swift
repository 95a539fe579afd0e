import SBICore
import XCTest
@testable import SBINetworks

/// The morphing-aware (quadratic-form) ratio head: its loss gradient against finite differences, and the
/// structure of the ratio it defines.
final class QuadraticRatioObjectiveTests: XCTestCase {
    /// A network x (2) → 5 entries of L for 2 parameters, weights ×2 so that L is far from its start.
    private func objective(_ loss: any NetworkLoss, seed: UInt64 = 5) throws -> QuadraticRatioObjective {
        let architecture = MLPArchitecture(nObservables: 2, nParameters: 0, hiddenSizes: [6, 5], activation: .tanh,
                                           outputSize: QuadraticRatioForm.entryCount(parameterCount: 2))
        var network = MLP(architecture: architecture, random: SeededRandom(seed: seed))
        network.parameters = network.parameters.map { 2 * $0 }
        return try QuadraticRatioObjective(network: network, loss: loss, reference: [0.2, -0.1], scale: [0.8, 1.3],
                                           normalization: [0.3, 0.9, -0.2, 0.4, 1.1])
    }

    private func batch(rows: Int = 8, seed: UInt64 = 13) -> TrainingBatch {
        let random = SeededRandom(seed: seed)
        return TrainingBatch(x: Matrix(rows: rows, columns: 2) { _, _ in Float(random.normal()) },
                             theta: Matrix(rows: rows, columns: 2) { _, _ in Float(random.uniform(-1.5, 1.5)) },
                             y: (0..<rows).map { Float($0 % 2) },
                             rXZ: (0..<rows).map { _ in Float(exp(random.normal())) },
                             tXZ: Matrix(rows: rows, columns: 2) { _, _ in Float(random.normal()) })
    }

    /// Every weight's and every normalisation entry's analytic gradient equals central finite differences of the
    /// mean loss (step 10⁻³ in Float32 weights: tolerance 3·10⁻³ + 3 %, as for the flows), for a loss on log r̂
    /// only (CARL, ALICE) and with the score term through t̂ = ∇_θ log r̂ (ALICES, RASCAL, α = 0.7).
    func testGradient_everyLoss_matchesFiniteDifferences() throws {
        for loss in [CARLLoss(), ALICELoss(), ALICESLoss(alpha: 0.7), RASCALLoss(alpha: 0.7)] as [any NetworkLoss] {
            let objective = try objective(loss)
            let data = batch()
            try objective.validate(data)
            var gradient = [Float](repeating: .nan, count: objective.parameterCount)
            let value = gradient.withUnsafeMutableBufferPointer { objective.lossAndGradient(data, gradient: $0) }
            XCTAssertEqual(value, objective.loss(data), accuracy: 1e-6 * abs(value), "\(loss)")
            let h: Float = 1e-3
            var largest = 0.0
            for i in 0..<objective.parameterCount {
                let saved = objective.withParameters { $0[i] }
                objective.withParameters { $0[i] = saved + h }
                let up = objective.loss(data)
                objective.withParameters { $0[i] = saved - h }
                let down = objective.loss(data)
                objective.withParameters { $0[i] = saved }
                let numeric = (up - down) / Double(2 * h)
                largest = max(largest, abs(numeric))
                XCTAssertEqual(Double(gradient[i]), numeric, accuracy: 3e-3 + 0.03 * abs(numeric), "\(loss) parameter \(i) of \(objective.parameterCount)")
            }
            XCTAssertGreaterThan(largest, 0.05, "\(loss): the check saw real gradients")
        }
    }

    /// R(x|θ) = |Lᵀv|² with v = (1, (θ − θ_ref)/s): 1 at θ_ref and a quadratic polynomial in θ, so its second
    /// differences along any line are the same wherever they are taken (to rounding), and it is never negative.
    func testForm_isOneAtReference_quadraticInTheta_andNonNegative() {
        let m = 3, s = [0.8, 1.3], ref = [0.2, -0.1]
        let entries: [Float] = [0.7, -1.2, 0.4, 2.1, -0.9]
        var l = [Double](repeating: 0, count: m * m), u = [Double](repeating: 0, count: m), w = u
        entries.withUnsafeBufferPointer { QuadraticRatioForm.fill($0.baseAddress!, into: &l, m: m) }
        func r(_ theta: [Double]) -> Double {
            let v = [1, (theta[0] - ref[0]) / s[0], (theta[1] - ref[1]) / s[1]]
            return QuadraticRatioForm.value(l: l, v: v, m: m, u: &u, w: &w) - QuadraticRatioForm.floor
        }
        XCTAssertEqual(r(ref), 1, accuracy: 1e-15)
        let direction = [0.6, -0.8], h = 0.5
        var seconds: [Double] = []
        for t in stride(from: -6.0, through: 6.0, by: 1.5) {
            let at = { (k: Double) in [ref[0] + (t + k * h) * direction[0], ref[1] + (t + k * h) * direction[1]] }
            seconds.append(r(at(1)) - 2 * r(at(0)) + r(at(-1)))
            XCTAssertGreaterThanOrEqual(r(at(0)), 0)
        }
        for d in seconds { XCTAssertEqual(d, seconds[0], accuracy: 1e-9 * max(1, abs(seconds[0]))) }
        XCTAssertGreaterThan(abs(seconds[0]), 0.1, "a genuinely quadratic form")
    }

    /// A network with θ inputs, a wrong output count, or a non-positive scale is refused, naming the field.
    func testInit_badShapes_areRefused() throws {
        let loss = CARLLoss()
        let withTheta = MLP(architecture: MLPArchitecture(nObservables: 2, nParameters: 2, hiddenSizes: [4], activation: .tanh, outputSize: 5),
                            random: SeededRandom(seed: 1))
        XCTAssertThrowsError(try QuadraticRatioObjective(network: withTheta, loss: loss, reference: [0, 0], scale: [1, 1]))
        let wrongOutputs = MLP(architecture: MLPArchitecture(nObservables: 2, nParameters: 0, hiddenSizes: [4], activation: .tanh, outputSize: 4),
                               random: SeededRandom(seed: 1))
        XCTAssertThrowsError(try QuadraticRatioObjective(network: wrongOutputs, loss: loss, reference: [0, 0], scale: [1, 1])) { error in
            XCTAssertEqual((error as? SBIError)?.field, "outputSize")
        }
        let good = MLP(architecture: MLPArchitecture(nObservables: 2, nParameters: 0, hiddenSizes: [4], activation: .tanh, outputSize: 5),
                       random: SeededRandom(seed: 1))
        XCTAssertThrowsError(try QuadraticRatioObjective(network: good, loss: loss, reference: [0, 0], scale: [1, 0])) { error in
            XCTAssertEqual((error as? SBIError)?.field, "reference")
        }
    }
}
