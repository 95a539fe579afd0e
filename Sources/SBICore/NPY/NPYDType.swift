/// The element types sbi reads and writes in `.npy` files: little-endian
/// floats and integers and numpy's one-byte bool. Everything else (big-endian,
/// object, structured, unicode, Fortran order) is refused with a clear error.
public enum NPYDType: String, CaseIterable, Sendable {
    case float32 = "<f4"
    case float64 = "<f8"
    case int32 = "<i4"
    case int64 = "<i8"
    case bool = "|b1"

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        case .bool: return 1
        }
    }

    /// The dtype strings accepted, for error messages: `<f4 <f8 <i4 <i8 |b1`.
    public static var acceptedList: String { allCases.map(\.rawValue).joined(separator: " ") }
}
