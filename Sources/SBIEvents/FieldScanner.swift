#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits one line of bytes into whitespace-separated numbers without allocating.
///
/// Decimal numbers take Clinger's exact fast path when the significand has at most
/// 15 digits and the decimal exponent is small; otherwise they go through `strtod`:
///
/// ```
/// value = digits × 10^e, exact when digits < 2^53 and |e| ≤ 22 (one correctly rounded × or ÷)
/// ```
///
/// Fortran's `D` exponent marker is accepted. Non-numbers (`*****`, words) return nil;
/// `nan`/`inf` parse, so callers check finiteness where it matters.
/// - References: W. D. Clinger, "How to read floating point numbers accurately", PLDI 1990.
struct FieldScanner {
    let line: UnsafeBufferPointer<UInt8>
    var position: Int

    init(_ line: UnsafeBufferPointer<UInt8>, from position: Int = 0) {
        self.line = line
        self.position = position
    }

    /// Exact powers of ten 10^0 … 10^22, all representable in a Double.
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    @inline(__always) static func isSpace(_ byte: UInt8) -> Bool {
        byte == 32 || byte == 9 || byte == 13 || byte == 10 || byte == 11 || byte == 12
    }

    mutating func skipSpaces() {
        while position < line.count, FieldScanner.isSpace(line[position]) { position += 1 }
    }

    var atEnd: Bool {
        mutating get { skipSpaces(); return position >= line.count }
    }

    /// The extent of the next whitespace-separated field, or nil at the end.
    mutating func nextField() -> Range<Int>? {
        skipSpaces()
        guard position < line.count else { return nil }
        let begin = position
        while position < line.count, !FieldScanner.isSpace(line[position]) { position += 1 }
        return begin..<position
    }

    /// The next field as an integer, or nil when it is missing or not an integer.
    mutating func nextInt() -> Int? {
        guard let field = nextField() else { return nil }
        return FieldScanner.parseInt(line, field)
    }

    /// The next field as a Double, or nil when it is missing or not a number.
    mutating func nextDouble() -> Double? {
        guard let field = nextField() else { return nil }
        return FieldScanner.parseDouble(line, field)
    }

    static func parseInt(_ line: UnsafeBufferPointer<UInt8>, _ field: Range<Int>) -> Int? {
        var i = field.lowerBound
        var negative = false
        if i < field.upperBound, line[i] == 45 || line[i] == 43 { negative = line[i] == 45; i += 1 }
        guard i < field.upperBound, field.upperBound - i <= 18 else { return nil }
        var value = 0
        while i < field.upperBound {
            let digit = Int(line[i]) &- 48
            guard digit >= 0, digit <= 9 else { return nil }
            value = value * 10 + digit
            i += 1
        }
        return negative ? -value : value
    }

    static func parseDouble(_ line: UnsafeBufferPointer<UInt8>, _ field: Range<Int>) -> Double? {
        var i = field.lowerBound
        let stop = field.upperBound
        var negative = false
        if i < stop, line[i] == 45 || line[i] == 43 { negative = line[i] == 45; i += 1 }
        var significand: UInt64 = 0
        var digits = 0
        var anyDigit = false
        var exponent = 0
        while i < stop, line[i] &- 48 <= 9 {
            anyDigit = true
            if significand != 0 || line[i] != 48 { digits += 1 }
            if digits <= 19 { significand = significand &* 10 &+ UInt64(line[i] &- 48) } else { exponent += 1 }
            i += 1
        }
        if i < stop, line[i] == 46 {
            i += 1
            while i < stop, line[i] &- 48 <= 9 {
                anyDigit = true
                if significand != 0 || line[i] != 48 { digits += 1 }
                if digits <= 19 {
                    significand = significand &* 10 &+ UInt64(line[i] &- 48)
                    exponent -= 1
                }
                i += 1
            }
        }
        guard anyDigit else { return slowParse(line, field) }
        if i < stop, line[i] | 32 == 101 || line[i] | 32 == 100 {  // e E d D
            i += 1
            var exponentNegative = false
            if i < stop, line[i] == 45 || line[i] == 43 { exponentNegative = line[i] == 45; i += 1 }
            guard i < stop else { return nil }
            var written = 0
            while i < stop, line[i] &- 48 <= 9 {
                if written < 10000 { written = written * 10 + Int(line[i] &- 48) }
                i += 1
            }
            exponent += exponentNegative ? -written : written
        }
        guard i == stop else { return nil }
        if digits <= 15, exponent >= -22, exponent <= 22 {
            var value = Double(significand)
            if exponent >= 0 { value *= powersOfTen[exponent] } else { value /= powersOfTen[-exponent] }
            return negative ? -value : value
        }
        return slowParse(line, field)
    }

