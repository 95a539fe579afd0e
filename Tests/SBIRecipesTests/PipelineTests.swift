import Foundation
import XCTest
import SBISimulation
import SBIEstimators
import SBIInference
import SBICore
import SBITestSupport
@testable import SBIRecipes

/// `FitPipeline` end to end on a tiny gaussian recipe (z ~ N(θ, 2²), x ~ N(z, 1²), so the exact
/// p(x|θ) = N(x; θ, 5)): result files, ALICES against the exact likelihood, skipping, partial
/// re-runs and resuming.
final class PipelineTests: XCTestCase {
    /// 20 000 ratio events, one ALICES network of 2×20 tanh units trained for `epochs` epochs;
    /// Asimov data of 50 events at θ = 1 (so the 68 % interval is about ±√(5/50) ≈ ±0.32).
    static func recipeText(epochs: Int = 20, validationSplit: Double = 0, modes: String = "truth, ml") -> String {
        """
        version: 1
        name: tiny
        seed: 7
        parameters:
          - name: theta
            range: [-3, 3]
        simulator:
          name: gaussian
        samples:
          - name: train
            kind: ratio
            theta0: {prior: flat}
            theta1: {point: [0]}
            events: 20000
            validation_split: \(validationSplit)
            test_split: 0
        estimators:
          - name: alices
            method: alices
            sample: train
            hidden_layers: [20, 20]
            training:
              epochs: \(epochs)
              batch_size: 128
        inference:
          modes: [\(modes)]
          theta_true: [1]
          asimov_events: 50
          grid:
            points: 121
          confidence_levels: [0.68, 0.95]
        """
    }

    /// `recipeText` (ALICES trained 2 epochs) with a `local` sample of `events` events at θ = 1 and one
    /// score estimator of `method` (sally or sallino; 8 tanh units, `epochs` epochs) named after its method.
    static func localScoreRecipe(modes: String, method: String, events: Int, epochs: Int) -> String {
        recipeText(epochs: 2, modes: modes).replacingOccurrences(of: "estimators:\n", with: """
              - name: local
                kind: local
                theta: {point: [1]}
                events: \(events)
                test_split: 0
            estimators:
              - name: \(method)
                method: \(method)
                sample: local
                hidden_layers: [8]
                training: {epochs: \(epochs)}

            """)
    }

    private func temporaryFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sbi-pipeline-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    private func fit(_ folder: String, epochs: Int = 20, force: Bool = false) throws -> FitReport {
        let recipe = try RecipeLoader.parse(PipelineTests.recipeText(epochs: epochs), file: "tiny.yaml")
        return try FitPipeline(recipe: recipe, folder: folder, force: force).run()
    }

    /// Every regular file under `folder` (`resultSnapshot`: report.html's wall times masked).
    private func snapshot(_ folder: String) throws -> [String: Data] { resultSnapshot(folder) }

