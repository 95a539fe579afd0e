/// The header of an `.npy` file (format versions 1.0, 2.0 and 3.0).
///
/// Layout (numpy's NEP 1 / `numpy.lib.format`):
/// ```
/// \x93NUMPY  major  minor  HEADER_LEN (uint16 LE for 1.x, uint32 LE for 2.x/3.x)
/// {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }   padded with spaces, ends in \n
/// data: product(shape) elements, C order
/// ```
/// Magic, length field and header together are padded to a multiple of 64 bytes.
public struct NPYHeader: Equatable, Sendable {
    /// Format major version (1, 2 or 3).
    public var majorVersion: UInt8
    /// Format minor version (0).
    public var minorVersion: UInt8
    /// Element type.
    public var dtype: NPYDType
    /// Array shape; `[]` for a scalar (rank 0).
    public var shape: [Int]
    /// Byte offset of the first element.
    public var dataOffset: Int

    /// Number of elements (1 for rank 0).
    public var elementCount: Int { shape.reduce(1, *) }
    /// Number of data bytes.
    public var dataByteCount: Int { elementCount * dtype.byteCount }

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59] // \x93NUMPY

    /// Parses and validates the header at the start of `bytes`, the whole file's contents
    /// (or at least its first `min(fileSize, header)` bytes) of a file of `fileSize` bytes.
    /// - Throws: `SBIError.data` naming `path` and the problem, for every malformed input.
    public static func parse(_ bytes: UnsafeRawBufferPointer, fileSize: Int, path: String) throws -> NPYHeader {
        func fail(_ message: String, field: String? = nil) -> SBIError {
            SBIError.data(message, file: path, field: field)
        }
        guard bytes.count >= 10 else {
            throw fail("truncated: \(fileSize) bytes is shorter than the 10-byte NPY preamble")
        }
        for i in 0..<6 where bytes[i] != magic[i] {
            throw fail("not an NPY file: the first bytes are not the magic string \\x93NUMPY")
        }
        let major = bytes[6], minor = bytes[7]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else {
                throw fail("truncated: \(fileSize) bytes is shorter than the 12-byte NPY \(major).\(minor) preamble")
            }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail("unsupported NPY format version \(major).\(minor); expected 1.0, 2.0 or 3.0", field: "version")
        }
        guard minor == 0 else {
            throw fail("unsupported NPY format version \(major).\(minor); expected 1.0, 2.0 or 3.0", field: "version")
        }
        let dataOffset = headerStart + headerLength
        guard dataOffset <= fileSize, dataOffset <= bytes.count else {
            throw fail("header claims \(headerLength) bytes but the file has only \(fileSize) bytes in all", field: "header")
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[headerStart..<dataOffset])
        // Versions 1.x and 2.x are latin-1, 3.x UTF-8; the dictionary itself is ASCII.
        let text = String(decoding: headerBytes, as: UTF8.self)
        var parser = NPYHeaderDictionaryParser(text: text)
        let dictionary: [String: NPYHeaderDictionaryParser.Value]
        do {
            dictionary = try parser.parseDictionary()
        } catch let error as NPYHeaderDictionaryParser.ParseError {
            throw fail("malformed header dictionary: \(error.message) in \(text.trimmingSpacesAndNewlines())", field: "header")
        }
        for key in dictionary.keys where !["descr", "fortran_order", "shape"].contains(key) {
            throw fail("unexpected key '\(key)'; expected descr, fortran_order, shape", field: "header")
        }

        guard let descrValue = dictionary["descr"] else { throw fail("missing 'descr'", field: "header") }
        guard case .string(let descr) = descrValue else {
            throw fail("structured dtypes are not supported; expected one of \(NPYDType.acceptedList)", field: "descr")
        }
        guard let dtype = NPYDType(rawValue: descr) ?? (descr == "<b1" ? .bool : nil) else {
            let hint: String
            if descr.hasPrefix(">") {
                hint = "big-endian dtype '\(descr)' is not supported; expected one of \(NPYDType.acceptedList) (save with a.astype('<\(descr.dropFirst())'))"
            } else if descr.contains("O") {
                hint = "object dtype '\(descr)' is not supported; expected one of \(NPYDType.acceptedList)"
            } else {
                hint = "dtype '\(descr)' is not supported; expected one of \(NPYDType.acceptedList)"
            }
            throw fail(hint, field: "descr")
        }

        guard let fortranValue = dictionary["fortran_order"] else { throw fail("missing 'fortran_order'", field: "header") }
        guard case .bool(let fortran) = fortranValue else {
            throw fail("'fortran_order' must be True or False", field: "fortran_order")
        }
        guard !fortran else {
            throw fail("Fortran-order arrays are not supported; expected C order (save np.ascontiguousarray(a))",
                       field: "fortran_order")
        }

        guard let shapeValue = dictionary["shape"] else { throw fail("missing 'shape'", field: "header") }
        guard case .tuple(let shape) = shapeValue else {
            throw fail("'shape' must be a tuple of non-negative integers", field: "shape")
        }
        var count = 1
        for extent in shape {
            guard extent >= 0 else { throw fail("negative extent \(extent) in shape", field: "shape") }
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw fail("shape \(shape) has too many elements", field: "shape") }
            count = product
        }
        let (needed, overflow) = count.multipliedReportingOverflow(by: dtype.byteCount)
        guard !overflow else { throw fail("shape \(shape) has too many bytes", field: "shape") }
        let available = fileSize - dataOffset
        if available < needed {
            throw fail("truncated data: shape \(formatShape(shape)) of \(dtype.rawValue) needs \(needed) bytes, the file has \(available)",
                       field: "shape")
        }
        if available > needed {
            throw fail("shape \(formatShape(shape)) of \(dtype.rawValue) needs \(needed) bytes but the file has \(available) bytes of data",
                       field: "shape")
        }
        return NPYHeader(majorVersion: major, minorVersion: minor, dtype: dtype, shape: shape, dataOffset: dataOffset)
    }

    /// The header bytes for `dtype` and `shape`: version 1.0 when the dictionary
    /// fits its 16-bit length field, else 2.0 (or the version forced by `majorVersion`).
    public static func encode(dtype: NPYDType, shape: [Int], majorVersion: UInt8? = nil) -> [UInt8] {
        let dictionary = "{'descr': '\(dtype.rawValue)', 'fortran_order': False, 'shape': \(formatShape(shape)), }"
        func build(_ major: UInt8) -> [UInt8] {
            let preamble = major == 1 ? 10 : 12
            var length = dictionary.utf8.count + 1
            let total = preamble + length
            length += (64 - total % 64) % 64
            var bytes = magic + [major, 0]
            if major == 1 {
                bytes += [UInt8(length & 0xff), UInt8(length >> 8)]
            } else {
                bytes += [UInt8(length & 0xff), UInt8((length >> 8) & 0xff),
                          UInt8((length >> 16) & 0xff), UInt8((length >> 24) & 0xff)]
            }
            bytes += Array(dictionary.utf8)
            bytes += [UInt8](repeating: 0x20, count: length - dictionary.utf8.count - 1)
            bytes.append(0x0a)
            return bytes
        }
        if let majorVersion { return build(majorVersion) }
        let paddedVersion1Length = (10 + dictionary.utf8.count + 1 + 63) / 64 * 64 - 10
        return paddedVersion1Length <= 0xffff ? build(1) : build(2)
    }

    /// Python's repr of a shape tuple: `()`, `(3,)`, `(3, 4)`.
    static func formatShape(_ shape: [Int]) -> String {
        if shape.count == 1 { return "(\(shape[0]),)" }
        return "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}

extension String {
    func trimmingSpacesAndNewlines() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\n" || c == "\t" || c == "\r" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\n" || c == "\t" || c == "\r" { s.removeLast() }
        return String(s)
    }
}