    /// strtod on a NUL-terminated copy (with Fortran `D` turned into `e`).
    private static func slowParse(_ line: UnsafeBufferPointer<UInt8>, _ field: Range<Int>) -> Double? {
        let count = field.count
        guard count < 120 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { copy -> Double? in
            for k in 0..<count {
                let byte = line[field.lowerBound + k]
                copy[k] = CChar(bitPattern: byte | 32 == 100 ? 101 : byte)
            }
            copy[count] = 0
            var endPointer: UnsafeMutablePointer<CChar>?
            let value = strtod(copy.baseAddress!, &endPointer)
            guard let endPointer, copy.baseAddress!.distance(to: endPointer) == count else { return nil }
            return value
        }
    }
}

/// Byte-level helpers for LHE's line-oriented XML.
enum LHEBytes {
    /// Index of the first non-space byte (or `line.count`).
    static func firstNonSpace(_ line: UnsafeBufferPointer<UInt8>) -> Int {
        var i = 0
        while i < line.count, FieldScanner.isSpace(line[i]) { i += 1 }
        return i
    }

    /// Whether `line[at...]` starts with the ASCII `text` (a static string, no allocation).
    static func matches(_ line: UnsafeBufferPointer<UInt8>, at index: Int, _ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard index >= 0, index + count <= line.count else { return false }
        let pattern = text.utf8Start
        for k in 0..<count where line[index + k] != pattern[k] { return false }
        return true
    }

    /// Whether the line, after leading spaces, starts with the tag `<name` followed by `>`,
    /// whitespace, `/` or the end of the line.
    static func startsWithTag(_ line: UnsafeBufferPointer<UInt8>, _ tag: StaticString) -> Bool {
        let i = firstNonSpace(line)
        guard matches(line, at: i, tag) else { return false }
        let next = i + tag.utf8CodeUnitCount
        return next == line.count || line[next] == 62 || line[next] == 47 || FieldScanner.isSpace(line[next])
    }

    /// First index ≥ `from` where `text` occurs, or nil.
    static func find(_ line: UnsafeBufferPointer<UInt8>, _ text: StaticString, from: Int = 0) -> Int? {
        let count = text.utf8CodeUnitCount
        guard count > 0, line.count >= count else { return nil }
        guard let base = line.baseAddress else { return nil }
        let first = text.utf8Start[0]
        var i = max(from, 0)
        while i + count <= line.count {
            // memchr finds the candidate first byte with vector instructions.
            guard let hit = memchr(base + i, Int32(first), line.count - count + 1 - i) else { return nil }
            i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if matches(line, at: i, text) { return i }
            i += 1
        }
        return nil
    }

    /// The value of attribute `name` (`name="v"` or `name='v'`) within `line[range]`.
    static func attribute(_ line: UnsafeBufferPointer<UInt8>, _ name: StaticString,
                          in range: Range<Int>) -> Range<Int>? {
        var i = range.lowerBound
        let count = name.utf8CodeUnitCount
        while i + count < range.upperBound {
            let before = i == 0 ? 32 : line[i - 1]
            if FieldScanner.isSpace(before), matches(line, at: i, name) {
                var j = i + count
                while j < range.upperBound, FieldScanner.isSpace(line[j]) { j += 1 }
                if j < range.upperBound, line[j] == 61 {  // =
                    j += 1
                    while j < range.upperBound, FieldScanner.isSpace(line[j]) { j += 1 }
                    guard j < range.upperBound else { return nil }
                    let quote = line[j]
                    if quote == 34 || quote == 39 {
                        var k = j + 1
                        while k < range.upperBound, line[k] != quote { k += 1 }
                        guard k < range.upperBound else { return nil }
                        return (j + 1)..<k
                    }
                    var k = j
                    while k < range.upperBound, !FieldScanner.isSpace(line[k]), line[k] != 62 { k += 1 }
                    return j..<k
                }
            }
            i += 1
        }
        return nil
    }

    /// `range` without leading and trailing whitespace.
    static func trimmed(_ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var a = range.lowerBound, b = range.upperBound
        while a < b, FieldScanner.isSpace(line[a]) { a += 1 }
        while b > a, FieldScanner.isSpace(line[b - 1]) { b -= 1 }
        return a..<b
    }

    static func string(_ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: line[range]), as: UTF8.self)
    }

    /// A short printable excerpt of a line for error messages.
    static func excerpt(_ line: UnsafeBufferPointer<UInt8>) -> String {
        let range = trimmed(line, 0..<line.count)
        let short = range.lowerBound..<min(range.upperBound, range.lowerBound + 60)
        let text = string(line, short)
        return short.upperBound < range.upperBound ? text + "…" : text
    }
}
