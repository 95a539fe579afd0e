import CGSL
import SBICore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Confidence regions from p-values on a grid: 1-D intervals and 2-D contours, with optional
/// bicubic refinement.
///
/// ```
/// region(CL) = {θ : p(θ) ≥ 1 − CL}
/// 1-D: ends where p crosses 1 − CL, by linear interpolation between grid points
/// 2-D: marching squares at level 1 − CL; refined: on a factor-times finer grid of the
///      bicubic interpolant of p (gsl_spline2d, gsl_interp2d_bicubic), clamped to [0, 1]
/// ```
/// [1] arXiv:1805.00020 §5 (expected exclusion contours from p-value grids).
public enum ConfidenceRegion {
    /// The (possibly several, disjoint) intervals where `values ≥ level` on the axis `xs`.
    /// - Precondition: `values.count == xs.count ≥ 1`.
    public static func intervals(xs: [Double], values: [Double], level: Double) -> [ConfidenceInterval] {
        precondition(xs.count == values.count && !xs.isEmpty, "ConfidenceRegion.intervals: \(xs.count) xs, \(values.count) values")
        func crossing(_ k: Int) -> Double {   // between k and k+1
            let v1 = values[k], v2 = values[k + 1]
            guard v1.isFinite, v2.isFinite, v1 != v2 else { return 0.5 * (xs[k] + xs[k + 1]) }
            let s = min(1, max(0, (level - v1) / (v2 - v1)))
            return xs[k] + s * (xs[k + 1] - xs[k])
        }
        var out: [ConfidenceInterval] = []
        var start: (Double, Bool)?
        for k in 0..<xs.count {
            let isIn = values[k] >= level
            if isIn && start == nil {
                start = k == 0 ? (xs[0], true) : (crossing(k - 1), false)
            } else if !isIn, let s = start {
                out.append(ConfidenceInterval(lower: s.0, upper: crossing(k - 1), lowerClipped: s.1, upperClipped: false))
                start = nil
            }
        }
        if let s = start {
            out.append(ConfidenceInterval(lower: s.0, upper: xs[xs.count - 1], lowerClipped: s.1, upperClipped: true))
        }
        return out
    }

    /// The 1-D intervals of a scan at confidence level `cl`, exact for a Gaussian likelihood even when
    /// the interval is narrower than the grid spacing.
    ///
    /// ```
    /// q_c = Q⁻¹_χ²(1 − CL; k = 1)
    /// nodes: the grid points plus the refined best fit θ̂ (q = 0)
    /// ends: where √q crosses √q_c, by linear interpolation of √q between neighbouring nodes
    /// ```
    /// √q = |θ − θ̂|/σ is linear on each side of θ̂ when log L is quadratic, so the ends are exact
    /// there; on any likelihood they agree with interpolating p to second order in the spacing.
    /// - Throws: `SBIError.data` unless the scan is on a 1-D regular grid (use `contours` for two
    ///   parameters) and 0 < `cl` < 1.
    ///
    /// [1] S. S. Wilks, Ann. Math. Statist. 9 (1938) 60; [2] arXiv:1805.00020 §5.
    public static func intervals(scan: LikelihoodScanResult, confidenceLevel cl: Double) throws -> [ConfidenceInterval] {
        guard let axes = scan.grid.axes, axes.count == 1 else {
            throw SBIError.data("intervals need a scan on a regular grid of one parameter; have \(scan.grid.parameterCount)\(scan.grid.isRegular ? "" : " (a point list)"); use contours for two", field: "grid")
        }
        guard cl > 0 && cl < 1 else { throw SBIError.data("confidence level \(cl); expected a number in (0, 1)", field: "confidence-levels") }
        var xs = axes[0].values
        var rootQ = scan.q.map { $0.isFinite ? -$0.squareRoot() : -Double.infinity }
        let fit = scan.bestFit[0]
        if let k = xs.firstIndex(where: { $0 >= fit }), xs[k] != fit, k > 0 {
            xs.insert(fit, at: k)
            rootQ.insert(0, at: k)
        }
        return intervals(xs: xs, values: rootQ, level: -gsl_cdf_chisq_Qinv(1 - cl, 1).squareRoot())
    }

