import CGSL
import SBICore

/// A three-parameter Gaussian model with correlated parameters, whose every likelihood is known in
/// closed form: the exact test bed of limits in more than two parameters (profiles of pairs and of
/// single parameters), in the spirit of MadMiner's one-parameter Gaussian toy.
///
/// ```
/// z ~ N(θ, Σ_z),   x ~ N(z, 1₃),         Σ_z = 4 R,   R = ⎡ 1    0.6   0.3⎤
///                                                         ⎢ 0.6  1    −0.4⎥
///                                                         ⎣ 0.3 −0.4   1  ⎦
/// log p(z|θ) = −½ (z−θ)ᵀ Σ_z⁻¹ (z−θ) − ½ log det(2π Σ_z),     ∇θ log p(z|θ) = Σ_z⁻¹ (z−θ)
/// p(x|θ)     = N(x; θ, Σ_x),  Σ_x = Σ_z + 1₃,                 t(x|θ) = Σ_x⁻¹ (x−θ)
/// ```
/// Shapes: θ `[3]` (`theta1`, `theta2`, `theta3`, each in [−10, 10]); latent `[n, 3]` (`z1 … z3`);
/// observables `[n, 3]` (`x1 … x3`). The Fisher information of N events is N Σ_x⁻¹, so the profile
/// likelihood of any pair K is Gaussian with covariance (Σ_x)_KK / N (Wilks, exactly).
///
/// [1] J. Brehmer, G. Louppe, J. Pavez, K. Cranmer, arXiv:1805.12244 (the Gaussian toy this extends);
/// [2] G. Cowan, K. Cranmer, E. Gross, O. Vitells, arXiv:1007.1727 §2 (profile likelihood).
public struct TrivariateGaussianSimulator: ExactLikelihoodSimulator, Sendable {
    /// Variance of each z_i around θ_i.
    public static let latentVariance = 4.0
    /// Correlation matrix R of z (row-major 3×3).
    public static let latentCorrelation: [Double] = [1, 0.6, 0.3,
                                                     0.6, 1, -0.4,
                                                     0.3, -0.4, 1]

