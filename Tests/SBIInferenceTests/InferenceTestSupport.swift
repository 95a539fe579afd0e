import XCTest
import SBICore
import SBIEstimators
import SBISimulation
@testable import SBIInference

/// A two-parameter model with correlated information, every quantity in closed form (x = z):
/// ```
/// x₁ ~ N(θ₀ + θ₁, 1),  x₂ ~ N(θ₀ − θ₁, 2²)
/// t = (r₁ + r₂/4, r₁ − r₂/4),  r₁ = x₁ − θ₀ − θ₁,  r₂ = x₂ − θ₀ + θ₁
/// I per event = Jᵀ diag(1, 1/4) J = [[1.25, 0.75], [0.75, 1.25]]
/// ```
struct CorrelatedGaussianSimulator: ExactLikelihoodSimulator {
    let name = "correlated-gaussian"
    let parameterSpace = ParameterSpace(names: ["a", "b"], ranges: [-5.0...5.0, -5.0...5.0], units: ["GeV", ""])
    let observableNames = ["x1", "x2"]
    let latentNames = ["z1", "z2"]
    static let perEventInformation = [1.25, 0.75, 0.75, 1.25]

    func simulate(at theta: [Double], count: Int, random: SeededRandom) throws -> EventBatch {
        try parameterSpace.validate(theta)
        var x = Matrix<Double>(rows: count, columns: 2)
        for i in 0..<count {
            x[i, 0] = theta[0] + theta[1] + random.normal()
            x[i, 1] = theta[0] - theta[1] + random.normal(standardDeviation: 2)
        }
        return EventBatch(observables: x, latent: x)
    }

    func jointLogLikelihood(latent: Matrix<Double>, at theta: [Double], gradient: inout Matrix<Double>?) throws -> [Double] {
        try parameterSpace.validate(theta)
        var g = Matrix<Double>(rows: latent.rows, columns: 2)
        var out = [Double](repeating: 0, count: latent.rows)
        for i in 0..<latent.rows {
            let r1 = latent[i, 0] - theta[0] - theta[1], r2 = latent[i, 1] - theta[0] + theta[1]
            out[i] = -0.5 * r1 * r1 - r2 * r2 / 8 - log(2 * Double.pi * 2)
            g[i, 0] = r1 + r2 / 4
            g[i, 1] = r1 - r2 / 4
        }
        if gradient != nil { gradient = g }
        return out
    }

    func exactLogLikelihood(observables: Matrix<Double>, at theta: [Double]) throws -> [Double] {
        var none: Matrix<Double>? = nil
        return try jointLogLikelihood(latent: observables, at: theta, gradient: &none)
    }
}

/// The true log r of the Gaussian simulator, written out independently of `ExactLogRatio` but with
/// the same arithmetic (log p(x|θ) − log p(x|θ_ref)), as a stand-in for a perfectly trained estimator.
struct PerfectLogRatio: LogRatioEstimator {
    let simulator: any ExactLikelihoodSimulator
    let reference: [Double]
    var parameterCount: Int { simulator.parameterSpace.count }
    var observableCount: Int { simulator.observableNames.count }

    func logRatio(x: Matrix<Double>, thetas: Matrix<Double>) throws -> Matrix<Double> {
        let base = try simulator.exactLogLikelihood(observables: x, at: reference)
        var out = Matrix<Double>(rows: thetas.rows, columns: x.rows)
        for j in 0..<thetas.rows {
            let l = try simulator.exactLogLikelihood(observables: x, at: thetas.row(j))
            for i in 0..<x.rows { out[j, i] = l[i] - base[i] }
        }
        return out
    }
}

/// The exact score of a simulator at a fixed θ_ref, by central differences, as a perfect SALLY.
struct PerfectScore: ScoreEstimator {
    let simulator: any ExactLikelihoodSimulator
    let reference: [Double]
    var parameterCount: Int { simulator.parameterSpace.count }
    var observableCount: Int { simulator.observableNames.count }

    func score(x: Matrix<Double>) throws -> Matrix<Double> {
        var t = Matrix<Double>(rows: x.rows, columns: parameterCount)
        for a in 0..<parameterCount {
            var up = reference, down = reference
            up[a] += 1e-4
            down[a] -= 1e-4
            let lu = try simulator.exactLogLikelihood(observables: x, at: up)
            let ld = try simulator.exactLogLikelihood(observables: x, at: down)
            for i in 0..<x.rows { t[i, a] = (lu[i] - ld[i]) / 2e-4 }
        }
        return t
    }
}

/// Asserts that `body` throws an `SBIError` whose field contains `field`.
func assertThrowsSBIError<T>(_ body: @autoclosure () throws -> T, field: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
        guard let e = error as? SBIError else { return XCTFail("not an SBIError: \(error)", file: file, line: line) }
        XCTAssertTrue((e.field ?? "").contains(field), "field \(e.field ?? "nil") does not contain \(field): \(e)", file: file, line: line)
    }
}