/// A parser for the Python dict literal in an NPY header: string keys; values
/// that are strings, `True`/`False`, or tuples of integers (old files may write `3L`);
/// a list value (structured dtype) is recognised and reported.
struct NPYHeaderDictionaryParser {
    enum Value: Equatable {
        case string(String)
        case bool(Bool)
        case tuple([Int])
        case list
    }

    struct ParseError: Error { let message: String }

    private let characters: [Character]
    private var position = 0

    init(text: String) { characters = Array(text) }

    mutating func parseDictionary() throws -> [String: Value] {
        skipSpace()
        try expect("{")
        var result: [String: Value] = [:]
        while true {
            skipSpace()
            if peek() == "}" { position += 1; break }
            let key = try parseString()
            skipSpace()
            try expect(":")
            skipSpace()
            let value = try parseValue()
            if result[key] != nil { throw ParseError(message: "duplicate key '\(key)'") }
            result[key] = value
            skipSpace()
            if peek() == "," { position += 1; continue }
            skipSpace()
            if peek() == "}" { position += 1; break }
            throw ParseError(message: "expected ',' or '}' at character \(position + 1)")
        }
        skipSpace()
        guard position == characters.count else {
            throw ParseError(message: "unexpected text after the dictionary at character \(position + 1)")
        }
        return result
    }