    func testPipeline_tinyGaussian_writesAllFilesAndAlicesIntervalMatchesTruth() throws {
        let out = try temporaryFolder()
        let report = try fit(out)
        XCTAssertEqual(report.rows.map(\.stage), [.augment, .train, .limits, .plot])
        XCTAssertEqual(report.ranStages, [.augment, .train, .limits, .plot])
        let files = try snapshot(out)
        for name in ["augment/train/x_train.npy", "augment/train/r_xz_train.npy", "augment/train/t_xz_train.npy",
                     "train/alices/model.json", "limits/contours.json",
                     "plot/contours.json", "plot/contours.svg", "plot/hepdata.yaml", "plot/pvalues.npy", "plot/grid.npy",
                     "augment/stage.json", "train/stage.json", "limits/stage.json", "plot/stage.json"] {
            XCTAssertNotNil(files[name], "missing \(name)")
        }
        XCTAssertFalse(files.keys.contains { $0.contains(".partial") })
        let contours = try ContoursFile.read(out + "/plot/contours.json")
        func interval68(_ name: String) throws -> ConfidenceInterval {
            let e = try XCTUnwrap(contours.estimators.first { $0.name == name })
            let set = try XCTUnwrap(e.intervals.first { abs($0.confidenceLevel - 0.68) < 1e-12 })
            XCTAssertEqual(set.intervals.count, 1)
            return try XCTUnwrap(set.intervals.first)
        }
        let truth = try interval68("truth"), alices = try interval68("alices")
        // The exact 68 % interval has width 2·√(5/50) ≈ 0.63 (q = 1 at ±σ for a Gaussian likelihood in θ),
        // up to the 0.05 grid spacing.
        XCTAssertEqual(truth.upper - truth.lower, 2 * (5.0 / 50).squareRoot(), accuracy: 0.05)
        // ALICES on 20k events reproduces the interval ends to about 0.06 (measured); the tolerance 0.15 is
        // half of the 1σ half-width 0.32, so a mistrained or mis-wired estimator fails.
        XCTAssertEqual(alices.lower, truth.lower, accuracy: 0.15)
        XCTAssertEqual(alices.upper, truth.upper, accuracy: 0.15)

        // fisher.json: I = N/σ² = 50/5 = 10 exactly; every entry averages over the same 20 000 events
        // drawn at θ = 1 (relative standard error of the truth entry √(2/20000) = 1 %), so 3 % is three
        // standard errors. The ALICES entry adds the error of a 20-epoch network: within 50 %.
        struct Entry: Decodable { var name: String; var matrix: [Double] }
        let fisher = try JSONDecoder().decode([Entry].self, from: try XCTUnwrap(files["limits/fisher.json"]))
        XCTAssertEqual(fisher.map(\.name), ["truth", "alices"])
        XCTAssertEqual(fisher[0].matrix[0], 10, accuracy: 0.3)
        XCTAssertEqual(fisher[1].matrix[0], 10, accuracy: 5)
    }

    /// A sample with `validation_split: 0.2` is trained against its own 4000 validation events (not a
    /// re-split 25 % of the training split), and `fisher.json` has an entry for every mode that ran: the
    /// histogram's binned information lies below the exact N/σ² = 10 (a histogram loses information) and
    /// above 90 % of it (20 adaptive bins of a Gaussian keep about 98 %; MC error of 10⁵ events ≈ 1 %).
    func testPipeline_sampleValidationSplit_isTheValidationSet_andFisherCoversEveryMode() throws {
        let out = try temporaryFolder()
        let recipe = try RecipeLoader.parse(PipelineTests.recipeText(validationSplit: 0.2, modes: "truth, ml, histogram"), file: "tiny.yaml")
        _ = try FitPipeline(recipe: recipe, folder: out, force: false).run()
        struct Model: Decodable { struct History: Decodable { var validationSampleCount: Int }; var history: History? }
        let model = try JSONDecoder().decode(Model.self, from: try Data(contentsOf: URL(fileURLWithPath: out + "/train/alices/model.json")))
        XCTAssertEqual(model.history?.validationSampleCount, 4000)
        struct Entry: Decodable { var name: String; var mode: String; var matrix: [Double] }
        let fisher = try JSONDecoder().decode([Entry].self, from: try Data(contentsOf: URL(fileURLWithPath: out + "/limits/fisher.json")))
        XCTAssertEqual(fisher.map(\.mode), ["truth", "ml", "histogram"])
        let histogram = try XCTUnwrap(fisher.last?.matrix.first)
        XCTAssertLessThan(histogram, 10)
        XCTAssertGreaterThan(histogram, 9)
    }

