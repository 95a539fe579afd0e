import Foundation
import XCTest
import SBICore
import SBIInference
import SBINetworks
import SBISimulation
import SBITestSupport
@testable import SBIReport

/// The figures beside contours.svg show the truth they are drawn from: the profile of a Gaussian
/// likelihood is the closed-form parabola, the loss curves are the recorded losses, and every figure a
/// result folder allows is written.
final class FitFiguresTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws { folder = try makeTemporaryDirectory(self, prefix: "sbi-figures-") }

    /// For log L = −½ θᵀ C⁻¹ θ the profile over b is q_prof(a) = a² / C_aa (and over a, b² / C_bb); on the
    /// 41×41 grid the minimum over grid values of the other axis is above it by at most
    /// (Δ/2)² / Var(other | this) = 0.025² / 0.041 = 0.015.
    func testProfile_ofGaussianLikelihood_isTheClosedFormParabola() throws {
        let (file, grid, scans) = try GaussianResult.make()
        let axes = try XCTUnwrap(grid.axes).map(\.values)
        let c = GaussianResult.covariance
        for (axis, variance) in [(0, c[0]), (1, c[3])] {
            let profiled = LikelihoodCurvePlot.profile(scans[0].q, shape: grid.shape, axis: axis)
            for (theta, q) in zip(axes[axis], profiled) {
                XCTAssertEqual(q, theta * theta / variance, accuracy: 0.016, "axis \(axis) at \(theta)")
            }
        }
        let chart = LikelihoodCurvePlot.chart(file, axis: 0, axes: axes, q: scans.map(\.q))
        XCTAssertEqual(chart.curves.map(\.label), ["truth", "alices (ml)"])
        // χ²₁ quantiles at 68 % and 95 % (tables: 0.98895, 3.84146).
        XCTAssertEqual(chart.levels.count, 2)
        XCTAssertEqual(chart.levels[0].value, 0.98895, accuracy: 1e-4)
        XCTAssertEqual(chart.levels[1].value, 3.84146, accuracy: 1e-4)
        // Shown: where a curve is below 2.5 × 3.84 = 9.6, i.e. |a| ≲ √(9.6·0.1·1.21) ≈ 1.08 for the wider one: the whole grid.
        XCTAssertEqual(chart.xRange, -1...1)
    }

    func testLossCurves_areTheRecordedLosses_withTheLowestValidationEpochMarked() {
        var h = TrainingHistory()
        h.trainingLoss = [1.0, 0.8, 0.7, 0.65]
        h.validationLoss = [1.1, 0.9, 0.85, 0.86]
        h.bestEpoch = 2
        h.trainingSampleCount = 800
        h.validationSampleCount = 200
        let chart = LossCurvePlot.chart(name: "alices", method: "alices", histories: [h])
        XCTAssertEqual(chart.title, "Training of alices")
        XCTAssertEqual(chart.curves.map(\.ys), [h.trainingLoss, h.validationLoss])
        XCTAssertEqual(chart.curves[0].xs, [1, 2, 3, 4])
        XCTAssertEqual(chart.verticals.map(\.value), [3])
        XCTAssertEqual(chart.notes, ["800 training, 200 validation samples"])
        // An ensemble: both members drawn, no single kept epoch.
        let ensemble = LossCurvePlot.chart(name: "e", method: "alices", histories: [h, h])
        XCTAssertEqual(ensemble.curves.map(\.label), ["training (member 0)", "validation (member 0)", "training (member 1)", "validation (member 1)"])
        XCTAssertTrue(ensemble.verticals.isEmpty)
        XCTAssertTrue(ensemble.svg().contains("Training of e (alices)"))
    }

    /// A limits folder with contours, scans and fisher.json gives fisher.svg and one q figure per
    /// parameter; without q.npy (an older sbi) and fisher.json, none of them, and no error.
    func testFitFigures_writeWhatTheResultsAllow() throws {
        let (file, grid, scans) = try GaussianResult.make()
        try ResultWriter.write(file, grid: grid, scans: scans, to: folder + "/limits")
        let entries = [FisherFileEntry(name: "truth", mode: "truth", parameters: ["a", "b"], matrix: GaussianResult.information.matrix.storage),
                       FisherFileEntry(name: "alices_profiled", mode: "ml", parameters: ["a", "b"], matrix: GaussianResult.information.matrix.storage),
                       FisherFileEntry(name: "truth", mode: "truth", parameters: ["a", "b", "nu"], matrix: [Double](repeating: 1, count: 9))]
        try AtomicFileWriter.write(Array(try JSONEncoder().encode(entries)), to: folder + "/limits/fisher.json")
        try FileManager.default.createDirectory(atPath: folder + "/plot", withIntermediateDirectories: true)
        let written = try FitFigures.write(limits: folder + "/limits", train: folder + "/no-train", into: folder + "/plot")
        XCTAssertEqual(written, ["fisher.svg", "q_a.svg", "q_b.svg"])
        let fisher = try String(contentsOfFile: folder + "/plot/fisher.svg", encoding: .utf8)
        // Two matrices over (a, b) × two CLs; the profiled one in alices' colour, the 3-parameter one left out.
        XCTAssertEqual(fisher.components(separatedBy: "class=\"linearised\"").count - 1, 4)
        XCTAssertTrue(fisher.contains("class=\"linearised\" data-estimator=\"alices\" data-cl=\"0.68\" stroke=\"\(ContourPlot.colours[1])\""))
        for name in ["q.npy", "fisher.json"] { try FileManager.default.removeItem(atPath: folder + "/limits/" + name) }
        XCTAssertEqual(try FitFigures.write(limits: folder + "/limits", train: nil, into: folder + "/plot"), [])
        XCTAssertTrue(FitFigures.isFigure("q_a.svg") && FitFigures.isFigure("loss_x.svg") && !FitFigures.isFigure("q.npy"))
    }
}

