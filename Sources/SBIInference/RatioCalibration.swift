import CGSL
import Foundation
import SBICore
import SBIEstimators
import SBISimulation

/// Calibration diagnostics of a likelihood-ratio estimator r̂(x|θ0, θ1), needing no exact likelihood:
/// only events drawn from the simulator (or unweighted from real events) at θ0 and at the reference θ1.
///
/// For each of m points θ0_j, n events x ~ p(x|θ0_j) (label y = 0) and n events x ~ p(x|θ1) (y = 1):
///
/// **Reliability** of the classifier ŝ = 1/(1 + r̂), which for balanced classes is P(y = 1|x):
/// ```
/// bins b of ŝ ∈ [0, 1]:   O_b = #{y = 1 in b},   E_b = Σ_{i ∈ b} ŝ_i,   V_b = Σ_{i ∈ b} ŝ_i (1 − ŝ_i)
/// χ²_rel = Σ_b (O_b − E_b)² / V_b   ~ χ²_B (B = bins with V_b > 0) if ŝ is calibrated
/// ```
/// (the Hosmer–Lemeshow statistic with fixed bins; each y is Bernoulli(ŝ_i) when ŝ is right).
///
/// **Closure** E_{x ~ p(x|θ1)}[r(x|θ0, θ1)] = ∫ p(x|θ0) dx = 1 for every θ0:
/// ```
/// r̄_j = mean over the y = 1 events of r̂(x|θ0_j, θ1),   σ_j = sd / √n
/// point j closes  ⇔  |r̄_j − 1| ≤ δ + z σ_j,   z = Φ⁻¹(1 − α/(2m))  (Bonferroni over the m points)
/// χ²_clos = Σ_j ((r̄_j − 1)/σ_j)²  ~ χ²_m if r̂ is exactly normalised (reported, not a criterion)
/// ```
/// δ (`closureTolerance`, default 0.05) is the normalisation error tolerated: near θ0 = θ1 the spread of r
/// vanishes, so any network's small offset in log r̂ (measured ≈ 0.02 for a well-trained ALICES on the
/// gaussian toy) is significant and exact closure would flag every network.
/// An estimator passes when the reliability p-value is at least α (`threshold`, default 10⁻³) and every
/// point closes. The reliability test is statistical: its power grows with n, so a small imperfection of
/// a good network shows up with very many events; the p-value and the table say how large it is.
///
/// [1] K. Cranmer, J. Pavez, G. Louppe, arXiv:1506.02169 §3 (calibrated classifiers, ŝ ↔ r);
/// [2] J. Brehmer, G. Louppe, J. Pavez, K. Cranmer, arXiv:1805.12244 eq. (9) and App. (closure
///     E_θ1[r̂] = 1 as a diagnostic); [3] D. W. Hosmer, S. Lemeshow, Commun. Stat. A 9 (1980) 1035.
public struct RatioCalibration: Sendable {
    /// One bin of ŝ.
    public struct ReliabilityBin: Sendable, Equatable, Codable {
        /// The bin's edges in ŝ.
        public let lower: Double
        public let upper: Double
        /// Events in the bin, of them with y = 1.
        public let events: Int
        public let labelOne: Int
        /// E_b / events (mean ŝ) and O_b / events (observed fraction of y = 1).
        public let meanS: Double
        public let observedFraction: Double
        /// (O_b − E_b) / √V_b.
        public let pull: Double
    }

    /// The closure at one θ0.
    public struct ClosurePoint: Sendable, Equatable, Codable {
        public let theta0: [Double]
        /// r̄_j and its standard error σ_j.
        public let meanRatio: Double
        public let standardError: Double
        /// |r̄_j − 1| ≤ δ + z σ_j.
        public let closes: Bool
    }

    /// The reference θ1 and events per point and class.
    public let theta1: [Double]
    public let eventsPerPoint: Int
    public let bins: [ReliabilityBin]
    /// χ²_rel, its degrees of freedom and p-value Q_χ²(χ²_rel; B).
    public let reliabilityChiSquare: Double
    public let reliabilityDegreesOfFreedom: Int
    public let reliabilityPValue: Double
    /// The expected calibration error Σ_b (events_b / events) |O_b − E_b| / events_b.
    public let calibrationError: Double
    public let closure: [ClosurePoint]
    /// χ²_clos, m and Q_χ²(χ²_clos; m).
    public let closureChiSquare: Double
    public let closurePValue: Double
    /// α and δ the verdict used.
    public let threshold: Double
    public let closureTolerance: Double

    /// Every closure point closes.
    public var closes: Bool { closure.allSatisfy(\.closes) }
    /// The reliability p-value is at least α and every point closes.
    public var passes: Bool { reliabilityPValue >= threshold && closes }

    /// The largest number of events (2·n·m) one evaluation may draw; more is refused.
    public static let maximumEvents = 50_000_000