    /// A `norm` nuisance reaches every rate term: drell-yan at 10 pb⁻¹, mode rate only; the rate's
    /// Fisher information at the SM is divided by 1 + κ²ν with κ = log 1.01 and ν = σ_SM·L taken
    /// from the simulator (the profiled information ∇ν∇νᵀ/(ν(1 + κ²ν)), see ProfiledNormalization).
    func testPipeline_normNuisance_dividesTheRateFisherInformationByOnePlusKappaSquaredNu() throws {
        func fisher(_ nuisance: String) throws -> [Double] {
            let text = """
            parameters:
              - {name: dgV, range: [-0.05, 0.05]}
              - {name: dgA, range: [-0.05, 0.05]}
            simulator: {name: drell-yan}
            benchmarks:
              - {name: sm, theta: [0, 0]}
            inference:
              modes: [rate]
              theta_true: sm
              luminosity_inverse_femtobarn: 0.01
              grid: {points: [5, 5]}
            \(nuisance)
            """
            let out = try temporaryFolder()
            _ = try FitPipeline(recipe: try RecipeLoader.parse(text, file: "dy.yaml"), folder: out).run()
            struct Entry: Decodable { var mode: String; var matrix: [Double] }
            let entries = try JSONDecoder().decode([Entry].self, from: try Data(contentsOf: URL(fileURLWithPath: out + "/limits/fisher.json")))
            return try XCTUnwrap(entries.first { $0.mode == "rate" }).matrix
        }
        let plain = try fisher(""), profiled = try fisher("nuisance:\n  - {name: lumi, kind: norm, uncertainty: 0.01}")
        let nu = try DrellYanSimulator().crossSection(at: [0, 0]) * 10
        let kappa = log(1.01)
        XCTAssertGreaterThan(kappa * kappa * nu, 1)   // the profiling matters here
        for k in 0..<4 where plain[k] != 0 {
            XCTAssertEqual(profiled[k] / plain[k], 1 / (1 + kappa * kappa * nu), accuracy: 1e-9, "entry \(k)")
        }
    }

    /// `ideal_sally` bins the exact score t(x|θ_ref) = (x − θ_ref)/5 of the gaussian model. It is an
    /// increasing function of x, so its adaptive bins hold the same events as the `histogram` mode's bins
    /// of x and the two likelihoods, hence intervals, agree; both contain the exact interval. The
    /// learned SALLY (2 epochs, a few hundred events) appears next to it under its own name.
    func testPipeline_idealSally_gaussianEqualsHistogramOfX_andContainsTruth() throws {
        let out = try temporaryFolder()
        let text = PipelineTests.localScoreRecipe(modes: "truth, sally, ideal_sally, histogram", method: "sally", events: 500, epochs: 2)
        let recipe = try RecipeLoader.parse(text, file: "tiny.yaml")
        _ = try FitPipeline(recipe: recipe, folder: out, force: false).run()
        let contours = try ContoursFile.read(out + "/limits/contours.json")
        XCTAssertEqual(contours.estimators.map(\.name), ["truth", "sally", "sally_ideal", "histogram"])
        func interval(_ name: String, _ cl: Double) throws -> ConfidenceInterval {
            let e = try XCTUnwrap(contours.estimators.first { $0.name == name })
            return try XCTUnwrap(e.intervals.first { abs($0.confidenceLevel - cl) < 1e-12 }?.intervals.first)
        }
        for cl in [0.68, 0.95] {
            let ideal = try interval("sally_ideal", cl), histogram = try interval("histogram", cl), truth = try interval("truth", cl)
            XCTAssertEqual(ideal.lower, histogram.lower, accuracy: 1e-9)
            XCTAssertEqual(ideal.upper, histogram.upper, accuracy: 1e-9)
            XCTAssertLessThanOrEqual(ideal.lower, truth.lower + 1e-9)
            XCTAssertGreaterThanOrEqual(ideal.upper, truth.upper - 1e-9)
        }
        // fisher.json has the ideal score's information too: N·E[t²] = 50·(1/5) = 10 at θ = 1, averaged
        // over 20 000 events drawn at θ = 1 (relative standard error √(2/20000) = 1 %): within 3 %.
        struct Entry: Decodable { var name: String; var mode: String; var matrix: [Double] }
        let fisher = try JSONDecoder().decode([Entry].self, from: try Data(contentsOf: URL(fileURLWithPath: out + "/limits/fisher.json")))
        XCTAssertEqual(fisher.map(\.name), ["truth", "sally", "sally_ideal", "histogram"])
        XCTAssertEqual(try XCTUnwrap(fisher.first { $0.name == "sally_ideal" }?.matrix.first), 10, accuracy: 0.3)
    }