    /// Contours of a 2-D p-value grid at `1 − cl`, optionally on a `refinement`-times finer bicubic grid.
    /// - Throws: `SBIError.data` for a CL outside (0, 1) or a refinement < 1 / a grid smaller than 4×4 when
    ///   refining; `SBIError.numerical` from GSL.
    public static func contours(xs: [Double], ys: [Double], pValues: [Double], confidenceLevel cl: Double,
                                refinement: Int = 1) throws -> [ContourPath] {
        try ConfidenceLevels.check([cl])
        guard refinement >= 1 else { throw SBIError.data("refinement \(refinement); expected ≥ 1", field: "refinement") }
        if refinement == 1 { return MarchingSquares.contours(xs: xs, ys: ys, values: pValues, level: 1 - cl) }
        let fine = try bicubic(xs: xs, ys: ys, values: pValues, factor: refinement)
        return MarchingSquares.contours(xs: fine.xs, ys: fine.ys, values: fine.values, level: 1 - cl)
    }

    /// Resamples `values` (x slow, y fast) on a grid `factor` times finer with GSL's bicubic spline.
    public static func bicubic(xs: [Double], ys: [Double], values: [Double], factor: Int) throws
        -> (xs: [Double], ys: [Double], values: [Double]) {
        let nx = xs.count, ny = ys.count
        precondition(values.count == nx * ny, "ConfidenceRegion.bicubic: \(values.count) values for [\(nx), \(ny)]")
        guard nx >= 4, ny >= 4 else {
            throw SBIError.data("bicubic refinement needs at least 4×4 grid points; have \(nx)×\(ny)", field: "refinement")
        }
        GSL.prepare()
        // GSL's layout is z[j·nx + i] (x fastest); ours is x slow.
        var z = [Double](repeating: 0, count: nx * ny)
        for i in 0..<nx { for j in 0..<ny { z[j * nx + i] = values[i * ny + j].isFinite ? values[i * ny + j] : 0 } }
        guard let type = bicubicType(), let spline = gsl_spline2d_alloc(type, nx, ny) else {
            throw SBIError.numerical("gsl_spline2d_alloc failed", field: "gsl_spline2d_alloc")
        }
        defer { gsl_spline2d_free(spline) }
        let xa = gsl_interp_accel_alloc(), ya = gsl_interp_accel_alloc()
        defer { gsl_interp_accel_free(xa); gsl_interp_accel_free(ya) }
        try GSL.check(gsl_spline2d_init(spline, xs, ys, z, nx, ny), "gsl_spline2d_init")
        func fine(_ axis: [Double]) -> [Double] {
            var out: [Double] = []
            for k in 0..<(axis.count - 1) {
                for s in 0..<factor { out.append(axis[k] + (axis[k + 1] - axis[k]) * Double(s) / Double(factor)) }
            }
            out.append(axis[axis.count - 1])
            return out
        }
        let fx = fine(xs), fy = fine(ys)
        var out = [Double](repeating: 0, count: fx.count * fy.count)
        for i in 0..<fx.count {
            for j in 0..<fy.count {
                var value = 0.0
                try GSL.check(gsl_spline2d_eval_e(spline, fx[i], fy[j], xa, ya, &value), "gsl_spline2d_eval_e")
                out[i * fy.count + j] = min(1, max(0, value))
            }
        }
        return (fx, fy, out)
    }

    /// GSL's `gsl_interp2d_bicubic`, a `const` pointer exported as a C global that Swift 6 refuses
    /// to read from non-isolated code; looked up once by symbol name instead (the value never changes).
    static func bicubicType() -> UnsafePointer<gsl_interp2d_type>? {
        guard let handle = dlopen(nil, RTLD_NOW),
              let symbol = dlsym(handle, "gsl_interp2d_bicubic") else { return nil }
        return symbol.assumingMemoryBound(to: UnsafePointer<gsl_interp2d_type>?.self).pointee
    }
}