    /// The diagnostics of `estimator` (log r̂(x|θ0, θ1) with reference `theta1`) at the rows of `theta0`
    /// `[m, k]`, with `eventsPerPoint` events per point and class from `simulator`, point j drawing from
    /// sub-stream 2j (θ0_j) and 2j + 1 (θ1) of `random`.
    /// - Throws: `SBIError.data` naming `theta0`, `theta1`, `eventsPerPoint` or `bins` for wrong shapes or
    ///   sizes, `model` when the estimator does not fit the simulator, `.numerical` for a NaN log r̂;
    ///   errors of the simulator and the estimator.
    public static func evaluate(estimator: any LogRatioEstimator, simulator: any Simulator, theta0: Matrix<Double>, theta1: [Double],
                                eventsPerPoint n: Int, bins: Int = 10, threshold: Double = 1e-3, closureTolerance: Double = 0.05,
                                random: SeededRandom) throws -> RatioCalibration {
        let k = estimator.parameterCount, m = theta0.rows
        guard m >= 1, theta0.columns == k else {
            throw SBIError.data("θ0 points [\(m), \(theta0.columns)]; expected at least one row of \(k) parameters", field: "theta0")
        }
        guard theta1.count == k else { throw SBIError.data("θ1 has \(theta1.count) values; expected \(k)", field: "theta1") }
        guard estimator.observableCount == simulator.observableNames.count else {
            throw SBIError.data("the estimator takes \(estimator.observableCount) observables, the simulator gives \(simulator.observableNames.count)",
                                field: "model")
        }
        guard n >= 2, Double(n) * Double(2 * m) <= Double(maximumEvents) else {
            throw SBIError.data("\(n) events per point for \(m) points; expected at least 2 and at most \(maximumEvents) events in all",
                                field: "eventsPerPoint")
        }
        guard (1...1000).contains(bins) else { throw SBIError.data("\(bins) bins; expected 1…1000", field: "bins") }
        guard threshold > 0, threshold < 1 else { throw SBIError.data("threshold \(threshold); expected a number in (0, 1)", field: "threshold") }
        guard closureTolerance >= 0, closureTolerance.isFinite else {
            throw SBIError.data("closure tolerance \(closureTolerance); expected a finite number ≥ 0", field: "closureTolerance")
        }
        let z = gsl_cdf_ugaussian_Qinv(threshold / Double(2 * m))

        var observed = [Double](repeating: 0, count: bins), expected = observed, variance = observed
        var counts = [Int](repeating: 0, count: bins), ones = counts
        var closure: [ClosurePoint] = []
        var closureChiSquare = 0.0
        for j in 0..<m {
            let point = theta0.row(j)
            let thetas = Matrix<Double>(rows: 1, columns: k, storage: point)
            for (label, theta) in [(0, point), (1, theta1)] {
                let x = try simulator.simulate(at: theta, count: n, random: random.substream(UInt64(2 * j + label))).observables
                let logR = try estimator.logRatio(x: x, thetas: thetas)
                var sum = 0.0, sumSquares = 0.0
                for i in 0..<n {
                    let l = logR[0, i]
                    guard !l.isNaN else { throw SBIError.numerical("log r̂ is NaN at θ0 = \(point)", field: "model") }
                    let s = 1 / (1 + exp(l))
                    let b = min(bins - 1, Int(s * Double(bins)))
                    counts[b] += 1
                    ones[b] += label
                    observed[b] += Double(label)
                    expected[b] += s
                    variance[b] += s * (1 - s)
                    if label == 1 {
                        let r = exp(l)
                        sum += r
                        sumSquares += r * r
                    }
                }
                if label == 1 {
                    let mean = sum / Double(n)
                    let sd = (max(0, sumSquares / Double(n) - mean * mean) * Double(n) / Double(n - 1)).squareRoot()
                    let error = sd / Double(n).squareRoot()
                    closure.append(ClosurePoint(theta0: point, meanRatio: mean, standardError: error,
                                                closes: abs(mean - 1) <= closureTolerance + z * error))
                    closureChiSquare += error > 0 ? (mean - 1) * (mean - 1) / (error * error) : (mean == 1 ? 0 : .infinity)
                }
            }
        }
        var table: [ReliabilityBin] = []
        var chiSquare = 0.0, dof = 0
        for b in 0..<bins {
            let pull = variance[b] > 0 ? (observed[b] - expected[b]) / variance[b].squareRoot() : 0
            if variance[b] > 0 { chiSquare += pull * pull; dof += 1 }
            table.append(ReliabilityBin(lower: Double(b) / Double(bins), upper: Double(b + 1) / Double(bins), events: counts[b], labelOne: ones[b],
                                        meanS: counts[b] > 0 ? expected[b] / Double(counts[b]) : 0,
                                        observedFraction: counts[b] > 0 ? observed[b] / Double(counts[b]) : 0, pull: pull))
        }
        let total = counts.reduce(0, +)
        let calibrationError = table.reduce(0.0) { $0 + Double($1.events) / Double(max(total, 1)) * abs($1.observedFraction - $1.meanS) }
        func pValue(_ x: Double, _ dof: Int) -> Double { dof == 0 ? 1 : (x.isFinite ? gsl_cdf_chisq_Q(x, Double(dof)) : 0) }
        return RatioCalibration(theta1: theta1, eventsPerPoint: n, bins: table, reliabilityChiSquare: chiSquare, reliabilityDegreesOfFreedom: dof,
                                reliabilityPValue: pValue(chiSquare, dof), calibrationError: calibrationError, closure: closure, closureChiSquare: closureChiSquare,
                                closurePValue: pValue(closureChiSquare, m), threshold: threshold, closureTolerance: closureTolerance)
    }
}