    /// Real events have no exact likelihood, and ideal_sally needs a sally estimator for its reference point.
    func testValidate_idealSallyWithoutSallyEstimator_isRejected() throws {
        let text = PipelineTests.recipeText(modes: "truth, ml, ideal_sally")
        XCTAssertThrowsError(try RecipeLoader.parse(text, file: "tiny.yaml")) { error in
            XCTAssertTrue("\(error)".contains("mode ideal_sally needs an estimator with method sally"), "\(error)")
        }
    }

    func testPipeline_secondRunAndForce_skipEveryStageAndKeepBytes() throws {
        let out = try temporaryFolder()
        _ = try fit(out)
        let first = try snapshot(out)
        let again = try fit(out)
        XCTAssertTrue(again.rows.allSatisfy(\.skipped))
        XCTAssertTrue(again.tableLines().dropFirst().allSatisfy { $0.contains("skipped") })
        XCTAssertEqual(try snapshot(out), first)
        // --force redoes every stage; the same seeds give the same bytes (what resuming relies on).
        let forced = try fit(out, force: true)
        XCTAssertEqual(forced.ranStages, [.augment, .train, .limits, .plot])
        XCTAssertEqual(try snapshot(out), first)
    }

    func testPipeline_changedEpochs_rerunsTrainLimitsPlotButNotAugment() throws {
        let out = try temporaryFolder()
        _ = try fit(out)
        let before = try snapshot(out)
        let report = try fit(out, epochs: 3)
        XCTAssertEqual(report.ranStages, [.train, .limits, .plot])
        let after = try snapshot(out)
        for (name, bytes) in before where name.hasPrefix("augment/") { XCTAssertEqual(after[name], bytes, name) }
        XCTAssertNotEqual(after["train/alices/weights.npy"], before["train/alices/weights.npy"])
        XCTAssertNotEqual(after["train/stage.json"], before["train/stage.json"])
    }

    func testPipeline_interruptedAfterTraining_resumesToIdenticalBytes() throws {
        let out = try temporaryFolder()
        _ = try fit(out)
        let uninterrupted = try snapshot(out)
        // An interruption after training: limits and plot never finished, a half-written stage is left.
        try FileManager.default.removeItem(atPath: out + "/limits")
        try FileManager.default.removeItem(atPath: out + "/plot")
        try FileManager.default.createDirectory(atPath: out + "/.limits.partial", withIntermediateDirectories: true)
        try Data("half".utf8).write(to: URL(fileURLWithPath: out + "/.limits.partial/contours.json"))
        let resumed = try fit(out)
        XCTAssertEqual(resumed.ranStages, [.limits, .plot])
        XCTAssertEqual(try snapshot(out), uninterrupted)
        // Only the last stage lost.
        try FileManager.default.removeItem(atPath: out + "/plot")
        XCTAssertEqual(try fit(out).ranStages, [.plot])
        XCTAssertEqual(try snapshot(out), uninterrupted)
    }