    private mutating func parseValue() throws -> Value {
        switch peek() {
        case "'", "\"": return .string(try parseString())
        case "(": return .tuple(try parseTuple())
        case "[":
            var depth = 0
            while position < characters.count {
                if characters[position] == "[" { depth += 1 }
                if characters[position] == "]" { depth -= 1; if depth == 0 { position += 1; return .list } }
                position += 1
            }
            throw ParseError(message: "unterminated list")
        default:
            if match("True") { return .bool(true) }
            if match("False") { return .bool(false) }
            throw ParseError(message: "unexpected value at character \(position + 1)")
        }
    }

    private mutating func parseTuple() throws -> [Int] {
        try expect("(")
        var values: [Int] = []
        while true {
            skipSpace()
            if peek() == ")" { position += 1; return values }
            var digits = ""
            if peek() == "-" { digits.append("-"); position += 1 }
            while let c = peek(), c.isASCII, c.isNumber { digits.append(c); position += 1 }
            if peek() == "L" { position += 1 }
            guard let value = Int(digits) else {
                throw ParseError(message: "expected an integer in the shape tuple at character \(position + 1)")
            }
            values.append(value)
            skipSpace()
            if peek() == "," { position += 1; continue }
            skipSpace()
            if peek() == ")" { position += 1; return values }
            throw ParseError(message: "expected ',' or ')' in the shape tuple at character \(position + 1)")
        }
    }

    private mutating func parseString() throws -> String {
        guard let quote = peek(), quote == "'" || quote == "\"" else {
            throw ParseError(message: "expected a quoted string at character \(position + 1)")
        }
        position += 1
        var text = ""
        while let c = peek() {
            position += 1
            if c == quote { return text }
            text.append(c)
        }
        throw ParseError(message: "unterminated string")
    }

    private func peek() -> Character? { position < characters.count ? characters[position] : nil }

    private mutating func skipSpace() {
        while let c = peek(), c == " " || c == "\n" || c == "\t" || c == "\r" { position += 1 }
    }

    private mutating func expect(_ c: Character) throws {
        guard peek() == c else { throw ParseError(message: "expected '\(c)' at character \(position + 1)") }
        position += 1
    }

    private mutating func match(_ word: String) -> Bool {
        let w = Array(word)
        guard position + w.count <= characters.count, Array(characters[position..<position + w.count]) == w else {
            return false
        }
        position += w.count
        return true
    }
}
