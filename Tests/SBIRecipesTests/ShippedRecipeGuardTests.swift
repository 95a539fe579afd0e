import Foundation
import XCTest
import SBIInference
@testable import SBIRecipes

/// Guards on the shipped recipes: reduced, fast copies (fewer events and epochs, a coarser grid;
/// estimators, methods, simulators and the statistics unchanged) run end to end, and each
/// learned region's size is compared with the exact likelihood's (`ratioToTruth` of contours.json).
///
/// The bounds come from the seed-to-seed spread of the reduced copies, measured once with the
/// recipe seeds listed in each test (`spread` below: min–max over those seeds). A bound sits a few
/// spreads above the worst seed, so that a change making an estimator markedly worse (ALICES
/// twice as wide, SALLY losing its information, an estimator tighter than exact) fails, while the
/// training noise of a reduced run does not.
final class ShippedRecipeGuardTests: XCTestCase {
    /// Recipes/ of this package, found from this source file's path.
    static var recipesFolder: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Recipes").path
    }

    /// The shipped recipe `name` with `seed`, changed by `reduce`.
    static func reduced(_ name: String, seed: UInt64? = nil, _ reduce: (inout Recipe) -> Void) throws -> Recipe {
        var recipe = try RecipeLoader.load(path: recipesFolder + "/" + name + ".yaml")
        if let seed { recipe.seed = seed }
        reduce(&recipe)
        return recipe
    }

    /// Runs `recipe` into a temporary folder; returns ratioToTruth per estimator name and CL (percent).
    static func ratios(_ recipe: Recipe) throws -> [String: [Int: Double]] {
        try regions(recipe).ratios
    }

    /// Runs `recipe` into a temporary folder; returns every result's region size and (estimators only)
    /// ratioToTruth, per name and CL (percent).
    static func regions(_ recipe: Recipe) throws -> (sizes: [String: [Int: Double]], ratios: [String: [Int: Double]]) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sbi-guard-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try FitPipeline(recipe: recipe, folder: folder, force: false).run()
        let contours = try ContoursFile.read(folder + "/limits/contours.json")
        var sizes: [String: [Int: Double]] = [:], ratios: [String: [Int: Double]] = [:]
        for e in contours.estimators {
            for region in e.regions ?? [] {
                let cl = Int((region.confidenceLevel * 100).rounded())
                sizes[e.name, default: [:]][cl] = region.size
                if e.mode != "truth", let ratio = region.ratioToTruth { ratios[e.name, default: [:]][cl] = ratio }
            }
        }
        return (sizes, ratios)
    }

    /// drell-yan with its 200 000 ratio events but 20 000 local events, 20 epochs, 20 000 Asimov
    /// events, a 15×15 grid. Fewer ratio events are not a smaller copy but a different result: with
    /// 40 000 events ALICES came out tighter than exact (area ×0.48–0.49 at 68 %, seeds 1–4).
    static func reducedDrellYan(seed: UInt64? = nil) throws -> Recipe {
        try reduced("drell-yan", seed: seed) { r in
            r.samples[1].events = 20_000
            for e in r.estimators.indices { r.estimators[e].training.epochs = 20 }
            r.inference.asimovEvents = 20_000
            r.inference.grid.points = [15, 15]
        }
    }

    /// wbf-higgs with 150 000 ratio and 20 000 local events, 30 epochs, 10 000 Asimov events, a 21×21 grid.
    /// (60 000 ratio events and 20 epochs left ALICES at ×2.1 of the exact 68 % area: too far from the
    /// full recipe's ×1.07 for a guard.)
    static func reducedWBF(seed: UInt64? = nil) throws -> Recipe {
        try reduced("wbf-higgs", seed: seed) { r in
            r.samples[0].events = 150_000
            r.samples[1].events = 20_000
            for e in r.estimators.indices { r.estimators[e].training.epochs = r.estimators[e].method == .sally ? 20 : 30 }
            r.inference.asimovEvents = 10_000
            r.inference.grid.points = [21, 21]
        }
    }

    /// wbf-higgs-systematics with 150 000 ratio events, 20 epochs, 5 000 Asimov events, a 15×15 grid.
    static func reducedWBFSystematics(seed: UInt64? = nil) throws -> Recipe {
        try reduced("wbf-higgs-systematics", seed: seed) { r in
            r.samples[0].events = 150_000
            r.estimators[0].training.epochs = 20
            r.inference.asimovEvents = 5_000
            r.inference.grid.points = [15, 15]
        }
    }

    /// gaussian-quickstart with 20 000 ratio events and 20 epochs.
    static func reducedGaussian(seed: UInt64? = nil) throws -> Recipe {
        try reduced("gaussian-quickstart", seed: seed) { r in
            r.samples[0].events = 20_000
            r.estimators[0].training.epochs = 20
        }
    }

    /// gaussian, 1-D interval lengths. Spread over seeds 1–4: ALICES 68 % ×1.0206–1.0209, 95 %
    /// ×1.0203–1.0205 (the reduced network's bias, not its noise). Bounds: [0.99, 1.03] (the
    /// issue's 3 % for interval lengths; below 0.99 would be tighter than exact beyond the grid's
    /// interpolation error).
    func testShippedGaussianQuickstart_reduced_alicesIntervalsWithinThreePercentOfExact() throws {
        let ratios = try Self.ratios(try Self.reducedGaussian())
        for cl in [68, 95] {
            let r = try XCTUnwrap(ratios["alices"]?[cl], "no ALICES ratio at \(cl) %")
            XCTAssertGreaterThanOrEqual(r, 0.99, "ALICES \(cl) %")
            XCTAssertLessThanOrEqual(r, 1.03, "ALICES \(cl) %")
        }
    }

    /// drell-yan, 2-D areas. Spread over seeds 1–4: ALICES 68 % ×0.982–1.057, 95 % ×1.051–1.074;
    /// SALLY ×0.992–1.004 and ideal SALLY the same to 1e-4 (the learned score is a monotone map of the
    /// exact one here). Bounds: ALICES in [0.90, 1.15] (the 68 % spread 0.075 on either side of the
    /// measured range, so "tighter than exact" at ×0.48 and "twice as wide" both fail); ideal SALLY
    /// in [0.97, 1.03]; learned SALLY within 2 % of ideal SALLY.
    func testShippedDrellYan_reduced_alicesAndSallyCloseToExactAndIdeal() throws {
        let ratios = try Self.ratios(try Self.reducedDrellYan())
        for cl in [68, 95] {
            let alices = try XCTUnwrap(ratios["alices"]?[cl], "no ALICES ratio at \(cl) %")
            XCTAssertGreaterThanOrEqual(alices, 0.90, "ALICES \(cl) %")
            XCTAssertLessThanOrEqual(alices, 1.15, "ALICES \(cl) %")
            let ideal = try XCTUnwrap(ratios["sally_ideal"]?[cl]), sally = try XCTUnwrap(ratios["sally"]?[cl])
            XCTAssertEqual(ideal, 1, accuracy: 0.03, "ideal SALLY \(cl) %")
            XCTAssertEqual(sally / ideal, 1, accuracy: 0.02, "SALLY / ideal SALLY \(cl) %")
        }
    }

    /// wbf-higgs, 2-D areas. Spread over seeds 1–4: ALICES 68 % ×1.096–1.137, 95 % ×1.081–1.093,
    /// 99.7 % ×1.055–1.070; ideal SALLY 68 % ×1.297–1.330, 95 % ×1.347–1.425, 99.7 % ×1.184–1.284;
    /// learned/ideal SALLY 0.981–0.983 at 68 %, 1.023–1.031 at 95 %, 1.011–1.018 at 99.7 %.
    /// Bounds: ALICES at least exact (1.0) and at most the worst seed plus three spreads (68 % ≤ 1.26,
    /// 95 % ≤ 1.13, 99.7 % ≤ 1.12); learned SALLY within 5 % of ideal SALLY (the bound);
    /// ideal SALLY above exact (a histogram of a statistic sufficient only at the SM cannot beat the
    /// likelihood): in [1.1, 1.6].
    func testShippedWBFHiggs_reduced_alicesAndSallyWithinTheirSeedSpread() throws {
        let ratios = try Self.ratios(try Self.reducedWBF())
        for (cl, upper) in [(68, 1.26), (95, 1.13), (100, 1.12)] {
            let alices = try XCTUnwrap(ratios["alices"]?[cl], "no ALICES ratio at \(cl) %")
            XCTAssertGreaterThanOrEqual(alices, 1.0, "ALICES \(cl) %")
            XCTAssertLessThanOrEqual(alices, upper, "ALICES \(cl) %")
            let ideal = try XCTUnwrap(ratios["sally_ideal"]?[cl]), sally = try XCTUnwrap(ratios["sally"]?[cl])
            XCTAssertGreaterThanOrEqual(ideal, 1.1, "ideal SALLY \(cl) %")
            XCTAssertLessThanOrEqual(ideal, 1.6, "ideal SALLY \(cl) %")
            XCTAssertGreaterThanOrEqual(sally / ideal, 0.95, "SALLY / ideal SALLY \(cl) %")
            XCTAssertLessThanOrEqual(sally / ideal, 1.05, "SALLY / ideal SALLY \(cl) %")
        }
    }

    /// wbf-higgs-systematics (5 % jet energy scale and 10 % normalisation), 2-D areas. Spread over seeds 1–4:
    /// exact profiled/fixed-ν area 1.059–1.066 at 68 %, 1.049–1.056 at 95 % (profiling over ν can only
    /// widen the exact region of Asimov data made at ν = 0); ALICES over (f_W, f_WW, ν), profiled, ×1.198–1.242
    /// at 68 % and ×1.048–1.068 at 95 % of the exact profile (fixed ν: ×1.208–1.249, ×1.062–1.081).
    /// Bounds: the exact profile at least 2 % wider than fixed ν; ALICES at least exact and at most the worst
    /// seed plus three spreads (68 % ≤ 1.37, 95 % ≤ 1.13), profiled and fixed.
    func testShippedWBFHiggsSystematics_reduced_profileWidensTruthAndAlicesWithinSeedSpread() throws {
        let (sizes, ratios) = try Self.regions(try Self.reducedWBFSystematics())
        for (cl, upper) in [(68, 1.37), (95, 1.13)] {
            let profiled = try XCTUnwrap(sizes["truth"]?[cl]), fixed = try XCTUnwrap(sizes["truth_fixed_nuisance"]?[cl])
            XCTAssertGreaterThanOrEqual(profiled / fixed, 1.02, "truth profiled / fixed ν at \(cl) %")
            for name in ["alices", "alices_fixed_nuisance"] {
                let r = try XCTUnwrap(ratios[name]?[cl], "no \(name) ratio at \(cl) %")
                XCTAssertGreaterThanOrEqual(r, 1.0, "\(name) \(cl) %")
                XCTAssertLessThanOrEqual(r, upper, "\(name) \(cl) %")
            }
        }
    }
}
