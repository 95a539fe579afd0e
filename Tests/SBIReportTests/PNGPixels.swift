import CZlib
import Foundation

/// The RGB pixels of an 8-bit PNG (colour type 2 or 6, not interlaced), as a browser's screenshot
/// writes it: chunks, zlib-compressed scanlines, per-line filters None, Sub, Up, Average, Paeth
/// (PNG specification, W3C 2003, §9 and §11.2.2). Only for checking screenshots in tests.
struct PNGPixels {
    let width: Int
    let height: Int
    /// RGB, row-major, 3 bytes per pixel.
    let rgb: [UInt8]

    struct Malformed: Error, CustomStringConvertible { let description: String }

    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw Malformed(description: "cannot read \(path)") }
        let bytes = [UInt8](data)
        guard bytes.count > 8, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { throw Malformed(description: "\(path) is not a PNG") }
        func u32(_ i: Int) -> Int { Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]) }
        var pos = 8, compressed: [UInt8] = [], w = 0, h = 0, channels = 0
        while pos + 8 <= bytes.count {
            let length = u32(pos), kind = String(decoding: bytes[(pos + 4)..<(pos + 8)], as: UTF8.self)
            guard pos + 12 + length <= bytes.count else { throw Malformed(description: "truncated chunk \(kind)") }
            let body = pos + 8
            if kind == "IHDR" {
                (w, h) = (u32(body), u32(body + 4))
                guard bytes[body + 8] == 8, [2, 6].contains(bytes[body + 9]), bytes[body + 12] == 0 else {
                    throw Malformed(description: "depth \(bytes[body + 8]), colour type \(bytes[body + 9]), interlace \(bytes[body + 12])")
                }
                channels = bytes[body + 9] == 2 ? 3 : 4
            } else if kind == "IDAT" {
                compressed += bytes[body..<(body + length)]
            }
            pos += 12 + length
        }
        let stride = w * channels
        var raw = [UInt8](repeating: 0, count: h * (stride + 1))
        var size = uLongf(raw.count)
        let status = raw.withUnsafeMutableBufferPointer { out in
            compressed.withUnsafeBufferPointer { uncompress(out.baseAddress, &size, $0.baseAddress, uLong($0.count)) }
        }
        guard status == Z_OK, Int(size) == raw.count else { throw Malformed(description: "zlib status \(status), \(size) of \(raw.count) bytes") }
        var image = [UInt8](repeating: 0, count: h * stride)
        for y in 0..<h {
            let filter = raw[y * (stride + 1)], line = y * (stride + 1) + 1, row = y * stride
            for i in 0..<stride {
                let a = i >= channels ? Int(image[row + i - channels]) : 0
                let b = y > 0 ? Int(image[row - stride + i]) : 0
                let c = (i >= channels && y > 0) ? Int(image[row - stride + i - channels]) : 0
                let predictor: Int
                switch filter {
                case 0: predictor = 0
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                case 4:
                    let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                default: throw Malformed(description: "filter \(filter) on line \(y)")
                }
                image[row + i] = UInt8((Int(raw[line + i]) + predictor) & 255)
            }
        }
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        for p in 0..<(w * h) { for k in 0..<3 { rgb[3 * p + k] = image[p * channels + k] } }
        (width, height, self.rgb) = (w, h, rgb)
    }

    /// Pixels within `tolerance` (sum of |Δ| over R, G, B) of `colour`.
    func count(near colour: (Int, Int, Int), tolerance: Int = 30) -> Int {
        var n = 0
        for p in 0..<(width * height) {
            let d = abs(Int(rgb[3 * p]) - colour.0) + abs(Int(rgb[3 * p + 1]) - colour.1) + abs(Int(rgb[3 * p + 2]) - colour.2)
            if d < tolerance { n += 1 }
        }
        return n
    }
}
