import Foundation
import XCTest
@testable import SBICore

/// NPY files: numpy reads ours bit for bit, we read numpy's, and malformed files give clear errors.
final class NPYFileTests: XCTestCase {
    /// Deterministic test values for `count` elements of `dtype` (include negatives, fractions, extremes).
    private func sampleData(_ dtype: NPYDType, count: Int) -> NPYData {
        switch dtype {
        case .float32:
            return .float32((0..<count).map { i -> Float in i == 1 ? Float.leastNormalMagnitude : Float(i) * 0.37 - 1.5 })
        case .float64:
            return .float64((0..<count).map { i -> Double in i == 2 ? 1e300 : Double(i) * 0.37 - 1.5 })
        case .int32:
            return .int32((0..<count).map { i -> Int32 in i == 1 ? Int32.min : Int32(i) * 7 - 3 })
        case .int64:
            return .int64((0..<count).map { i -> Int64 in i == 1 ? Int64.max : Int64(i) * 7 - 3 })
        case .bool: return .bool((0..<count).map { $0 % 3 == 0 })
        }
    }

    /// The elements as integers: IEEE bit patterns for floats, values for ints, 0/1 for bools.
    private func bitPatterns(_ data: NPYData) -> [String] {
        switch data {
        case .float32(let v): return v.map { String($0.bitPattern) }
        case .float64(let v): return v.map { String($0.bitPattern) }
        case .int32(let v): return v.map { String($0) }
        case .int64(let v): return v.map { String($0) }
        case .bool(let v): return v.map { $0 ? "1" : "0" }
        }
    }

    private let shapes: [[Int]] = [[], [5], [3, 4], [2, 3, 2], [0, 3]]

    func testNumpyReadsOurFiles_identicalBitsAndShapes() throws {
        let folder = try makeTemporaryDirectory(self)
        var expected: [String] = []
        var index = 0
        for dtype in NPYDType.allCases {
            for shape in shapes {
                for version: UInt8 in [1, 2] {
                    let array = NPYArray(shape: shape, data: sampleData(dtype, count: shape.reduce(1, *)))
                    try NPYFile.write(array, to: "\(folder)/a\(index).npy", majorVersion: version)
                    expected.append("a\(index) \(dtype.rawValue) \(shape) \(bitPatterns(array.data).joined(separator: ","))")
                    index += 1
                }
            }
        }
        let output = try runPython("""
        import numpy as np
        views = {'<f4': np.uint32, '<f8': np.uint64, '<i4': np.int32, '<i8': np.int64, '|b1': np.uint8}
        for i in range(\(index)):
            a = np.load(f'a{i}.npy', allow_pickle=False)
            assert a.flags['C_CONTIGUOUS']
            bits = a.view(views[a.dtype.str]).ravel().tolist()
            print(f"a{i} {a.dtype.str} {list(a.shape)} {','.join(str(b) for b in bits)}")
        """, in: folder)
        XCTAssertEqual(output.split(separator: "\n").map(String.init), expected)
    }

    func testWeReadNumpyFiles_everyDtypeVersionAndRank() throws {
        let folder = try makeTemporaryDirectory(self)
        let output = try runPython("""
        import numpy as np
        views = {'<f4': np.uint32, '<f8': np.uint64, '<i4': np.int32, '<i8': np.int64, '|b1': np.uint8}
        shapes = [(), (5,), (3, 4), (2, 3, 2)]
        i = 0
        for dt in ['<f4', '<f8', '<i4', '<i8', '|b1']:
            for shape in shapes:
                for version in [(1, 0), (2, 0)]:
                    n = int(np.prod(shape))
                    a = (np.arange(n) * 0.37 - 1.5) if dt[1] == 'f' else (np.arange(n) * 7 - 3)
                    if dt == '|b1': a = np.arange(n) % 3 == 0
                    a = np.asarray(a).astype(dt).reshape(shape)
                    with open(f'n{i}.npy', 'wb') as f:
                        np.lib.format.write_array(f, a, version=version)
                    bits = a.view(views[dt]).ravel().tolist()
                    print(f"n{i} {dt} {list(shape)} {version[0]} {','.join(str(b) for b in bits)}")
                    i += 1
        """, in: folder)
        let lines = output.split(separator: "\n")
        XCTAssertEqual(lines.count, 5 * 4 * 2)
        for line in lines {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            let name = parts[0]
            let file = try NPYMappedFile(path: "\(folder)/\(name).npy")
            let array = file.readAll()
            let shapeText = "[" + array.shape.map(String.init).joined(separator: ", ") + "]"
            let got = "\(array.dtype.rawValue) \(shapeText) \(file.header.majorVersion) \(bitPatterns(array.data).joined(separator: ","))"
            XCTAssertEqual(got, parts[1], name)
        }
    }