/// The observables' figure shows densities: samples of N(0, 1) and N(1, 1) come out as the normal
/// density on the common bins.
final class ObservablePlotTests: XCTestCase {
    func testObservableDensities_ofNormalSamples_followTheNormalDensity() throws {
        let random = SeededRandom(seed: 4)
        let a = (0..<40_000).map { _ in random.normal() }, b = (0..<40_000).map { _ in 1 + random.normal() }
        let chart = ObservablePlot.chart(name: "x", label: "x", samples: [("θ = 0", a, nil), ("θ = 1", b, [Double](repeating: 2, count: b.count))])
        XCTAssertEqual(chart.curves.count, 2)
        for (curve, mean) in zip(chart.curves, [0.0, 1.0]) {
            // Steps: two points per bin at its edges, the bin's density on both.
            var integral = 0.0
            for k in stride(from: 0, to: curve.xs.count, by: 2) {
                let (lo, hi, density) = (curve.xs[k], curve.xs[k + 1], curve.ys[k])
                integral += density * (hi - lo)
                // The bin average of the normal density (Φ(hi) − Φ(lo))/(hi − lo), within the Poisson noise of
                // ≥ 40 000 × 0.1 × density events in a bin: 4σ is below 0.035 for every bin.
                let expected = (erf((hi - mean) / 2.squareRoot()) - erf((lo - mean) / 2.squareRoot())) / 2 / (hi - lo)
                XCTAssertEqual(density, expected, accuracy: 0.035, "bin [\(lo), \(hi)] of the sample at \(mean)")
            }
            // Inside the pooled 0.5 %–99.5 % quantiles lies most, not all, of each sample.
            XCTAssertGreaterThan(integral, 0.97)
            XCTAssertLessThanOrEqual(integral, 1 + 1e-12)
        }
        XCTAssertTrue(chart.svg().contains("data-label=\"θ = 1\""))
    }
}

/// The morphing figure shows Σ_b w_b(θ)² of the sample's basis: for one parameter with components
/// 1, θ, θ² and benchmarks −1, 0, 1 the weights are the Lagrange polynomials, so Σ w² is 1 at every
/// benchmark and (1, −3, 3) → 19 at θ = 2.
final class MorphingBasisPlotTests: XCTestCase {
    func testMorphingFigure_ofAQuadraticBasis_showsTheLagrangeWeights() throws {
        let components = try MorphingComponents(maxPowers: [2], maxOverallPower: 2)
        let basis = Matrix<Double>(rows: 3, columns: 1, storage: [-1, 0, 1])
        let morpher = try Morpher(components: components, basis: basis)
        func squared(_ theta: [Double]) -> Double { morpher.weights(at: theta).reduce(0) { $0 + $1 * $1 } }
        XCTAssertEqual(squared([2]), 19, accuracy: 1e-9)
        for b in [-1.0, 0, 1] { XCTAssertEqual(squared([b]), 1, accuracy: 1e-9) }
        let svg = MorphingBasisPlot.svg(parameters: [.init(name: "theta", range: -1...2)], basis: basis, title: "basis", squaredWeights: squared)
        // The benchmarks are the verticals b0, b1, b2.
        XCTAssertEqual(svg.components(separatedBy: "class=\"vertical\"").count - 1, 3)
        XCTAssertTrue(svg.contains(">b0</text>") && svg.contains(">b2</text>"))
        let chart2D = MorphingBasisPlot.svg(parameters: [.init(name: "a", range: -1...1), .init(name: "b", range: -1...1)],
                                            basis: Matrix(rows: 2, columns: 2, storage: [0, 0, 0.5, -0.5]), title: "2-D") { 1 + $0[0] * $0[0] }
        XCTAssertEqual(chart2D.components(separatedBy: "class=\"benchmark\"").count - 1, 2)
        // The cells, the clip path, the background, the outline and the colour bar.
        XCTAssertEqual(chart2D.components(separatedBy: "<rect x=").count - 1, 40 * 40 + 4)
    }
}
