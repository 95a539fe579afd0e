import CGSL
import SBICore
import XCTest
@testable import SBISimulation

/// Statistical helpers shared by the simulator tests, and the bad-input checks every
/// built-in simulator must pass.
enum SimulatorTestSupport {
    /// Result of a χ² goodness-of-fit test.
    struct ChiSquare: CustomStringConvertible {
        var value: Double
        var degreesOfFreedom: Int
        /// P(χ²_dof ≥ value) from `gsl_cdf_chisq_Q`.
        var pValue: Double
        var description: String { "χ² = \(value) for \(degreesOfFreedom) dof, p = \(pValue)" }
    }

    /// Central-difference check of `score` against `logLikelihood`; h = 1e-5 in Double gives a
    /// truncation error O(h²·|∂³ log p|) ≈ 1e-10 and rounding ≈ 1e-16·|log p|/h ≈ 1e-10, far inside 1e-6.
    static func assertScoreMatchesFiniteDifference(_ model: some JointLikelihood, events: Matrix<Double>, theta: [Double],
                                                   file: StaticString = #filePath, line: UInt = #line) throws {
        let t = try model.score(events, at: theta)
        let h = 1e-5
        var none: Matrix<Double>? = nil
        for i in 0..<theta.count {
            var up = theta, down = theta
            up[i] += h; down[i] -= h
            let lu = try model.logLikelihood(events, at: up, gradient: &none)
            let ld = try model.logLikelihood(events, at: down, gradient: &none)
            for e in 0..<events.rows {
                let fd = (lu[e] - ld[e]) / (2 * h)
                XCTAssertEqual(t[e, i], fd, accuracy: 1e-6 * max(abs(fd), 1e-3), "event \(e), θ_\(i)", file: file, line: line)
            }
        }
    }

    /// Pearson's χ² of `observed` counts against `expected` counts (same total), dof = bins − 1.
    static func chiSquare(observed: [Int], expected: [Double]) -> ChiSquare {
        precondition(observed.count == expected.count, "chiSquare: \(observed.count) observed, \(expected.count) expected")
        var chi2 = 0.0
        for (o, e) in zip(observed, expected) {
            precondition(e >= 5, "chiSquare: expected count \(e) below 5; widen the bins")
            chi2 += (Double(o) - e) * (Double(o) - e) / e
        }
        let dof = observed.count - 1
        return ChiSquare(value: chi2, degreesOfFreedom: dof, pValue: gsl_cdf_chisq_Q(chi2, Double(dof)))
    }

    /// Nodes and weights of the n-point Gauss–Legendre rule on [a, b] (`gsl_integration_glfixed_point`).
    static func gaussLegendre(_ n: Int, _ a: Double, _ b: Double) -> (nodes: [Double], weights: [Double]) {
        let table = gsl_integration_glfixed_table_alloc(n)!
        defer { gsl_integration_glfixed_table_free(table) }
        var nodes = [Double](repeating: 0, count: n), weights = nodes
        for i in 0..<n {
            var x = 0.0, w = 0.0
            _ = gsl_integration_glfixed_point(a, b, i, &x, &w, table)
            nodes[i] = x
            weights[i] = w
        }
        return (nodes, weights)
    }

