import Foundation
import XCTest

/// `sbi train` and `sbi evaluate` run as a user would, on MadMiner-named sample files written by
/// `sbi augment`, with numpy checking the outputs against the gaussian's exact likelihood ratio.
final class TrainEvaluateCommandTests: XCTestCase, SBICommandTesting {
    /// Ratio samples of the gaussian: θ0 ~ U(−4, 4), θ1 = 0, 20,000 events, in `folder/samples`.
    private func ratioSamples(_ folder: String, events: Int = 20_000) throws -> String {
        let samples = folder + "/samples"
        let r = try run(["augment", "--simulator", "gaussian", "--kind", "ratio", "--theta0", "prior:flat(-4;4)",
                         "--theta1", "point:0", "--events", "\(events)", "--output", samples, "--seed", "3"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return samples
    }

    func testTrainEvaluate_alicesOnAugmentedSamples_numpyMatchesExactRatio() throws {
        let folder = try temporaryFolder()
        let samples = try ratioSamples(folder)
        let train = try run(["train", "--samples", samples, "--method", "alices", "--output", folder + "/model",
                             "--hidden", "20,20", "--epochs", "5", "--batch-size", "64", "--learning-rate", "3e-3,1e-4", "--seed", "2"])
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stdout.hasPrefix("method alices kind parameterized-ratio samples 20000 members 1 seed 2\n"), train.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/model/model.json"))
        let eval = try run(["evaluate", "--model", folder + "/model", "--x", samples + "/x_train.npy", "--grid", "-2:2:9",
                            "--output", folder + "/log_r.npy", "--score", folder + "/t.npy"])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        // log r(x|θ, 0) = (x² − (x − θ)²)/10 and t(x|θ) = (x − θ)/5 for the gaussian. After 5 epochs on
        // 15,000 training rows, measured MSE 0.019 (log r) and 0.020 (t); bounds 0.05 (factor 2.5).
        let out = try runPython("""
        import numpy as np
        x = np.load('samples/x_train.npy')[:, 0].astype(np.float64)
        lr = np.load('log_r.npy'); t = np.load('t.npy')
        th = np.linspace(-2, 2, 9)
        assert lr.dtype == np.float64 and lr.shape == (9, x.size), (lr.dtype, lr.shape)
        assert t.shape == (9, x.size, 1), t.shape
        exact = (x[None, :]**2 - (x[None, :] - th[:, None])**2) / 10
        score = (x[None, :] - th[:, None]) / 5
        print(((lr - exact)**2).mean(), ((t[:, :, 0] - score)**2).mean())
        """, in: folder)
        let mse = out.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        XCTAssertEqual(mse.count, 2, out)
        XCTAssertLessThan(mse[0], 0.05, out)
        XCTAssertLessThan(mse[1], 0.05, out)
    }

    func testTrainEvaluate_sallyAndEnsemble_writeExpectedShapes() throws {
        let folder = try temporaryFolder()
        let local = folder + "/local"
        XCTAssertEqual(try run(["augment", "--simulator", "gaussian", "--kind", "local", "--theta", "point:0",
                                "--events", "4000", "--output", local]).status, 0)
        let sally = try run(["train", "--samples", local, "--method", "sally", "--output", folder + "/sally",
                             "--hidden", "10", "--epochs", "10", "--batch-size", "32", "--learning-rate", "1e-2,1e-3", "--members", "2"])
        XCTAssertEqual(sally.status, 0, sally.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/sally/member-1/weights.npy"))
        let eval = try run(["evaluate", "--model", folder + "/sally", "--x", local + "/x_train.npy", "--output", folder + "/t.npy"])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        // SALLY's t̂(x) ≈ x/5 at θ_ref = 0 (2 members, 10 epochs of 3,000 rows): measured MSE 1.8e-4,
        // bound 0.02 (10 % of Var t = 0.2).
        let out = try runPython("""
        import numpy as np
        x = np.load('local/x_train.npy')[:, 0]; t = np.load('t.npy')
        assert t.shape == (x.size, 1), t.shape
        print(((t[:, 0] - x / 5)**2).mean())
        """, in: folder)
        XCTAssertLessThan(Double(out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 1, 0.02, out)
    }

    func testTrainEvaluate_doublyCarl2AndRatioEnsemble_shapesAndAccuracy() throws {
        let folder = try temporaryFolder()
        let samples = folder + "/samples"
        XCTAssertEqual(try run(["augment", "--simulator", "gaussian", "--kind", "ratio", "--theta0", "prior:flat(-3;3)",
                                "--theta1", "prior:flat(-3;3)", "--events", "20000", "--output", samples, "--seed", "4"]).status, 0)
        let doubly = try run(["train", "--samples", samples, "--method", "carl2", "--output", folder + "/doubly", "--hidden", "20,20",
                              "--epochs", "5", "--batch-size", "32", "--learning-rate", "3e-3,1e-4"])
        XCTAssertEqual(doubly.status, 0, doubly.stderr)
        let noReference = try run(["evaluate", "--model", folder + "/doubly", "--x", samples + "/x_train.npy", "--grid", "-1:1:3",
                                   "--output", folder + "/d.npy"])
        XCTAssertEqual(noReference.status, 2)
        XCTAssertTrue(noReference.stderr.contains("needs --reference"), noReference.stderr)
        XCTAssertEqual(try run(["evaluate", "--model", folder + "/doubly", "--x", samples + "/x_train.npy", "--grid", "-2:2:5",
                                "--reference", "0.5", "--output", folder + "/d.npy"]).status, 0)
        let ensemble = try run(["train", "--samples", samples, "--method", "carl", "--output", folder + "/ens", "--hidden", "10",
                                "--epochs", "2", "--members", "3", "--validation", "0"])
        XCTAssertEqual(ensemble.status, 0, ensemble.stderr)
        XCTAssertEqual(try run(["evaluate", "--model", folder + "/ens", "--x", samples + "/x_train.npy", "--grid", "-2:2:5",
                                "--output", folder + "/e.npy", "--variance", folder + "/v.npy"]).status, 0)
        // Doubly: log r(x|θ, 0.5) = ((x − 0.5)² − (x − θ)²)/10; 5 epochs on 15,000 rows. Measured MSE 0.022
        // (θ ∈ [−2, 2], inside the training prior); bound 0.06 (factor 2.7).
        let out = try runPython("""
        import numpy as np
        x = np.load('samples/x_train.npy')[:, 0].astype(np.float64); th = np.linspace(-2, 2, 5)
        d = np.load('d.npy'); e = np.load('e.npy'); v = np.load('v.npy')
        assert d.shape == (5, x.size) and e.shape == (5, x.size) and v.shape == (5, x.size), (d.shape, e.shape, v.shape)
        assert (v >= 0).all() and v.max() > 0
        exact = ((x[None, :] - 0.5)**2 - (x[None, :] - th[:, None])**2) / 10
        print(((d - exact)**2).mean())
        """, in: folder)
        XCTAssertLessThan(Double(out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 1, 0.06, out)
    }

    /// `--output` equal to or inside the training samples' folder is refused before training; the
    /// samples stay.
    func testTrain_outputOverTheSamplesFolder_refusedAndSamplesKept() throws {
        let folder = try temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder + "/s", withIntermediateDirectories: false)
        try "x".write(toFile: folder + "/s/x_train.npy", atomically: true, encoding: .utf8)
        for output in ["s", "s/model", "."] {
            let r = try run(["train", "--samples", "s", "--method", "alices", "--output", output], in: folder)
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("overlaps the input"), r.stderr)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder + "/s"), ["x_train.npy"])
    }

    func testTrain_badInputs_clearErrorsAndNothingWritten() throws {
        let folder = try temporaryFolder()
        let samples = try ratioSamples(folder, events: 2000)
        let model = folder + "/model"

        let unknown = try run(["train", "--samples", samples, "--method", "alicse", "--output", model])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("--method: unknown method \"alicse\"; expected one of carl, rolr, alice, alices, cascal, rascal, carl2"), unknown.stderr)

        let hugeRate = try run(["train", "--samples", samples, "--method", "alices", "--output", model, "--learning-rate", "1e300"])
        XCTAssertEqual(hugeRate.status, 2)
        XCTAssertTrue(hugeRate.stderr.contains("'--learning-rate' expects LR or LR,LR_END with numbers in (0, 1], got '1e300'"), hugeRate.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: model))
        // Layers [2, 10⁶, 10⁶, 1]: about 10¹² weights × 20 bytes = 20 TB, refused before allocating.
        let huge = try run(["train", "--samples", samples, "--method", "alices", "--output", model, "--hidden", "1000000,1000000"])
        XCTAssertEqual(huge.status, 2)
        XCTAssertTrue(huge.stderr.contains("--hidden: needs about 20.0 TB of memory for training hidden layers [1000000, 1000000]"), huge.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: model))

