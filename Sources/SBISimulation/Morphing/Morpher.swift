import CGSL
import SBICore

/// Morphing: event weights at any θ from the weights at a basis of benchmark points.
///
/// With components α_c(θ) (see `MorphingComponents`) and basis points θ_b, the matrix
/// `A[b, c] = α_c(θ_b)` links benchmarks to components. The morphing matrix is
/// ```
/// M = A⁻¹                       (square basis: n_benchmarks = n_components)
/// M = A⁺ = V Σ⁻¹ Uᵀ             (over-determined basis: least squares, minimum-norm weights)
/// w_b(θ)   = Σ_c M[c, b] α_c(θ),        ∇_i w_b(θ) = Σ_c M[c, b] ∂_i α_c(θ)
/// w_e(θ)   = Σ_b w_b(θ) w_e(θ_b)        (morphed event weight)
/// ```
/// so that `Σ_b w_b(θ) α_c(θ_b) = α_c(θ)` for every component: any polynomial of these monomials
/// is reproduced exactly. The singular values come from GSL's one-sided Jacobi SVD
/// (`gsl_linalg_SV_decomp_jacobi`, accurate to high relative precision); the square case is
/// inverted through an LU decomposition (`gsl_linalg_LU_decomp`/`gsl_linalg_LU_invert`).
///
/// Shapes: `basis` `[nBenchmarks, nParameters]`, `matrix` `[nComponents, nBenchmarks]`
/// (MadMiner's `morphing_matrix` layout), weight gradients `[nParameters, nBenchmarks]`.
///
/// [1] J. Brehmer, K. Cranmer, G. Louppe, J. Pavez, arXiv:1805.00020, §III;
/// [2] MadMiner documentation, `PhysicsMorpher.calculate_morphing_matrix`.
public struct Morpher: Sendable {
    /// The components α_c.
    public let components: MorphingComponents
    /// The benchmark points θ_b, `[nBenchmarks, nParameters]`.
    public let basis: Matrix<Double>
    /// `M[c, b]`, `[nComponents, nBenchmarks]`.
    public let matrix: Matrix<Double>
    /// Condition number σ_max/σ_min of `A[b, c] = α_c(θ_b)`.
    public let conditionNumber: Double

    /// Bases whose component matrix has a larger condition number are refused: beyond it, the
    /// morphed weights lose more than ~4 of the 16 significant digits of a Double.
    public static let maximumConditionNumber = 1e12

    /// Number of benchmarks.
    public var benchmarkCount: Int { basis.rows }
    /// Number of parameters.
    public var parameterCount: Int { components.parameterCount }

    /// Builds the morphing matrix for `basis`.
    /// - Throws: `SBIError.data` (field `basis`) if the basis has the wrong number of columns, fewer
    ///   points than components, or non-finite values; `SBIError.numerical` if the component matrix is
    ///   singular or its condition number exceeds `maximumConditionNumber` (the message gives it).
    public init(components: MorphingComponents, basis: Matrix<Double>) throws {
        GSL.prepare()
        let nb = basis.rows, nc = components.count, np = components.parameterCount
        guard basis.columns == np else {
            throw SBIError.data("basis points have \(basis.columns) coordinates, the components \(np) parameters", field: "basis")
        }
        guard nb >= nc else {
            throw SBIError.data("\(nb) benchmarks cannot fix \(nc) morphing components; need at least \(nc)", field: "basis")
        }
        if let bad = basis.firstNonFinite() {
            throw SBIError.data("coordinate \(bad.column) is not finite", field: "basis[\(bad.row)]")
        }
        // A[b, c] = α_c(θ_b)
        var a = Matrix<Double>(rows: nb, columns: nc)
        a.withUnsafeMutableBufferPointer { ap in
            basis.withUnsafeBufferPointer { bp in
                for b in 0..<nb {
                    components.values(at: UnsafeBufferPointer(rebasing: bp[b * np ..< (b + 1) * np]),
                                      into: UnsafeMutableBufferPointer(rebasing: ap[b * nc ..< (b + 1) * nc]))
                }
            }
        }
        let svd = try Self.singularValueDecomposition(a)
        let smax = svd.s.max() ?? 0, smin = svd.s.min() ?? 0
        let condition = smin > 0 ? smax / smin : .infinity
        guard condition.isFinite, condition <= Self.maximumConditionNumber else {
            throw SBIError.numerical("the basis is singular: condition number of the component matrix is \(condition) (limit \(Self.maximumConditionNumber)); move the benchmarks apart",
                                     field: "basis")
        }
        var m = Matrix<Double>(rows: nc, columns: nb)
        if nb == nc {
            m = try Self.invert(a)
        } else {
            // A⁺[c, b] = Σ_k V[c, k] U[b, k] / s_k
            for c in 0..<nc {
                for b in 0..<nb {
                    var v = 0.0
                    for k in 0..<nc { v += svd.v[c, k] * svd.u[b, k] / svd.s[k] }
                    m[c, b] = v
                }
            }
        }
        self.components = components
        self.basis = basis
        self.matrix = m
        self.conditionNumber = condition
    }

