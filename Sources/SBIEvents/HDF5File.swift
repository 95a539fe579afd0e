import CHDF5
import SBICore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Read-only access to the datasets of an HDF5 file through libhdf5's C API.
///
/// Datasets are addressed by their path from the root (`samples/weights`). Numbers are read
/// with HDF5's own conversion into native `Double` or `Int64`, whatever the stored width or
/// byte order; strings may be fixed-length (any padding) or variable-length:
///
/// ```
/// readDoubles("samples/weights")  →  (shape [n, k], values row-major, n·k of them)
/// readStrings("benchmarks/names") →  one String per element, padding and NULs removed
/// ```
///
/// Every failing HDF5 call (negative return value) becomes a thrown `SBIError` naming the
/// file and the HDF5 path; HDF5's printing of its error stack to stderr is switched off.
/// libhdf5 is usually built without thread safety, so all calls of all instances go through
/// one process-wide lock.
///
/// - References: [1] The HDF Group, HDF5 C reference manual (H5F, H5D, H5S, H5T).
public final class HDF5File {
    /// The path as the user named it (for error messages).
    public let path: String
    private let handle: hid_t

    /// Serialises every libhdf5 call: the Debian/Ubuntu build is not thread-safe.
    static let lock = Mutex<Void>(())

    /// Datasets with more elements than this are refused as corrupt rather than allocated.
    public static let maximumElementCount = 1 << 32

    /// Opens `path` read-only.
    /// - Throws: `SBIError.io` if the file does not exist or cannot be read, `SBIError.data`
    ///   if it is not an HDF5 file.
    public init(path: String) throws {
        self.path = path
        guard access(path, R_OK) == 0 else {
            throw SBIError.io(errno == ENOENT ? "no such file" : "cannot open for reading", file: path)
        }
        let opened: hid_t = Self.lock.withLock { _ in
            _ = sbi_h5_silence_errors()
            guard H5Fis_hdf5(path) > 0 else { return -1 }
            return H5Fopen(path, sbi_h5f_acc_rdonly(), sbi_h5p_default())
        }
        guard opened >= 0 else {
            throw SBIError.data("not an HDF5 file (or a damaged one): libhdf5 cannot open it", file: path)
        }
        handle = opened
    }

    deinit {
        let h = handle
        Self.lock.withLock { _ in _ = H5Fclose(h) }
    }

    // MARK: Structure

    /// Whether a group or dataset exists at `objectPath` (every component is checked in turn).
    public func exists(_ objectPath: String) -> Bool {
        Self.lock.withLock { _ in existsLocked(objectPath) }
    }

    private func existsLocked(_ objectPath: String) -> Bool {
        var prefix = ""
        for part in objectPath.split(separator: "/") {
            prefix += prefix.isEmpty ? String(part) : "/" + part
            guard H5Lexists(handle, prefix, sbi_h5p_default()) > 0 else { return false }
        }
        return !prefix.isEmpty
    }

    /// Whether `objectPath` exists and is a group.
    public func isGroup(_ objectPath: String) -> Bool {
        Self.lock.withLock { _ in
            guard existsLocked(objectPath) else { return false }
            let g = H5Gopen2(handle, objectPath, sbi_h5p_default())
            guard g >= 0 else { return false }
            H5Gclose(g)
            return true
        }
    }

    /// The dimensions of the dataset at `datasetPath` (`[]` for a scalar).
    /// - Throws: `SBIError.data` naming the file and path if it is missing or not a dataset.
    public func shape(_ datasetPath: String) throws -> [Int] {
        try Self.lock.withLock { _ in
            try withDataset(datasetPath) { dataset, space in try dimensions(space, datasetPath) }
        }
    }

    // MARK: Reading

    /// All values of a numeric dataset as `Double`, row-major, with its shape.
    /// - Throws: `SBIError.data` if the dataset is missing, not numeric, or unreadable.
    public func readDoubles(_ datasetPath: String) throws -> (shape: [Int], values: [Double]) {
        try readNumbers(datasetPath, Double.self, memoryType: sbi_h5t_native_double())
    }

    /// All values of an integer (or integral floating-point) dataset as `Int`, row-major, with its shape.
    /// - Throws: `SBIError.data` if the dataset is missing, not numeric, or unreadable.
    public func readIntegers(_ datasetPath: String) throws -> (shape: [Int], values: [Int]) {
        let (shape, values) = try readNumbers(datasetPath, Int64.self, memoryType: sbi_h5t_native_int64())
        return (shape, values.map { Int($0) })
    }

