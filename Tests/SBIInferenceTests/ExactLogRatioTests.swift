import XCTest
import SBICore
import SBISimulation
@testable import SBIInference

/// The morphing path of `ExactLogRatio` is the same function as evaluating p(x|θ) at every θ.
final class ExactLogRatioTests: XCTestCase {
    /// log r on a grid that includes the corners of the range (where morphing weights are largest),
    /// morphed from the benchmarks against direct evaluation at each θ.
    private func assertMorphedEqualsDirect(_ simulator: any ExactLikelihoodSimulator & WeightedSimulator,
                                           points: Int, events: Int, tolerance: Double,
                                           file: StaticString = #filePath, line: UInt = #line) throws {
        let space = simulator.parameterSpace
        let grid = try ParameterGrid(names: space.names, ranges: space.ranges, counts: Array(repeating: points, count: space.count))
        let centre = space.ranges.map { 0.5 * ($0.lowerBound + $0.upperBound) }
        let x = try simulator.simulate(at: centre, count: events, random: SeededRandom(seed: 5)).observables
        let morphed = try ExactLogRatio(simulator: simulator, reference: centre)
        let direct = try ExactLogRatio(simulator: simulator, reference: centre, morphing: false)
        XCTAssertNotNil(morphed.morpher, file: file, line: line)
        XCTAssertNil(direct.morpher, file: file, line: line)
        let a = try morphed.logRatio(x: x, thetas: grid.points)
        let b = try direct.logRatio(x: x, thetas: grid.points)
        var worst = 0.0
        for k in 0..<a.storage.count { worst = max(worst, abs(a.storage[k] - b.storage[k])) }
        XCTAssertLessThan(worst, tolerance, "largest |Δ log r| over \(grid.count) θ × \(events) events", file: file, line: line)
    }

    /// Drell–Yan: dσ/dx is quadratic in (δg_V, δg_A) exactly, so the two agree to rounding;
    /// 1e-8 in log r allows the morphing weights' amplification of rounding (condition number
    /// of the optimised basis ~10², quadrature sums ~1e-13 relative).
    func testExactLogRatio_drellYanMorphedGrid_equalsDirectEvaluation() throws {
        try assertMorphedEqualsDirect(DrellYanSimulator(), points: 7, events: 200, tolerance: 1e-8)
    }

    /// WBF Higgs: the weights are polynomials of degree ≤ 4 in (f_W, f_WW); same bound.
    func testExactLogRatio_wbfHiggsMorphedGrid_equalsDirectEvaluation() throws {
        try assertMorphedEqualsDirect(WBFHiggsSimulator(), points: 7, events: 200, tolerance: 1e-8)
    }
}
