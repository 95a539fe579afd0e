#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that readers see either nothing or the whole file.
///
/// Bytes go to a hidden temporary file in the destination's folder
/// (`.name.tmp-<pid>-<n>`); `commit()` flushes it to disk and renames it over the
/// destination, which POSIX makes atomic on one file system. A writer dropped
/// without `commit()` (an error, a thrown check) removes its temporary file, so
/// nothing half-written is ever left under the real name.
public final class AtomicFileWriter {
    /// The destination path.
    public let path: String
    /// The temporary file being written.
    public let temporaryPath: String
    private var descriptor: Int32
    private var finished = false
    private var buffer: [UInt8] = []
    private static let bufferLimit = 1 << 20

    /// Opens a temporary file next to `path`.
    /// - Throws: `SBIError.io` when the folder does not exist or is not writable.
    public init(path: String) throws {
        self.path = path
        let (folder, name) = AtomicFileWriter.split(path)
        var candidate = ""
        var fd: Int32 = -1
        for attempt in 0..<100 {
            candidate = folder + "." + name + ".tmp-\(getpid())-\(attempt)"
            fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else {
            throw SBIError.io("cannot create a file in folder \(folder.isEmpty ? "." : folder): \(POSIXText.lastError())",
                              file: path)
        }
        descriptor = fd
        temporaryPath = candidate
        buffer.reserveCapacity(AtomicFileWriter.bufferLimit)
    }

    deinit {
        if !finished {
            if descriptor >= 0 { close(descriptor) }
            unlink(temporaryPath)
        }
    }

    /// Appends bytes.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(!finished, "AtomicFileWriter: write after commit/abort")
        if buffer.count + bytes.count > AtomicFileWriter.bufferLimit {
            try flushBuffer()
            if bytes.count > AtomicFileWriter.bufferLimit {
                try writeAll(bytes)
                return
            }
        }
        buffer.append(contentsOf: bytes)
    }

    /// Appends bytes.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Appends a UTF-8 string.
    public func write(_ text: String) throws {
        var copy = text
        try copy.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    /// Flushes, syncs and renames the temporary file onto `path`.
    public func commit() throws {
        precondition(!finished, "AtomicFileWriter: commit twice")
        try flushBuffer()
        if fsync(descriptor) != 0 {
            throw SBIError.io("cannot sync to disk: \(POSIXText.lastError())", file: path)
        }
        close(descriptor)
        descriptor = -1
        if rename(temporaryPath, path) != 0 {
            let message = POSIXText.lastError()
            unlink(temporaryPath)
            finished = true
            throw SBIError.io("cannot rename the finished file into place: \(message)", file: path)
        }
        finished = true
    }

    /// Removes the temporary file; the destination is untouched.
    public func abort() {
        guard !finished else { return }
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(temporaryPath)
        finished = true
    }

    /// Writes `bytes` to `path` atomically in one call.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let writer = try AtomicFileWriter(path: path)
        try writer.write(bytes)
        try writer.commit()
    }

    /// Writes `text` (UTF-8) to `path` atomically in one call.
    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    private func flushBuffer() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = systemWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw SBIError.io("cannot write: \(POSIXText.lastError())", file: path)
            }
            offset += n
        }
    }

    private static func split(_ path: String) -> (folder: String, name: String) {
        if let slash = path.lastIndex(of: "/") {
            return (String(path[...slash]), String(path[path.index(after: slash)...]))
        }
        return ("", path)
    }
}

/// The C library's `write(2)`, named apart from the writer's own `write` methods.
@inline(__always)
func systemWrite(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, pointer, count)
    #else
    return Darwin.write(fd, pointer, count)
    #endif
}

/// Text of POSIX error numbers.
enum POSIXText {
    static func lastError() -> String { String(cString: strerror(errno)) }
}