    /// A numeric dataset of rank 2 (or rank 1, read as one column) as a `Matrix<Double>`.
    /// - Throws: `SBIError.data` if the rank is above 2 or the dataset cannot be read.
    public func readMatrix(_ datasetPath: String) throws -> Matrix<Double> {
        let (shape, values) = try readDoubles(datasetPath)
        switch shape.count {
        case 1: return Matrix(rows: shape[0], columns: 1, storage: values)
        case 2: return Matrix(rows: shape[0], columns: shape[1], storage: values)
        default:
            throw failure("expected a 1- or 2-dimensional array, found shape \(shape)", datasetPath)
        }
    }

    /// The strings of a string dataset (fixed- or variable-length), trailing NULs and padding removed.
    /// - Throws: `SBIError.data` if the dataset is missing, not of string type, or not valid UTF-8.
    public func readStrings(_ datasetPath: String) throws -> [String] {
        try Self.lock.withLock { _ in
            try withDataset(datasetPath) { dataset, space in
                let count = try elementCount(dimensions(space, datasetPath), datasetPath)
                let fileType = H5Dget_type(dataset)
                guard fileType >= 0 else { throw failure("cannot read the datatype", datasetPath) }
                defer { H5Tclose(fileType) }
                guard H5Tget_class(fileType) == H5T_STRING else {
                    throw failure("expected strings, found another datatype", datasetPath)
                }
                let variable = H5Tis_variable_str(fileType)
                guard variable >= 0 else { throw failure("cannot read the string type", datasetPath) }
                if count == 0 { return [] }
                let stringBytes = Double(count) * Double(H5Tget_size(fileType))   // Double: a damaged size must not overflow
                try checkStored(dataset, declaredBytes: stringBytes, allocating: stringBytes, datasetPath)
                if variable > 0 {
                    let memoryType = H5Tcopy(sbi_h5t_c_s1())
                    guard memoryType >= 0 else { throw failure("H5Tcopy failed", datasetPath) }
                    defer { H5Tclose(memoryType) }
                    guard H5Tset_size(memoryType, sbi_h5t_variable()) >= 0 else {
                        throw failure("H5Tset_size failed", datasetPath)
                    }
                    _ = H5Tset_cset(memoryType, H5Tget_cset(fileType))
                    var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
                    let status = pointers.withUnsafeMutableBufferPointer {
                        H5Dread(dataset, memoryType, sbi_h5s_all(), sbi_h5s_all(), sbi_h5p_default(), $0.baseAddress)
                    }
                    guard status >= 0 else { throw failure("cannot read the strings", datasetPath) }
                    defer {
                        _ = pointers.withUnsafeMutableBufferPointer {
                            H5Dvlen_reclaim(memoryType, space, sbi_h5p_default(), $0.baseAddress)
                        }
                    }
                    return try pointers.enumerated().map { i, p in
                        guard let p else { return "" }
                        return try decode(UnsafeRawBufferPointer(start: p, count: strlen(p)), datasetPath, i)
                    }
                }
                let size = H5Tget_size(fileType)
                guard size > 0, size <= 1 << 20 else { throw failure("string size \(size) is out of range", datasetPath) }
                let memoryType = H5Tcopy(fileType)
                guard memoryType >= 0 else { throw failure("H5Tcopy failed", datasetPath) }
                defer { H5Tclose(memoryType) }
                let spacePadded = H5Tget_strpad(fileType) == H5T_STR_SPACEPAD
                var bytes = [UInt8](repeating: 0, count: count * size)
                let status = bytes.withUnsafeMutableBytes {
                    H5Dread(dataset, memoryType, sbi_h5s_all(), sbi_h5s_all(), sbi_h5p_default(), $0.baseAddress)
                }
                guard status >= 0 else { throw failure("cannot read the strings", datasetPath) }
                return try bytes.withUnsafeBytes { raw in
                    try (0..<count).map { i in
                        var slice = UnsafeRawBufferPointer(rebasing: raw[i * size ..< (i + 1) * size])
                        if let nul = slice.firstIndex(of: 0) { slice = UnsafeRawBufferPointer(rebasing: slice[..<nul]) }
                        var text = try decode(slice, datasetPath, i)
                        if spacePadded { while text.hasSuffix(" ") { text.removeLast() } }
                        return text
                    }
                }
            }
        }
    }

    // MARK: Internals (called with the lock held)