    func testRoundTrip_matrixIsBitExact() throws {
        let folder = try makeTemporaryDirectory(self)
        let random = SeededRandom(seed: 3)
        let m = Matrix<Float>(rows: 17, columns: 3) { _, _ in Float(random.normal()) }
        try NPYFile.write(m, to: folder + "/m.npy")
        XCTAssertEqual(try NPYFile.readMatrix(folder + "/m.npy", as: Float.self), m)
        let d = Matrix<Double>(rows: 4, columns: 2) { i, j in Double(i) / 3 + Double(j) }
        try NPYFile.write(d, to: folder + "/d.npy")
        XCTAssertEqual(try NPYFile.readMatrix(folder + "/d.npy", as: Double.self), d)
    }

    func testMappedFile_rowChunksEqualWholeArray() throws {
        let folder = try makeTemporaryDirectory(self)
        let rows = 1000
        let writer = try NPYStreamWriter<Double>(path: folder + "/s.npy", shape: [rows, 3])
        var all: [Double] = []
        for chunk in stride(from: 0, to: rows, by: 128) {
            let n = min(128, rows - chunk)
            let values = (0..<(n * 3)).map { Double(chunk * 3 + $0) * 0.5 }
            all += values
            try values.withUnsafeBufferPointer { try writer.append($0) }
        }
        try writer.commit()
        let file = try NPYMappedFile(path: folder + "/s.npy")
        XCTAssertEqual(file.rowCount, rows)
        XCTAssertEqual(file.rowElementCount, 3)
        var gathered: [Double] = []
        for start in stride(from: 0, to: rows, by: 333) {
            let chunk = file.readRows(start..<min(start + 333, rows), as: Double.self)
            gathered += chunk.storage
        }
        XCTAssertEqual(gathered, all)
        // Conversion while streaming: Double file read as Float rows.
        XCTAssertEqual(file.readRows(10..<12, as: Float.self).storage, all[30..<36].map { Float($0) })
    }