    public let name = "gaussian-3d"
    public let parameterSpace = ParameterSpace(names: ["theta1", "theta2", "theta3"], ranges: [-10.0...10.0, -10.0...10.0, -10.0...10.0],
                                               latexLabels: [#"\theta_1"#, #"\theta_2"#, #"\theta_3"#])
    public let observableNames = ["x1", "x2", "x3"]
    public let latentNames = ["z1", "z2", "z3"]

    /// Σ_z, its Cholesky factor (lower, row-major), inverse and log det(2π Σ_z).
    private let latentCholesky: [Double], latentInverse: [Double], latentLogNorm: Double
    /// Σ_x = Σ_z + 1, its inverse and log det(2π Σ_x).
    private let observableInverse: [Double], observableLogNorm: Double

    /// The model with the fixed covariances above.
    public init() {
        let sz = Self.latentCovariance
        latentCholesky = Self.cholesky(sz)
        latentInverse = Self.inverse(sz)
        latentLogNorm = 3 * log(2 * Double.pi) + Self.logDeterminant(sz)
        let sx = Self.observableCovariance
        observableInverse = Self.inverse(sx)
        observableLogNorm = 3 * log(2 * Double.pi) + Self.logDeterminant(sx)
    }

    /// Σ_z = 4 R (row-major 3×3).
    public static var latentCovariance: [Double] { latentCorrelation.map { latentVariance * $0 } }
    /// Σ_x = Σ_z + 1₃ (row-major 3×3): the covariance of x given θ, the inverse of the Fisher information per event.
    public static var observableCovariance: [Double] {
        var s = latentCovariance
        for i in 0..<3 { s[4 * i] += 1 }
        return s
    }

    /// Draws `count` events: z = θ + L ε₁ (Σ_z = L Lᵀ), x = z + ε₂ (ε standard normal, ziggurat).
    /// - Throws: `SBIError.data` naming `theta` or `count`.
    /// - Complexity: O(count), no allocation per event.
    public func simulate(at theta: [Double], count: Int, random: SeededRandom) throws -> EventBatch {
        try parameterSpace.validate(theta)
        try SimulatorInput.checkCount(count)
        var x = Matrix<Double>(rows: count, columns: 3)
        var z = Matrix<Double>(rows: count, columns: 3)
        let l = latentCholesky
        x.withUnsafeMutableBufferPointer { xp in
            z.withUnsafeMutableBufferPointer { zp in
                random.withGSLGenerator { rng in
                    for i in 0..<count {
                        let e0 = gsl_ran_gaussian_ziggurat(rng, 1), e1 = gsl_ran_gaussian_ziggurat(rng, 1), e2 = gsl_ran_gaussian_ziggurat(rng, 1)
                        let zi = (theta[0] + l[0] * e0,
                                  theta[1] + l[3] * e0 + l[4] * e1,
                                  theta[2] + l[6] * e0 + l[7] * e1 + l[8] * e2)
                        zp[3 * i] = zi.0; zp[3 * i + 1] = zi.1; zp[3 * i + 2] = zi.2
                        xp[3 * i] = zi.0 + gsl_ran_gaussian_ziggurat(rng, 1)
                        xp[3 * i + 1] = zi.1 + gsl_ran_gaussian_ziggurat(rng, 1)
                        xp[3 * i + 2] = zi.2 + gsl_ran_gaussian_ziggurat(rng, 1)
                    }
                }
            }
        }
        return EventBatch(observables: x, latent: z)
    }

    /// log p(z|θ) per row of `latent` `[n, 3]`, and ∇θ log p(z|θ) = Σ_z⁻¹ (z−θ) into `gradient` `[n, 3]` when non-nil.
    /// - Throws: `SBIError.data` naming `theta` or `latent`.
    public func jointLogLikelihood(latent: Matrix<Double>, at theta: [Double], gradient: inout Matrix<Double>?) throws -> [Double] {
        try parameterSpace.validate(theta)
        try SimulatorInput.checkMatrix(latent, columns: 3, names: latentNames, field: "latent")
        var g: Matrix<Double>? = gradient == nil ? nil : Matrix<Double>(rows: latent.rows, columns: 3)
        let out = Self.gaussianLogDensity(latent, mean: theta, inverse: latentInverse, logNorm: latentLogNorm, gradient: &g)
        if g != nil { gradient = g }
        return out
    }

    /// Exact log p(x|θ) = log N(x; θ, Σ_x) per row of `observables` `[n, 3]`.
    /// - Throws: `SBIError.data` naming `theta` or `observables`.
    public func exactLogLikelihood(observables: Matrix<Double>, at theta: [Double]) throws -> [Double] {
        try parameterSpace.validate(theta)
        try SimulatorInput.checkMatrix(observables, columns: 3, names: observableNames, field: "observables")
        var none: Matrix<Double>? = nil
        return Self.gaussianLogDensity(observables, mean: theta, inverse: observableInverse, logNorm: observableLogNorm, gradient: &none)
    }

    /// log p(x_i|θ_j) for every row θ_j of `thetas` `[nTheta, 3]`, `[nTheta, nEvents]`, written in place (no array per θ).
    /// - Throws: `SBIError.data` naming `theta` or `observables`.
    public func exactLogLikelihoods(observables: Matrix<Double>, at thetas: Matrix<Double>) throws -> Matrix<Double> {
        try SimulatorInput.checkMatrix(observables, columns: 3, names: observableNames, field: "observables")
        for j in 0..<thetas.rows { try parameterSpace.validate(thetas.row(j)) }
        var out = Matrix<Double>(rows: thetas.rows, columns: observables.rows)
        let a = observableInverse, half = 0.5 * observableLogNorm, n = observables.rows
        observables.withUnsafeBufferPointer { x in
            thetas.withUnsafeBufferPointer { t in
                out.withUnsafeMutableBufferPointer { o in
                    for j in 0..<thetas.rows {
                        let mean = (t[3 * j], t[3 * j + 1], t[3 * j + 2])
                        for i in 0..<n {
                            let d = (x[3 * i] - mean.0, x[3 * i + 1] - mean.1, x[3 * i + 2] - mean.2)
                            let q = a[0] * d.0 * d.0 + a[4] * d.1 * d.1 + a[8] * d.2 * d.2
                                + 2 * (a[1] * d.0 * d.1 + a[2] * d.0 * d.2 + a[5] * d.1 * d.2)
                            o[j * n + i] = -0.5 * q - half
                        }
                    }
                }
            }
        }
        return out
    }

    /// Exact score t(x|θ) = Σ_x⁻¹ (x−θ), `[n, 3]` for `observables` `[n, 3]`.
    /// - Throws: `SBIError.data` naming `theta` or `observables`.
    public func exactScore(observables: Matrix<Double>, at theta: [Double]) throws -> Matrix<Double> {
        try parameterSpace.validate(theta)
        try SimulatorInput.checkMatrix(observables, columns: 3, names: observableNames, field: "observables")
        var g: Matrix<Double>? = Matrix<Double>(rows: observables.rows, columns: 3)
        _ = Self.gaussianLogDensity(observables, mean: theta, inverse: observableInverse, logNorm: observableLogNorm, gradient: &g)
        return g!
    }

    /// −½ (v−μ)ᵀ A (v−μ) − ½ logNorm per row of `values` `[n, 3]`, A = Σ⁻¹; the gradient in μ, A (v−μ), when `gradient` is non-nil.
    private static func gaussianLogDensity(_ values: Matrix<Double>, mean: [Double], inverse a: [Double], logNorm: Double,
                                           gradient: inout Matrix<Double>?) -> [Double] {
        var out = [Double](repeating: 0, count: values.rows)
        var g = gradient ?? Matrix<Double>(rows: 0, columns: 3)
        let wantGradient = gradient != nil
        values.withUnsafeBufferPointer { v in
            g.withUnsafeMutableBufferPointer { gp in
                for i in 0..<values.rows {
                    let d = (v[3 * i] - mean[0], v[3 * i + 1] - mean[1], v[3 * i + 2] - mean[2])
                    let ad = (a[0] * d.0 + a[1] * d.1 + a[2] * d.2,
                              a[3] * d.0 + a[4] * d.1 + a[5] * d.2,
                              a[6] * d.0 + a[7] * d.1 + a[8] * d.2)
                    out[i] = -0.5 * (d.0 * ad.0 + d.1 * ad.1 + d.2 * ad.2) - 0.5 * logNorm
                    if wantGradient { gp[3 * i] = ad.0; gp[3 * i + 1] = ad.1; gp[3 * i + 2] = ad.2 }
                }
            }
        }
        if wantGradient { gradient = g }
        return out
    }

    /// Lower Cholesky factor of a symmetric positive definite 3×3 matrix (row-major).
    static func cholesky(_ s: [Double]) -> [Double] {
        var l = [Double](repeating: 0, count: 9)
        for i in 0..<3 {
            for j in 0...i {
                var sum = s[3 * i + j]
                for k in 0..<j { sum -= l[3 * i + k] * l[3 * j + k] }
                l[3 * i + j] = i == j ? sum.squareRoot() : sum / l[3 * j + j]
            }
        }
        return l
    }

    /// Determinant of a 3×3 matrix (row-major), by cofactors.
    static func determinant(_ m: [Double]) -> Double {
        m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6])
    }

    /// log det of a positive definite 3×3 matrix.
    static func logDeterminant(_ m: [Double]) -> Double { log(determinant(m)) }

    /// Inverse of an invertible 3×3 matrix (row-major), adjugate over determinant.
    static func inverse(_ m: [Double]) -> [Double] {
        let d = determinant(m)
        let adjugate = [m[4] * m[8] - m[5] * m[7], m[2] * m[7] - m[1] * m[8], m[1] * m[5] - m[2] * m[4],
                        m[5] * m[6] - m[3] * m[8], m[0] * m[8] - m[2] * m[6], m[2] * m[3] - m[0] * m[5],
                        m[3] * m[7] - m[4] * m[6], m[1] * m[6] - m[0] * m[7], m[0] * m[4] - m[1] * m[3]]
        return adjugate.map { $0 / d }
    }
}