    /// χ² test of the histogram of one observable column against N·∫_bin p(x|θ) dx, with
    /// `bins` equal bins on [lower, upper] plus one bin for everything outside. The
    /// expectation of each bin uses a 16-point Gauss–Legendre rule on the exact density
    /// (the density is smooth on the scale of a bin, so the rule is exact to ~1e-12).
    static func chiSquareOneDimensional(simulator: any ExactLikelihoodSimulator, theta: [Double], events: Matrix<Double>,
                                        bins: Int, lower: Double, upper: Double) throws -> ChiSquare {
        precondition(events.columns == 1, "chiSquareOneDimensional: \(events.columns) observable columns, need 1")
        let width = (upper - lower) / Double(bins)
        var observed = [Int](repeating: 0, count: bins + 1)
        for x in events.storage {
            let k = Int(((x - lower) / width).rounded(.down))
            observed[(x >= lower && k < bins) ? k : bins] += 1
        }
        let rule = 16
        var points = [Double](), weights = [Double]()
        for k in 0..<bins {
            let (n, w) = gaussLegendre(rule, lower + Double(k) * width, lower + Double(k + 1) * width)
            points += n
            weights += w
        }
        let logp = try simulator.exactLogLikelihood(observables: Matrix(rows: points.count, columns: 1, storage: points), at: theta)
        var expected = [Double](repeating: 0, count: bins + 1)
        let total = Double(events.rows)
        for i in 0..<points.count { expected[i / rule] += total * weights[i] * exp(logp[i]) }
        expected[bins] = total - expected[0..<bins].reduce(0, +)
        return chiSquare(observed: observed, expected: expected)
    }

    /// χ² test of the 2-d histogram of observable columns `c0`, `c1` against the exact density
    /// integrated over each bin by an 8×8 Gauss–Legendre product rule; one extra bin for
    /// everything outside the box. Observable columns other than `c0`, `c1` must not exist.
    static func chiSquareTwoDimensional(simulator: any ExactLikelihoodSimulator, theta: [Double], events: Matrix<Double>,
                                        bins0: Int, range0: ClosedRange<Double>,
                                        bins1: Int, range1: ClosedRange<Double>) throws -> ChiSquare {
        precondition(events.columns == 2, "chiSquareTwoDimensional: \(events.columns) observable columns, need 2")
        let w0 = (range0.upperBound - range0.lowerBound) / Double(bins0)
        let w1 = (range1.upperBound - range1.lowerBound) / Double(bins1)
        let nBins = bins0 * bins1
        var observed = [Int](repeating: 0, count: nBins + 1)
        for i in 0..<events.rows {
            let a = events[i, 0], b = events[i, 1]
            let k0 = Int(((a - range0.lowerBound) / w0).rounded(.down))
            let k1 = Int(((b - range1.lowerBound) / w1).rounded(.down))
            if k0 >= 0 && k0 < bins0 && k1 >= 0 && k1 < bins1 { observed[k0 * bins1 + k1] += 1 } else { observed[nBins] += 1 }
        }
        let rule = 8
        var points = [Double](), weights = [Double](), binOf = [Int]()
        for k0 in 0..<bins0 {
            let (n0, q0) = gaussLegendre(rule, range0.lowerBound + Double(k0) * w0, range0.lowerBound + Double(k0 + 1) * w0)
            for k1 in 0..<bins1 {
                let (n1, q1) = gaussLegendre(rule, range1.lowerBound + Double(k1) * w1, range1.lowerBound + Double(k1 + 1) * w1)
                for i in 0..<rule { for j in 0..<rule {
                    points += [n0[i], n1[j]]
                    weights.append(q0[i] * q1[j])
                    binOf.append(k0 * bins1 + k1)
                } }
            }
        }
        let logp = try simulator.exactLogLikelihood(observables: Matrix(rows: weights.count, columns: 2, storage: points), at: theta)
        var expected = [Double](repeating: 0, count: nBins + 1)
        let total = Double(events.rows)
        for i in 0..<weights.count { expected[binOf[i]] += total * weights[i] * exp(logp[i]) }
        expected[nBins] = total - expected[0..<nBins].reduce(0, +)
        return chiSquare(observed: observed, expected: expected)
    }

    /// Mean and standard error of the mean.
    static func meanAndStandardError(_ values: [Double]) -> (mean: Double, standardError: Double) {
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        return (mean, (variance / n).squareRoot())
    }

