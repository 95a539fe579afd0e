import SBICore

/// Measures SGEMM throughput through OpenBLAS, the ceiling other benchmarks compare with.
///
/// Each shape is warmed up, then repeated until at least `minimumSeconds` have
/// passed; the figure is `2·m·n·k · repetitions / seconds`, in GFLOP/s.
enum GEMMBenchmark {
    struct Shape {
        let name: String
        let m: Int, n: Int, k: Int
    }

    /// The shapes of one dense layer of a 2×100 MLP at batch 128 (forward, and the
    /// weight gradient of backprop), and a large square product.
    static let shapes: [Shape] = [
        Shape(name: "sgemm_layer_128x100x100", m: 128, n: 100, k: 100),
        Shape(name: "sgemm_input_128x100x11", m: 128, n: 100, k: 11),
        Shape(name: "sgemm_weightgrad_100x100x128", m: 100, n: 100, k: 128),
        Shape(name: "sgemm_square_2048", m: 2048, n: 2048, k: 2048),
    ]

    /// GFLOP/s of `cblas_sgemm` at one shape.
    static func gflops(_ shape: Shape, minimumSeconds: Double = 0.5) -> Double {
        let random = SeededRandom(seed: 1)
        var a = [Float](repeating: 0, count: shape.m * shape.k)
        var b = [Float](repeating: 0, count: shape.k * shape.n)
        var c = [Float](repeating: 0, count: shape.m * shape.n)
        a.withUnsafeMutableBufferPointer { random.fillNormal($0) }
        b.withUnsafeMutableBufferPointer { random.fillNormal($0) }
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    func once() {
                        Float.gemm(transposeA: false, transposeB: false, m: shape.m, n: shape.n, k: shape.k,
                                   alpha: 1, a: pa.baseAddress!, lda: shape.k, b: pb.baseAddress!, ldb: shape.n,
                                   beta: 0, c: pc.baseAddress!, ldc: shape.n)
                    }
                    for _ in 0..<3 { once() }
                    let flopsPerCall = 2.0 * Double(shape.m) * Double(shape.n) * Double(shape.k)
                    var repetitions = max(1, Int(1e8 / flopsPerCall))
                    var best = 0.0
                    let deadline = ProgressReporter.monotonicSeconds() + minimumSeconds
                    repeat {
                        let start = ProgressReporter.monotonicSeconds()
                        for _ in 0..<repetitions { once() }
                        let seconds = ProgressReporter.monotonicSeconds() - start
                        best = max(best, flopsPerCall * Double(repetitions) / seconds / 1e9)
                        if seconds < 0.05 { repetitions *= 2 }
                    } while ProgressReporter.monotonicSeconds() < deadline
                    return best
                }
            }
        }
    }
}