    /// `ensemble: 3`: every member is scanned alone and its regions are stored in the ensemble's entry
    /// (`members`), drawn as faint lines under it and summarised in the closure table. Members of a
    /// 5-epoch network differ (68 % lower ends measured 0.59–0.78, upper 1.31–1.41; the test asks for a
    /// spread > 0.005), and the ensemble's mean log r̂ gives ends inside their envelope widened by one grid
    /// spacing (0.05; measured 0.71, 1.37). pvalues.npy keeps one row per likelihood (truth, alices).
    func testPipeline_ensemble_membersBandTheEnsembleInterval() throws {
        let out = try temporaryFolder()
        let text = PipelineTests.recipeText(epochs: 5).replacingOccurrences(of: "    hidden_layers: [20, 20]", with: "    hidden_layers: [20, 20]\n    ensemble: 3")
        let report = try FitPipeline(recipe: try RecipeLoader.parse(text, file: "tiny.yaml"), folder: out).run()
        let contours = try ContoursFile.read(out + "/plot/contours.json")
        XCTAssertEqual(contours.estimators.map(\.name), ["truth", "alices"])
        let alices = try XCTUnwrap(contours.estimators.last)
        let members = try XCTUnwrap(alices.members)
        XCTAssertEqual(members.map(\.name), ["alices_member1", "alices_member2", "alices_member3"])
        func interval(_ e: ContoursFile.Estimator) throws -> ConfidenceInterval {
            try XCTUnwrap(e.intervals.first { $0.confidenceLevel == 0.68 }?.intervals.first)
        }
        let ends = try members.map(interval)
        let lowers = ends.map(\.lower), uppers = ends.map(\.upper)
        XCTAssertGreaterThan(max(lowers.max()! - lowers.min()!, uppers.max()! - uppers.min()!), 0.005, "the members are different networks")
        let mean = try interval(alices)
        XCTAssertGreaterThanOrEqual(mean.lower, lowers.min()! - 0.05)
        XCTAssertLessThanOrEqual(mean.lower, lowers.max()! + 0.05)
        XCTAssertGreaterThanOrEqual(mean.upper, uppers.min()! - 0.05)
        XCTAssertLessThanOrEqual(mean.upper, uppers.max()! + 0.05)
        XCTAssertEqual(try NPYFile.read(out + "/plot/pvalues.npy").shape, [2, 121])
        let svg = try String(contentsOfFile: out + "/plot/contours.svg", encoding: .utf8)
        XCTAssertEqual(svg.components(separatedBy: "class=\"member-interval\"").count - 1, 3 * 2)
        XCTAssertTrue(report.closureLines().contains { $0.hasPrefix("alices") && $0.contains("; 3 members ") }, report.closureLines().joined(separator: "\n"))
    }

    /// Mode `sallino` (score at θ_ref = 1 projected on θ − θ_ref, a 1-D adaptive histogram per grid point)
    /// on the gaussian, a SALLY-type network of 8 units trained 20 epochs on 5000 events: with one
    /// parameter h_θ orders the events as t̂ does, so sallino is as good as a histogram of a (nearly)
    /// monotone function of x: its 68 % and 95 % ends lie within 0.02 of the exact ones (3 % of the 68 %
    /// length 0.63; measured 0.005 at 68 % and 0.010 at 95 %, the histogram of x 0.003 and 0.006).
    func testPipeline_sallino_gaussianIntervalMatchesExact() throws {
        let out = try temporaryFolder()
        let text = PipelineTests.localScoreRecipe(modes: "truth, sallino, histogram", method: "sallino", events: 5000, epochs: 20)
        _ = try FitPipeline(recipe: try RecipeLoader.parse(text, file: "tiny.yaml"), folder: out).run()
        let contours = try ContoursFile.read(out + "/limits/contours.json")
        XCTAssertEqual(contours.estimators.map(\.name), ["truth", "sallino", "histogram"])
        func interval(_ name: String, _ cl: Double) throws -> ConfidenceInterval { try Self.interval(name, cl, in: contours) }
        for cl in [0.68, 0.95] {
            let sallino = try interval("sallino", cl), truth = try interval("truth", cl)
            XCTAssertEqual(sallino.lower, truth.lower, accuracy: 0.02)
            XCTAssertEqual(sallino.upper, truth.upper, accuracy: 0.02)
        }
    }

