import Foundation
import XCTest
import SBICore

/// `sbi plot --fit` as a user would run it on a finished fit: every figure drawn from the result files,
/// into the fit's plot folder or a new one, never into a folder holding someone else's files.
final class PlotCommandTests: XCTestCase, SBICommandTesting {
    func testPlotFit_drawsEveryFigure_andRefusesAFolderItDidNotWrite() throws {
        let folder = try temporaryFolder()
        let recipe = """
            name: plot-tiny
            seed: 5
            parameters:
              - name: theta
                range: [-3, 3]
            simulator:
              name: gaussian
            samples:
              - {name: train, kind: ratio, theta0: {prior: flat}, theta1: {point: [0]}, events: 5000, test_split: 0}
            estimators:
              - {name: alices, method: alices, sample: train, hidden_layers: [10], training: {epochs: 3}}
            inference:
              modes: [truth, ml]
              theta_true: [1]
              expected_events: 50
              asimov_events: 2000
              grid: {points: 61}
            outputs:
              folder: out
            """
        try recipe.write(toFile: folder + "/tiny.yaml", atomically: true, encoding: .utf8)
        let fit = try run(["fit", "tiny.yaml", "--quiet"], in: folder)
        XCTAssertEqual(fit.status, 0, fit.stderr)
        // The fit itself lists its figures among the results.
        for name in ["fisher.svg", "q_theta.svg", "loss_alices.svg", "recipe.json", "report.html"] {
            XCTAssertTrue(fit.stdout.contains("wrote out/plot/\(name)"), fit.stdout)
        }
        let redraw = try run(["plot", "--fit", "out", "--output", "figures"], in: folder)
        XCTAssertEqual(redraw.status, 0, redraw.stderr)
        XCTAssertEqual(redraw.stdout, ["contours.svg", "fisher.svg", "q_theta.svg", "loss_alices.svg", "report.html"].map { "wrote figures/\($0)\n" }.joined())
        // The same bytes as the fit's own figures (drawn from the same files).
        for name in ["fisher.svg", "q_theta.svg", "loss_alices.svg"] {
            XCTAssertEqual(FileManager.default.contents(atPath: folder + "/figures/" + name), FileManager.default.contents(atPath: folder + "/out/plot/" + name), name)
        }
        // A folder with a user's file is refused and left as it was.
        try FileManager.default.createDirectory(atPath: folder + "/mine", withIntermediateDirectories: true)
        try "keep".write(toFile: folder + "/mine/notes.txt", atomically: true, encoding: .utf8)
        let refused = try run(["plot", "--fit", "out", "--output", "mine"], in: folder)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("mine: refusing to replace this folder") && refused.stderr.contains("notes.txt"), refused.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder + "/mine"), ["notes.txt"])
        // Not a fit folder, and both inputs at once: clear errors.
        let missing = try run(["plot", "--fit", "nowhere"], in: folder)
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("nowhere: no limits results"), missing.stderr)
        let both = try run(["plot", "--fit", "out", "--input", "out/plot/contours.json"], in: folder)
        XCTAssertEqual(both.status, 2, both.stderr)
    }

    /// A fit of three parameters has profiles instead of one contours.json: `sbi plot --fit` redraws each profile's
    /// contours.svg in the plot stage's profiles/ folders, the overview and the per-pair Fisher figures, the same bytes
    /// as the fit drew.
    func testPlotFit_threeParameters_redrawsEveryProfile() throws {
        let folder = try temporaryFolder()
        let recipe = """
            name: plot-three
            seed: 5
            parameters:
              - {name: theta1, range: [-1.5, 1.5]}
              - {name: theta2, range: [-1.5, 1.5]}
              - {name: theta3, range: [-1.5, 1.5]}
            simulator: {name: gaussian-3d}
            samples:
              - {name: train, kind: ratio, theta0: {prior: flat}, theta1: {point: [0, 0, 0]}, events: 5000, test_split: 0}
            estimators:
              - {name: alices, method: alices, sample: train, hidden_layers: [10], training: {epochs: 2}}
            inference:
              modes: [truth, ml]
              theta_true: [0, 0, 0]
              expected_events: 100
              asimov_events: 1000
              grid: {points: 9, ranges: {theta1: [-0.8, 0.8], theta2: [-0.8, 0.8], theta3: [-0.8, 0.8]}}
            outputs:
              folder: out
            """
        try recipe.write(toFile: folder + "/three.yaml", atomically: true, encoding: .utf8)
        let fit = try run(["fit", "three.yaml", "--quiet"], in: folder)
        XCTAssertEqual(fit.status, 0, fit.stderr)
        XCTAssertTrue(fit.stdout.contains("wrote out/plot/profiles\n"), fit.stdout)
        let svg = folder + "/out/plot/profiles/theta1_vs_theta3/contours.svg"
        let drawn = FileManager.default.contents(atPath: svg)
        XCTAssertNotNil(drawn)
        try FileManager.default.removeItem(atPath: svg)
        let redraw = try run(["plot", "--fit", "out"], in: folder)
        XCTAssertEqual(redraw.status, 0, redraw.stderr)
        for name in ["profiles/theta1/contours.svg", "profiles/theta1_vs_theta3/contours.svg", "profiles.svg", "fisher_theta2_vs_theta3.svg", "q_theta2.svg"] {
            XCTAssertTrue(redraw.stdout.contains("wrote out/plot/\(name)\n"), redraw.stdout)
        }
        XCTAssertEqual(FileManager.default.contents(atPath: svg), drawn, "the same bytes as the fit's")
        XCTAssertFalse(redraw.stdout.contains("out/plot/contours.svg"), redraw.stdout)
    }
}
