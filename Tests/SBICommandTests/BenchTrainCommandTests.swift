import Foundation
import XCTest

/// `sbi bench train`, run as a user would: well-formed `name value unit` lines.
final class BenchTrainCommandTests: XCTestCase, SBICommandTesting {
    /// Every figure appears once, with a positive finite value and its unit. Their sizes are timings
    /// of a 0.05 s run (the fraction of SGEMM was seen from 88 % to 155 %), so no bound is checked on them.
    func testBenchTrain_shortRun_printsNameValueUnitLines() throws {
        let process = Process()
        process.executableURL = try sbiExecutable()
        process.arguments = ["bench", "train", "--seconds", "0.05"]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, String(decoding: e, as: UTF8.self))
        let lines = String(decoding: o, as: UTF8.self).split(separator: "\n")
        let expected: [(String, String)] = [
            ("blas_threads", "threads"),
            ("train_alices_adam_2x100_tanh_b128", "samples/s"),
            ("train_carl_adam_2x100_tanh_b128", "samples/s"),
            ("train_nde_maf_5x2x100_b128", "samples/s"),
            ("train_scandal_maf_5x2x100_b128", "samples/s"),
            ("eval_logr_1e5x_100theta", "samples/s"),
            ("eval_logr_gflops", "GFLOP/s"),
            ("sgemm_square_2048", "GFLOP/s"),
            ("eval_logr_fraction_of_sgemm", "%"),
        ]
        XCTAssertEqual(lines.count, expected.count, String(decoding: o, as: UTF8.self))
        for (line, (name, unit)) in zip(lines, expected) {
            let parts = line.split(separator: " ")
            XCTAssertEqual(parts.count, 3, String(line))
            guard parts.count == 3 else { continue }
            XCTAssertEqual(String(parts[0]), name)
            XCTAssertEqual(String(parts[2]), unit)
            let value = Double(parts[1]) ?? -1
            XCTAssertTrue(value > 0 && value.isFinite, String(line))
        }
    }
}
