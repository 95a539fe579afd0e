import SBICore

/// SALLINO's one-dimensional statistic: the estimated score projected on the direction of θ − θ_ref.
///
/// ```
/// h(x|θ) = t̂(x|θ_ref) · (θ − θ_ref)
/// log r̂(x|θ, θ_ref) = log p̂(h(x|θ) | θ) − log p̂(h(x|θ) | θ_ref)
/// ```
/// To first order in θ − θ_ref, log p(x|θ) − log p(x|θ_ref) ≈ h(x|θ), so h is sufficient along
/// the line from θ_ref to θ; its 1-D densities p̂(h|θ) (histograms of h over events simulated at
/// θ, `ProjectedScoreDensity`) give a likelihood ratio whose cost does not grow with the number
/// of parameters. Inference builds one density per grid point θ.
/// Shapes: x `[nEvents, nObservables]`, θ and θ_ref `[nParameters]` → h `[nEvents]`.
/// [1] arXiv:1805.00020 §4 (SALLINO); arXiv:1805.00013.
public struct SALLINOStatistic {
    /// The score estimator t̂(x|θ_ref) (SALLY, an ensemble of them, or an exact score).
    public let estimator: any ScoreEstimator
    /// The reference point θ_ref at which t̂ was trained, `[nParameters]`.
    public let referenceTheta: [Double]

    /// - Precondition: `referenceTheta` has one value per parameter of the estimator.
    public init(estimator: any ScoreEstimator, referenceTheta: [Double]) {
        precondition(referenceTheta.count == estimator.parameterCount,
                     "SALLINOStatistic: θ_ref has \(referenceTheta.count) values, estimator has \(estimator.parameterCount) parameters")
        self.estimator = estimator
        self.referenceTheta = referenceTheta
    }

    /// h(x_i|θ) for every event.
    /// - Throws: `SBIError.data` naming `theta` for a wrong length or non-finite value; the estimator's errors.
    public func statistic(x: Matrix<Double>, theta: [Double]) throws -> [Double] {
        let t = try estimator.score(x: x)
        return try SALLINOStatistic.project(score: t, direction: direction(to: theta))
    }

    /// θ − θ_ref.
    /// - Throws: `SBIError.data` naming `theta`.
    public func direction(to theta: [Double]) throws -> [Double] {
        guard theta.count == referenceTheta.count, theta.allSatisfy(\.isFinite) else {
            throw SBIError.data("expected \(referenceTheta.count) finite values, got \(theta)", field: "theta")
        }
        return zip(theta, referenceTheta).map { $0 - $1 }
    }

    /// h_i = Σ_k t̂_ik·d_k for a score matrix `[n, P]` and a direction `[P]`.
    /// - Throws: `SBIError.data` naming `direction` when its length differs from P.
    public static func project(score: Matrix<Double>, direction: [Double]) throws -> [Double] {
        guard direction.count == score.columns else {
            throw SBIError.data("\(direction.count) components for a \(score.columns)-component score", field: "direction")
        }
        let p = score.columns
        var h = [Double](repeating: 0, count: score.rows)
        score.withUnsafeBufferPointer { s in
            for i in 0..<score.rows {
                var v = 0.0
                for k in 0..<p { v += s[i * p + k] * direction[k] }
                h[i] = v
            }
        }
        return h
    }
}
