#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard output and error of a command, so tests can capture them.
struct Console {
    var output: (String) -> Void = { Console.writeAll($0, to: 1) }
    var error: (String) -> Void = { Console.writeAll($0, to: 2) }

    /// Writes a line to standard output.
    func print(_ line: String) { output(line + "\n") }

    /// Writes all of `text` to the file descriptor (unbuffered, so lines appear as they are made).
    static func writeAll(_ text: String, to fd: Int32) {
        var copy = text
        copy.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                #if canImport(Glibc)
                let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                #else
                let n = Darwin.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                #endif
                if n < 0 { if errno == EINTR { continue }; return }
                offset += n
            }
        }
    }
}
