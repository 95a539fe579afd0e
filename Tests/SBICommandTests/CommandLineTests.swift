import Foundation
import XCTest

/// The `sbi` executable, run as a user would: exit codes and messages.
final class CommandLineTests: XCTestCase, SBICommandTesting {
    func testUnknownCommand_exit2WithSuggestionAndUsage() throws {
        let r = try run(["bnch"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.stderr, """
        sbi: error: unknown command 'bnch'; did you mean 'bench'?
        Usage: sbi [--version] [--help] <command> [options]
        See 'sbi --help'.

        """)
    }

    func testUnknownOption_exit2NamesOptionAndCommand() throws {
        let r = try run(["bench", "--sceonds", "1"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stderr, """
        sbi bench: error: unknown option '--sceonds' for 'sbi bench'; did you mean '--seconds'?
        Usage: sbi bench [gemm|train|all|events|fit|toy|memory|coverage] [--seconds S] [--lhe FILE] [--recipe FILE]... [--events N] [--toys N]
        See 'sbi bench --help'.

        """)
        let global = try run(["--frobnicate"])
        XCTAssertEqual(global.status, 2)
        XCTAssertTrue(global.stderr.hasPrefix("sbi: error: unknown option '--frobnicate'"), global.stderr)
    }

    func testBadOptionValues_exit2() throws {
        XCTAssertEqual(try run(["bench", "--seconds", "-1"]).status, 2)
        XCTAssertEqual(try run(["bench", "--threads", "zero"]).status, 2)
        XCTAssertEqual(try run(["bench", "--seconds"]).status, 2)
        let suite = try run(["bench", "gemn"])
        XCTAssertEqual(suite.status, 2)
        XCTAssertTrue(suite.stderr.contains("unknown suite 'gemn'; expected one of gemm, train, all, events, fit, toy, memory, coverage (did you mean 'gemm'?)"), suite.stderr)
    }

    func testVersionAndHelp_exit0() throws {
        let version = try run(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertTrue(version.stdout.hasPrefix("sbi 0."), version.stdout)
        let help = try run(["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("  bench       Measure performance"), help.stdout)
        let benchHelp = try run(["bench", "--help"])
        XCTAssertEqual(benchHelp.status, 0)
        XCTAssertTrue(benchHelp.stdout.hasPrefix("Usage: sbi bench [gemm|train|all|events|fit|toy|memory|coverage] [--seconds S] [--lhe FILE] [--recipe FILE]... [--events N] [--toys N]"), benchHelp.stdout)
        XCTAssertEqual(try run(["help", "bench"]).stdout, benchHelp.stdout)
    }

    func testBenchGemm_printsNameValueUnitLines() throws {
        let r = try run(["bench", "gemm", "--seconds", "0.05", "--threads", "1", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 5)
        XCTAssertEqual(lines.first, "blas_threads 1 threads")
        for line in lines.dropFirst() {
            let parts = line.split(separator: " ")
            XCTAssertEqual(parts.count, 3, String(line))
            XCTAssertTrue(parts[0].hasPrefix("sgemm_"))
            XCTAssertGreaterThan(Double(parts[1]) ?? 0, 0)
            XCTAssertEqual(parts[2], "GFLOP/s")
        }
    }
}
