import XCTest
import CGSL
import SBICore
import SBISimulation
@testable import SBIInference

final class FisherInformationTests: XCTestCase {
    let gaussian = GaussianSimulator()

    /// Joint score (z−θ)/4 has E[t²] = 1/4; x-level score (x−θ)/5 has E[t²] = 1/5. With 2·10⁵ events the
    /// relative standard error of a mean of t² is √(2/2·10⁵) ≈ 0.3 %, so 1 % is a > 3σ tolerance.
    func testFisherTruthAndExact_gaussian_nOverFourAndNOverFive() throws {
        let n = 100.0
        let truth = try FisherInformation.truth(simulator: gaussian, at: [0.5], events: n, sampleSize: 200_000, seed: 2)
        XCTAssertEqual(truth.matrix[0, 0], n / 4, accuracy: 0.01 * n / 4)
        let exact = try FisherInformation.exact(simulator: gaussian, at: [0.5], events: n, sampleSize: 200_000, seed: 2)
        XCTAssertEqual(exact.matrix[0, 0], n / 5, accuracy: 0.01 * n / 5)
        let sample = try gaussian.simulate(at: [0.5], count: 200_000, random: SeededRandom(seed: 2)).observables
        let sally = try FisherInformation.sally(estimator: PerfectScore(simulator: gaussian, reference: [0.5]), names: ["theta"],
                                                sample: sample, at: [0.5], events: n)
        XCTAssertEqual(sally.matrix[0, 0], n / 5, accuracy: 0.01 * n / 5)
        let ml = try FisherInformation.ml(estimator: PerfectLogRatio(simulator: gaussian, reference: [0]), names: ["theta"],
                                          sample: sample, at: [0.5], events: n)
        XCTAssertEqual(ml.matrix[0, 0], n / 5, accuracy: 0.01 * n / 5)
        // Two parameters: the correlated model's per-event information [[1.25, 0.75], [0.75, 1.25]] (1 % MC).
        let model = CorrelatedGaussianSimulator()
        let x2 = try model.simulate(at: [0.1, 0.2], count: 200_000, random: SeededRandom(seed: 7)).observables
        let ml2 = try FisherInformation.ml(estimator: PerfectLogRatio(simulator: model, reference: [0, 0]), names: ["a", "b"],
                                           sample: x2, at: [0.1, 0.2], events: 1)
        for k in 0..<4 { XCTAssertEqual(ml2.matrix.storage[k], CorrelatedGaussianSimulator.perEventInformation[k], accuracy: 0.015) }
    }

    /// Histogram information is at most the exact one and, with 40 bins of width 0.4 ≪ σ = √5, within 3 %
    /// of it (binning loss ≈ (0.4)²/(12·5) ≈ 0.3 %, plus 1 % Monte-Carlo noise in the ∂p_b estimates).
    func testFisherHistogram_fineBins_nearExact() throws {
        let h = try FisherInformation.histogram(try Histogram.fixed(ranges: [-8...8], bins: [40]), features: .observables([0]),
                                                simulator: gaussian, at: [0], events: 100, sampleSize: 200_000, seed: 3)
        XCTAssertEqual(h.matrix[0, 0], 20, accuracy: 0.6)
        let coarse = try FisherInformation.histogram(try Histogram.fixed(ranges: [-8...8], bins: [2]), features: .observables([0]),
                                                     simulator: gaussian, at: [0], events: 100, sampleSize: 200_000, seed: 3)
        // Two bins split at the mean: I = n·(2φ(0)/√5)²/… = n·(2/π)/5 = 12.7 (sign information only).
        XCTAssertEqual(coarse.matrix[0, 0], 100 * (2 / Double.pi) / 5, accuracy: 0.4)
    }

    /// ν = L(2 + θ): I = ν'²/ν = 100²/200 = 50 at θ = 0.
    func testFisherRate_linearCrossSection_matchesFormula() throws {
        let rate = EventRate(luminosityInversePicobarn: 100) { $0[0] + 2 }
        let info = try FisherInformation.rate(rate, names: ["theta"], at: [0])
        XCTAssertEqual(info.matrix[0, 0], 50, accuracy: 1e-6)   // central differences are exact for a line
    }

