import CGSL

/// One-time set-up of GSL and conversion of its status codes into errors.
///
/// GSL's default error handler calls `abort()`. `GSL.prepare()` switches it off
/// (idempotent, thread-safe via a lazily initialised global); afterwards every
/// GSL call returns a status that `GSL.check` turns into `SBIError.numerical`
/// naming the GSL function.
public enum GSL {
    private static let handlerDisabled: Bool = {
        _ = gsl_set_error_handler_off()
        return true
    }()

    /// Switches GSL's aborting error handler off. Call before any GSL routine.
    @inline(__always)
    public static func prepare() { _ = handlerDisabled }

    /// Throws unless `status` is `GSL_SUCCESS`.
    public static func check(_ status: Int32, _ function: String) throws {
        guard status != GSL_SUCCESS else { return }
        throw SBIError.numerical("\(function) failed: \(String(cString: gsl_strerror(status)))", field: function)
    }
}