    /// Checks that `weights(θ)` is a polynomial of total degree ≤ 2 in two parameters: the six
    /// monomials (1, θ₀, θ₁, θ₀², θ₀θ₁, θ₁²) fitted exactly at `basis` (6 points) must reproduce
    /// the weights at `check`. Returns the largest relative deviation over events.
    static func quadraticReproductionError(basis: [[Double]], check: [Double],
                                           weights: ([Double]) throws -> [Double]) throws -> Double {
        precondition(basis.count == 6, "quadraticReproductionError: \(basis.count) basis points, need 6")
        func monomials(_ t: [Double]) -> [Double] { [1, t[0], t[1], t[0] * t[0], t[0] * t[1], t[1] * t[1]] }
        let atBasis = try basis.map(weights)
        let atCheck = try weights(check)
        // Solve A^T c = m(check) for the Lagrange coefficients c (w(check) = Σ_b c_b w(θ_b)), A_bk = m_k(θ_b).
        var a = [Double](repeating: 0, count: 36)
        for b in 0..<6 { let m = monomials(basis[b]); for k in 0..<6 { a[k * 6 + b] = m[k] } }
        var rhs = monomials(check)
        for col in 0..<6 { // Gaussian elimination with partial pivoting
            let pivot = (col..<6).max { abs(a[$0 * 6 + col]) < abs(a[$1 * 6 + col]) }!
            if pivot != col { for j in 0..<6 { a.swapAt(col * 6 + j, pivot * 6 + j) }; rhs.swapAt(col, pivot) }
            for r in (col + 1)..<6 {
                let f = a[r * 6 + col] / a[col * 6 + col]
                for j in col..<6 { a[r * 6 + j] -= f * a[col * 6 + j] }
                rhs[r] -= f * rhs[col]
            }
        }
        var c = [Double](repeating: 0, count: 6)
        for r in stride(from: 5, through: 0, by: -1) {
            var v = rhs[r]
            for j in (r + 1)..<6 { v -= a[r * 6 + j] * c[j] }
            c[r] = v / a[r * 6 + r]
        }
        var worst = 0.0
        for e in 0..<atCheck.count {
            var predicted = 0.0
            for b in 0..<6 { predicted += c[b] * atBasis[b][e] }
            let scale = atBasis.map { abs($0[e]) }.max()!
            worst = max(worst, abs(predicted - atCheck[e]) / max(abs(atCheck[e]), scale))
        }
        return worst
    }

    /// ∫∫ exp(log p(x₀, x₁|θ)) over a box by nested GSL QAG (relative tolerance 1e-7).
    static func integrateTwoDimensional(simulator: any ExactLikelihoodSimulator, theta: [Double],
                                        range0: ClosedRange<Double>, range1: ClosedRange<Double>) throws -> Double {
        let outer = Quadrature(), inner = Quadrature()
        var failure: Error?
        let result = try outer.integrate(from: range0.lowerBound, to: range0.upperBound, relativeTolerance: 1e-7) { a in
            do {
                return try inner.integrate(from: range1.lowerBound, to: range1.upperBound, relativeTolerance: 1e-7) { b in
                    let logp = (try? simulator.exactLogLikelihood(observables: Matrix(rows: 1, columns: 2, storage: [a, b]), at: theta))?[0]
                    return exp(logp ?? .nan)
                }
            } catch { failure = error; return .nan }
        }
        if let failure { throw failure }
        return result
    }

    /// Mean and standard error of the mean of the weights of a weighted batch.
    static func meanWeight(_ batch: EventBatch) -> (mean: Double, standardError: Double) {
        meanAndStandardError(batch.weights ?? [])
    }
}