    private func readNumbers<T>(_ datasetPath: String, _: T.Type, memoryType: hid_t) throws -> (shape: [Int], values: [T]) where T: Numeric & Sendable {
        try Self.lock.withLock { _ in
            try withDataset(datasetPath) { dataset, space in
                let shape = try dimensions(space, datasetPath)
                let count = try elementCount(shape, datasetPath)
                let fileType = H5Dget_type(dataset)
                guard fileType >= 0 else { throw failure("cannot read the datatype", datasetPath) }
                defer { H5Tclose(fileType) }
                let typeClass = H5Tget_class(fileType)
                guard typeClass == H5T_FLOAT || typeClass == H5T_INTEGER else {
                    throw failure("expected numbers, found another datatype (class \(typeClass.rawValue))", datasetPath)
                }
                try checkStored(dataset, declaredBytes: Double(count) * Double(H5Tget_size(fileType)),
                                allocating: Double(count) * Double(MemoryLayout<T>.stride), datasetPath)
                var values = [T](repeating: 0, count: count)
                if count > 0 {
                    let status = values.withUnsafeMutableBytes {
                        H5Dread(dataset, memoryType, sbi_h5s_all(), sbi_h5s_all(), sbi_h5p_default(), $0.baseAddress)
                    }
                    guard status >= 0 else { throw failure("cannot read the values (damaged file or unconvertible type)", datasetPath) }
                }
                return (shape, values)
            }
        }
    }

    private func withDataset<R>(_ datasetPath: String, _ body: (hid_t, hid_t) throws -> R) throws -> R {
        guard existsLocked(datasetPath) else { throw failure("missing dataset", datasetPath) }
        let dataset = H5Dopen2(handle, datasetPath, sbi_h5p_default())
        guard dataset >= 0 else { throw failure("expected a dataset, found a group or an unreadable object", datasetPath) }
        defer { H5Dclose(dataset) }
        let space = H5Dget_space(dataset)
        guard space >= 0 else { throw failure("cannot read the dataspace", datasetPath) }
        defer { H5Sclose(space) }
        return try body(dataset, space)
    }

    private func dimensions(_ space: hid_t, _ datasetPath: String) throws -> [Int] {
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0, rank <= 32 else { throw failure("cannot read the dataspace rank", datasetPath) }
        if rank == 0 {
            // A scalar has one element; a null dataspace none.
            return H5Sget_simple_extent_npoints(space) == 1 ? [] : [0]
        }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        guard H5Sget_simple_extent_dims(space, &dims, nil) == rank else {
            throw failure("cannot read the dimensions", datasetPath)
        }
        return try dims.map {
            guard $0 <= hsize_t(Self.maximumElementCount) else { throw failure("dimension \($0) is implausibly large", datasetPath) }
            return Int($0)
        }
    }

    /// Deflate, the compression MadMiner's files use, reaches at most about 1032:1; a dataset that
    /// declares more than this many times the bytes the file stores for it is damaged.
    static let maximumCompressionRatio = 1100.0

    /// Refuses, before allocating, a dataset whose declared size the file cannot hold (nothing stored
    /// for it, or more than `maximumCompressionRatio` times what is stored: a damaged or truncated
    /// file) or whose values would not fit in memory (`MemoryBudget`).
    private func checkStored(_ dataset: hid_t, declaredBytes: Double, allocating: Double, _ datasetPath: String) throws {
        guard declaredBytes > 0 else { return }
        let stored = Double(H5Dget_storage_size(dataset))
        let declared = String(format: "%.0f", declaredBytes)
        guard stored > 0 else {
            throw failure("declares \(declared) bytes of values but the file stores none for it (a damaged or truncated file)", datasetPath)
        }
        guard declaredBytes <= Self.maximumCompressionRatio * stored else {
            throw failure("declares \(declared) bytes of values but the file stores only \(Int(stored)) for them, more than "
                          + "any compression can explain (a damaged file)", datasetPath)
        }
        if let problem = MemoryBudget.excess(allocating, for: "reading it") {
            throw failure(problem, datasetPath)
        }
    }

    private func elementCount(_ shape: [Int], _ datasetPath: String) throws -> Int {
        var count = 1
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, product <= Self.maximumElementCount else {
                throw failure("shape \(shape) has more than \(Self.maximumElementCount) elements", datasetPath)
            }
            count = product
        }
        return count
    }

    private func decode(_ bytes: UnsafeRawBufferPointer, _ datasetPath: String, _ index: Int) throws -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw failure("string \(index) is not valid UTF-8", datasetPath)
        }
        return text
    }

    private func failure(_ message: String, _ datasetPath: String) -> SBIError {
        SBIError.data(message, file: path, field: "/" + datasetPath)
    }
}
