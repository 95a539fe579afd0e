import XCTest
@testable import SBICore

/// GEMM, GEMV and AXPY through OpenBLAS against naive loops in Double.
final class MatrixBLASTests: XCTestCase {
    private func naiveProduct(_ a: Matrix<Double>, _ ta: Bool, _ b: Matrix<Double>, _ tb: Bool) -> Matrix<Double> {
        let m = ta ? a.columns : a.rows, k = ta ? a.rows : a.columns, n = tb ? b.rows : b.columns
        var c = Matrix<Double>(rows: m, columns: n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for l in 0..<k { s += (ta ? a[l, i] : a[i, l]) * (tb ? b[j, l] : b[l, j]) }
                c[i, j] = s
            }
        }
        return c
    }

    private func randomMatrix(_ rows: Int, _ columns: Int, _ random: SeededRandom) -> Matrix<Double> {
        Matrix(rows: rows, columns: columns) { _, _ in random.normal() }
    }

    func testGemm_oddShapesAllTransposes_matchesNaiveTripleLoop() {
        let random = SeededRandom(seed: 42)
        for (m, n, k) in [(1, 1, 1), (3, 5, 7), (13, 1, 4), (7, 11, 1), (17, 9, 23)] {
            for ta in [false, true] {
                for tb in [false, true] {
                    let a = ta ? randomMatrix(k, m, random) : randomMatrix(m, k, random)
                    let b = tb ? randomMatrix(n, k, random) : randomMatrix(k, n, random)
                    let c0 = randomMatrix(m, n, random)
                    var c = c0
                    Matrix.gemm(a, transposeA: ta, b, transposeB: tb, alpha: 0.7, beta: -1.3, into: &c)
                    let exact = naiveProduct(a, ta, b, tb)
                    for i in 0..<m {
                        for j in 0..<n {
                            let expected = 0.7 * exact[i, j] - 1.3 * c0[i, j]
                            XCTAssertEqual(c[i, j], expected, accuracy: 1e-12 * Double(k + 1),
                                           "m=\(m) n=\(n) k=\(k) ta=\(ta) tb=\(tb) at (\(i),\(j))")
                        }
                    }
                    // Float path: same product within single-precision rounding (k·ε·|a||b| bound).
                    var cf = c0.converted(to: Float.self)
                    Matrix.gemm(a.converted(to: Float.self), transposeA: ta, b.converted(to: Float.self),
                                transposeB: tb, alpha: 0.7, beta: -1.3, into: &cf)
                    for i in 0..<m {
                        for j in 0..<n {
                            XCTAssertEqual(Double(cf[i, j]), 0.7 * exact[i, j] - 1.3 * c0[i, j],
                                           accuracy: 1e-5 * Double(k + 4) * 10)
                        }
                    }
                }
            }
        }
    }

    func testProduct_identity_returnsOperand() {
        let a = Matrix<Double>(rows: 3, columns: 4) { i, j in Double(i * 4 + j) }
        XCTAssertEqual(Matrix.product(Matrix.identity(3), a), a)
        XCTAssertEqual(Matrix.product(a, transposeA: true, Matrix.identity(3)), a.transposed)
    }

    func testGemv_bothTransposes_matchNaiveLoop() {
        let random = SeededRandom(seed: 7)
        let a = randomMatrix(5, 3, random)
        let x3 = (0..<3).map { _ in random.normal() }, x5 = (0..<5).map { _ in random.normal() }
        var y = [1.0, 2, 3, 4, 5]
        Matrix.gemv(a, x3, alpha: 2, beta: 0.5, into: &y)
        for i in 0..<5 {
            let s = (0..<3).reduce(0.0) { $0 + a[i, $1] * x3[$1] }
            XCTAssertEqual(y[i], 2 * s + 0.5 * Double(i + 1), accuracy: 1e-12)
        }
        var z = [Double](repeating: 0, count: 3)
        Matrix.gemv(a, transpose: true, x5, into: &z)
        for j in 0..<3 {
            XCTAssertEqual(z[j], (0..<5).reduce(0.0) { $0 + a[$1, j] * x5[$1] }, accuracy: 1e-12)
        }
    }

    func testAxpyAndScale_matchElementwiseFormula() {
        var y = Matrix<Float>(rows: 2, columns: 3) { i, j in Float(i + j) }
        let x = Matrix<Float>(rows: 2, columns: 3) { i, j in Float(i * j) - 1 }
        y.axpy(2, x)
        y.scale(by: 0.5)
        for i in 0..<2 { for j in 0..<3 { XCTAssertEqual(y[i, j], 0.5 * (Float(i + j) + 2 * (Float(i * j) - 1))) } }
    }

    func testColumnStatistics_knownValues() {
        let m = Matrix<Double>(rows: 4, columns: 2, storage: [1, 10, 2, 10, 3, 10, 4, 10])
        let (mean, std) = m.columnMeanAndStandardDeviation()
        XCTAssertEqual(mean, [2.5, 10])
        XCTAssertEqual(std[0], (1.25).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(std[1], 0)
    }

    func testAddRowVectorAndNonFiniteDetection() {
        var m = Matrix<Float>(rows: 2, columns: 2)
        m.addRowVector([1, 2])
        XCTAssertEqual(m.storage, [1, 2, 1, 2])
        XCTAssertTrue(m.isFinite)
        m[1, 0] = .nan
        XCTAssertFalse(m.isFinite)
        XCTAssertEqual(m.firstNonFinite()?.row, 1)
        XCTAssertEqual(m.firstNonFinite()?.column, 0)
    }

    func testLinkedBLAS_isOpenBLAS() {
        // gslcblas would be ~100x slower; the configuration string only exists in OpenBLAS.
        XCTAssertTrue(BLASLibrary.configuration.contains("OpenBLAS"), BLASLibrary.configuration)
    }
}
