#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading and writing whole `.npy` files.
///
/// Reads go through a memory map (`NPYMappedFile`); writes go through
/// `AtomicFileWriter`, so a failed write leaves no file under the real name.
/// Accepted: versions 1.0, 2.0 (and 3.0), dtypes `<f4 <f8 <i4 <i8 |b1`, C order,
/// any rank. Everything else throws `SBIError.data` naming the file.
public enum NPYFile {
    /// Reads a whole file.
    public static func read(_ path: String) throws -> NPYArray {
        let file = try NPYMappedFile(path: path)
        return file.readAll()
    }

    /// Reads a 1- or 2-dimensional file as a matrix of `T` (rank 1 becomes one column).
    public static func readMatrix<T: BLASScalar>(_ path: String, as: T.Type = T.self) throws -> Matrix<T> {
        try read(path).matrix(as: T.self, file: path)
    }

    /// Writes `array` to `path` atomically.
    /// - Parameter majorVersion: force format 1 or 2 (default: 1 unless the header needs 2).
    public static func write(_ array: NPYArray, to path: String, majorVersion: UInt8? = nil) throws {
        let writer = try AtomicFileWriter(path: path)
        try writer.write(NPYHeader.encode(dtype: array.dtype, shape: array.shape, majorVersion: majorVersion))
        switch array.data {
        case .float32(let v): try v.withUnsafeBytes { try writer.write($0) }
        case .float64(let v): try v.withUnsafeBytes { try writer.write($0) }
        case .int32(let v): try v.withUnsafeBytes { try writer.write($0) }
        case .int64(let v): try v.withUnsafeBytes { try writer.write($0) }
        case .bool(let v): try writer.write(v.map { $0 ? UInt8(1) : UInt8(0) })
        }
        try writer.commit()
    }

    /// Writes a matrix as a rank-2 array of its scalar type (`<f4` or `<f8`).
    public static func write<T: BLASScalar>(_ matrix: Matrix<T>, to path: String) throws {
        try write(NPYArray(matrix), to: path)
    }
}

/// A read-only memory map of an `.npy` file, for streaming rows of files larger
/// than memory: only the pages touched are read from disk.
///
/// "Rows" are slices along the first axis: a file of shape `[n, a, b]` has `n`
/// rows of `a·b` elements each (a rank-0 or rank-1 file has rows of one element).
public final class NPYMappedFile {
    /// The path as given.
    public let path: String
    /// The validated header.
    public let header: NPYHeader
    private let base: UnsafeRawPointer?
    private let mappedLength: Int

