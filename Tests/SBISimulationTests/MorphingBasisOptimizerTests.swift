import XCTest
import SBICore
@testable import SBISimulation

final class MorphingBasisOptimizerTests: XCTestCase {
    /// Nelder–Mead from 4 seeded starts against MadMiner's method (best of N random bases) with the
    /// same seed, the same test points and the same number N of objective evaluations.
    func testOptimize_twoParametersQuadratic_beatsRandomSearchAtEqualBudget() throws {
        let components = try MorphingComponents(maxPowers: [2, 2], maxOverallPower: 2)
        let optimizer = try MorphingBasisOptimizer(components: components, ranges: [-1...1, -1...1], testPointCount: 100,
                                                   seed: 7, starts: 3, maximumIterations: 400)
        let optimized = try optimizer.optimize()
        let random = optimizer.randomSearch(trials: optimized.evaluations)
        XCTAssertLessThan(optimized.objective, random.objective,
                          "simplex \(optimized.objective) after \(optimized.evaluations) evaluations vs random \(random.objective)")
        // The objective is Σ_b w_b² averaged; Σ_b w_b = α_0 = 1 for the constant component, so by
        // Cauchy–Schwarz Σ_b w_b² ≥ 1/6: a hard lower bound any basis respects.
        XCTAssertGreaterThanOrEqual(optimized.objective, 1.0 / 6)
        // The returned basis is inside the range and its objective is reproducible.
        for v in optimized.basis.storage { XCTAssertTrue((-1.0...1.0).contains(v)) }
        XCTAssertEqual(optimizer.objective(basis: optimized.basis), optimized.objective, accuracy: 1e-12 * optimized.objective)
    }

    func testObjective_singularBasis_isPenalty() throws {
        let components = try MorphingComponents(maxPowers: [2])
        let optimizer = try MorphingBasisOptimizer(components: components, ranges: [-1...1], seed: 1)
        XCTAssertEqual(optimizer.objective(basis: Matrix(rows: 3, columns: 1, storage: [0.5, 0.5, 0.1])),
                       MorphingBasisOptimizer.singularPenalty)
        // One parameter, degree 2, nodes −1, 0, 1: the Lagrange weights θ(θ−1)/2, 1−θ², θ(θ+1)/2 give
        // Σ w² = (θ⁴+θ²)/2 + (1−θ²)², whose mean over U(−1, 1) is (1/5+1/3)/2 + 1 − 2/3 + 1/5 = 4/5.
        // Σ w² stays within [0.7, 1], so its sd is < 0.15 and the 200-point estimate's standard
        // error < 0.011: 0.05 is more than 4 standard errors.
        let value = optimizer.objective(basis: Matrix(rows: 3, columns: 1, storage: [-1, 0, 1]))
        XCTAssertEqual(value, 0.8, accuracy: 0.05)
    }
}
