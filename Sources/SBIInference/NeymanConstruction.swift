import CGSL
import SBICore

/// Confidence regions from toy-based p-values (the Neyman construction) on a regular grid of points:
///
/// ```
/// p_toy(θ_j) = #{t : q_t(θ_j) ≥ q_obs(θ_j)} / T,   σ = √(p(1 − p)/T),   toys t drawn at θ_j
/// region at CL = {θ : p_toy(θ) ≥ 1 − CL}
/// ```
/// between the points: one parameter, linear in the equivalent −√(Q⁻¹_χ²₁(p)) (exact for a Gaussian
/// likelihood); two, marching squares on p (linear in p).
/// ```
/// ```
/// The statistic is the profile-likelihood ratio q of `PseudoExperiments`; the construction needs no
/// asymptotic χ²_k and keeps its coverage however the likelihood is scaled (an over-confident estimator's
/// q is over-confident in its toys too). At p_toy = 0 or 1 the error uses 1/(T + 1) in place of p.
///
/// [1] J. Neyman, Phil. Trans. R. Soc. A 236 (1937) 333; [2] G. J. Feldman, R. D. Cousins,
///     arXiv:physics/9711021 §3; [3] G. Cowan et al., arXiv:1007.1727 §3.
public enum NeymanConstruction {
    /// p_toy and its binomial error at each point from the toys' statistics `toyQ[j]` (drawn at point j)
    /// and the data's `observedQ[j]`.
    /// - Precondition: as many observed values as points, each with at least one toy.
    public static func pValues(toyQ: [[Double]], observedQ: [Double]) -> (p: [Double], error: [Double]) {
        precondition(toyQ.count == observedQ.count && toyQ.allSatisfy { !$0.isEmpty }, "NeymanConstruction: points and toys")
        var p: [Double] = [], error: [Double] = []
        for (q, observed) in zip(toyQ, observedQ) {
            let t = Double(q.count)
            let value = observed.isNaN ? 0 : Double(q.filter { $0 >= observed }.count) / t
            let c = value == 0 || value == 1 ? 1 / (t + 1) : value
            p.append(value)
            error.append((c * (1 - c) / t).squareRoot())
        }
        return (p, error)
    }

    /// Wilks' asymptotic p-value Q_χ²(q; k) (0 for an infinite or NaN q).
    public static func asymptoticPValue(q: Double, parameterCount k: Int) -> Double {
        q.isFinite ? gsl_cdf_chisq_Q(max(0, q), Double(k)) : 0
    }

    /// A contours.json entry drawn from `pValues` (from `toyCount` toys per point) on the regular grid with
    /// `axes` (1 or 2, last axis fastest): intervals (1 parameter) or contours (2) at every confidence
    /// level, and their summaries.
    /// - Throws: `SBIError.data` for a CL outside (0, 1), 0 or more than 2 axes, an axis of fewer than 2
    ///   points or a p-value count that does not match.
    public static func estimator(name: String, mode: String, bestFit: [Double], axes: [[Double]], pValues: [Double], toyCount: Int,
                                 confidenceLevels: [Double]) throws -> ContoursFile.Estimator {
        try ConfidenceLevels.check(confidenceLevels)
        guard (1...2).contains(axes.count), axes.allSatisfy({ $0.count >= 2 }), pValues.count == axes.reduce(1, { $0 * $1.count }) else {
            throw SBIError.data("\(pValues.count) p-values on axes of \(axes.map(\.count)) points; expected 1 or 2 axes of ≥ 2 points", field: "neyman")
        }
        var e = ContoursFile.Estimator(name: name, mode: mode, bestFit: bestFit, regions: [])
        for cl in confidenceLevels {
            if axes.count == 1 {
                // Between points, interpolate the equivalent −√q = −√(Q⁻¹_χ²₁(p)) (linear in θ for a Gaussian
                // likelihood, as the asymptotic intervals), p = 0 read as half a toy's worth so it stays finite.
                let floor = 0.5 / Double(max(1, toyCount))
                let rootQ = pValues.map { -gsl_cdf_chisq_Qinv(min(1, max(floor, $0)), 1).squareRoot() }
                let intervals = ConfidenceRegion.intervals(xs: axes[0], values: rootQ, level: -gsl_cdf_chisq_Qinv(1 - cl, 1).squareRoot())
                e.intervals.append(.init(confidenceLevel: cl, intervals: intervals))
                e.regions?.append(.of(intervals: intervals, confidenceLevel: cl))
            } else {
                let paths = try ConfidenceRegion.contours(xs: axes[0], ys: axes[1], pValues: pValues, confidenceLevel: cl)
                e.contours.append(.init(confidenceLevel: cl, paths: paths))
                e.regions?.append(.of(contours: paths, pValues: pValues, confidenceLevel: cl))
            }
        }
        return e
    }
}