        try FileManager.default.removeItem(atPath: samples + "/r_xz_train.npy")
        let noRatio = try run(["train", "--samples", samples, "--method", "rolr", "--output", model, "--epochs", "1"])
        XCTAssertEqual(noRatio.status, 1)
        XCTAssertTrue(noRatio.stderr.contains("r_xz_train.npy: missing; method rolr needs r_xz_train.npy (joint likelihood ratios)"), noRatio.stderr)
        // CARL needs neither r_xz nor t_xz, so the same folder trains.
        XCTAssertEqual(try run(["train", "--samples", samples, "--method", "carl", "--output", folder + "/carl", "--epochs", "1"]).status, 0)

        try FileManager.default.removeItem(atPath: samples + "/t_xz_train.npy")
        let noScore = try run(["train", "--samples", samples, "--method", "cascal", "--output", model, "--epochs", "1"])
        XCTAssertEqual(noScore.status, 1)
        XCTAssertTrue(noScore.stderr.contains("method cascal needs t_xz_train.npy (joint scores)"), noScore.stderr)

        _ = try runPython("""
        import numpy as np
        y = np.load('samples/y_train.npy'); np.save('samples/y_short_train.npy', y)
        np.save('samples/y_train.npy', y[:-5])
        x = np.load('samples/x_train.npy'); x[7, 0] = np.nan; np.save('samples/x_nan.npy', x)
        """, in: folder)
        let rows = try run(["train", "--samples", samples, "--method", "carl", "--output", model, "--epochs", "1"])
        XCTAssertEqual(rows.status, 1)
        XCTAssertTrue(rows.stderr.contains("y_train.npy: shape: 1995 rows, but"), rows.stderr)

