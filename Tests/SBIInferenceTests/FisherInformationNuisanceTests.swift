import XCTest
import SBICore
import SBISimulation
@testable import SBIInference

/// Profiled Fisher information with nuisance parameters against closed forms.
final class FisherInformationNuisanceTests: XCTestCase {
    /// MadMiner's own nuisance test (`tests/test_nuisance.py`): one event class with σ = N/L, N = 10⁴,
    /// L = 10⁵ pb⁻¹, benchmarks θ = 0 and 1 with σ(1) = 1.05 σ(0) (physics effect 5 %), a one-sided
    /// systematic whose +1σ weight is (1 + s) σ. The profiled uncertainty I_prof^(−1/2) must agree with
    /// the Gaussian error propagation √((1/N + s²)/0.05²) within 10 % (MadMiner's tolerance; the
    /// exponential morphing makes the systematic log(1 + s) instead of s, 4.7 % at s = 0.1).
    func testProfiledInformation_madMinerNuisanceTest_matchesGaussianPropagation() throws {
        let n = 1e4, lumi = 1e5, sigma = n / lumi, effect = 0.05
        let components = try MorphingComponents(maxPowers: [1])
        let morpher = try Morpher(components: components, basis: Matrix(rows: 2, columns: 1, storage: [0, 1]))
        for s in [0.0, 0.02, 0.05, 0.1] {
            let sample = try WeightedEventSample(observables: Matrix(rows: 1, columns: 1, storage: [1]),
                                                 benchmarkWeights: Matrix(rows: 1, columns: 2, storage: [sigma, sigma * (1 + effect)]),
                                                 parameterNames: ["theta"], benchmarkNames: ["b0", "b1"],
                                                 benchmarks: Matrix(rows: 2, columns: 1, storage: [0, 1]), observableNames: ["x"])
            let nuisance = try NuisanceMorphing(nominal: [sigma], variations: [NuisanceVariation(name: "nu", up: [sigma * (1 + s)])], source: "test")
            let full = try FisherInformation.weightedEvents(sample, morpher: morpher, nuisance: nuisance, at: [0], nu: [0], luminosity: lumi)
            XCTAssertEqual(full.names, ["theta", "nu"])
            // Unprofiled closed forms: I_θθ = N·0.05², I_θν = N·0.05·log(1+s), I_νν = N·log²(1+s).
            XCTAssertEqual(full.matrix[0, 0], n * effect * effect, accuracy: 1e-9 * n)
            XCTAssertEqual(full.matrix[0, 1], n * effect * log(1 + s), accuracy: 1e-9 * n)
            XCTAssertEqual(full.matrix[1, 1], n * log(1 + s) * log(1 + s), accuracy: 1e-9 * n)
            let profiled = try full.addingGaussianConstraints(on: ["nu"]).profiled(keeping: ["theta"])
            let ours = 1 / profiled.matrix[0, 0].squareRoot()
            let gaussian = ((1 / n + s * s) / (effect * effect)).squareRoot()
            print(String(format: "madminer nuisance test: N = %.0f, effect %.2f, s = %.2f: profiled σ_θ %.4f, Gaussian %.4f, difference %+.2f %%",
                         n, effect, s, ours, gaussian, 100 * (ours / gaussian - 1)))
            XCTAssertEqual(ours / gaussian, 1, accuracy: 0.10, "s = \(s): ours \(ours), Gaussian \(gaussian)")
            // The exact profile with the exponential form: √((1/N + log²(1+s))/0.05²).
            XCTAssertEqual(ours, ((1 / n + log(1 + s) * log(1 + s)) / (effect * effect)).squareRoot(), accuracy: 1e-9 * gaussian)
        }
    }

    /// Without nuisance parameters the information is L Σ (∂w)²/w of the morphed weights, by hand for
    /// two events w₁ = 1 + θ, w₂ = 2 − θ at θ = 0.5, L = 10: 10·(1/1.5 + 1/1.5).
    func testWeightedEvents_withoutNuisance_isLuminosityTimesSumOfSquaredGradientsOverWeights() throws {
        let morpher = try Morpher(components: try MorphingComponents(maxPowers: [1]), basis: Matrix(rows: 2, columns: 1, storage: [0, 1]))
        let sample = try WeightedEventSample(observables: Matrix(rows: 2, columns: 1, storage: [0, 1]),
                                             benchmarkWeights: Matrix(rows: 2, columns: 2, storage: [1, 2, 2, 1]),
                                             parameterNames: ["theta"], benchmarkNames: ["b0", "b1"],
                                             benchmarks: Matrix(rows: 2, columns: 1, storage: [0, 1]), observableNames: ["x"])
        let info = try FisherInformation.weightedEvents(sample, morpher: morpher, nuisance: nil, at: [0.5], luminosity: 10)
        XCTAssertEqual(info.matrix[0, 0], 10 * (1 / 1.5 + 1 / 1.5), accuracy: 1e-12)
        XCTAssertThrowsError(try FisherInformation.weightedEvents(sample, morpher: morpher, nuisance: nil, at: [0.5], luminosity: 0))
        XCTAssertThrowsError(try info.addingGaussianConstraints(on: ["nu"]))
        // At θ = 2 the first event's weight is 3 (gradient 1), the second's 0: only the first counts, 1²/3.
        XCTAssertEqual(try FisherInformation.weightedEvents(sample, morpher: morpher, nuisance: nil, at: [2], luminosity: 1).matrix[0, 0], 1 / 3,
                       accuracy: 1e-12, "only the event of positive weight counts")
        let empty = try WeightedEventSample(observables: Matrix(rows: 1, columns: 1, storage: [0]),
                                            benchmarkWeights: Matrix(rows: 1, columns: 2, storage: [1, 0.5]),
                                            parameterNames: ["theta"], benchmarkNames: ["b0", "b1"],
                                            benchmarks: Matrix(rows: 2, columns: 1, storage: [0, 1]), observableNames: ["x"])
        // w(θ) = 1 − θ/2 is negative at θ = 3.
        XCTAssertThrowsError(try FisherInformation.weightedEvents(empty, morpher: morpher, nuisance: nil, at: [3], luminosity: 1)) {
            XCTAssertTrue("\($0)".contains("no event has a positive weight"), "\($0)")
        }
    }
}