/// Bad input to every built-in simulator: each is an `SBIError.data` naming the field.
final class SimulatorCommonTests: XCTestCase {
    private func assertDataError(_ field: String, file: StaticString = #filePath, line: UInt = #line,
                                 _ body: () throws -> Void) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let e = error as? SBIError else { return XCTFail("not an SBIError: \(error)", file: file, line: line) }
            XCTAssertEqual(e.kind, .data, file: file, line: line)
            XCTAssertEqual(e.field, field, "\(e)", file: file, line: line)
        }
    }

    func testEverySimulator_badThetaOrCount_throwsDataErrorNamingField() throws {
        for name in SimulatorRegistry.names {
            let simulator = try SimulatorRegistry.make(name: name)
            let space = simulator.parameterSpace
            let good = space.ranges.map { ($0.lowerBound + $0.upperBound) / 2 }
            let random = SeededRandom(seed: 1)
            var outside = good
            outside[0] = space.ranges[0].upperBound + 1
            var notANumber = good
            notANumber[space.count - 1] = .nan
            var noGradient: Matrix<Double>? = nil
            let latent = Matrix<Double>(rows: 1, columns: simulator.latentNames.count)
            for theta in [outside, notANumber, good + [0], []] {
                assertDataError("theta") { _ = try simulator.simulate(at: theta, count: 3, random: random) }
                assertDataError("theta") { _ = try simulator.jointLogLikelihood(latent: latent, at: theta, gradient: &noGradient) }
                if let weighted = simulator as? any WeightedSimulator {
                    assertDataError("theta") { _ = try weighted.simulateWeighted(proposalAt: theta, count: 3, random: random) }
                    assertDataError("theta") { _ = try weighted.weights(latent: latent, at: theta) }
                    assertDataError("theta") { _ = try weighted.crossSection(at: theta) }
                }
                if let exact = simulator as? any ExactLikelihoodSimulator {
                    let x = Matrix<Double>(rows: 1, columns: simulator.observableNames.count)
                    assertDataError("theta") { _ = try exact.exactLogLikelihood(observables: x, at: theta) }
                }
            }
            for count in [0, -5] {
                assertDataError("count") { _ = try simulator.simulate(at: good, count: count, random: random) }
                if let weighted = simulator as? any WeightedSimulator {
                    assertDataError("count") { _ = try weighted.simulateWeighted(proposalAt: good, count: count, random: random) }
                }
            }
            let wrongLatent = Matrix<Double>(rows: 2, columns: simulator.latentNames.count + 1)
            assertDataError("latent") { _ = try simulator.jointLogLikelihood(latent: wrongLatent, at: good, gradient: &noGradient) }
            var nanLatent = try simulator.simulate(at: good, count: 2, random: random).latent
            nanLatent[1, 0] = .nan
            assertDataError("latent[1]") { _ = try simulator.jointLogLikelihood(latent: nanLatent, at: good, gradient: &noGradient) }
        }
    }

    /// The batched exact likelihood of each simulator (θ-independent integrals computed once per event)
    /// gives, row by row, the same numbers as one call per θ; a mix-up of rows or events would not.
    func testEveryExactSimulator_batchedLogLikelihoods_equalOneCallPerTheta() throws {
        for name in SimulatorRegistry.names {
            guard let exact = try SimulatorRegistry.make(name: name) as? any ExactLikelihoodSimulator else { continue }
            let space = exact.parameterSpace
            let thetas = (0..<3).map { k in space.ranges.map { $0.lowerBound + Double(k + 1) / 4 * ($0.upperBound - $0.lowerBound) } }
            let x = try exact.simulate(at: thetas[0], count: 5, random: SeededRandom(seed: 3)).observables
            let batched = try exact.exactLogLikelihoods(observables: x, at: Matrix(rows: 3, columns: space.count, storage: thetas.flatMap { $0 }))
            XCTAssertEqual([batched.rows, batched.columns], [3, 5], name)
            for (j, theta) in thetas.enumerated() {
                let single = try exact.exactLogLikelihood(observables: x, at: theta)
                for i in 0..<5 { XCTAssertEqual(batched[j, i], single[i], accuracy: 1e-12 * max(1, abs(single[i])), "\(name) θ \(theta) event \(i)") }
            }
        }
    }
}