        _ = try runPython("""
        import numpy as np, shutil
        shutil.copy('samples/y_short_train.npy', 'samples/y_train.npy')
        shutil.copy('samples/x_nan.npy', 'samples/x_train.npy')
        """, in: folder)
        let nan = try run(["train", "--samples", samples, "--method", "carl", "--output", model, "--epochs", "1"])
        XCTAssertEqual(nan.status, 1)
        XCTAssertTrue(nan.stderr.contains("x_train.npy: row 7, column 0: non-finite value nan"), nan.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: model), "nothing written on failure")

        // A class label other than 0 and 1 (here 2 in row 3): refused by the ratio trainer.
        _ = try runPython("""
        import numpy as np, shutil
        x = np.load('samples/x_nan.npy'); x[7, 0] = 0.0; np.save('samples/x_train.npy', x)
        y = np.load('samples/y_train.npy'); y[3] = 2; np.save('samples/y_train.npy', y)
        """, in: folder)
        let label = try run(["train", "--samples", samples, "--method", "carl", "--output", model, "--epochs", "1"])
        XCTAssertEqual(label.status, 1, label.stderr)
        XCTAssertTrue(label.stderr.contains("y_train.npy: row 3, column 0: value 2.0 in y; class labels y must be 0 (θ0) or 1 (θ1)"), label.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: model), "nothing written on failure")

        // evaluate: no events in x, NaN in x, wrong width, missing grid.
        _ = try runPython("import numpy as np; np.save('empty.npy', np.zeros((0, 1)))", in: folder)
        let empty = try run(["evaluate", "--model", folder + "/carl", "--x", folder + "/empty.npy", "--grid", "-1:1:3", "--output", folder + "/o.npy"])
        XCTAssertEqual(empty.status, 1, empty.stderr)
        XCTAssertTrue(empty.stderr.contains("empty.npy: shape: shape [0, 1] holds no events; expected at least one row"), empty.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/o.npy"))
        let badX = try run(["evaluate", "--model", folder + "/carl", "--x", samples + "/x_nan.npy", "--grid", "-1:1:3", "--output", folder + "/o.npy"])
        XCTAssertEqual(badX.status, 1)
        XCTAssertTrue(badX.stderr.contains("x_nan.npy: row 7, column 0: non-finite value nan"), badX.stderr)
        let wide = try run(["evaluate", "--model", folder + "/carl", "--x", samples + "/theta0_train.npy", "--thetas", samples + "/x_nan.npy",
                            "--output", folder + "/o.npy"])
        XCTAssertEqual(wide.status, 1, wide.stderr)
        let noGrid = try run(["evaluate", "--model", folder + "/carl", "--x", samples + "/theta0_train.npy", "--output", folder + "/o.npy"])
        XCTAssertEqual(noGrid.status, 2)
        XCTAssertTrue(noGrid.stderr.contains("missing option --thetas FILE or --grid LO:HI:N"), noGrid.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/o.npy"), "nothing written on failure")
    }

    func testHelp_trainAndEvaluate_exit0() throws {
        let train = try run(["train", "--help"])
        XCTAssertEqual(train.status, 0)
        XCTAssertTrue(train.stdout.hasPrefix("Usage: sbi train --samples DIR --method METHOD --output DIR [options]"), train.stdout)
        XCTAssertTrue(train.stdout.contains("rascal alices           x theta0 y r_xz t_xz"), train.stdout)
        let evaluate = try run(["evaluate", "--help"])
        XCTAssertEqual(evaluate.status, 0)
        XCTAssertTrue(evaluate.stdout.hasPrefix("Usage: sbi evaluate --model DIR --x FILE --output FILE"), evaluate.stdout)
        let top = try run(["--help"])
        XCTAssertTrue(top.stdout.contains("  train       Train a ratio or score estimator"), top.stdout)
        XCTAssertTrue(top.stdout.contains("  evaluate    Evaluate a trained model"), top.stdout)
    }
}