    /// Maps and validates `path`.
    /// - Throws: `SBIError.io` if the file cannot be opened, `SBIError.data` if it is not a valid NPY file.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw SBIError.io("cannot open: \(POSIXText.lastError())", file: path)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw SBIError.io("cannot stat: \(POSIXText.lastError())", file: path)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw SBIError.io("not a regular file", file: path)
        }
        let size = Int(info.st_size)
        guard size > 0 else {
            throw SBIError.data("empty file; expected an NPY array", file: path)
        }
        guard let pointer = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), pointer != MAP_FAILED else {
            throw SBIError.io("cannot map into memory: \(POSIXText.lastError())", file: path)
        }
        base = UnsafeRawPointer(pointer)
        mappedLength = size
        do {
            header = try NPYHeader.parse(UnsafeRawBufferPointer(start: pointer, count: size), fileSize: size, path: path)
        } catch {
            munmap(pointer, size)
            throw error
        }
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), mappedLength) }
    }

    /// Number of rows (extent of the first axis; 1 for a scalar).
    public var rowCount: Int { header.shape.first ?? 1 }
    /// Elements per row (product of the remaining extents).
    public var rowElementCount: Int { header.shape.dropFirst().reduce(1, *) }

    /// Raw bytes of the data section.
    public var dataBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base! + header.dataOffset, count: header.dataByteCount)
    }

    /// The whole array.
    public func readAll() -> NPYArray {
        let n = header.elementCount
        let bytes = dataBytes
        let data: NPYData
        switch header.dtype {
        case .float32: data = .float32(NPYMappedFile.load(bytes, count: n, as: Float.self))
        case .float64: data = .float64(NPYMappedFile.load(bytes, count: n, as: Double.self))
        case .int32: data = .int32(NPYMappedFile.load(bytes, count: n, as: Int32.self))
        case .int64: data = .int64(NPYMappedFile.load(bytes, count: n, as: Int64.self))
        case .bool: data = .bool((0..<n).map { bytes[$0] != 0 })
        }
        return NPYArray(shape: header.shape, data: data)
    }

    /// Copies rows `range` into `buffer`, converting to `T`, without allocating.
    /// - Precondition: `range` within `0..<rowCount`; `buffer.count == range.count * rowElementCount`.
    public func readRows<T: BLASScalar>(_ range: Range<Int>, into buffer: UnsafeMutableBufferPointer<T>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= rowCount,
                     "readRows: rows \(range) outside 0..<\(rowCount) of \(path)")
        let width = rowElementCount
        precondition(buffer.count == range.count * width,
                     "readRows: buffer has \(buffer.count) elements, rows \(range) need \(range.count * width)")
        let start = range.lowerBound * width
        let bytes = dataBytes
        let n = buffer.count
        switch header.dtype {
        case .float32:
            if T.self == Float.self {
                UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: bytes.baseAddress! + start * 4, byteCount: n * 4)
            } else {
                for i in 0..<n { buffer[i] = T(bytes.loadUnaligned(fromByteOffset: (start + i) * 4, as: Float.self)) }
            }
        case .float64:
            if T.self == Double.self {
                UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: bytes.baseAddress! + start * 8, byteCount: n * 8)
            } else {
                for i in 0..<n { buffer[i] = T(bytes.loadUnaligned(fromByteOffset: (start + i) * 8, as: Double.self)) }
            }
        case .int32:
            for i in 0..<n { buffer[i] = T(bytes.loadUnaligned(fromByteOffset: (start + i) * 4, as: Int32.self)) }
        case .int64:
            for i in 0..<n { buffer[i] = T(bytes.loadUnaligned(fromByteOffset: (start + i) * 8, as: Int64.self)) }
        case .bool:
            for i in 0..<n { buffer[i] = bytes[start + i] != 0 ? 1 : 0 }
        }
    }

    /// Gives the pages read so far back to the kernel (`madvise(MADV_DONTNEED)`): the mapping stays valid
    /// and later reads fetch them again from the page cache or disk. Keeps the resident memory of a
    /// random-access pass over a large file bounded by what is touched between two calls.
    public func releasePages() {
        if let base { _ = madvise(UnsafeMutableRawPointer(mutating: base), mappedLength, Int32(MADV_DONTNEED)) }
    }

    /// Rows `range` as a matrix `[range.count, rowElementCount]` of `T`.
    public func readRows<T: BLASScalar>(_ range: Range<Int>, as: T.Type = T.self) -> Matrix<T> {
        var m = Matrix<T>(rows: range.count, columns: rowElementCount)
        m.withUnsafeMutableBufferPointer { readRows(range, into: $0) }
        return m
    }

    private static func load<T>(_ bytes: UnsafeRawBufferPointer, count: Int, as: T.Type) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 {
                UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: bytes.baseAddress!,
                                                                         byteCount: count * MemoryLayout<T>.stride)
            }
            initialized = count
        }
    }
}

/// Writes an `.npy` file row by row, for arrays larger than memory.
///
/// The total shape is fixed up front (the header comes first); `append` adds
/// rows; `commit` checks that exactly `shape[0]` rows arrived and renames the
/// temporary file into place. Dropping the writer early leaves nothing behind.
public final class NPYStreamWriter<T: BLASScalar> {
    /// The final shape.
    public let shape: [Int]
    private let writer: AtomicFileWriter
    private var rowsWritten = 0
    private let rowElementCount: Int

    /// Starts `path` with dtype `<f4` (Float) or `<f8` (Double) and `shape`.
    /// - Precondition: `shape` has rank ≥ 1.
    public init(path: String, shape: [Int]) throws {
        precondition(!shape.isEmpty, "NPYStreamWriter: rank-0 arrays are written with NPYFile.write")
        self.shape = shape
        rowElementCount = shape.dropFirst().reduce(1, *)
        writer = try AtomicFileWriter(path: path)
        try writer.write(NPYHeader.encode(dtype: T.self == Float.self ? .float32 : .float64, shape: shape))
    }

    /// Appends whole rows (`values.count` a multiple of the row length).
    public func append(_ values: UnsafeBufferPointer<T>) throws {
        precondition(rowElementCount == 0 || values.count % rowElementCount == 0,
                     "NPYStreamWriter: \(values.count) values is not whole rows of \(rowElementCount)")
        let rows = rowElementCount == 0 ? 0 : values.count / rowElementCount
        precondition(rowsWritten + rows <= shape[0],
                     "NPYStreamWriter: \(rowsWritten + rows) rows exceed the declared \(shape[0])")
        try writer.write(UnsafeRawBufferPointer(values))
        rowsWritten += rows
    }

    /// Appends the rows of a matrix.
    public func append(_ matrix: Matrix<T>) throws {
        try matrix.withUnsafeBufferPointer { try append($0) }
    }

    /// Finishes the file.
    public func commit() throws {
        guard rowsWritten == shape[0] else {
            writer.abort()
            throw SBIError(.internal, file: writer.path,
                           "stream ended after \(rowsWritten) of \(shape[0]) declared rows")
        }
        try writer.commit()
    }
}
