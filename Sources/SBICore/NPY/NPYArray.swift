/// The elements of an `.npy` array in their stored type.
public enum NPYData: Equatable, Sendable {
    case float32([Float])
    case float64([Double])
    case int32([Int32])
    case int64([Int64])
    case bool([Bool])

    /// The dtype these elements are stored as.
    public var dtype: NPYDType {
        switch self {
        case .float32: return .float32
        case .float64: return .float64
        case .int32: return .int32
        case .int64: return .int64
        case .bool: return .bool
        }
    }

    /// Number of elements.
    public var count: Int {
        switch self {
        case .float32(let v): return v.count
        case .float64(let v): return v.count
        case .int32(let v): return v.count
        case .int64(let v): return v.count
        case .bool(let v): return v.count
        }
    }
}

/// An n-dimensional array as stored in an `.npy` file: a shape and C-ordered elements.
public struct NPYArray: Equatable, Sendable {
    /// Extents, outermost first; `[]` is a scalar.
    public let shape: [Int]
    /// Elements in C (row-major) order.
    public let data: NPYData

    /// - Precondition: the product of `shape` equals the element count.
    public init(shape: [Int], data: NPYData) {
        precondition(shape.reduce(1, *) == data.count,
                     "NPYArray: shape \(shape) holds \(shape.reduce(1, *)) elements, data has \(data.count)")
        self.shape = shape
        self.data = data
    }

    /// A rank-2 array holding `matrix`, stored as `<f4` or `<f8`.
    public init<T: BLASScalar>(_ matrix: Matrix<T>) {
        if let m = matrix as? Matrix<Float> {
            self.init(shape: [m.rows, m.columns], data: .float32(m.storage))
        } else {
            let d = matrix.converted(to: Double.self)
            self.init(shape: [d.rows, d.columns], data: .float64(d.storage))
        }
    }

    /// The element type.
    public var dtype: NPYDType { data.dtype }
    /// Number of elements.
    public var count: Int { data.count }

    /// All elements converted to `T` (bools become 0 and 1).
    public func elements<T: BLASScalar>(as: T.Type = T.self) -> [T] {
        switch data {
        case .float32(let v): return T.self == Float.self ? v as! [T] : v.map { T($0) }
        case .float64(let v): return T.self == Double.self ? v as! [T] : v.map { T($0) }
        case .int32(let v): return v.map { T($0) }
        case .int64(let v): return v.map { T($0) }
        case .bool(let v): return v.map { $0 ? 1 : 0 }
        }
    }

    /// The array as a matrix: rank 2 as it is, rank 1 as one column `[n, 1]`.
    /// - Throws: `SBIError.data` for other ranks, naming `file` when given.
    public func matrix<T: BLASScalar>(as: T.Type = T.self, file: String? = nil) throws -> Matrix<T> {
        switch shape.count {
        case 1: return Matrix(rows: shape[0], columns: 1, storage: elements(as: T.self))
        case 2: return Matrix(rows: shape[0], columns: shape[1], storage: elements(as: T.self))
        default:
            throw SBIError.data("expected a 1- or 2-dimensional array, got shape \(NPYHeader.formatShape(shape))",
                                file: file, field: "shape")
        }
    }
}
