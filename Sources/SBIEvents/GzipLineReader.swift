import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SBICore

/// Reads a text file line by line through zlib, gzip-compressed or plain, in constant memory.
///
/// zlib's `gzread` decompresses gzip streams and passes other files through unchanged,
/// so one reader serves `run.lhe` and `run.lhe.gz`; it runs on a second thread a few
/// chunks ahead (`BackgroundInflater`), so decompression overlaps parsing. Lines are handed
/// out as byte views into one reusable buffer:
///
/// ```
/// buffer = [ consumed | current line \n | unread bytes | free ]   (one allocation, reused)
/// ```
///
/// - Complexity: O(bytes) for a whole file; memory is one buffer of `capacity` bytes,
///   grown only for a single line longer than it (up to `maximumLineLength`).
/// - Throws: `SBIError` (.io) when the file cannot be opened, (.data) when a gzip stream is
///   corrupt or truncated (zlib's `gzerror`), naming the file and line.
/// - References: [1] arXiv:hep-ph/0609017 (Les Houches Event File format, line-oriented).
final class GzipLineReader {
    /// The path as the user named it (for error messages).
    let path: String
    /// 1-based number of the line last returned by `nextLine()`.
    private(set) var lineNumber = 0
    /// The longest line accepted before the reader refuses the file.
    let maximumLineLength = 64 << 20

    private var file: gzFile?
    private var inflater: BackgroundInflater?
    private var buffer: UnsafeMutablePointer<UInt8>
    /// Allocated bytes of `buffer` (one extra byte always holds a terminating 0).
    private(set) var capacity: Int
    private var start = 0
    private var end = 0
    private var reachedEnd = false

    /// Opens `path` for reading (gzip or plain).
    init(path: String, capacity: Int = 1 << 18) throws {
        self.path = path
        guard let handle = gzopen(path, "rb") else {
            throw SBIError.io("cannot open for reading", file: path)
        }
        file = handle
        _ = gzbuffer(handle, 1 << 17)
        inflater = BackgroundInflater(file: handle)
        self.capacity = capacity
        buffer = .allocate(capacity: capacity + 1)
        buffer[0] = 0
    }

    deinit {
        inflater?.stop()   // the worker must be done with the file before it is closed
        if let file { gzclose_r(file) }
        buffer.deallocate()
    }

    /// Starts again from the first line, keeping the buffer.
    func rewind() throws {
        guard let inflater, inflater.restart({ gzrewind($0) == 0 }) else {
            throw SBIError.io("cannot rewind", file: path)
        }
        start = 0; end = 0; lineNumber = 0; reachedEnd = false
    }

    /// The next line without its `\n` (and `\r`), or nil at the end of the file.
    ///
    /// The view is valid until the next call; the byte after it is a readable 0 or
    /// whitespace, so C number parsers can stop there.
    func nextLine() throws -> UnsafeBufferPointer<UInt8>? {
        while true {
            let available = end - start
            if available > 0,
               let newline = memchr(buffer + start, 10, available) {
                let lineEnd = buffer.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                return takeLine(upTo: lineEnd, consumed: lineEnd + 1)
            }
            if reachedEnd {
                if available == 0 { return nil }
                buffer[end] = 0
                return takeLine(upTo: end, consumed: end)
            }
            try fill()
        }
    }

    private func takeLine(upTo lineEnd: Int, consumed: Int) -> UnsafeBufferPointer<UInt8> {
        var stop = lineEnd
        if stop > start, buffer[stop - 1] == 13 { stop -= 1 }
        let line = UnsafeBufferPointer(start: buffer + start, count: stop - start)
        start = consumed
        lineNumber += 1
        return line
    }

    /// Moves the unread bytes to the front and reads more; grows only for an over-long line.
    private func fill() throws {
        if start > 0 {
            let remaining = end - start
            if remaining > 0 { memmove(buffer, buffer + start, remaining) }
            end = remaining
            start = 0
        }
        if end == capacity {
            guard capacity < maximumLineLength else {
                throw SBIError.data("line longer than \(maximumLineLength) bytes; not an LHE file?",
                                    file: path, line: lineNumber + 1)
            }
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: 2 * capacity + 1)
            grown.update(from: buffer, count: end)
            buffer.deallocate()
            buffer = grown
            capacity *= 2
        }
        guard let inflater else { reachedEnd = true; return }
        switch inflater.read(into: buffer + end, maximum: capacity - end) {
        case .bytes(let count):
            end += count
        case .end:
            reachedEnd = true
        case .failure(let message, let truncated):
            throw SBIError.data(truncated ? "compressed stream ends early (truncated file?): \(message)"
                                          : "corrupt compressed data: \(message)",
                                file: path, line: lineNumber + 1)
        }
        buffer[end] = 0
    }
}
