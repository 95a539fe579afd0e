import CZlib
import SBICore

/// A gzip-compressed tar archive (`.tar.gz`) of in-memory files, byte-for-byte reproducible: POSIX
/// ustar headers with mode 0644, owner 0 and modification time 0, and a gzip header without a time
/// stamp (zlib's deflate with a gzip wrapper, windowBits 15 + 16).
///
/// ```
/// per file: 512-byte header (name, mode, size in octal, checksum = Σ header bytes with the
///           checksum field as spaces), the content padded with zeros to a multiple of 512
/// end:      two 512-byte blocks of zeros
/// ```
/// [1] IEEE Std 1003.1 (POSIX), pax/ustar interchange format; [2] RFC 1952 (gzip), zlib manual.
public enum TarGzArchive {
    /// The archive of `files` (path inside the archive, at most 100 bytes of UTF-8; content), in order.
    /// - Throws: `SBIError.data` for a path that does not fit a ustar header, `SBIError.numerical` if zlib fails.
    public static func bytes(_ files: [(path: String, content: [UInt8])]) throws -> [UInt8] {
        var tar: [UInt8] = []
        for (path, content) in files {
            let name = Array(path.utf8)
            guard !name.isEmpty, name.count <= 100 else { throw SBIError.data("archive path '\(path)' must have 1 to 100 bytes", field: "path") }
            var header = [UInt8](repeating: 0, count: 512)
            func put(_ text: String, at offset: Int) { for (k, b) in text.utf8.enumerated() { header[offset + k] = b } }
            func octal(_ value: Int, width: Int) -> String {
                let digits = String(value, radix: 8)
                return String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits
            }
            header.replaceSubrange(0..<name.count, with: name)
            put(octal(0o644, width: 8), at: 100)          // mode
            put(octal(0, width: 8), at: 108)              // uid
            put(octal(0, width: 8), at: 116)              // gid
            put(octal(content.count, width: 12), at: 124) // size
            put(octal(0, width: 12), at: 136)             // mtime
            put("        ", at: 148)                      // checksum, as spaces while summing
            put("0", at: 156)                             // regular file
            put("ustar", at: 257)                         // magic "ustar\0"
            put("00", at: 263)                            // version
            let sum = header.reduce(0) { $0 + Int($1) }
            put(octal(sum, width: 7), at: 148)
            header[155] = 0x20
            tar += header + content + [UInt8](repeating: 0, count: (512 - content.count % 512) % 512)
        }
        tar += [UInt8](repeating: 0, count: 1024)
        return try gzip(tar)
    }

    /// Writes `bytes(files)` atomically to `path`.
    public static func write(_ files: [(path: String, content: [UInt8])], to path: String) throws {
        try AtomicFileWriter.write(try bytes(files), to: path)
    }

    /// `data` deflated with a gzip wrapper (no file name, time stamp 0).
    static func gzip(_ data: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        var status = deflateInit2_(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw SBIError.numerical("zlib deflateInit2 failed (\(status))", field: "archive") }
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(data.count))) + 64)
        var input = data
        status = input.withUnsafeMutableBufferPointer { inBuffer in
            out.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw SBIError.numerical("zlib deflate did not finish (\(status))", field: "archive") }
        return Array(out.prefix(Int(stream.total_out)))
    }
}
