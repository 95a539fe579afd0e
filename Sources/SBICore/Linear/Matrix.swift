/// A dense, contiguous, row-major matrix of `Float` or `Double`.
///
/// Storage is one Swift array of `rows * columns` elements: element `(i, j)` is
/// at `i * columns + j`. There is no `[[T]]` anywhere; batches of samples are
/// matrices `[nSamples, nFeatures]`. Value semantics (copy on write).
///
/// Shapes are checked with `precondition` on every operation: a mismatch is a
/// programming error, and the message gives both shapes. Input from files or
/// users is validated before it reaches a `Matrix` and throws `SBIError`.
public struct Matrix<Scalar: BLASScalar>: Equatable, Sendable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// Row-major elements, `rows * columns` of them.
    @usableFromInline internal var _storage: [Scalar]
    /// Row-major elements, `rows * columns` of them (read-only; mutate through
    /// subscripts, `withUnsafeMutableBufferPointer` or the BLAS operations).
    @inlinable public var storage: [Scalar] { _storage }

    /// A matrix filled with `value`.
    public init(rows: Int, columns: Int, repeating value: Scalar = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix shape [\(rows), \(columns)] is negative")
        self.rows = rows
        self.columns = columns
        self._storage = [Scalar](repeating: value, count: rows * columns)
    }

    /// A matrix over existing row-major elements.
    /// - Precondition: `storage.count == rows * columns`.
    public init(rows: Int, columns: Int, storage: [Scalar]) {
        precondition(rows >= 0 && columns >= 0, "Matrix shape [\(rows), \(columns)] is negative")
        precondition(storage.count == rows * columns,
                     "Matrix [\(rows), \(columns)] needs \(rows * columns) elements, got \(storage.count)")
        self.rows = rows
        self.columns = columns
        self._storage = storage
    }

    /// A matrix whose element `(i, j)` is `f(i, j)`; for tests and small set-ups, not hot loops.
    public init(rows: Int, columns: Int, _ f: (Int, Int) -> Scalar) {
        self.init(rows: rows, columns: columns)
        _storage.withUnsafeMutableBufferPointer { p in
            for i in 0..<rows { for j in 0..<columns { p[i * columns + j] = f(i, j) } }
        }
    }

    /// The identity matrix of size `n`.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m._storage[i * n + i] = 1 }
        return m
    }

    /// `[rows, columns]`.
    public var shape: [Int] { [rows, columns] }
    /// Number of elements.
    public var count: Int { storage.count }

    /// Element `(row, column)`.
    @inlinable public subscript(row: Int, column: Int) -> Scalar {
        get {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns,
                         "index (\(row), \(column)) outside Matrix [\(rows), \(columns)]")
            return storage[row * columns + column]
        }
        set {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns,
                         "index (\(row), \(column)) outside Matrix [\(rows), \(columns)]")
            _storage[row * columns + column] = newValue
        }
    }

    /// A copy of row `i` as an array.
    public func row(_ i: Int) -> [Scalar] {
        precondition(i >= 0 && i < rows, "row \(i) outside Matrix [\(rows), \(columns)]")
        return Array(storage[i * columns ..< (i + 1) * columns])
    }

    /// A copy of column `j` as an array.
    public func column(_ j: Int) -> [Scalar] {
        precondition(j >= 0 && j < columns, "column \(j) outside Matrix [\(rows), \(columns)]")
        return (0..<rows).map { storage[$0 * columns + j] }
    }

    /// Rows `range` as a new matrix (one contiguous copy).
    public func rows(_ range: Range<Int>) -> Matrix {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows,
                     "rows \(range) outside Matrix [\(rows), \(columns)]")
        return Matrix(rows: range.count, columns: columns,
                      storage: Array(storage[range.lowerBound * columns ..< range.upperBound * columns]))
    }

    /// The transpose, as a new matrix.
    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        storage.withUnsafeBufferPointer { src in
            t._storage.withUnsafeMutableBufferPointer { dst in
                for i in 0..<rows { for j in 0..<columns { dst[j * rows + i] = src[i * columns + j] } }
            }
        }
        return t
    }

    /// Calls `body` with the elements' buffer.
    @inlinable public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with the elements' mutable buffer.
    @inlinable public mutating func withUnsafeMutableBufferPointer<R>(_ body: (inout UnsafeMutableBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try _storage.withUnsafeMutableBufferPointer(body)
    }

    /// The same elements read as another shape with equal element count.
    public func reshaped(rows newRows: Int, columns newColumns: Int) -> Matrix {
        Matrix(rows: newRows, columns: newColumns, storage: storage)
    }

    /// Converted element by element to another scalar type (Float ↔ Double).
    public func converted<T: BLASScalar>(to: T.Type = T.self) -> Matrix<T> {
        var out = Matrix<T>(rows: rows, columns: columns)
        storage.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<src.count { dst[i] = T(src[i]) }
            }
        }
        return out
    }
}
