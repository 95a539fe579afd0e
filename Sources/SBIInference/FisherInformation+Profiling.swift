import CGSL
import SBICore

extension FisherInformation {
    /// Indices of `parameters` (names) in this matrix.
    /// - Throws: `SBIError.data` naming `parameters` for an unknown or repeated name.
    public func indices(of parameters: [String]) throws -> [Int] {
        var out: [Int] = []
        for p in parameters {
            guard let i = names.firstIndex(of: p) else {
                throw SBIError.data("unknown parameter \"\(p)\"; expected one of \(names.joined(separator: ", "))", field: "parameters")
            }
            guard !out.contains(i) else { throw SBIError.data("parameter \"\(p)\" given twice", field: "parameters") }
            out.append(i)
        }
        return out
    }

    /// Projection onto the parameters `keep` (the others fixed at their values): the sub-matrix I_pp.
    ///
    /// ```
    /// I_proj = I_pp
    /// ```
    /// [1] arXiv:1612.05261 §2.
    public func projected(onto keep: [String]) throws -> FisherInformation {
        let p = try indices(of: keep)
        return FisherInformation(names: p.map { names[$0] }, matrix: Matrix(rows: p.count, columns: p.count) { i, j in matrix[p[i], p[j]] })
    }

    /// Profiling over the parameters not in `keep` (nuisance n): the Schur complement.
    ///
    /// ```
    /// I_prof = I_pp − I_pn I_nn⁻¹ I_np
    /// ```
    /// I_nn⁻¹ I_np is solved with GSL's Cholesky factorisation (I_nn must be positive definite).
    /// - Throws: `SBIError.numerical` if I_nn is singular.
    /// [1] arXiv:1612.05261 §2 (profiled Fisher information).
    public func profiled(keeping keep: [String]) throws -> FisherInformation {
        let p = try indices(of: keep)
        let nuisance = (0..<count).filter { !p.contains($0) }
        var out = Matrix<Double>(rows: p.count, columns: p.count) { i, j in matrix[p[i], p[j]] }
        guard !nuisance.isEmpty else { return FisherInformation(names: p.map { names[$0] }, matrix: out) }
        GSL.prepare()
        let nn = nuisance.count
        var a = Matrix<Double>(rows: nn, columns: nn) { i, j in matrix[nuisance[i], nuisance[j]] }
        try a.withUnsafeMutableBufferPointer { ap in
            var view = gsl_matrix_view_array(ap.baseAddress, nn, nn)
            try GSL.check(gsl_linalg_cholesky_decomp1(&view.matrix), "gsl_linalg_cholesky_decomp1")
        }
        for j in 0..<p.count {
            // Solve I_nn y = I_np[:, j], then subtract I_pn y.
            var rhs = nuisance.map { matrix[$0, p[j]] }
            var y = [Double](repeating: 0, count: nn)
            try a.withUnsafeMutableBufferPointer { ap in
                var view = gsl_matrix_view_array(ap.baseAddress, nn, nn)
                try rhs.withUnsafeMutableBufferPointer { bp in
                    try y.withUnsafeMutableBufferPointer { yp in
                        var b = gsl_vector_view_array(bp.baseAddress, nn)
                        var x = gsl_vector_view_array(yp.baseAddress, nn)
                        try GSL.check(gsl_linalg_cholesky_solve(&view.matrix, &b.vector, &x.vector), "gsl_linalg_cholesky_solve")
                    }
                }
            }
            for i in 0..<p.count {
                var s = 0.0
                for k in 0..<nn { s += matrix[p[i], nuisance[k]] * y[k] }
                out[i, j] -= s
            }
        }
        return FisherInformation(names: p.map { names[$0] }, matrix: out)
    }

    /// The linearised contour of this (1- or 2-parameter) information around `center`.
    ///
    /// ```
    /// Δθᵀ I Δθ = c,   c = gsl_cdf_chisq_Qinv(1 − CL, k);   Δθ = √c · L⁻ᵀ u,  I = L Lᵀ,  |u| = 1
    /// ```
    /// For k = 1 the path is the two end points θ ± √(c/I) (open); for k = 2 a closed ellipse of
    /// `points` vertices.
    /// - Throws: `SBIError.data` for CL outside (0, 1) or more than 2 parameters;
    ///   `SBIError.numerical` if I is not positive definite.
    public func linearizedContour(confidenceLevel cl: Double, center: [Double], points: Int = 128) throws -> ContourPath {
        try ConfidenceLevels.check([cl])
        guard (1...2).contains(count), center.count == count else {
            throw SBIError.data("linearised contours need 1 or 2 parameters (project or profile first); have \(count), center has \(center.count)",
                                field: "parameters")
        }
        let c = gsl_cdf_chisq_Qinv(1 - cl, Double(count))
        if count == 1 {
            guard matrix[0, 0] > 0 else { throw SBIError.numerical("Fisher information \(matrix[0, 0]) is not positive", field: "fisher") }
            let half = (c / matrix[0, 0]).squareRoot()
            return ContourPath(xs: [center[0] - half, center[0] + half], ys: [0, 0], closed: false)
        }
        let l00 = matrix[0, 0].squareRoot()
        guard l00 > 0 else { throw SBIError.numerical("Fisher information is not positive definite", field: "fisher") }
        let l10 = matrix[1, 0] / l00
        let d = matrix[1, 1] - l10 * l10
        guard d > 0 else { throw SBIError.numerical("Fisher information is not positive definite", field: "fisher") }
        let l11 = d.squareRoot()
        var xs: [Double] = [], ys: [Double] = []
        let r = c.squareRoot()
        for k in 0..<points {
            let phi = 2 * Double.pi * Double(k) / Double(points)
            let u0 = r * cos(phi), u1 = r * sin(phi)
            // Lᵀ Δ = u:  [l00 l10; 0 l11] Δ = u.
            let d1 = u1 / l11
            let d0 = (u0 - l10 * d1) / l00
            xs.append(center[0] + d0)
            ys.append(center[1] + d1)
        }
        return ContourPath(xs: xs, ys: ys, closed: true)
    }
}
