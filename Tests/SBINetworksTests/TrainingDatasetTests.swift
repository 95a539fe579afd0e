import XCTest
import SBICore
@testable import SBINetworks

/// Opening MadMiner-style training files: shapes, row counts, non-finite values, missing files.
final class TrainingDatasetTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "sbi-dataset-tests-\(getpid())-\(name.hashValue & 0xffff)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func write(_ stem: String, shape: [Int], _ values: [Double]) throws {
        try NPYFile.write(NPYArray(shape: shape, data: .float64(values)), to: folder + "/\(stem)_train.npy")
    }

    func testTrainingDataset_madMinerRatioFiles_openWithWidthsAndValues() throws {
        try write("x", shape: [4, 2], [1, 2, 3, 4, 5, 6, 7, 8])
        try write("theta0", shape: [4, 1], [0, 0, 1, 1])
        try write("y", shape: [4], [0, 0, 1, 1])
        try write("r_xz", shape: [4, 1], [1, 2, 3, 4])
        try write("t_xz", shape: [4, 1], [0.5, -0.5, 1, -1])
        let data = try TrainingDataset(folder: folder, fields: [.x, .theta, .y, .rXZ, .tXZ])
        XCTAssertEqual(data.count, 4)
        XCTAssertEqual(data.fields, [.x, .theta, .y, .rXZ, .tXZ])
        XCTAssertEqual(data.width(of: .x), 2)
        XCTAssertEqual(data.width(of: .rXZ), 1)
        XCTAssertNil(data.width(of: .theta1))
        var buffer = [Float](repeating: 0, count: 4)
        buffer.withUnsafeMutableBufferPointer { data.readRows(1..<3, of: .x, into: $0) }
        XCTAssertEqual(buffer, [3, 4, 5, 6])
    }

    /// No `x_validation.npy`: no validation split; with it, the `_validation` files of every field are
    /// opened (3 rows here, not the training split's 4), and a missing one is named.
    func testValidationSplit_opensTheSampleFoldersValidationFiles() throws {
        try write("x", shape: [4, 1], [1, 2, 3, 4])
        try write("t_xz", shape: [4, 1], [0, 0, 0, 0])
        XCTAssertNil(try TrainingDataset.validationSplit(folder: folder, fields: [.x, .tXZ]))
        try NPYFile.write(NPYArray(shape: [3, 1], data: .float64([7, 8, 9])), to: folder + "/x_validation.npy")
        XCTAssertThrowsError(try TrainingDataset.validationSplit(folder: folder, fields: [.x, .tXZ])) { error in
            XCTAssertEqual((error as? SBIError)?.file, folder + "/t_xz_validation.npy")
        }
        try NPYFile.write(NPYArray(shape: [3, 1], data: .float64([1, 1, 1])), to: folder + "/t_xz_validation.npy")
        let validation = try XCTUnwrap(try TrainingDataset.validationSplit(folder: folder, fields: [.x, .tXZ]))
        XCTAssertEqual(validation.count, 3)
        var buffer = [Float](repeating: 0, count: 3)
        buffer.withUnsafeMutableBufferPointer { validation.readRows(0..<3, of: .x, into: $0) }
        XCTAssertEqual(buffer, [7, 8, 9])
    }

    func testTrainingDataset_rowCountMismatch_throwsNamingFile() throws {
        try write("x", shape: [4, 2], [Double](repeating: 0, count: 8))
        try write("y", shape: [3], [0, 1, 0])
        XCTAssertThrowsError(try TrainingDataset(folder: folder, fields: [.x, .y])) { error in
            let e = error as? SBIError
            XCTAssertEqual(e?.kind, .data)
            XCTAssertEqual(e?.file, folder + "/y_train.npy")
            XCTAssertEqual(e?.field, "shape")
            XCTAssertTrue(e?.message.hasPrefix("3 rows, but \(folder)/x_train.npy has 4") ?? false, "\(String(describing: e))")
        }
    }

    func testTrainingDataset_nanInInputs_throwsNamingFileRowAndColumn() throws {
        try write("x", shape: [3, 2], [0, 1, 2, .nan, 4, 5])
        XCTAssertThrowsError(try TrainingDataset(folder: folder, fields: [.x])) { error in
            XCTAssertEqual(String(describing: error),
                           "\(folder)/x_train.npy: row 1, column 1: non-finite value nan in x; training inputs must be finite")
        }
    }

    /// A negative joint ratio is refused with file, row and column (before: "training loss is -nan"
    /// naming no file); 0 (an underflowed tiny ratio) is accepted.
    func testTrainingDataset_negativeJointRatio_throwsNamingFileRowAndColumn() throws {
        try write("x", shape: [3, 1], [0, 1, 2])
        try write("r_xz", shape: [3, 1], [1, -2, 0])
        XCTAssertThrowsError(try TrainingDataset(folder: folder, fields: [.x, .rXZ])) { error in
            XCTAssertEqual(String(describing: error), "\(folder)/r_xz_train.npy: row 1, column 0: value -2.0 in rXZ; joint likelihood ratios must be finite and ≥ 0")
        }
        try write("r_xz", shape: [3, 1], [1, 2, 0])
        XCTAssertNoThrow(try TrainingDataset(folder: folder, fields: [.x, .rXZ]))
    }

    /// Labels other than 0 and 1 are refused by `checkClassLabels` (what ratio trainers call), naming
    /// file, row and column; the dataset itself accepts them (y may be a regression target elsewhere).
    func testTrainingDataset_classLabelsOtherThanZeroOrOne_refusedNamingFileRowAndColumn() throws {
        try write("x", shape: [3, 1], [0, 1, 2])
        try write("y", shape: [3, 1], [0, 1, 0.5])
        let data = try TrainingDataset(folder: folder, fields: [.x, .y])
        XCTAssertThrowsError(try data.checkClassLabels()) { error in
            XCTAssertEqual(String(describing: error), "\(folder)/y_train.npy: row 2, column 0: value 0.5 in y; class labels y must be 0 (θ0) or 1 (θ1)")
        }
        try write("y", shape: [3, 1], [0, 1, 1])
        XCTAssertNoThrow(try TrainingDataset(folder: folder, fields: [.x, .y]).checkClassLabels())
    }

    func testTrainingDataset_missingFile_throwsNamingFile() throws {
        try write("x", shape: [2, 1], [0, 1])
        XCTAssertThrowsError(try TrainingDataset(folder: folder, fields: [.x, .tXZ])) { error in
            let e = error as? SBIError
            XCTAssertEqual(e?.kind, .io)
            XCTAssertEqual(e?.file, folder + "/t_xz_train.npy")
        }
    }

    func testTrainingDataset_labelsWithTwoColumns_throwsNamingShape() throws {
        try write("x", shape: [2, 1], [0, 1])
        try write("y", shape: [2, 2], [0, 1, 0, 1])
        XCTAssertThrowsError(try TrainingDataset(folder: folder, fields: [.x, .y])) { error in
            XCTAssertEqual(String(describing: error),
                           "\(folder)/y_train.npy: shape: shape [2, 2] for y; expected [n] or [n, 1]")
        }
    }

    func testTrainingDataset_meanAndStandardDeviation_matchClosedForm() throws {
        // Column 0: 0..9 → mean 4.5, population variance (n²−1)/12 = 8.25; column 1 constant 3 → sd 0.
        let x = Matrix<Float>(rows: 10, columns: 2) { i, j in j == 0 ? Float(i) : 3 }
        let data = try TrainingDataset(x: x)
        let (mean, sd) = data.meanAndStandardDeviation(of: .x, chunkRows: 3)
        // Exact small integers in Double: only the square root rounds (1e-16 relative).
        XCTAssertEqual(mean, [4.5, 3])
        XCTAssertEqual(sd[0], 8.25.squareRoot(), accuracy: 1e-14)
        XCTAssertEqual(sd[1], 0)
    }
}
