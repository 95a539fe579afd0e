import Foundation
import SBICore
import SBINetworks
import SBISimulation
@testable import SBIEstimators

/// MadMiner's toy setup on the `gaussian` simulator (z ~ N(θ, 2²), x ~ N(z, 1²); arXiv:1805.12244,
/// MadMiner's tutorial on a toy simulator): θ0 ~ U(−4, 4), θ1 = 0, one x per θ0 from each.
///
/// ```
/// r_xz = p(z|θ0)/p(z|θ1)      t_xz = ∇θ log p(z|θ)|θ0 = (z − θ0)/4      (gold, from the simulator)
/// exact: log r(x|θ, 0) = log N(x; θ, 5) − log N(x; 0, 5),   t(x|θ) = (x − θ)/5
/// ```
enum GaussianToy {
    static let simulator = GaussianSimulator()

    /// Ratio samples: `pairs` θ0 values, 2·pairs rows (y = 0 rows from θ0, y = 1 rows from θ1).
    /// With `doubly`, θ1 is drawn from U(−4, 4) too and the joint score at θ1 is returned as well.
    static func ratioSamples(pairs: Int, seed: UInt64, doubly: Bool = false) throws
        -> (x: Matrix<Float>, theta0: Matrix<Float>, theta1: Matrix<Float>, y: [Float], rXZ: [Float], tXZ0: Matrix<Float>, tXZ1: Matrix<Float>) {
        let random = SeededRandom(seed: seed)
        let n = 2 * pairs
        var x = Matrix<Float>(rows: n, columns: 1), t0m = Matrix<Float>(rows: n, columns: 1), t1m = Matrix<Float>(rows: n, columns: 1)
        var s0 = Matrix<Float>(rows: n, columns: 1), s1 = Matrix<Float>(rows: n, columns: 1)
        var y = [Float](repeating: 0, count: n), r = [Float](repeating: 0, count: n)
        for p in 0..<pairs {
            let theta0 = random.uniform(-4, 4)
            let theta1 = doubly ? random.uniform(-4, 4) : 0
            for (label, theta) in [(0, theta0), (1, theta1)] {
                let i = 2 * p + label
                let events = try simulator.simulate(at: [theta], count: 1, random: random)
                var g0: Matrix<Double>? = Matrix(rows: 1, columns: 1), g1: Matrix<Double>? = Matrix(rows: 1, columns: 1)
                let l0 = try simulator.jointLogLikelihood(latent: events.latent, at: [theta0], gradient: &g0)
                let l1 = try simulator.jointLogLikelihood(latent: events.latent, at: [theta1], gradient: &g1)
                x[i, 0] = Float(events.observables[0, 0])
                t0m[i, 0] = Float(theta0)
                t1m[i, 0] = Float(theta1)
                y[i] = Float(label)
                r[i] = Float(exp(l0[0] - l1[0]))
                s0[i, 0] = Float(g0![0, 0])
                s1[i, 0] = Float(g1![0, 0])
            }
        }
        return (x, t0m, t1m, y, r, s0, s1)
    }

    /// `count` events drawn at θ, as Double.
    static func events(at theta: Double, count: Int, seed: UInt64) throws -> Matrix<Double> {
        try simulator.simulate(at: [theta], count: count, random: SeededRandom(seed: seed)).observables
    }

    /// `count` points evenly spaced on [lo, hi], as a `[count, 1]` grid.
    static func grid(_ lo: Double, _ hi: Double, _ count: Int) -> Matrix<Double> {
        Matrix(rows: count, columns: 1) { i, _ in lo + (hi - lo) * Double(i) / Double(count - 1) }
    }

    /// Exact log r(x|θ, θ1) = [(x − θ1)² − (x − θ)²]/(2·5).
    static func exactLogRatio(x: Double, theta: Double, theta1: Double = 0) -> Double {
        ((x - theta1) * (x - theta1) - (x - theta) * (x - theta)) / (2 * GaussianSimulator.totalVariance)
    }

    /// Mean squared error of log r̂ `[nTheta, nEvents]` against the exact ratio over the whole grid.
    static func logRatioMSE(_ estimate: Matrix<Double>, x: Matrix<Double>, thetas: Matrix<Double>) -> Double {
        var s = 0.0
        for j in 0..<thetas.rows {
            for i in 0..<x.rows {
                let d = estimate[j, i] - exactLogRatio(x: x[i, 0], theta: thetas[j, 0])
                s += d * d
            }
        }
        return s / Double(thetas.rows * x.rows)
    }
}
