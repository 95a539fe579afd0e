import SBICore
import SBIEstimators
import SBISimulation

/// The exact log-likelihood ratio of a simulator with a tractable p(x|θ), wrapped as a
/// `LogRatioEstimator` so that `truth` mode runs through the same code as `ml` mode.
///
/// ```
/// log r(x|θ, θ_ref) = log p(x|θ) − log p(x|θ_ref)
/// ```
/// Shapes: `x` `[nEvents, nObservables]`, `thetas` `[nTheta, nParameters]` → `[nTheta, nEvents]`.
///
/// [1] J. Brehmer et al., arXiv:1805.12244 (validation against the exact likelihood).
public struct ExactLogRatio: LogRatioEstimator {
    /// The simulator providing log p(x|θ).
    public let simulator: any ExactLikelihoodSimulator
    /// The reference point θ_ref.
    public let reference: [Double]

    /// - Throws: `SBIError.data` naming `reference` if it is not a valid parameter point.
    public init(simulator: any ExactLikelihoodSimulator, reference: [Double]) throws {
        try simulator.parameterSpace.validate(reference, field: "reference")
        self.simulator = simulator
        self.reference = reference
    }

    public var parameterCount: Int { simulator.parameterSpace.count }
    public var observableCount: Int { simulator.observableNames.count }

    /// log p(x|θ_j) − log p(x|θ_ref) for every θ_j and event.
    /// - Throws: `SBIError.data` on a shape mismatch or a θ outside the model's range.
    public func logRatio(x: Matrix<Double>, thetas: Matrix<Double>) throws -> Matrix<Double> {
        guard thetas.columns == parameterCount else {
            throw SBIError.data("thetas have \(thetas.columns) columns; the model has \(parameterCount) parameters", field: "thetas")
        }
        let base = try simulator.exactLogLikelihood(observables: x, at: reference)
        var out = Matrix<Double>(rows: thetas.rows, columns: x.rows)
        for j in 0..<thetas.rows {
            let numerator = try simulator.exactLogLikelihood(observables: x, at: thetas.row(j))
            out.withUnsafeMutableBufferPointer { op in
                for i in 0..<x.rows { op[j * x.rows + i] = numerator[i] - base[i] }
            }
        }
        return out
    }
}
