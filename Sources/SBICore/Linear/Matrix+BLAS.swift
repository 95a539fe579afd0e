/// Shape-checked BLAS products on `Matrix` (OpenBLAS through CBLAS, row-major).
extension Matrix {
    /// General matrix product, accumulating into `c`.
    ///
    /// ```
    /// C ← α · op(A) · op(B) + β · C,   op(X) = X or Xᵀ
    /// ```
    /// - Precondition: `op(A)` is `[m, k]`, `op(B)` is `[k, n]`, `C` is `[m, n]`.
    /// - Complexity: 2·m·n·k floating-point operations.
    public static func gemm(_ a: Matrix, transposeA: Bool = false,
                            _ b: Matrix, transposeB: Bool = false,
                            alpha: Scalar = 1, beta: Scalar = 0, into c: inout Matrix) {
        let (m, ka) = transposeA ? (a.columns, a.rows) : (a.rows, a.columns)
        let (kb, n) = transposeB ? (b.columns, b.rows) : (b.rows, b.columns)
        precondition(ka == kb, "gemm: op(A) is [\(m), \(ka)] but op(B) is [\(kb), \(n)]")
        precondition(c.rows == m && c.columns == n,
                     "gemm: C is [\(c.rows), \(c.columns)], expected [\(m), \(n)]")
        if m == 0 || n == 0 { return }
        if ka == 0 {
            c.scale(by: beta)
            return
        }
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                c._storage.withUnsafeMutableBufferPointer { pc in
                    Scalar.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: ka,
                                alpha: alpha, a: pa.baseAddress!, lda: max(1, a.columns),
                                b: pb.baseAddress!, ldb: max(1, b.columns),
                                beta: beta, c: pc.baseAddress!, ldc: max(1, n))
                }
            }
        }
    }

    /// The product `op(A) · op(B)` as a new matrix.
    public static func product(_ a: Matrix, transposeA: Bool = false,
                               _ b: Matrix, transposeB: Bool = false) -> Matrix {
        let m = transposeA ? a.columns : a.rows
        let n = transposeB ? b.rows : b.columns
        var c = Matrix(rows: m, columns: n)
        gemm(a, transposeA: transposeA, b, transposeB: transposeB, into: &c)
        return c
    }

    /// Matrix-vector product, accumulating into `y`.
    ///
    /// ```
    /// y ← α · op(A) · x + β · y
    /// ```
    /// - Precondition: `x.count` equals the columns of `op(A)`, `y.count` its rows.
    public static func gemv(_ a: Matrix, transpose: Bool = false, _ x: [Scalar],
                            alpha: Scalar = 1, beta: Scalar = 0, into y: inout [Scalar]) {
        let (m, n) = transpose ? (a.columns, a.rows) : (a.rows, a.columns)
        precondition(x.count == n, "gemv: op(A) is [\(m), \(n)] but x has \(x.count) elements")
        precondition(y.count == m, "gemv: op(A) is [\(m), \(n)] but y has \(y.count) elements")
        if m == 0 { return }
        if n == 0 {
            for i in 0..<m { y[i] *= beta }
            return
        }
        a.storage.withUnsafeBufferPointer { pa in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in
                    Scalar.gemv(transpose: transpose, m: a.rows, n: a.columns, alpha: alpha,
                                a: pa.baseAddress!, lda: max(1, a.columns), x: px.baseAddress!, incx: 1,
                                beta: beta, y: py.baseAddress!, incy: 1)
                }
            }
        }
    }

    /// `self ← α · x + self` (BLAS axpy over all elements).
    /// - Precondition: equal shapes.
    public mutating func axpy(_ alpha: Scalar, _ x: Matrix) {
        precondition(x.rows == rows && x.columns == columns,
                     "axpy: x is [\(x.rows), \(x.columns)], self is [\(rows), \(columns)]")
        if count == 0 { return }
        x.storage.withUnsafeBufferPointer { px in
            _storage.withUnsafeMutableBufferPointer { py in
                Scalar.axpy(n: px.count, alpha: alpha, x: px.baseAddress!, incx: 1, y: py.baseAddress!, incy: 1)
            }
        }
    }

    /// `self ← α · self` (BLAS scal).
    public mutating func scale(by alpha: Scalar) {
        if count == 0 { return }
        _storage.withUnsafeMutableBufferPointer { p in
            Scalar.scal(n: p.count, alpha: alpha, x: p.baseAddress!, incx: 1)
        }
    }
}
