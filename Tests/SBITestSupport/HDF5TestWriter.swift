import CHDF5
import Foundation
import XCTest

/// Writes small HDF5 files through libhdf5's C API, so tests can build MadMiner files with known
/// contents (either layout, fixed- or variable-length strings) and broken ones.
public final class HDF5TestWriter {
    private let file: hid_t
    public let path: String

    /// Creates (truncates) `path`, or with `appending` opens the existing file to add datasets to it.
    public init(path: String, appending: Bool = false) throws {
        _ = sbi_h5_silence_errors()
        self.path = path
        file = appending ? H5Fopen(path, sbi_h5f_acc_rdwr(), sbi_h5p_default())
                         : H5Fcreate(path, sbi_h5f_acc_trunc(), sbi_h5p_default(), sbi_h5p_default())
        guard file >= 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    deinit { close() }

    private var closed = false
    /// Flushes and closes the file (also done on deinit).
    public func close() {
        if !closed { H5Fclose(file); closed = true }
    }

    /// Creates the groups on the way to `datasetPath`.
    private func makeGroups(_ datasetPath: String) {
        let parts = datasetPath.split(separator: "/").dropLast()
        var prefix = ""
        for part in parts {
            prefix += prefix.isEmpty ? String(part) : "/" + part
            if H5Lexists(file, prefix, sbi_h5p_default()) <= 0 {
                let g = H5Gcreate2(file, prefix, sbi_h5p_default(), sbi_h5p_default(), sbi_h5p_default())
                H5Gclose(g)
            }
        }
    }

    private func write(_ datasetPath: String, shape: [Int], fileType: hid_t, memoryType: hid_t,
                       _ bytes: UnsafeRawPointer?) {
        makeGroups(datasetPath)
        let dims = shape.map { hsize_t($0) }
        let space = shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dims.count), dims, nil)
        let dataset = H5Dcreate2(file, datasetPath, fileType, space, sbi_h5p_default(), sbi_h5p_default(), sbi_h5p_default())
        XCTAssertGreaterThanOrEqual(dataset, 0, "H5Dcreate2 \(datasetPath)")
        XCTAssertGreaterThanOrEqual(H5Dwrite(dataset, memoryType, sbi_h5s_all(), sbi_h5s_all(), sbi_h5p_default(), bytes), 0,
                                    "H5Dwrite \(datasetPath)")
        H5Dclose(dataset)
        H5Sclose(space)
    }

    /// A float64 dataset of `shape` that is declared but never written: libhdf5 allocates contiguous
    /// storage late, so the file holds no values for it (what a truncated file looks like).
    public func declaredDoubles(_ datasetPath: String, shape: [Int]) {
        makeGroups(datasetPath)
        let dims = shape.map { hsize_t($0) }
        let space = H5Screate_simple(Int32(dims.count), dims, nil)
        let dataset = H5Dcreate2(file, datasetPath, sbi_h5t_ieee_f64le(), space, sbi_h5p_default(), sbi_h5p_default(), sbi_h5p_default())
        XCTAssertGreaterThanOrEqual(dataset, 0, "H5Dcreate2 \(datasetPath)")
        H5Dclose(dataset)
        H5Sclose(space)
    }

    /// A float64 dataset (`shape` [] for a scalar).
    public func doubles(_ datasetPath: String, shape: [Int], _ values: [Double]) {
        values.withUnsafeBytes { write(datasetPath, shape: shape, fileType: sbi_h5t_ieee_f64le(), memoryType: sbi_h5t_native_double(), $0.baseAddress) }
    }

    /// An int64 dataset (`shape` [] for a scalar).
    public func integers(_ datasetPath: String, shape: [Int], _ values: [Int64]) {
        values.withUnsafeBytes { write(datasetPath, shape: shape, fileType: sbi_h5t_std_i64le(), memoryType: sbi_h5t_native_int64(), $0.baseAddress) }
    }

    /// A string dataset: fixed-length `S256`, NUL-padded (h5py's `dtype="S256"`), or variable-length.
    public func strings(_ datasetPath: String, _ values: [String], variableLength: Bool = false) {
        let type = H5Tcopy(sbi_h5t_c_s1())
        defer { H5Tclose(type) }
        if variableLength {
            H5Tset_size(type, sbi_h5t_variable())
            let cStrings = values.map { strdup($0) }
            defer { cStrings.forEach { free($0) } }
            cStrings.withUnsafeBytes { write(datasetPath, shape: [values.count], fileType: type, memoryType: type, $0.baseAddress) }
        } else {
            H5Tset_size(type, 256)
            H5Tset_strpad(type, H5T_STR_NULLPAD)
            var bytes = [UInt8](repeating: 0, count: 256 * values.count)
            for (i, v) in values.enumerated() { for (j, c) in v.utf8.prefix(256).enumerated() { bytes[i * 256 + j] = c } }
            bytes.withUnsafeBytes { write(datasetPath, shape: [values.count], fileType: type, memoryType: type, $0.baseAddress) }
        }
    }

    /// An empty group.
    public func group(_ groupPath: String) {
        makeGroups(groupPath + "/x")
    }
}