    /// A doubly parameterised ALICES (alices2) on a more_ratios sample (θ0, θ1 flat, every event reused at
    /// one more flat θ) through `sbi fit`: mode ml reads log r̂(x|θ, θ1 = θ_true). Measured for recipe seeds
    /// 7, 8, 9: 68 % / 95 % lengths ×1.004 / ×1.006, ×1.001 / ×1.002, ×1.018 / ×1.018 of exact, centres
    /// 0.017, 0.005, 0.050 from the exact one, Fisher information 10.35, 10.04, 9.77 (exact 10). Bounds:
    /// lengths within 5 % (issue 18's SALLINO/gaussian scale), centre within 0.1 (twice the largest shift,
    /// a third of σ = 0.32), Fisher within 20 %.
    func testPipeline_alices2_moreRatiosSample_intervalMatchesExact() throws {
        let out = try temporaryFolder()
        let text = PipelineTests.recipeText(epochs: 10)
            .replacingOccurrences(of: "kind: ratio\n    theta0: {prior: flat}\n    theta1: {point: [0]}",
                                  with: "kind: more_ratios\n    theta0: {prior: flat}\n    theta1: {prior: flat}\n    additional_thetas: [{prior: flat}]")
            .replacingOccurrences(of: "method: alices\n", with: "method: alices2\n")
        XCTAssertTrue(text.contains("more_ratios") && text.contains("alices2"), text)
        _ = try FitPipeline(recipe: try RecipeLoader.parse(text, file: "tiny.yaml"), folder: out).run()
        let files = try snapshot(out)
        for name in ["augment/train/t_xz0_train.npy", "augment/train/t_xz1_train.npy", "train/alices/model.json"] {
            XCTAssertNotNil(files[name], "missing \(name)")
        }
        try Self.assertIntervalsMatchTruth("alices", in: try ContoursFile.read(out + "/limits/contours.json"), length: 0.05, centre: 0.1)
        struct Entry: Decodable { var name: String; var matrix: [Double] }
        let fisher = try JSONDecoder().decode([Entry].self, from: try XCTUnwrap(files["limits/fisher.json"]))
        XCTAssertEqual(fisher.map(\.name), ["truth", "alices"])
        XCTAssertEqual(fisher[1].matrix[0], 10, accuracy: 2)
    }

    /// A morphing-aware ALICES through `sbi fit` on wbf-higgs (100 000 ratio events, θ0 ~ N(0, 0.5²) per coupling, θ1 = SM;
    /// (32, 32), α = 3, 10 epochs, clipped gradients; Asimov data at the SM for 300 fb⁻¹, a 21×21 grid): the model
    /// folder is the quadratic form, normalised on the SM events, so the Asimov best fit sits at the SM within one grid
    /// spacing (0.1; measured within 0.075 for recipe seeds 7, 8, 9); its 68 % area is not more than 5 % smaller than
    /// exact, and at most ×4.1: measured ×3.09, ×3.10, ×2.45 for seeds 7, 8, 9 (this small a training leaves any
    /// ALICES wide here: the plain network of (x, θ) gave ×2.44 with seed 7), bound the worst plus three spreads.
    /// At full size (400 000 training events, (64, 64, 64), 50 epochs: ×1.03–1.06 over seeds 1–3) training takes 50 s,
    /// too long for a test.
    func testPipeline_morphingAware_wbfHiggs_bestFitAtTheSMAndNotTighterThanExact() throws {
        let out = try temporaryFolder()
        let text = """
        version: 1
        name: quadratic
        seed: 7
        parameters:
          - {name: fW, range: [-1, 1]}
          - {name: fWW, range: [-1, 1]}
        simulator: {name: wbf-higgs}
        benchmarks:
          - {name: sm, theta: [0, 0]}
        samples:
          - name: train
            kind: ratio
            theta0: {prior: {fW: {gaussian: {mean: 0, std: 0.5}}, fWW: {gaussian: {mean: 0, std: 0.5}}}}
            theta1: {benchmark: sm}
            events: 100000
            validation_split: 0.2
            test_split: 0
        estimators:
          - name: quadratic
            method: alices
            sample: train
            morphing_aware: true
            hidden_layers: [32, 32]
            alpha: 3
            training: {epochs: 10, clip_gradient_norm: 1.0}
        inference:
          modes: [truth, ml]
          theta_true: sm
          luminosity_inverse_femtobarn: 300
          asimov_events: 20000
          grid: {points: [21, 21]}
          confidence_levels: [0.68]
        """
        _ = try FitPipeline(recipe: try RecipeLoader.parse(text, file: "quadratic.yaml"), folder: out).run()
        let model = try String(contentsOfFile: out + "/train/quadratic/model.json", encoding: .utf8)
        XCTAssertTrue(model.contains("\"morphing-aware-ratio\""), model)
        let contours = try ContoursFile.read(out + "/limits/contours.json")
        let learned = try XCTUnwrap(contours.estimators.first { $0.name == "quadratic" })
        for k in 0..<2 { XCTAssertEqual(learned.bestFit[k], 0, accuracy: 0.1, "best fit \(learned.bestFit)") }
        let ratio = try XCTUnwrap(learned.regions?.first?.ratioToTruth)
        XCTAssertGreaterThanOrEqual(ratio, 0.95)
        XCTAssertLessThanOrEqual(ratio, 4.1)
    }