    /// Symmetric PSD and the closed-form per-event matrix [[1.25, 0.75], [0.75, 1.25]] (1 % MC tolerance).
    func testFisherTruth_correlatedModel_symmetricPSDAndClosedForm() throws {
        let model = CorrelatedGaussianSimulator()
        let info = try FisherInformation.truth(simulator: model, at: [0.2, 0.1], events: 10, sampleSize: 200_000, seed: 4)
        XCTAssertEqual(info.matrix[0, 1], info.matrix[1, 0])
        XCTAssertGreaterThan(info.matrix[0, 0], 0)
        XCTAssertGreaterThan(info.matrix[0, 0] * info.matrix[1, 1] - info.matrix[0, 1] * info.matrix[1, 0], 0)
        for k in 0..<4 {
            XCTAssertEqual(info.matrix.storage[k], 10 * CorrelatedGaussianSimulator.perEventInformation[k], accuracy: 0.15)
        }
    }

    func testProfiling_zeroCorrelation_changesNothing() throws {
        let info = FisherInformation(names: ["a", "b", "c"], matrix: Matrix(rows: 3, columns: 3, storage: [4, 1, 0, 1, 3, 0, 0, 0, 9]))
        let profiled = try info.profiled(keeping: ["a", "b"])
        XCTAssertEqual(profiled.matrix.storage, [4, 1, 1, 3])
        XCTAssertEqual(try info.projected(onto: ["b", "a"]).matrix.storage, [3, 1, 1, 4])
    }

    func testProfiling_withCorrelation_matchesSchurComplement() throws {
        let m: [Double] = [4, 1, 1.5, 1, 3, 0.5, 1.5, 0.5, 2]
        let info = FisherInformation(names: ["a", "b", "c"], matrix: Matrix(rows: 3, columns: 3, storage: m))
        let profiled = try info.profiled(keeping: ["a", "b"])
        // I_pp − I_pn I_nn⁻¹ I_np with I_nn = 2: [[4 − 2.25/2, 1 − 0.75/2], [·, 3 − 0.25/2]].
        let expected: [Double] = [4 - 1.125, 1 - 0.375, 1 - 0.375, 3 - 0.125]
        for k in 0..<4 { XCTAssertEqual(profiled.matrix.storage[k], expected[k], accuracy: 1e-12) }
        let one = try info.profiled(keeping: ["a"])
        // Two nuisances: a − [1 1.5]·[[3 .5],[.5 2]]⁻¹·[1 1.5]ᵀ; inverse = [[2, −.5],[−.5, 3]]/5.75.
        let y0: Double = 2.0 - 0.75, y1: Double = -0.5 + 4.5   // [[2, −.5],[−.5, 3]]·[1, 1.5]
        let quad: Double = (y0 + 1.5 * y1) / 5.75
        XCTAssertEqual(one.matrix[0, 0], 4 - quad, accuracy: 1e-12)
        // The correlated model: 1.25 − 0.75²/1.25 = 0.8 per event.
        let model = FisherInformation(names: ["a", "b"], matrix: Matrix(rows: 2, columns: 2, storage: CorrelatedGaussianSimulator.perEventInformation))
        XCTAssertEqual(try model.profiled(keeping: ["a"]).matrix[0, 0], 0.8, accuracy: 1e-12)
        assertThrowsSBIError(try info.profiled(keeping: ["d"]), field: "parameters")
    }

    func testLinearizedContour_ellipseSatisfiesQuadraticForm() throws {
        let info = FisherInformation(names: ["a", "b"], matrix: Matrix(rows: 2, columns: 2, storage: [12.5, 7.5, 7.5, 12.5]))
        let path = try info.linearizedContour(confidenceLevel: 0.95, center: [1, -1])
        let c = gsl_cdf_chisq_Qinv(0.05, 2)
        XCTAssertTrue(path.closed)
        for (x, y) in zip(path.xs, path.ys) {
            let dx = x - 1, dy = y + 1
            XCTAssertEqual(12.5 * dx * dx + 15 * dx * dy + 12.5 * dy * dy, c, accuracy: 1e-10)
        }
        let one = try FisherInformation(names: ["theta"], matrix: Matrix(rows: 1, columns: 1, storage: [20])).linearizedContour(confidenceLevel: 0.6827, center: [0])
        XCTAssertEqual(one.xs[1], (1 / 20.0).squareRoot(), accuracy: 1e-4)   // CL rounded to 4 digits
        assertThrowsSBIError(try info.linearizedContour(confidenceLevel: 0, center: [0, 0]), field: "confidence-levels")
    }
}
