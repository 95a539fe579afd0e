import SBICore

/// Standardisation of the network inputs with the training sample's mean and standard deviation.
///
/// ```
/// x̃_j = (x_j − μ_x,j)/σ_x,j        θ̃_k = (θ_k − μ_θ,k)/σ_θ,k
/// ∂f/∂θ_k = (∂f/∂θ̃_k)/σ_θ,k        ∂f/∂x_j = (∂f/∂x̃_j)/σ_x,j
/// ```
/// Computed in Double from the training data (MadMiner's default, arXiv:1805.12244),
/// applied inside the forward pass, stored with the model, so callers always pass raw
/// x and θ and get derivatives with respect to raw θ and x.
/// A column with zero spread (a constant input) gets σ = 1, so it is only centred.
public struct InputScaling: Codable, Equatable, Sendable {
    /// Means of the observables, `[nObservables]`.
    public var observableMean: [Double]
    /// Standard deviations of the observables, `[nObservables]`, all positive.
    public var observableStd: [Double]
    /// Means of the parameter inputs, `[nParameters]`.
    public var parameterMean: [Double]
    /// Standard deviations of the parameter inputs, `[nParameters]`, all positive.
    public var parameterStd: [Double]

    /// A scaling from explicit means and standard deviations.
    /// - Precondition: means and standard deviations have matching lengths.
    public init(observableMean: [Double], observableStd: [Double], parameterMean: [Double] = [], parameterStd: [Double] = []) {
        precondition(observableMean.count == observableStd.count,
                     "InputScaling: \(observableMean.count) observable means vs \(observableStd.count) standard deviations")
        precondition(parameterMean.count == parameterStd.count,
                     "InputScaling: \(parameterMean.count) parameter means vs \(parameterStd.count) standard deviations")
        self.observableMean = observableMean
        self.observableStd = observableStd
        self.parameterMean = parameterMean
        self.parameterStd = parameterStd
    }

    /// The identity map (μ = 0, σ = 1) for `nObservables` observables and `nParameters` parameters.
    public static func identity(nObservables: Int, nParameters: Int) -> InputScaling {
        InputScaling(observableMean: Array(repeating: 0, count: nObservables),
                     observableStd: Array(repeating: 1, count: nObservables),
                     parameterMean: Array(repeating: 0, count: nParameters),
                     parameterStd: Array(repeating: 1, count: nParameters))
    }

    /// Column means and (population) standard deviations of the training inputs, in Double.
    /// Shapes: `x` `[n, nObservables]`, `theta` `[n, nParameters]` or nil.
    public static func fit(x: Matrix<Float>, theta: Matrix<Float>?) -> InputScaling {
        let (mx, sx) = x.columnMeanAndStandardDeviation()
        var mt: [Double] = [], st: [Double] = []
        if let theta {
            precondition(theta.rows == x.rows, "InputScaling.fit: x has \(x.rows) rows, theta \(theta.rows)")
            (mt, st) = theta.columnMeanAndStandardDeviation()
        }
        func positive(_ s: [Double]) -> [Double] { s.map { $0 > 0 && $0.isFinite ? $0 : 1 } }
        return InputScaling(observableMean: mx, observableStd: positive(sx), parameterMean: mt, parameterStd: positive(st))
    }

    /// Checks the lengths against an architecture and that every σ is positive and finite
    /// (for scalings read from `model.json`).
    /// - Throws: `SBIError.data` naming the field.
    public func validate(for architecture: MLPArchitecture) throws {
        let fields: [(String, [Double], Int)] = [
            ("inputScaling.observableMean", observableMean, architecture.nObservables),
            ("inputScaling.observableStd", observableStd, architecture.nObservables),
            ("inputScaling.parameterMean", parameterMean, architecture.nParameters),
            ("inputScaling.parameterStd", parameterStd, architecture.nParameters),
        ]
        for (name, values, count) in fields {
            guard values.count == count else {
                throw SBIError.data("expected \(count) values, got \(values.count)", field: name)
            }
            for (i, v) in values.enumerated() where !v.isFinite || (name.hasSuffix("Std") && v <= 0) {
                throw SBIError.data("expected a finite\(name.hasSuffix("Std") ? ", positive" : "") number, got \(v)",
                                    field: "\(name)[\(i)]")
            }
        }
    }

    /// Float offsets and inverse scales of all inputs in network order `[x…, θ…]`, for the forward pass.
    var floatTables: (mean: [Float], inverseStd: [Float]) {
        let mean = (observableMean + parameterMean).map { Float($0) }
        let inverse = (observableStd + parameterStd).map { Float(1 / $0) }
        return (mean, inverse)
    }
}
