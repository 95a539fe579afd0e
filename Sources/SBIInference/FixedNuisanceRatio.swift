import SBICore
import SBIEstimators

/// A ratio model over (θ, ν) seen as a model of θ alone, with the nuisance parameters ν held at
/// fixed values: the likelihood without systematic uncertainties, drawn next to the profiled one.
///
/// ```
/// log r̂_fixed(x|θ) = log r̂(x|θ, ν₀)
/// ```
/// Shapes: `thetas` `[nTheta, nParameters − nNuisance]` → the wrapped model's `[nTheta, nEvents]`.
/// [1] K. Cranmer, arXiv:1503.07622 §4 (statistical-only versus profiled results).
public struct FixedNuisanceRatio: LogRatioEstimator {
    /// The model of (θ, ν).
    public let base: any LogRatioEstimator
    /// ν₀, appended to every θ.
    public let nuisance: [Double]

    /// - Throws: `SBIError.data` (field `nuisance`) if the model has no more parameters than ν₀ has
    ///   values, or a value is not finite.
    public init(_ base: any LogRatioEstimator, nuisance: [Double]) throws {
        guard base.parameterCount > nuisance.count, nuisance.allSatisfy(\.isFinite) else {
            throw SBIError.data("cannot fix \(nuisance.count) nuisance value(s) \(nuisance) of a model with \(base.parameterCount) parameters",
                                field: "nuisance")
        }
        self.base = base
        self.nuisance = nuisance
    }

    public var parameterCount: Int { base.parameterCount - nuisance.count }
    public var observableCount: Int { base.observableCount }

    /// log r̂(x_i|θ_j, ν₀) for every θ_j and event.
    /// - Throws: `SBIError.data` for `thetas` without one column per parameter of interest; the model's errors.
    public func logRatio(x: Matrix<Double>, thetas: Matrix<Double>) throws -> Matrix<Double> {
        guard thetas.columns == parameterCount else {
            throw SBIError.data("θ has \(thetas.columns) columns; expected \(parameterCount)", field: "thetas")
        }
        let k = thetas.columns, total = base.parameterCount
        let full = Matrix<Double>(rows: thetas.rows, columns: total) { j, i in i < k ? thetas[j, i] : nuisance[i - k] }
        return try base.logRatio(x: x, thetas: full)
    }
}
