import CGSL
import SBICore

/// Every toy's fit with one likelihood: its best fit θ̂_t and the test statistic at the point the toys
/// were drawn at.
///
/// ```
/// q_t(θ) = −2 [log L_t(θ) − max(log L̂_t, log L_t(θ))] ≥ 0,   log L̂_t = refined grid maximum (LikelihoodScanResult)
/// θ in the CL region of toy t  ⇔  p_t(θ) = Q_χ²(q_t(θ); k) ≥ 1 − CL
/// ```
/// The toy's region is the one its contours would be drawn from (the same grid, refinement and χ²_k
/// with k = number of parameters); coverage is the fraction of toys whose region holds θ.
///
/// [1] S. S. Wilks, Ann. Math. Statist. 9 (1938) 60; [2] G. Cowan et al., arXiv:1007.1727 §3.
public struct ToyFits: Sendable {
    /// The likelihood's name (as in contours.json) and mode.
    public let name: String
    public let mode: String
    /// θ̂_t, `[toys, nParameters]`.
    public let bestFits: Matrix<Double>
    /// q_t(θ) at the toys' point θ, `[toys]`.
    public let q: [Double]
    /// n_t, `[toys]`.
    public let events: [Int]
    /// k, the χ² degrees of freedom.
    public let parameterCount: Int

    /// Fits of `logLikelihood` `[toys, grid points]` with log L_t(θ) `atPoint` `[toys]` at the toys' point.
    /// - Throws: `SBIError.numerical` naming the toy whose log L is NaN or nowhere finite.
    public init(name: String, mode: String, logLikelihood: Matrix<Double>, atPoint: [Double], grid: ParameterGrid, toys: ToyEvents) throws {
        precondition(logLikelihood.rows == toys.count && logLikelihood.columns == grid.count && atPoint.count == toys.count,
                     "ToyFits: log L [\(logLikelihood.rows), \(logLikelihood.columns)] for \(toys.count) toys × \(grid.count) points")
        var fits = Matrix<Double>(rows: toys.count, columns: grid.parameterCount)
        var q = [Double](repeating: 0, count: toys.count)
        for t in 0..<toys.count {
            let row = logLikelihood.row(t)
            var best = -1
            for j in row.indices {
                if row[j].isNaN { best = -1; break }
                if row[j].isFinite, best < 0 || row[j] > row[best] { best = j }
            }
            guard best >= 0, !atPoint[t].isNaN else {
                throw SBIError.numerical("\(name): log L of toy \(toys.firstToy + t) is NaN or nowhere finite", field: "toys")
            }
            let (fit, peak) = LikelihoodScanResult.refine(grid: grid, logLikelihood: row, best: best)
            for i in fit.indices { fits[t, i] = fit[i] }
            q[t] = atPoint[t].isFinite ? max(0, -2 * (atPoint[t] - max(peak, atPoint[t]))) : .infinity
        }
        self.name = name
        self.mode = mode
        self.bestFits = fits
        self.q = q
        self.events = (0..<toys.count).map(toys.eventCount(ofToy:))
        self.parameterCount = grid.parameterCount
    }

    /// The fraction of toys whose `confidenceLevel` region holds the toys' point.
    public func coverage(confidenceLevel: Double) -> ToyCoverage {
        ToyCoverage(name: name, mode: mode, confidenceLevel: confidenceLevel, q: q, parameterCount: parameterCount)
    }
}

/// The coverage of one likelihood's regions at one confidence level, with its binomial uncertainty.
///
/// ```
/// ĉ = covered / toys,   σ(ĉ) = √(ĉ(1 − ĉ)/toys)   (binomial; at ĉ ∈ {0, 1}: √(CL(1 − CL)/toys))
/// ```
public struct ToyCoverage: Sendable, Codable, Equatable {
    public let name: String
    public let mode: String
    public let confidenceLevel: Double
    public let toys: Int
    public let covered: Int

    public init(name: String, mode: String, confidenceLevel: Double, toys: Int, covered: Int) {
        self.name = name
        self.mode = mode
        self.confidenceLevel = confidenceLevel
        self.toys = toys
        self.covered = covered
    }

    /// The coverage of toys with statistics `q` at the toys' point: toys with Q_χ²(q; k) ≥ 1 − CL.
    public init(name: String, mode: String, confidenceLevel: Double, q: [Double], parameterCount: Int) {
        let k = Double(parameterCount)
        let covered = q.filter { $0.isFinite && gsl_cdf_chisq_Q($0, k) >= 1 - confidenceLevel }.count
        self.init(name: name, mode: mode, confidenceLevel: confidenceLevel, toys: q.count, covered: covered)
    }

    /// ĉ.
    public var fraction: Double { toys > 0 ? Double(covered) / Double(toys) : 0 }
    /// σ(ĉ); where ĉ is 0 or 1 the nominal CL stands in for ĉ (the plug-in estimate would be 0).
    public var binomialError: Double {
        guard toys > 0 else { return 0 }
        let c = covered == 0 || covered == toys ? confidenceLevel : fraction
        return (c * (1 - c) / Double(toys)).squareRoot()
    }
    /// (ĉ − CL)/σ(ĉ): how many binomial standard deviations the coverage is from nominal.
    public var pull: Double { binomialError > 0 ? (fraction - confidenceLevel) / binomialError : 0 }
}
