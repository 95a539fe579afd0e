import Foundation
import XCTest
import SBICore
@testable import SBISimulation

final class WeightedEventSampleTests: XCTestCase {
    /// A small sample: 3 events, 2 observables, 2 parameters, 3 benchmarks with components and matrix.
    static func smallSample() throws -> WeightedEventSample {
        try WeightedEventSample(
            observables: Matrix(rows: 3, columns: 2, storage: [1.5, -2, 0.25, 3e10, 7, 1e-300]),
            benchmarkWeights: Matrix(rows: 3, columns: 3, storage: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 1.0 / 3.0, 2.0 / 3.0, 0.7]),
            parameterNames: ["CWL2", "CPWL2"], parameterRanges: [-20.0...20.0, -10.0...10.0],
            benchmarkNames: ["sm", "w", "p"], benchmarks: Matrix(rows: 3, columns: 2, storage: [0, 0, 15.2, 0.1, -3, 7]),
            observableNames: ["pt_j1", "delta_phi_jj"],
            morphingComponents: try MorphingComponents(exponents: [0, 0, 1, 0, 0, 1], parameterCount: 2),
            // The inverse of A[b, c] = θ_b^{k_c} (numpy.linalg.inv), the only matrix these components and benchmarks admit.
            morphingMatrix: Matrix(rows: 3, columns: 3, storage: [1, 0, 0, -0.06466729147141517, 0.06560449859418932, -0.0009372071227741332,
                                                                  -0.17057169634489225, 0.028116213683223996, 0.14245548266166824]),
            samplingBenchmarks: [0, 2], source: "test: two files")
    }

    func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sbi-wes-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testWeightedEventSample_roundTrip_isBitExact() throws {
        let sample = try Self.smallSample()
        let folder = try scratch().appendingPathComponent("events")
        try sample.write(folder: folder)
        let back = try WeightedEventSample.read(folder: folder)
        // Exact: NPY stores the Doubles' bytes and JSON prints the shortest round-tripping decimal.
        XCTAssertEqual(back, sample)
        // σ_b = Σ_e W[e, b] (by hand: 0.1+0.4+1/3, 0.2+0.5+2/3, 0.3+0.6+0.7), to rounding of three additions.
        let sigma = back.benchmarkCrossSections
        for (s, expected) in zip(sigma, [0.5 + 1.0 / 3.0, 0.7 + 2.0 / 3.0, 1.6]) { XCTAssertEqual(s, expected, accuracy: 1e-15) }
        // Overwriting an existing folder replaces it and leaves no temporary siblings.
        var other = sample
        other.source = "second"
        try other.write(folder: folder)
        XCTAssertEqual(try WeightedEventSample.read(folder: folder).source, "second")
        let siblings = try FileManager.default.contentsOfDirectory(atPath: folder.deletingLastPathComponent().path)
        XCTAssertEqual(siblings, ["events"])
    }

    func testWeightedEventSample_minimalDescription_readsWithoutOptionalFields() throws {
        let folder = try scratch()
        try NPYFile.write(Matrix<Double>(rows: 2, columns: 1, storage: [1, 2]), to: folder.appendingPathComponent("observables.npy").path)
        try NPYFile.write(Matrix<Double>(rows: 2, columns: 2, storage: [1, 2, 3, 4]), to: folder.appendingPathComponent("weights.npy").path)
        try #"{"format": "sbi-weighted-events", "version": 1, "parameters": [{"name": "a"}], "benchmarks": [{"name": "b0", "theta": [0]}, {"name": "b1", "theta": [2]}], "observables": ["x"]}"#
            .write(to: folder.appendingPathComponent("events.json"), atomically: true, encoding: .utf8)
        let sample = try WeightedEventSample.read(folder: folder)
        XCTAssertNil(sample.parameterRanges)
        XCTAssertNil(sample.morphingComponents)
        XCTAssertEqual(sample.benchmarkCrossSections, [4, 6])   // 1+3, 2+4 exactly
        // No ranges: the benchmarks' bounding box.
        XCTAssertEqual(sample.parameterSpace.ranges, [0.0...2.0])
    }

    /// Writes the small sample, applies `damage`, and checks the error names `file` and `field`.
    func assertMalformed(_ damage: (URL) throws -> Void, file expectedFile: String, field: String?,
                         line: UInt = #line) throws {
        let folder = try scratch().appendingPathComponent("events")
        try Self.smallSample().write(folder: folder)
        try damage(folder)
        XCTAssertThrowsError(try WeightedEventSample.read(folder: folder), line: line) { error in
            guard let e = error as? SBIError else { return XCTFail("not an SBIError: \(error)", line: line) }
            XCTAssertEqual(e.file.map { URL(fileURLWithPath: $0).lastPathComponent }, expectedFile, "\(e)", line: line)
            if let field { XCTAssertEqual(e.field, field, "\(e)", line: line) }
        }
    }

    func json(_ folder: URL) -> URL { folder.appendingPathComponent("events.json") }

    func editJSON(_ folder: URL, _ edit: (inout [String: Any]) -> Void) throws {
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: json(folder))) as! [String: Any]
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: json(folder))
    }

    func testWeightedEventSample_malformedFolder_errorNamesFileAndField() throws {
        try assertMalformed({ try FileManager.default.removeItem(at: json($0)) }, file: "events.json", field: nil)
        try assertMalformed({ try Data("{\"format\": ".utf8).write(to: json($0)) }, file: "events.json", field: nil)
        try assertMalformed({ try editJSON($0) { $0["format"] = "madminer" } }, file: "events.json", field: "format")
        try assertMalformed({ try editJSON($0) { $0["version"] = 2 } }, file: "events.json", field: "version")
        try assertMalformed({ try editJSON($0) { $0.removeValue(forKey: "benchmarks") } }, file: "events.json", field: "benchmarks")
        try assertMalformed({ try editJSON($0) { $0["benchmarks"] = [["name": "sm", "theta": [0, 0]], ["name": "w", "theta": [1]],
                                                                    ["name": "p", "theta": [0, 1]]] } },
                            file: "events.json", field: "benchmarks[1].theta")
        try assertMalformed({ try editJSON($0) { $0["benchmarks"] = [["name": "sm", "theta": [0, 0]], ["name": "sm", "theta": [1, 0]],
                                                                    ["name": "p", "theta": [0, 1]]] } },
                            file: "events.json", field: "benchmarks[1]")
        try assertMalformed({ try editJSON($0) { $0["observables"] = ["pt_j1"] } }, file: "observables.npy", field: "observables")
        try assertMalformed({ try editJSON($0) { $0["sampling_benchmarks"] = [0, 3] } }, file: "events.json", field: "sampling_benchmarks[1]")
        try assertMalformed({ try editJSON($0) { $0["parameters"] = [["name": "a", "range": [1, -1]], ["name": "b", "range": [0, 1]]] } },
                            file: "events.json", field: "parameters[0].range")
        try assertMalformed({ try editJSON($0) { $0["morphing"] = ["components": [[0, 0], [1, 0], [0, 1]], "matrix": [[1, 0, 0], [0, 1, 0]]] } },
                            file: "events.json", field: "morphing.matrix")
        try assertMalformed({ try editJSON($0) { $0["morphing"] = ["components": [[0, 0], [0, 0]]] } },
                            file: "events.json", field: "morphing.components[1]")
        // NPY problems.
        try assertMalformed({ try NPYFile.write(Matrix<Double>(rows: 2, columns: 3, repeating: 1), to: $0.appendingPathComponent("weights.npy").path) },
                            file: "weights.npy", field: "weights")
        try assertMalformed({ try NPYFile.write(Matrix<Double>(rows: 3, columns: 2, storage: [1, 2, .nan, 4, 5, 6]),
                                                to: $0.appendingPathComponent("observables.npy").path) },
                            file: "observables.npy", field: "observables")
        try assertMalformed({ try NPYFile.write(NPYArray(shape: [3, 3], data: .int64([Int64](repeating: 1, count: 9))),
                                                to: $0.appendingPathComponent("weights.npy").path) },
                            file: "weights.npy", field: "dtype")
        try assertMalformed({ try FileManager.default.removeItem(at: $0.appendingPathComponent("weights.npy")) },
                            file: "weights.npy", field: nil)
    }

    /// Weights that sum to zero at a benchmark (σ = 0) and a morphing matrix that is not the one the
    /// components and benchmarks imply (all zeros) are refused, naming the field.
    func testWeightedEventSample_zeroCrossSectionOrWrongMorphingMatrix_refused() throws {
        let good = try Self.smallSample()
        var zero = good.benchmarkWeights
        for e in 0..<zero.rows { zero[e, 1] = 0 }
        XCTAssertThrowsError(try WeightedEventSample(
            observables: good.observables, benchmarkWeights: zero, parameterNames: good.parameterNames, benchmarkNames: good.benchmarkNames,
            benchmarks: good.benchmarks, observableNames: good.observableNames)) {
            XCTAssertEqual(($0 as? SBIError)?.field, "weights")
            XCTAssertTrue(($0 as? SBIError)?.message.contains("the weights at benchmark w sum to σ = 0.0 pb") ?? false, "\($0)")
        }
        XCTAssertThrowsError(try WeightedEventSample(
            observables: good.observables, benchmarkWeights: good.benchmarkWeights, parameterNames: good.parameterNames,
            benchmarkNames: good.benchmarkNames, benchmarks: good.benchmarks, observableNames: good.observableNames,
            morphingComponents: good.morphingComponents, morphingMatrix: Matrix(rows: 3, columns: 3))) {
            XCTAssertEqual(($0 as? SBIError)?.field, "morphing.matrix")
            XCTAssertTrue(($0 as? SBIError)?.message.contains("the stated morphing matrix has 0.0 at [0, 0], the components and benchmarks imply 1.0") ?? false, "\($0)")
        }
    }

    func testWeightedEventSample_inconsistentInit_throwsNamingField() {
        XCTAssertThrowsError(try WeightedEventSample(
            observables: Matrix(rows: 2, columns: 1, storage: [1, 2]), benchmarkWeights: Matrix(rows: 2, columns: 1, storage: [1, .infinity]),
            parameterNames: ["a"], benchmarkNames: ["b"], benchmarks: Matrix(rows: 1, columns: 1, storage: [0]), observableNames: ["x"])) {
            XCTAssertEqual(($0 as? SBIError)?.field, "weights")
        }
    }
}
