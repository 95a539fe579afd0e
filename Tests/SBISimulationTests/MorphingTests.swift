import XCTest
import SBICore
@testable import SBISimulation

/// Morphing against MadMiner's published test values (madminer tests/test_morphing.py, whose
/// numbers we re-derived with numpy: Lagrange interpolation and `np.linalg.pinv`) and against
/// a synthetic weight polynomial that morphing must reproduce exactly.
final class MorphingTests: XCTestCase {
    /// MadMiner's 1-D setup in two coordinates: components θ1^4, θ1^3θ2, …, θ2^4 and basis θ = (1, g),
    /// g ∈ {−5, …, −1}; with θ1 = 1 this is quartic Lagrange interpolation in g.
    private let madMinerComponents = [4, 0, 3, 1, 2, 2, 1, 3, 0, 4]
    private func basis(_ g: [Double]) -> Matrix<Double> {
        Matrix(rows: g.count, columns: 2) { b, i in i == 0 ? 1 : g[b] }
    }

    func testComponents_maxPowers22_matchMadMinerOrder() throws {
        let c = try MorphingComponents(maxPowers: [2, 2])
        XCTAssertEqual(c.exponents, [0, 0, 0, 1, 0, 2, 1, 0, 1, 1, 1, 2, 2, 0, 2, 1, 2, 2])
        let limited = try MorphingComponents(maxPowers: [2, 2], maxOverallPower: 1)
        XCTAssertEqual(limited.exponents, [0, 0, 0, 1, 1, 0])
    }

    func testComponents_badInput_throwDataErrors() {
        XCTAssertThrowsError(try MorphingComponents(maxPowers: [2, -1])) { XCTAssertEqual(($0 as? SBIError)?.field, "maxPowers[1]") }
        XCTAssertThrowsError(try MorphingComponents(exponents: [1, 0, 1, 0], parameterCount: 2)) {
            XCTAssertEqual(($0 as? SBIError)?.field, "components[1]")
        }
    }

    func testMorphingMatrix_fiveBenchmarks_matchesMadMiner() throws {
        let components = try MorphingComponents(exponents: madMinerComponents, parameterCount: 2)
        let morpher = try Morpher(components: components, basis: basis([-5, -4, -3, -2, -1]))
        // MadMiner's expected_matrix (before its .T): rows are benchmarks, columns components; 6 digits.
        let expected: [[Double]] = [
            [1, 2.08333, 1.45833, 0.416667, 0.0416667],
            [-5, -10.1667, -6.83333, -1.83333, -0.166667],
            [10, 19.5, 12.25, 3, 0.25],
            [-10, -17.8333, -9.83333, -2.16667, -0.166667],
            [5, 6.41667, 2.95833, 0.583333, 0.0416667],
        ]
        for b in 0..<5 { for c in 0..<5 {
            XCTAssertEqual(morpher.matrix[c, b], expected[b][c], accuracy: 1e-5 * max(1, abs(expected[b][c])), "M[\(c), \(b)]")
        } }
    }

    func testMorphingWeights_fiveBenchmarksAt11_matchMadMinerAndLagrange() throws {
        let components = try MorphingComponents(exponents: madMinerComponents, parameterCount: 2)
        let morpher = try Morpher(components: components, basis: basis([-5, -4, -3, -2, -1]))
        // Published weights at θ = (1, 1): the Lagrange polynomials of the nodes −5…−1 at g = 1.
        let w = morpher.weights(at: [1, 1])
        for (a, e) in zip(w, [5.0, -24, 45, -40, 15]) { XCTAssertEqual(a, e, accuracy: 1e-10 * 45) }
        // Gradients in closed form: ∂/∂θ2 = L_b'(1); ∂/∂θ1 = 4 L_b(1) − L_b'(1) (degree-4 homogeneity).
        // Tolerance: condition number 2.6e4 times double rounding ≈ 1e-11 relative; 1e-9 is safe.
        let dg = [77.0 / 12, -30, 54, -134.0 / 3, 57.0 / 4]
        let g = morpher.weightGradients(at: [1, 1])
        for b in 0..<5 {
            XCTAssertEqual(g[1, b], dg[b], accuracy: 1e-9 * 130)
            XCTAssertEqual(g[0, b], 4 * w[b] - dg[b], accuracy: 1e-9 * 130)
        }
        XCTAssertEqual(morpher.conditionNumber, 26169.687970635514, accuracy: 1e-6 * 26169.69)  // numpy.linalg.cond
    }

    func testMorphingMatrix_sevenBenchmarksOverdetermined_matchesMadMinerPseudoInverse() throws {
        let components = try MorphingComponents(exponents: madMinerComponents, parameterCount: 2)
        let morpher = try Morpher(components: components, basis: basis([-5, -4, -3, -2, -1, 0, 1]))
        // MadMiner's `overdetermined` expected values (8 digits), rows benchmarks.
        let expected: [[Double]] = [
            [-0.04112554, -0.07936508, 0.05681818, 0.06313131, 0.01136364],
            [0.15151515, 0.23412698, -0.21590909, -0.18434343, -0.02651515],
            [-0.14069264, -0.06349206, 0.18560606, 0.05808081, 0.00378788],
            [-0.12987013, -0.33333333, 0.28030303, 0.18181818, 0.02272727],
            [0.33549784, -0.26984127, -0.14772727, 0.00252525, 0.00378788],
            [0.77056277, 0.09920635, -0.54924242, -0.23989899, -0.02651515],
            [0.05411255, 0.41269841, 0.39015152, 0.11868687, 0.01136364],
        ]
        for b in 0..<7 { for c in 0..<5 {
            XCTAssertEqual(morpher.matrix[c, b], expected[b][c], accuracy: 1e-8, "M[\(c), \(b)]")
        } }
        // The weights still reproduce every component: Σ_b w_b(θ) α_c(θ_b) = α_c(θ).
        let theta = [0.7, -2.3]
        let w = morpher.weights(at: theta)
        let alpha = components.values(at: theta)
        for c in 0..<5 {
            var s = 0.0
            for b in 0..<7 { s += w[b] * components.values(at: morpher.basis.row(b))[c] }
            XCTAssertEqual(s, alpha[c], accuracy: 1e-10 * max(1, abs(alpha[c])))
        }
    }

