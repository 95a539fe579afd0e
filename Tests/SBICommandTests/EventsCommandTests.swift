import Foundation
import XCTest

/// `sbi augment --events FILE.lhe.gz` and `sbi events convert` on the real MadGraph file.
final class EventsCommandTests: XCTestCase, SBICommandTesting {
    /// The MadGraph 3.5.8 pp → jj file (1000 events, event_norm average, init σ = 6.996707e+08 pb).
    private func ppToJJ() throws -> String {
        try fixtureFile("pylhe-testfile-madgraph5-3.5.8-pp_to_jj.lhe.gz")
    }

    /// A rank-2 little-endian float32 .npy file: shape and values (header parsed from its text).
    private func readFloat32(_ path: String) throws -> (rows: Int, columns: Int, values: [Float]) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        let header = String(decoding: data[10 ..< 10 + headerLength], as: UTF8.self)
        XCTAssertTrue(header.contains("'descr': '<f4'"), header)
        let shapeText = header.components(separatedBy: "'shape': (")[1].components(separatedBy: ")")[0]
        let dims = shapeText.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let body = data[(10 + headerLength)...]
        let values = body.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        return (dims[0], dims.count > 1 ? dims[1] : 1, values)
    }

    /// Scale variations as a one-parameter "benchmark" set: log2(μR/μ0) = −1, 0, 1 are weight ids 6, 45, 35.
    private func eventOptions(_ file: String) -> [String] {
        ["--events", file, "--parameter", "log2_mur=-1:1",
         "--benchmark", "mur_half=6:-1", "--benchmark", "central=45:0", "--benchmark", "mur_double=35:1",
         "--observable", "pt_j1=j[0].pt", "--observable", "mjj=(j[0] + j[1]).m", "--observable", "dphi=deltaphi(j[0], j[1])"]
    }

    func testAugmentEvents_realLHEFile_writesSampleFilesWithUnitRatioAtEqualTheta() throws {
        let file = try ppToJJ()
        let out = try temporaryFolder() + "/samples"
        let result = try run(["augment"] + eventOptions(file) + ["--kind", "ratio", "--theta0", "point:0.5", "--theta1", "point:0.5",
                                                                 "--events", "400", "--validation", "0.25", "--output", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("1000 of 1000 events kept"), result.stdout)
        for name in ["x", "theta0", "theta1", "y", "r_xz", "t_xz"] {
            for split in ["train", "validation"] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: "\(out)/\(name)_\(split).npy"), "\(name)_\(split).npy missing")
            }
        }
        let x = try readFloat32(out + "/x_train.npy")
        XCTAssertEqual(x.rows, 300)
        XCTAssertEqual(x.columns, 3)
        // θ0 = θ1: log r = log w(θ0)/σ(θ0) − the same = 0 exactly, so r_xz = 1 exactly.
        let r = try readFloat32(out + "/r_xz_train.npy")
        XCTAssertEqual(r.values.count, 300)
        XCTAssertTrue(r.values.allSatisfy { $0 == 1 }, "r_xz \(r.values.prefix(5))")
        // Leading-jet pT of two massless partons back to back equals the subleading one; mjj ≥ 2 pT (η spread).
        for i in 0..<x.rows { XCTAssertGreaterThanOrEqual(x.values[3 * i + 1] * 1.0001, 2 * x.values[3 * i]) }
    }

    func testEventsConvert_realLHEFile_centralCrossSectionIsTheInitCrossSection() throws {
        let file = try ppToJJ()
        let out = try temporaryFolder() + "/events"
        let result = try run(["events", "convert"] + eventOptions(file) + ["--out", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("event_norm average; sampling benchmark central"), result.stdout)
        // Weight id 45 is the nominal weight; event_norm average → Σ_e w/n = the <init> cross section
        // 6.996707e+08 pb, which MadGraph prints to 7 digits: 1e-6 relative.
        let line = try XCTUnwrap(result.stdout.split(separator: "\n").first { $0.hasPrefix("sigma[central]") })
        let sigma = try XCTUnwrap(Double(line.split(separator: " ")[1]))
        XCTAssertEqual(sigma, 6.996707e8, accuracy: 1e-6 * 6.996707e8)
        let json = try String(contentsOfFile: out + "/events.json", encoding: .utf8)
        XCTAssertTrue(json.contains("\"sbi-weighted-events\""))
        // The folder feeds augment.
        let samples = try temporaryFolder() + "/density"
        let again = try run(["augment", "--events", out, "--kind", "density", "--theta", "prior:flat", "--events", "50", "--output", samples])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try readFloat32(samples + "/t_xz_train.npy").rows, 50)
    }

    /// The same real file as signal and, with --background, as a θ-independent background: every
    /// benchmark's cross section grows by the background's, the init cross section (σ_b + 6.996707e+08
    /// pb, MadGraph's 7 digits: 1e-6 relative), and the report names the background file.
    func testEventsConvert_withBackground_everyCrossSectionGrowsByTheBackgrounds() throws {
        let file = try ppToJJ()
        func sigmas(_ extra: [String]) throws -> (values: [String: Double], stdout: String) {
            let out = try temporaryFolder() + "/events"
            let result = try run(["events", "convert"] + eventOptions(file) + extra + ["--out", out])
            XCTAssertEqual(result.status, 0, result.stderr)
            var values: [String: Double] = [:]
            for line in result.stdout.split(separator: "\n") where line.hasPrefix("sigma[") {
                let parts = line.split(separator: " ")
                values[String(parts[0])] = Double(parts[1])
            }
            return (values, result.stdout)
        }
        let signal = try sigmas([]), both = try sigmas(["--background", file])
        XCTAssertEqual(Set(signal.values.keys), ["sigma[mur_half]", "sigma[central]", "sigma[mur_double]"])
        for (name, sigma) in signal.values {
            XCTAssertEqual(try XCTUnwrap(both.values[name]) - sigma, 6.996707e8, accuracy: 1e-6 * 6.996707e8, name)
        }
        XCTAssertTrue(both.stdout.contains("event_norm average; background; weight factor 0.001"), both.stdout)
        // --k-factor FILE=2 names the file used for both: every weight doubles.
        let doubled = try sigmas(["--background", file, "--k-factor", file + "=2"])
        for (name, sigma) in both.values { XCTAssertEqual(try XCTUnwrap(doubled.values[name]), 2 * sigma, accuracy: 1e-9 * sigma, name) }
        let bad = try run(["events", "convert"] + eventOptions(file) + ["--k-factor", file + "=-1", "--out", try temporaryFolder() + "/k"])
        XCTAssertEqual(bad.status, 2, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("--k-factor: expected FILE=K with K > 0"), bad.stderr)
    }

    /// A third-jet observable (pp → jj at leading order has none): every event is dropped, or with
    /// --observable-default kept with the default and counted.
    func testEventsConvert_observableDefault_keepsEventsWithoutTheObject() throws {
        let file = try ppToJJ()
        let options = eventOptions(file) + ["--observable", "pt_j3=j[2].pt"]
        let dropped = try run(["events", "convert"] + options + ["--out", try temporaryFolder() + "/a"])
        XCTAssertEqual(dropped.status, 1, dropped.stderr)
        XCTAssertTrue(dropped.stderr.contains("0 of 1000 events kept; 1000 lacked pt_j3"), dropped.stderr)
        let kept = try run(["events", "convert"] + options + ["--observable-default", "pt_j3=0", "--out", try temporaryFolder() + "/b"])
        XCTAssertEqual(kept.status, 0, kept.stderr)
        XCTAssertTrue(kept.stdout.contains("1000 of 1000 events kept"), kept.stdout)
        XCTAssertTrue(kept.stdout.contains("took the default pt_j3 = 0.0"), kept.stdout)
    }

    func testBenchEvents_printsNameValueUnitLines() throws {
        let file = try ppToJJ()
        let r = try run(["bench", "events", "--seconds", "0.05", "--lhe", file])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, r.stdout)
        for line in lines {
            let parts = line.split(separator: " ")
            XCTAssertEqual(parts.count, 3, String(line))
            XCTAssertEqual(parts.last, "events/s")
            // At least one pass of the 1000-event file in the measuring time; a rate is positive and finite.
            XCTAssertGreaterThan(Double(parts[1]) ?? 0, 0, String(line))
        }
        XCTAssertEqual(try run(["bench", "events", "--lhe", "/nonexistent.lhe.gz"]).status, 1)
    }

    func testAugmentEvents_badInput_exitCodesAndMessages() throws {
        let file = try ppToJJ()
        let out = try temporaryFolder() + "/x"
        // A weight id the file lacks: data error naming the file.
        var options = eventOptions(file)
        options[options.firstIndex(of: "central=45:0")!] = "central=nope:0"
        let missing = try run(["augment"] + options + ["--kind", "density", "--theta", "point:0", "--events", "10", "--output", out])
        XCTAssertEqual(missing.status, 1, missing.stderr)
        XCTAssertTrue(missing.stderr.contains(file) && missing.stderr.contains("nope"), missing.stderr)
        // --simulator together with event files: usage error.
        let both = try run(["augment", "--simulator", "gaussian"] + eventOptions(file) + ["--kind", "density", "--theta", "point:0", "--events", "10", "--output", out])
        XCTAssertEqual(both.status, 2, both.stderr)
        // A malformed benchmark.
        let bad = try run(["augment", "--events", file, "--benchmark", "sm:0", "--observable", "a=j[0].pt", "--kind", "density", "--theta", "point:0",
                           "--events", "10", "--output", out])
        XCTAssertEqual(bad.status, 2, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("--benchmark"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    /// A damaged MadMiner file (its HDF5 signature overwritten) given to augment: refused as a
    /// damaged HDF5 file naming it, not asked for LHE options.
    func testAugmentEvents_damagedHDF5File_refusedAsDamagedHDF5() throws {
        let folder = try temporaryFolder()
        let path = folder + "/analysis.h5"
        try Data("not hdf5 at all\n".utf8).write(to: URL(fileURLWithPath: path))
        let r = try run(["augment", "--events", path, "--kind", "density", "--theta", "point:0", "--events", "10", "--output", folder + "/x"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("\(path): not an HDF5 file (or a damaged one)"), r.stderr)
        XCTAssertFalse(r.stderr.contains("--benchmark"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/x"))
    }
}
