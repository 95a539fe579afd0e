import COpenBLAS

/// A floating-point type OpenBLAS has routines for: `Float` (s-routines) and `Double` (d-routines).
///
/// The static functions are thin, allocation-free wrappers over CBLAS on raw
/// row-major buffers; `Matrix` builds its shape-checked API on them, and hot
/// loops (network layers) call them directly on preallocated workspaces.
public protocol BLASScalar: BinaryFloatingPoint, Sendable where Self.RawSignificand: FixedWidthInteger {
    /// `C ← α·op(A)·op(B) + β·C`, row-major; `op(A)` is `[m, k]`, `op(B)` is `[k, n]`, `C` is `[m, n]`.
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                     alpha: Self, a: UnsafePointer<Self>, lda: Int,
                     b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// `y ← α·op(A)·x + β·y`, row-major `A` of `[m, n]`.
    static func gemv(transpose: Bool, m: Int, n: Int, alpha: Self,
                     a: UnsafePointer<Self>, lda: Int, x: UnsafePointer<Self>, incx: Int,
                     beta: Self, y: UnsafeMutablePointer<Self>, incy: Int)
    /// `y ← α·x + y` over `n` elements.
    static func axpy(n: Int, alpha: Self, x: UnsafePointer<Self>, incx: Int,
                     y: UnsafeMutablePointer<Self>, incy: Int)
    /// `Σ x_i y_i` over `n` elements.
    static func dot(n: Int, x: UnsafePointer<Self>, incx: Int, y: UnsafePointer<Self>, incy: Int) -> Self
    /// `x ← α·x` over `n` elements.
    static func scal(n: Int, alpha: Self, x: UnsafeMutablePointer<Self>, incx: Int)
    /// The NPY dtype string of this type (`<f4` or `<f8`).
    static var npyDescriptor: String { get }
}

@inline(__always)
private func cblasTranspose(_ t: Bool) -> CBLAS_TRANSPOSE { t ? CblasTrans : CblasNoTrans }

extension Float: BLASScalar {
    @inlinable public static var npyDescriptor: String { "<f4" }

    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                            alpha: Float, a: UnsafePointer<Float>, lda: Int,
                            b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, cblasTranspose(transposeA), cblasTranspose(transposeB),
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda),
                    b, blasint(ldb), beta, c, blasint(ldc))
    }

    public static func gemv(transpose: Bool, m: Int, n: Int, alpha: Float,
                            a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>, incx: Int,
                            beta: Float, y: UnsafeMutablePointer<Float>, incy: Int) {
        cblas_sgemv(CblasRowMajor, cblasTranspose(transpose), blasint(m), blasint(n), alpha,
                    a, blasint(lda), x, blasint(incx), beta, y, blasint(incy))
    }

    public static func axpy(n: Int, alpha: Float, x: UnsafePointer<Float>, incx: Int,
                            y: UnsafeMutablePointer<Float>, incy: Int) {
        cblas_saxpy(blasint(n), alpha, x, blasint(incx), y, blasint(incy))
    }

    public static func dot(n: Int, x: UnsafePointer<Float>, incx: Int,
                           y: UnsafePointer<Float>, incy: Int) -> Float {
        cblas_sdot(blasint(n), x, blasint(incx), y, blasint(incy))
    }

    public static func scal(n: Int, alpha: Float, x: UnsafeMutablePointer<Float>, incx: Int) {
        cblas_sscal(blasint(n), alpha, x, blasint(incx))
    }
}

extension Double: BLASScalar {
    @inlinable public static var npyDescriptor: String { "<f8" }

    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                            alpha: Double, a: UnsafePointer<Double>, lda: Int,
                            b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, cblasTranspose(transposeA), cblasTranspose(transposeB),
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda),
                    b, blasint(ldb), beta, c, blasint(ldc))
    }

    public static func gemv(transpose: Bool, m: Int, n: Int, alpha: Double,
                            a: UnsafePointer<Double>, lda: Int, x: UnsafePointer<Double>, incx: Int,
                            beta: Double, y: UnsafeMutablePointer<Double>, incy: Int) {
        cblas_dgemv(CblasRowMajor, cblasTranspose(transpose), blasint(m), blasint(n), alpha,
                    a, blasint(lda), x, blasint(incx), beta, y, blasint(incy))
    }

    public static func axpy(n: Int, alpha: Double, x: UnsafePointer<Double>, incx: Int,
                            y: UnsafeMutablePointer<Double>, incy: Int) {
        cblas_daxpy(blasint(n), alpha, x, blasint(incx), y, blasint(incy))
    }

    public static func dot(n: Int, x: UnsafePointer<Double>, incx: Int,
                           y: UnsafePointer<Double>, incy: Int) -> Double {
        cblas_ddot(blasint(n), x, blasint(incx), y, blasint(incy))
    }

    public static func scal(n: Int, alpha: Double, x: UnsafeMutablePointer<Double>, incx: Int) {
        cblas_dscal(blasint(n), alpha, x, blasint(incx))
    }
}

/// Facts about the BLAS library actually linked.
public enum BLASLibrary {
    /// OpenBLAS's build configuration string, e.g. `OpenBLAS 0.3.21 DYNAMIC_ARCH ... Haswell MAX_THREADS=64`.
    /// Its presence proves the cblas symbols resolve to OpenBLAS, not GSL's reference gslcblas.
    public static var configuration: String { String(cString: openblas_get_config()) }
    /// The CPU kernel OpenBLAS picked at run time.
    public static var coreName: String { String(cString: openblas_get_corename()) }
    /// Threads OpenBLAS uses.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }
    /// Sets the number of threads OpenBLAS uses (`sbi --threads N`).
    public static func setThreadCount(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }
}