    func testStreamWriter_shortStream_leavesNoFile() throws {
        let folder = try makeTemporaryDirectory(self)
        let writer = try NPYStreamWriter<Float>(path: folder + "/short.npy", shape: [4, 2])
        try [Float](repeating: 1, count: 2).withUnsafeBufferPointer { try writer.append($0) }
        XCTAssertThrowsError(try writer.commit())
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [])
    }

    // MARK: malformed inputs

    private func header(_ dictionary: String, major: UInt8 = 1) -> [UInt8] {
        var text = Array(dictionary.utf8)
        let preamble = major == 1 ? 10 : 12
        while (preamble + text.count + 1) % 64 != 0 { text.append(0x20) }
        text.append(0x0a)
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, major, 0]
        if major == 1 { bytes += [UInt8(text.count & 0xff), UInt8(text.count >> 8)] }
        else { bytes += [UInt8(text.count & 0xff), UInt8(text.count >> 8), 0, 0] }
        return bytes + text
    }

    private func assertDataError(_ bytes: [UInt8], contains fragment: String,
                                 file: StaticString = #filePath, line: UInt = #line) throws {
        let folder = try makeTemporaryDirectory(self)
        let path = folder + "/bad.npy"
        try writeBytes(bytes, to: path)
        XCTAssertThrowsError(try NPYFile.read(path), file: file, line: line) { error in
            guard let e = error as? SBIError else { return XCTFail("not an SBIError: \(error)", file: file, line: line) }
            XCTAssertEqual(e.kind, .data, file: file, line: line)
            XCTAssertEqual(e.file, path, file: file, line: line)
            XCTAssertTrue(e.description.contains(fragment), "\(e.description) lacks \(fragment)", file: file, line: line)
        }
    }

    func testMalformed_eachGivesClearError() throws {
        let good = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"
        let data = [UInt8](repeating: 0, count: 48)
        try assertDataError(header(good) + data.prefix(40), contains: "truncated data: shape (2, 3) of <f8 needs 48 bytes, the file has 40")
        try assertDataError([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x5A, 1, 0, 0, 0] + data, contains: "not an NPY file")
        try assertDataError(header("{'descr': '>f8', 'fortran_order': False, 'shape': (2, 3), }") + data, contains: "big-endian dtype '>f8'")
        try assertDataError(header("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }") + data, contains: "Fortran-order")
        try assertDataError(header("{'descr': '|O', 'fortran_order': False, 'shape': (2, 3), }") + data, contains: "object dtype '|O'")
        try assertDataError(header("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,), }") + data.prefix(16), contains: "structured dtypes")
        try assertDataError(header("{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }") + data.prefix(32), contains: "dtype '<c16' is not supported")
        var longHeader = header(good)
        longHeader[8] = 0xff; longHeader[9] = 0x7f
        try assertDataError(longHeader, contains: "header claims 32767 bytes")
        try assertDataError(header(good) + data + [0, 0, 0, 0, 0, 0, 0, 0], contains: "needs 48 bytes but the file has 56")
        var version = header(good) + data
        version[6] = 4
        try assertDataError(version, contains: "unsupported NPY format version 4.0")
        try assertDataError([0x93, 0x4E, 0x55], contains: "truncated")
        try assertDataError(header("{'descr': '<f8', 'shape': (2, 3), }") + data, contains: "missing 'fortran_order'")
        try assertDataError(header("{'descr': '<f8', 'fortran_order': False, 'shape': (2, x), }") + data, contains: "malformed header")
        try assertDataError(header("{'descr': '<f8', 'fortran_order': False, 'shape': (2, -3), }") + data, contains: "negative extent")
        try assertDataError(header(good, major: 2) + data.prefix(8), contains: "truncated data")
    }

    /// A fuzz-style corpus of a valid [4, 3] float64 file: every truncation and every header byte
    /// replaced by each of 12 bytes. Reading (whole and memory-mapped) must give the declared shape
    /// with the right element count or a data error naming the file; never a trap or another error.
    func testFuzz_truncationsAndHeaderByteReplacements_readOrDataErrorNamingTheFile() throws {
        let folder = try makeTemporaryDirectory(self)
        let path = folder + "/fuzz.npy"
        let good = header("{'descr': '<f8', 'fortran_order': False, 'shape': (4, 3), }")
            + (0..<12).flatMap { i in withUnsafeBytes(of: (Double(i) * 0.5).bitPattern.littleEndian, Array.init) }
        var mutants: [[UInt8]] = (0..<good.count).map { Array(good.prefix($0)) }
        let replacements: [UInt8] = [0, 0x20, 0x27, 0x28, 0x29, 0x2c, 0x2d, 0x30, 0x39, 0x3a, 0x7b, 0xff]
        for at in 0..<64 { for r in replacements where good[at] != r { var m = good; m[at] = r; mutants.append(m) } }
        var failures: [String] = [], refused = 0
        for (k, bytes) in mutants.enumerated() {
            try writeBytes(bytes, to: path)
            for reader in ["read", "mapped"] {
                do {
                    if reader == "read" {
                        let array = try NPYFile.read(path)
                        if array.shape.reduce(1, *) != array.count { failures.append("mutant \(k) read: shape \(array.shape), \(array.count) values") }
                    } else {
                        let mapped = try NPYMappedFile(path: path)
                        _ = mapped.readRows(0..<mapped.rowCount, as: Double.self)
                    }
                } catch let e as SBIError {
                    refused += 1
                    if e.kind != .data || e.file != path { failures.append("mutant \(k) \(reader): \(e)") }
                } catch {
                    failures.append("mutant \(k) \(reader): not an SBIError: \(error)")
                }
            }
        }
        XCTAssertEqual(failures, [])
        XCTAssertGreaterThan(refused, mutants.count)   // every truncation (both readers) and most header edits
    }

    func testMalformed_numpyBigEndianAndFortranFilesRefused() throws {
        let folder = try makeTemporaryDirectory(self)
        _ = try runPython("""
        import numpy as np
        np.save('big.npy', np.arange(6, dtype='>f8').reshape(2, 3))
        np.save('fortran.npy', np.asfortranarray(np.arange(6.0).reshape(2, 3)))
        np.save('object.npy', np.array([1, 'a'], dtype=object), allow_pickle=True)
        """, in: folder)
        for (name, fragment) in [("big", "big-endian"), ("fortran", "Fortran-order"), ("object", "object dtype")] {
            XCTAssertThrowsError(try NPYFile.read("\(folder)/\(name).npy")) { error in
                XCTAssertTrue("\(error)".contains(fragment), "\(error)")
            }
        }
    }

    func testMissingFile_ioErrorNamesPath() {
        XCTAssertThrowsError(try NPYFile.read("/nonexistent/x.npy")) { error in
            XCTAssertEqual((error as? SBIError)?.kind, .io)
            XCTAssertTrue("\(error)".hasPrefix("/nonexistent/x.npy: cannot open"), "\(error)")
        }
    }

    func testMatrixOfRank3_refusedWithShape() throws {
        let array = NPYArray(shape: [2, 2, 2], data: .float64(Array(repeating: 0, count: 8)))
        XCTAssertThrowsError(try array.matrix(as: Double.self, file: "t.npy")) { error in
            XCTAssertEqual("\(error)", "t.npy: shape: expected a 1- or 2-dimensional array, got shape (2, 2, 2)")
        }
    }
}
