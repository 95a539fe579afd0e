import Foundation
import XCTest

/// `sbi simulate` and `sbi augment` run as a user would, with numpy checking the files.
final class SimulateAugmentCommandTests: XCTestCase, SBICommandTesting {
    /// All four sample kinds for the gaussian, checked by numpy: names, dtypes, shapes, y balance,
    /// r_xz against the exact per-event formula is impossible without z, so numpy checks the
    /// unbiasedness identities instead: E[r_xz | y=1] = 1 and E[1/r_xz | y=0] = 1 (4 standard errors),
    /// t_xz mean ≈ 0 at the reference point, and log_p_x equal to log N(x; θ, 5) (float32: 1e-5).
    func testAugment_gaussianAllKinds_numpyReadsAndChecksThem() throws {
        let folder = try temporaryFolder()
        let common = ["--simulator", "gaussian", "--seed", "5", "--quiet"]
        let runs: [[String]] = [
            ["augment", "--kind", "ratio", "--theta0", "point:1", "--theta1", "point:0", "--events", "20000",
             "--validation", "0.2", "--test", "0.1", "--output", folder + "/ratio"],
            ["augment", "--kind", "local", "--theta", "point:0.5", "--events", "10000", "--validation", "0.25", "--output", folder + "/local"],
            ["augment", "--kind", "density", "--theta", "prior:flat(-3;3)", "--events", "5000", "--thetas", "100", "--output", folder + "/density"],
            ["augment", "--kind", "test", "--theta", "point:-2", "--events", "1000", "--output", folder + "/test"],
        ]
        for arguments in runs {
            let r = try run(arguments + common)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("events/s"), r.stdout)
        }
        let output = try runPython("""
        import numpy as np, os
        def load(path, shape):
            a = np.load(path)
            assert a.dtype == np.float32, (path, a.dtype)
            assert a.shape == shape, (path, a.shape, shape)
            return a.astype(np.float64)
        for split, n in [("train", 14000), ("validation", 4000), ("test", 2000)]:
            x = load(f"ratio/x_{split}.npy", (n, 1)); t0 = load(f"ratio/theta0_{split}.npy", (n, 1))
            t1 = load(f"ratio/theta1_{split}.npy", (n, 1)); y = load(f"ratio/y_{split}.npy", (n, 1))
            r = load(f"ratio/r_xz_{split}.npy", (n, 1)); t = load(f"ratio/t_xz_{split}.npy", (n, 1))
            assert (t0 == 1).all() and (t1 == 0).all()
            assert set(np.unique(y)) == {0.0, 1.0} and y.sum() == n // 2, y.sum()
            r1 = r[y == 1]; assert abs(r1.mean() - 1) < 4 * r1.std() / np.sqrt(len(r1)), r1.mean()
            q0 = 1 / r[y == 0]; assert abs(q0.mean() - 1) < 4 * q0.std() / np.sqrt(len(q0)), q0.mean()
            s0 = t[y == 0]; assert abs(s0.mean()) < 4 * s0.std() / np.sqrt(len(s0)), s0.mean()
        assert sorted(os.listdir("local")) == sorted(f"{a}_{s}.npy" for a in ["x", "theta", "t_xz"] for s in ["train", "validation"])
        t = load("local/t_xz_train.npy", (7500, 1)); x = load("local/x_train.npy", (7500, 1))
        assert abs(t.mean()) < 4 * t.std() / np.sqrt(len(t))
        d = t - (x - 0.5) / 5; assert abs(d.mean()) < 4 * d.std() / np.sqrt(len(d))
        th = load("density/theta_train.npy", (5000, 1)); assert th.min() >= -3 and th.max() <= 3
        assert len(np.unique(th)) == 100
        load("density/t_xz_train.npy", (5000, 1))
        assert sorted(os.listdir("test")) == ["log_p_x_test.npy", "theta_test.npy", "x_test.npy"]
        x = load("test/x_test.npy", (1000, 1)); lp = load("test/log_p_x_test.npy", (1000, 1))
        exact = -0.5 * np.log(2 * np.pi * 5) - (x + 2) ** 2 / 10
        assert np.allclose(lp, exact, rtol=1e-5, atol=1e-5)
        print("ok")
        """, in: folder)
        XCTAssertEqual(output, "ok\n")
    }

    /// A weighted simulator end to end: drell-yan ratio sample with θ0 at the morphing benchmarks.
    func testAugment_drellYanBenchmarks_numpyChecksShapesAndThetas() throws {
        let folder = try temporaryFolder()
        let r = try run(["augment", "--simulator", "drell-yan", "--kind", "ratio", "--theta0", "benchmarks", "--theta1", "point:0,0",
                         "--events", "1200", "--seed", "3", "--output", folder, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("effective_sample_size"), r.stdout)
        let output = try runPython("""
        import numpy as np
        t0 = np.load("theta0_train.npy"); y = np.load("y_train.npy"); r = np.load("r_xz_train.npy"); x = np.load("x_train.npy")
        assert t0.shape == (1200, 2) and y.shape == (1200, 1) and r.shape == (1200, 1) and x.shape == (1200, 2), (t0.shape, x.shape)
        assert len(np.unique(t0, axis=0)) == 6, np.unique(t0, axis=0)   # 6 components of a quadratic in 2 parameters
        assert np.abs(t0).max() <= 0.1 + 1e-7
        assert y.sum() == 600 and np.isfinite(r).all() and (r > 0).all()
        assert (np.load("t_xz_train.npy").shape == (1200, 2))
        print("ok")
        """, in: folder)
        XCTAssertEqual(output, "ok\n")
    }

    /// Same seed, same bytes; simulate writes x.npy and z.npy in float64 that numpy reads.
    func testSimulate_gaussian_reproducibleFilesNumpyReads() throws {
        let folder = try temporaryFolder()
        for name in ["a", "b"] {
            let r = try run(["simulate", "--simulator", "gaussian", "--theta", "1.5", "--events", "500", "--seed", "9",
                             "--output", folder + "/" + name])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        for file in ["x.npy", "z.npy"] {
            XCTAssertEqual(FileManager.default.contents(atPath: folder + "/a/" + file),
                           FileManager.default.contents(atPath: folder + "/b/" + file), file)
        }
        let output = try runPython("""
        import numpy as np
        x = np.load("a/x.npy"); z = np.load("a/z.npy")
        assert x.shape == (500, 1) and z.shape == (500, 1) and x.dtype == np.float64
        # z ~ N(1.5, 4), x − z ~ N(0, 1): means within 4 standard errors
        assert abs(z.mean() - 1.5) < 4 * 2 / np.sqrt(500) and abs((x - z).mean()) < 4 / np.sqrt(500)
        print("ok")
        """, in: folder)
        XCTAssertEqual(output, "ok\n")
    }

    func testUsageErrors_exit2WithOptionNamed() throws {
        let folder = try temporaryFolder() + "/out"
        let cases: [([String], String)] = [
            (["augment", "--simulator", "gaussian", "--kind", "rato", "--theta0", "point:0", "--events", "10", "--output", folder],
             "--kind: unknown sample kind \"rato\"; expected one of ratio, more_ratios, local, density, test"),
            (["augment", "--simulator", "gausian", "--kind", "ratio", "--theta0", "point:0", "--events", "10", "--output", folder],
             "--simulator: unknown simulator \"gausian\""),
            (["augment", "--simulator", "gaussian", "--kind", "local", "--theta0", "point:x", "--events", "10", "--output", folder],
             "--theta0: not a list of numbers"),
            (["augment", "--simulator", "gaussian", "--kind", "local", "--theta0", "point:0", "--events", "0", "--output", folder],
             "option '--events' expects an integer"),
            (["augment", "--simulator", "gaussian", "--kind", "local", "--events", "10", "--output", folder],
             "missing option --theta0"),
            (["simulate", "--simulator", "gaussian", "--theta", "0", "--events", "10", "--output", folder, "--weighted"],
             "--weighted: simulator gaussian is not weighted"),
            // 10⁹ wbf-higgs ratio events: 8·(2 + 4·2 + 2) = 96 GB of arrays and a pool of 4·10⁹ events
            // × 8·(2 + 4 + 6 + 2) = 448 GB, more than any test machine has (refused before allocating).
            (["augment", "--simulator", "wbf-higgs", "--kind", "ratio", "--theta0", "point:0,0", "--theta1", "point:0,0",
              "--events", "1000000000", "--output", folder],
             "--events: needs about 544.0 GB of memory for 1000000000 augmented events"),
        ]
        for (arguments, expected) in cases {
            let r = try run(arguments)
            XCTAssertEqual(r.status, 2, arguments.joined(separator: " "))
            XCTAssertTrue(r.stderr.contains(expected), r.stderr)
            XCTAssertTrue(r.stderr.contains("Usage: sbi \(arguments[0])"), r.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder))
    }

    func testDataErrors_exit1AndNothingWritten() throws {
        let folder = try temporaryFolder() + "/out"
        let cases: [([String], String)] = [
            (["augment", "--simulator", "gaussian", "--kind", "ratio", "--theta0", "point:20", "--theta1", "point:0",
              "--events", "10", "--output", folder],
             "sbi augment: error: --theta0: theta = 20.0 is outside its range [-10.0, 10.0]"),
            (["augment", "--simulator", "gaussian", "--kind", "ratio", "--theta0", "point:1", "--events", "10", "--output", folder],
             "sbi augment: error: --theta1: ratio samples need a denominator θ1"),
            (["augment", "--simulator", "gaussian", "--kind", "density", "--theta", "benchmarks", "--events", "10", "--output", folder],
             "--theta: simulator gaussian has no morphing benchmarks"),
            (["simulate", "--simulator", "gaussian", "--theta", "11", "--events", "10", "--output", folder],
             "sbi simulate: error: --theta: theta = 11.0 is outside its range [-10.0, 10.0]"),
        ]
        for (arguments, expected) in cases {
            let r = try run(arguments)
            XCTAssertEqual(r.status, 1, arguments.joined(separator: " "))
            XCTAssertTrue(r.stderr.contains(expected), r.stderr)
            XCTAssertFalse(r.stderr.contains("Usage:"), r.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder))
    }

    func testHelp_listsCommandsAndKinds() throws {
        let top = try run(["--help"])
        XCTAssertTrue(top.stdout.contains("  simulate    Draw events from a simulator"), top.stdout)
        XCTAssertTrue(top.stdout.contains("  augment     Write augmented training/test samples"), top.stdout)
        let help = try run(["augment", "--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.hasPrefix("Usage: sbi augment --simulator NAME --kind ratio|more_ratios|local|density|test"), help.stdout)
        for word in ["<name>_<SPLIT>.npy", "prior:flat(LO;HI)", "effective sample size", "--theta1 SPEC", "t_xz0, t_xz1", "--additional-theta SPEC"] {
            XCTAssertTrue(help.stdout.contains(word), word)
        }
        XCTAssertEqual(try run(["simulate", "--help"]).status, 0)
    }
}