    /// The morphing weights w_b(θ), `nBenchmarks` of them.
    /// - Precondition: `theta.count == parameterCount`.
    public func weights(at theta: [Double]) -> [Double] {
        precondition(theta.count == parameterCount, "Morpher.weights: θ has \(theta.count) entries, need \(parameterCount)")
        let alpha = components.values(at: theta)
        var w = [Double](repeating: 0, count: benchmarkCount)
        Matrix.gemv(matrix, transpose: true, alpha, into: &w)
        return w
    }

    /// ∇_i w_b(θ), `[nParameters, nBenchmarks]`.
    /// - Precondition: `theta.count == parameterCount`.
    public func weightGradients(at theta: [Double]) -> Matrix<Double> {
        precondition(theta.count == parameterCount, "Morpher.weightGradients: θ has \(theta.count) entries, need \(parameterCount)")
        var da = Matrix<Double>(rows: parameterCount, columns: components.count)
        theta.withUnsafeBufferPointer { t in da.withUnsafeMutableBufferPointer { components.gradients(at: t, into: $0) } }
        return Matrix.product(da, matrix)
    }

    /// Morphed event weights w_e(θ) = Σ_b w_b(θ) W[e, b] for `benchmarkWeights` `W` `[nEvents, nBenchmarks]`.
    /// - Precondition: `benchmarkWeights.columns == nBenchmarks`.
    /// - Complexity: one GEMV, 2·nEvents·nBenchmarks operations.
    public func eventWeights(benchmarkWeights: Matrix<Double>, at theta: [Double]) -> [Double] {
        precondition(benchmarkWeights.columns == benchmarkCount,
                     "Morpher.eventWeights: weights are [\(benchmarkWeights.rows), \(benchmarkWeights.columns)], need \(benchmarkCount) columns")
        var out = [Double](repeating: 0, count: benchmarkWeights.rows)
        Matrix.gemv(benchmarkWeights, weights(at: theta), into: &out)
        return out
    }

    /// Gradients of the morphed event weights, ∇_i w_e(θ) = Σ_b ∇_i w_b(θ) W[e, b], `[nEvents, nParameters]`.
    /// - Precondition: `benchmarkWeights.columns == nBenchmarks`.
    public func eventWeightGradients(benchmarkWeights: Matrix<Double>, at theta: [Double]) -> Matrix<Double> {
        precondition(benchmarkWeights.columns == benchmarkCount,
                     "Morpher.eventWeightGradients: weights are [\(benchmarkWeights.rows), \(benchmarkWeights.columns)], need \(benchmarkCount) columns")
        return Matrix.product(benchmarkWeights, weightGradients(at: theta), transposeB: true)
    }

    // MARK: GSL linear algebra

    /// Thin SVD `A = U diag(s) Vᵀ` of an `[m, n]` matrix with m ≥ n (one-sided Jacobi).
    static func singularValueDecomposition(_ a: Matrix<Double>) throws -> (u: Matrix<Double>, s: [Double], v: Matrix<Double>) {
        let m = a.rows, n = a.columns
        var u = a
        var v = Matrix<Double>(rows: n, columns: n)
        var s = [Double](repeating: 0, count: n)
        let status: Int32 = u.withUnsafeMutableBufferPointer { up in
            v.withUnsafeMutableBufferPointer { vp in
                s.withUnsafeMutableBufferPointer { sp in
                    var uView = gsl_matrix_view_array(up.baseAddress, m, n)
                    var vView = gsl_matrix_view_array(vp.baseAddress, n, n)
                    var sView = gsl_vector_view_array(sp.baseAddress, n)
                    return gsl_linalg_SV_decomp_jacobi(&uView.matrix, &vView.matrix, &sView.vector)
                }
            }
        }
        try GSL.check(status, "gsl_linalg_SV_decomp_jacobi")
        return (u, s, v)
    }

    /// The inverse of a square matrix by LU decomposition with partial pivoting.
    static func invert(_ a: Matrix<Double>) throws -> Matrix<Double> {
        let n = a.rows
        var lu = a
        var inverse = Matrix<Double>(rows: n, columns: n)
        guard let permutation = gsl_permutation_alloc(n) else {
            throw SBIError.numerical("gsl_permutation_alloc failed", field: "gsl_permutation_alloc")
        }
        defer { gsl_permutation_free(permutation) }
        var signum: Int32 = 0
        let decomposed: Int32 = lu.withUnsafeMutableBufferPointer { lp in
            var view = gsl_matrix_view_array(lp.baseAddress, n, n)
            return gsl_linalg_LU_decomp(&view.matrix, permutation, &signum)
        }
        try GSL.check(decomposed, "gsl_linalg_LU_decomp")
        let inverted: Int32 = lu.withUnsafeMutableBufferPointer { lp in
            inverse.withUnsafeMutableBufferPointer { ip in
                var view = gsl_matrix_view_array(lp.baseAddress, n, n)
                var out = gsl_matrix_view_array(ip.baseAddress, n, n)
                return gsl_linalg_LU_invert(&view.matrix, permutation, &out.matrix)
            }
        }
        try GSL.check(inverted, "gsl_linalg_LU_invert")
        return inverse
    }
}
