import CGSL
import SBICore

/// Adaptive one-dimensional integration of a Swift closure with GSL's QUADPACK routines.
///
/// ```
/// ∫_a^b f(x) dx        gsl_integration_qag  (Gauss–Kronrod 21, adaptive bisection)
/// ∫_a^∞ f(x) dx        gsl_integration_qagiu (x = a + (1−t)/t, then QAGS)
/// ∫_−∞^∞ f(x) dx       gsl_integration_qagi
/// ```
/// One workspace of `limit` subintervals is allocated per instance and reused by every call,
/// so a loop over events allocates nothing. Not thread-safe: one instance per thread.
final class Quadrature {
    private let workspace: UnsafeMutablePointer<gsl_integration_workspace>
    private let limit: Int

    /// A workspace for up to `limit` subintervals.
    init(limit: Int = 2000) {
        GSL.prepare()
        self.limit = limit
        workspace = gsl_integration_workspace_alloc(limit)
    }

    deinit { gsl_integration_workspace_free(workspace) }

    /// ∫_a^b f(x) dx to `relativeTolerance` or `absoluteTolerance`, whichever is reached first.
    /// - Throws: `SBIError.numerical` naming `gsl_integration_qag` if GSL cannot reach the tolerance.
    func integrate(from a: Double, to b: Double, absoluteTolerance: Double = 0, relativeTolerance: Double = 1e-10,
                   _ f: (Double) -> Double) throws -> Double {
        try call(f, name: "gsl_integration_qag", absoluteTolerance: absoluteTolerance) { fn, result, error in
            gsl_integration_qag(fn, a, b, absoluteTolerance, relativeTolerance, limit, Int32(GSL_INTEG_GAUSS21),
                                workspace, result, error)
        }
    }

    /// ∫_a^∞ f(x) dx.
    /// - Throws: `SBIError.numerical` naming `gsl_integration_qagiu`.
    func integrate(from a: Double, toInfinityWithAbsoluteTolerance absoluteTolerance: Double = 0,
                   relativeTolerance: Double = 1e-10, _ f: (Double) -> Double) throws -> Double {
        try call(f, name: "gsl_integration_qagiu", absoluteTolerance: absoluteTolerance) { fn, result, error in
            gsl_integration_qagiu(fn, a, absoluteTolerance, relativeTolerance, limit, workspace, result, error)
        }
    }

    /// ∫_−∞^∞ f(x) dx.
    /// - Throws: `SBIError.numerical` naming `gsl_integration_qagi`.
    func integrateOverRealLine(absoluteTolerance: Double = 0, relativeTolerance: Double = 1e-10,
                               _ f: (Double) -> Double) throws -> Double {
        try call(f, name: "gsl_integration_qagi", absoluteTolerance: absoluteTolerance) { fn, result, error in
            gsl_integration_qagi(fn, absoluteTolerance, relativeTolerance, limit, workspace, result, error)
        }
    }

    /// Wraps `f` in a `gsl_function` whose `params` points at the closure, runs `body`, checks the status.
    private func call(_ f: (Double) -> Double, name: String, absoluteTolerance: Double,
                      _ body: (UnsafeMutablePointer<gsl_function>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> Int32) throws -> Double {
        try withoutActuallyEscaping(f) { escapable in
            var closure = escapable
            return try withUnsafeMutablePointer(to: &closure) { closurePointer in
                var function = gsl_function(
                    function: { x, params in
                        params!.assumingMemoryBound(to: ((Double) -> Double).self).pointee(x)
                    },
                    params: UnsafeMutableRawPointer(closurePointer))
                var result = 0.0, error = 0.0
                let status = body(&function, &result, &error)
                // GSL_EROUND: the tolerance asked for is below what rounding allows; the result is
                // kept when GSL's own error estimate is still within 1e-8 relative (or the absolute tolerance).
                if status == GSL_EROUND && error <= max(absoluteTolerance, 1e-8 * abs(result)) { return result }
                try GSL.check(status, name)
                return result
            }
        }
    }
}
