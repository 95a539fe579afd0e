/// Element-wise helpers. Each runs one loop over the contiguous storage and
/// allocates nothing per element (the in-place forms allocate nothing at all).
extension Matrix {
    /// Applies `f` to every element in place.
    @inlinable public mutating func apply(_ f: (Scalar) -> Scalar) {
        withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count { p[i] = f(p[i]) }
        }
    }

    /// A new matrix with `f` applied to every element.
    @inlinable public func mapped(_ f: (Scalar) -> Scalar) -> Matrix {
        var copy = self
        copy.apply(f)
        return copy
    }

    /// Combines with `other` element by element in place: `self[i] = f(self[i], other[i])`.
    /// - Precondition: equal shapes.
    @inlinable public mutating func combine(with other: Matrix, _ f: (Scalar, Scalar) -> Scalar) {
        precondition(other.rows == rows && other.columns == columns,
                     "combine: other is [\(other.rows), \(other.columns)], self is [\(rows), \(columns)]")
        other.withUnsafeBufferPointer { q in
            withUnsafeMutableBufferPointer { p in
                for i in 0..<p.count { p[i] = f(p[i], q[i]) }
            }
        }
    }

    /// `self ← self + other`.
    public static func += (lhs: inout Matrix, rhs: Matrix) { lhs.axpy(1, rhs) }
    /// `self ← self − other`.
    public static func -= (lhs: inout Matrix, rhs: Matrix) { lhs.axpy(-1, rhs) }

    /// Element-wise (Hadamard) product in place.
    public mutating func multiplyElementwise(by other: Matrix) { combine(with: other, *) }

    /// Adds `vector[j]` to every element of column `j` (bias broadcast over rows).
    /// - Precondition: `vector.count == columns`.
    public mutating func addRowVector(_ vector: [Scalar]) {
        precondition(vector.count == columns, "addRowVector: \(vector.count) elements for \(columns) columns")
        let c = columns, r = rows
        vector.withUnsafeBufferPointer { v in
            withUnsafeMutableBufferPointer { p in
                for i in 0..<r { for j in 0..<c { p[i * c + j] += v[j] } }
            }
        }
    }

    /// Sum of all elements (accumulated in Double).
    public func sum() -> Double {
        withUnsafeBufferPointer { p in
            var s = 0.0
            for v in p { s += Double(v) }
            return s
        }
    }

    /// Per-column mean and (population) standard deviation, in Double:
    ///
    /// ```
    /// μ_j = (1/n) Σ_i x_ij,   σ_j = sqrt((1/n) Σ_i (x_ij − μ_j)²)
    /// ```
    /// Two passes for numerical stability. Empty matrices give zeros.
    public func columnMeanAndStandardDeviation() -> (mean: [Double], std: [Double]) {
        var mean = [Double](repeating: 0, count: columns)
        var variance = [Double](repeating: 0, count: columns)
        if rows == 0 { return (mean, variance) }
        let c = columns
        withUnsafeBufferPointer { p in
            for i in 0..<rows { for j in 0..<c { mean[j] += Double(p[i * c + j]) } }
            for j in 0..<c { mean[j] /= Double(rows) }
            for i in 0..<rows {
                for j in 0..<c {
                    let d = Double(p[i * c + j]) - mean[j]
                    variance[j] += d * d
                }
            }
        }
        return (mean, variance.map { ($0 / Double(rows)).squareRoot() })
    }

    /// True when every element is finite (no NaN, no ±∞).
    public var isFinite: Bool {
        withUnsafeBufferPointer { p in p.allSatisfy { $0.isFinite } }
    }

    /// Index (row, column) of the first non-finite element, if any.
    public func firstNonFinite() -> (row: Int, column: Int)? {
        withUnsafeBufferPointer { p in
            guard let i = p.firstIndex(where: { !$0.isFinite }) else { return nil }
            return (columns == 0 ? 0 : i / columns, columns == 0 ? 0 : i % columns)
        }
    }
}