    func testMorpher_singularBasis_throwsNumericalWithConditionNumber() throws {
        let components = try MorphingComponents(exponents: madMinerComponents, parameterCount: 2)
        XCTAssertThrowsError(try Morpher(components: components, basis: basis([-5, -4, -3, -3, -1]))) { error in
            let e = error as? SBIError
            XCTAssertEqual(e?.kind, .numerical)
            XCTAssertTrue(e?.message.contains("condition number") ?? false, "\(error)")
        }
        XCTAssertThrowsError(try Morpher(components: components, basis: basis([-5, -4, -3]))) { error in
            XCTAssertEqual((error as? SBIError)?.kind, .data)
        }
    }

    /// A synthetic weighted "simulator": w(z|θ) = Σ_c α_c(θ) W_c(z) for two parameters with max
    /// powers [2, 2] and overall power 2 (the structure of an EFT |M|² with one insertion per vertex).
    func testEventWeights_syntheticPolynomial_reproduceDirectWeightsTo1e10() throws {
        let components = try MorphingComponents(maxPowers: [2, 2], maxOverallPower: 2)
        XCTAssertEqual(components.count, 6)
        let random = SeededRandom(seed: 11)
        let nEvents = 500
        var coefficients = Matrix<Double>(rows: nEvents, columns: components.count)
        coefficients.withUnsafeMutableBufferPointer { random.fillUniform($0, lower: 0.5, upper: 2) }
        func direct(_ theta: [Double]) -> [Double] {
            let a = components.values(at: theta)
            return (0..<nEvents).map { e in (0..<components.count).reduce(0) { $0 + a[$1] * coefficients[e, $1] } }
        }
        let basisPoints = Matrix<Double>(rows: 6, columns: 2, storage: [0, 0, 1, 0, 0, 1, -1, 0, 0, -1, 1, 1])
        let morpher = try Morpher(components: components, basis: basisPoints)
        var benchmarkWeights = Matrix<Double>(rows: nEvents, columns: 6)
        for b in 0..<6 {
            let w = direct(basisPoints.row(b))
            for e in 0..<nEvents { benchmarkWeights[e, b] = w[e] }
        }
        let theta = [0.37, -0.81]
        let morphed = morpher.eventWeights(benchmarkWeights: benchmarkWeights, at: theta)
        let exact = direct(theta)
        // Tolerance: condition number (~10) times a few roundings of O(1) numbers ≪ 1e-10.
        for e in 0..<nEvents { XCTAssertEqual(morphed[e], exact[e], accuracy: 1e-10 * abs(exact[e])) }
        // Gradient against central differences (h = 1e-5: truncation O(h²) = 1e-10, rounding 1e-11).
        let grad = morpher.eventWeightGradients(benchmarkWeights: benchmarkWeights, at: theta)
        let h = 1e-5
        for i in 0..<2 {
            var up = theta, down = theta
            up[i] += h; down[i] -= h
            let wu = morpher.eventWeights(benchmarkWeights: benchmarkWeights, at: up)
            let wd = morpher.eventWeights(benchmarkWeights: benchmarkWeights, at: down)
            for e in 0..<nEvents { XCTAssertEqual(grad[e, i], (wu[e] - wd[e]) / (2 * h), accuracy: 1e-7 * max(1, abs(grad[e, i]))) }
        }
    }

    /// The same with the `drell-yan` simulator: its weights are exactly quadratic in (δg_V, δg_A), so the
    /// morphed weights at a new θ equal `weights(latent:at:)` up to rounding amplified by the basis'
    /// condition number (~1e3 for the optimised basis): 1e-10 relative.
    func testEventWeights_drellYan_reproduceSimulatorWeightsTo1e10() throws {
        let sim = try DrellYanSimulator()
        let morpher = try SampleAugmenter.optimizedMorpher(for: sim, seed: 4)
        let pool = try sim.simulateWeighted(proposalAt: [0, 0], count: 2000, random: SeededRandom(seed: 8))
        var benchmarkWeights = Matrix<Double>(rows: pool.count, columns: morpher.benchmarkCount)
        for b in 0..<morpher.benchmarkCount {
            let w = try sim.weights(latent: pool.latent, at: morpher.basis.row(b))
            for e in 0..<pool.count { benchmarkWeights[e, b] = w[e] }
        }
        for theta in [[0.03, -0.07], [-0.1, 0.1], [0.0, 0.0]] {
            let morphed = morpher.eventWeights(benchmarkWeights: benchmarkWeights, at: theta)
            let direct = try sim.weights(latent: pool.latent, at: theta)
            for e in 0..<pool.count { XCTAssertEqual(morphed[e], direct[e], accuracy: 1e-10 * abs(direct[e]), "θ = \(theta), event \(e)") }
        }
        XCTAssertLessThan(morpher.conditionNumber, 1e6)
    }
}
