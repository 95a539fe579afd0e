import XCTest
import SBICore
@testable import SBINetworks

/// Model folders: bit-exact round trips and the error for each kind of damaged file.
final class PersistenceTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "sbi-persistence-tests-\(getpid())-\(name.hashValue & 0xffff)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private let architecture = MLPArchitecture(nObservables: 3, nParameters: 2, hiddenSizes: [7, 5], activation: .tanh)

    private func sampleModel() -> ModelFolder {
        let random = SeededRandom(seed: 42)
        let mlp = MLP(architecture: architecture,
                      scaling: InputScaling(observableMean: [0.1, -2, 3e5], observableStd: [1.5, 0.25, 1e-3],
                                            parameterMean: [0, 1.0 / 3.0], parameterStd: [2, 0.7]),
                      random: random)
        var history = TrainingHistory()
        history.trainingLoss = [0.693147180559945, 0.5, 1.0 / 3.0]
        history.validationLoss = [0.7, 0.45, 0.1 + 0.2]
        history.learningRate = [1e-3, 3.1622776601683794e-4, 1e-4]
        history.bestEpoch = 2
        history.trainingSampleCount = 750
        history.validationSampleCount = 250
        var model = ModelFolder(mlp: mlp, kind: .parameterizedRatio, method: "alices",
                                parameterNames: ["cWW", "cW"], observableNames: ["pt_j1", "delta_phi_jj", "m_jj"],
                                training: TrainingSettings(seed: 0xFFFF_FFFF_FFFF_FFFF, epochs: 3), history: history)
        // Awkward values for a round trip: −0, a subnormal, the largest Float, an irrational.
        model.parameters[0] = -0.0
        model.parameters[1] = Float.leastNonzeroMagnitude
        model.parameters[2] = Float.greatestFiniteMagnitude
        model.parameters[3] = Float.pi
        return model
    }

    private var modelPath: String { folder + "/model" }

    /// Rewrites `model.json` of the saved model through `edit` on its JSON object.
    private func editJSON(_ edit: (inout [String: Any]) -> Void) throws {
        let path = modelPath + "/model.json"
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
    }

    private func assertLoadFails(file expectedFile: String, field: String?, messagePrefix: String,
                                 file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ModelFolder.load(from: modelPath), file: file, line: line) { error in
            guard let e = error as? SBIError else { return XCTFail("not an SBIError: \(error)", file: file, line: line) }
            XCTAssertEqual(e.file, modelPath + "/" + expectedFile, file: file, line: line)
            XCTAssertEqual(e.field, field, file: file, line: line)
            XCTAssertTrue(e.message.hasPrefix(messagePrefix), "message: \(e.message)", file: file, line: line)
        }
    }

    func testModelFolder_saveThenLoad_parametersBitExactAndDescriptionEqual() throws {
        let model = sampleModel()
        try model.save(to: modelPath)
        let loaded = try ModelFolder.load(from: modelPath)
        XCTAssertEqual(loaded.parameters.map(\.bitPattern), model.parameters.map(\.bitPattern))
        // Every Double (scaling, history, learning rates) and the 64-bit seed survive the JSON round trip.
        XCTAssertEqual(loaded.description, model.description)
        XCTAssertEqual(loaded.description.formatVersion, ModelDescription.currentFormatVersion)
        // The files are what the documentation says.
        let weights = try NPYFile.read(modelPath + "/weights.npy")
        XCTAssertEqual(weights.shape, [architecture.parameterCount])
        XCTAssertEqual(weights.dtype, .float32)
        let json = try String(contentsOfFile: modelPath + "/model.json", encoding: .utf8)
        XCTAssertTrue(json.contains("\"kind\" : \"parameterized-ratio\""), json)
        XCTAssertTrue(json.contains("\"activation\" : \"tanh\""), json)
    }

    func testModelFolder_saveThenLoad_networkOutputsIdentical() throws {
        var model = sampleModel()
        model.parameters[2] = 0.5  // keep the outputs finite
        let before = try model.mlp()
        try model.save(to: modelPath)
        let after = try ModelFolder.load(from: modelPath).mlp()
        let n = 9
        let random = SeededRandom(seed: 3)
        var x = [Float](repeating: 0, count: n * 3), theta = [Float](repeating: 0, count: n * 2)
        x.withUnsafeMutableBufferPointer { random.fillNormal($0) }
        theta.withUnsafeMutableBufferPointer { random.fillNormal($0) }
        func outputs(_ mlp: MLP) -> [Float] {
            let workspace = MLPWorkspace(architecture: architecture, batchCapacity: n, thetaTangents: false)
            x.withUnsafeBufferPointer { xp in
                theta.withUnsafeBufferPointer { tp in mlp.forward(x: xp, theta: tp, count: n, workspace: workspace) }
            }
            return Array(workspace.output.prefix(n))
        }
        let expected = outputs(before)
        XCTAssertTrue(expected.allSatisfy(\.isFinite))
        // Same parameters and scaling bit for bit, same code: identical outputs.
        XCTAssertEqual(outputs(after).map(\.bitPattern), expected.map(\.bitPattern))
    }

    func testModelFolder_saveOverExistingModel_replacesItAndLeavesNoTemporaryFolders() throws {
        var model = sampleModel()
        try model.save(to: modelPath)
        model.parameters[5] = 123.25
        model.description.method = "carl"
        try model.save(to: modelPath + "/")  // a trailing slash names the same folder
        let loaded = try ModelFolder.load(from: modelPath)
        XCTAssertEqual(loaded.parameters[5], 123.25)
        XCTAssertEqual(loaded.description.method, "carl")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["model"])
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: modelPath)), ["model.json", "weights.npy", OwnedFolder.markerName])
    }

    /// Saving over a folder that holds a file sbi did not write (a training sample, a user's notes) is
    /// refused and the folder is left exactly as it was.
    func testModelFolder_saveOverFolderWithForeignFile_refusedAndFolderUntouched() throws {
        try FileManager.default.createDirectory(atPath: modelPath, withIntermediateDirectories: true)
        try AtomicFileWriter.write("user data", to: modelPath + "/x_train.npy")
        XCTAssertThrowsError(try sampleModel().save(to: modelPath)) { error in
            XCTAssertTrue("\(error)".contains("x_train.npy"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: modelPath), ["x_train.npy"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["model"])
    }

    func testModelFolder_unknownFormatVersion_throwsNamingFileAndField() throws {
        try sampleModel().save(to: modelPath)
        try editJSON { $0["formatVersion"] = 7 }
        assertLoadFails(file: "model.json", field: "formatVersion", messagePrefix: "unknown format version 7; this sbi")
    }

    func testModelFolder_corruptedJSON_throwsNamingFile() throws {
        try sampleModel().save(to: modelPath)
        let path = modelPath + "/model.json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try String(text.prefix(text.count / 2)).write(toFile: path, atomically: false, encoding: .utf8)
        assertLoadFails(file: "model.json", field: nil, messagePrefix: "not a valid JSON object")
    }

    func testModelFolder_missingNestedField_throwsNamingFieldPath() throws {
        try sampleModel().save(to: modelPath)
        try editJSON { object in
            var architecture = object["architecture"] as! [String: Any]
            architecture.removeValue(forKey: "hiddenSizes")
            object["architecture"] = architecture
        }
        assertLoadFails(file: "model.json", field: "architecture.hiddenSizes", messagePrefix: "missing field")
    }

    /// Layer widths of 4·10⁹ (their product overflows Int) in a damaged model.json are an error naming the layer, not a trap.
    func testModelFolder_absurdLayerWidths_throwNamingTheLayer() throws {
        try sampleModel().save(to: modelPath)
        try editJSON { object in
            var architecture = object["architecture"] as! [String: Any]
            architecture["hiddenSizes"] = [4_000_000_000, 4_000_000_000]
            object["architecture"] = architecture
        }
        assertLoadFails(file: "model.json", field: "architecture.hiddenSizes[0]", messagePrefix: "expected a layer width in 1...1000000, got 4000000000")
    }

    func testModelFolder_unknownActivation_throwsListingValidNames() throws {
        try sampleModel().save(to: modelPath)
        try editJSON { object in
            var architecture = object["architecture"] as! [String: Any]
            architecture["activation"] = "swish"
            object["architecture"] = architecture
        }
        assertLoadFails(file: "model.json", field: "architecture.activation",
                        messagePrefix: "unknown activation; expected one of tanh, relu")
    }

    func testModelFolder_wrongNumberOfNames_throwsNamingField() throws {
        try sampleModel().save(to: modelPath)
        try editJSON { $0["parameterNames"] = ["cWW"] }
        assertLoadFails(file: "model.json", field: "parameterNames", messagePrefix: "1 names for 2 parameter inputs")
    }

    func testModelFolder_wrongWeightsShape_throwsNamingFileAndShape() throws {
        let model = sampleModel()
        try model.save(to: modelPath)
        try NPYFile.write(NPYArray(shape: [model.parameters.count - 1], data: .float32(Array(model.parameters.dropLast()))),
                          to: modelPath + "/weights.npy")
        assertLoadFails(file: "weights.npy", field: "shape",
                        messagePrefix: "shape [\(model.parameters.count - 1)]; expected [\(model.parameters.count)]")
    }

    func testModelFolder_float64Weights_throwsNamingDtype() throws {
        let model = sampleModel()
        try model.save(to: modelPath)
        try NPYFile.write(NPYArray(shape: [model.parameters.count], data: .float64(model.parameters.map(Double.init))),
                          to: modelPath + "/weights.npy")
        assertLoadFails(file: "weights.npy", field: "dtype", messagePrefix: "dtype <f8; expected <f4")
    }

    func testModelFolder_missingFolder_throwsIOErrorNamingPath() {
        XCTAssertThrowsError(try ModelFolder.load(from: folder + "/nothing")) { error in
            XCTAssertEqual((error as? SBIError)?.kind, .io)
            XCTAssertEqual((error as? SBIError)?.file, folder + "/nothing")
        }
    }
}