    /// NDE through `sbi fit`: a density sample (θ flat on [−3, 3], 100 000 events) and a flow of 2 MADEs of
    /// (20, 20) trained 10 epochs; mode ml reads Σ log p̂(x_i|θ). Measured for recipe seeds 7, 8, 9: 68 %
    /// lengths ×0.987, ×0.969, ×0.969 of exact, centres 0.046, 0.035, 0.024 below it (the flows' curvature
    /// of E[log p̂] in θ came out 3–5 % too strong in three of four library runs, −1 % in the fourth: the
    /// estimation error of a flexible density from 90 000 events). Bounds: length within 10 % (issue 18's NDE
    /// scale), centre within 0.1 (a third of σ = 0.32); the model folder is a likelihood model of 2 blocks.
    func testPipeline_nde_densitySample_intervalMatchesExact() throws {
        let out = try temporaryFolder()
        let text = PipelineTests.recipeText(epochs: 10)
            .replacingOccurrences(of: "kind: ratio\n    theta0: {prior: flat}\n    theta1: {point: [0]}\n    events: 20000",
                                  with: "kind: density\n    theta: {prior: flat}\n    events: 100000")
            .replacingOccurrences(of: "method: alices\n", with: "method: nde\n    blocks: 2\n")
            .replacingOccurrences(of: "batch_size: 128", with: "batch_size: 64\n      initial_learning_rate: 3.0e-3")
        XCTAssertTrue(text.contains("kind: density") && text.contains("method: nde"), text)
        _ = try FitPipeline(recipe: try RecipeLoader.parse(text, file: "tiny.yaml"), folder: out).run()
        try Self.assertIntervalsMatchTruth("alices", in: try ContoursFile.read(out + "/limits/contours.json"), length: 0.1, centre: 0.1)
        let model = try String(contentsOfFile: out + "/train/alices/model.json", encoding: .utf8)
        XCTAssertTrue(model.contains("\"kind\" : \"likelihood\"") && model.contains("\"flowBlocks\" : 2"), model)
    }

    /// At 68 % and 95 % CL, the first interval of estimator `name` has the truth interval's length within the
    /// relative tolerance `length` and its centre within `centre`.
    static func assertIntervalsMatchTruth(_ name: String, in contours: ContoursFile, length: Double, centre: Double,
                                          file: StaticString = #filePath, line: UInt = #line) throws {
        for cl in [0.68, 0.95] {
            let learned = try interval(name, cl, in: contours), truth = try interval("truth", cl, in: contours)
            XCTAssertEqual((learned.upper - learned.lower) / (truth.upper - truth.lower), 1, accuracy: length, "CL \(cl)", file: file, line: line)
            XCTAssertEqual((learned.upper + learned.lower) / 2, (truth.upper + truth.lower) / 2, accuracy: centre, "CL \(cl)", file: file, line: line)
        }
    }

    /// The first interval of estimator `name` at confidence level `cl` in `contours`.
    static func interval(_ name: String, _ cl: Double, in contours: ContoursFile) throws -> ConfidenceInterval {
        try XCTUnwrap(contours.estimators.first { $0.name == name }?.intervals.first { abs($0.confidenceLevel - cl) < 1e-12 }?.intervals.first)
    }
}
