import Foundation

/// The JSON of sbi's result files (coverage.json, calibration.json, neyman.json): keys sorted and in
/// snake_case, indented, non-finite numbers as the strings "inf", "-inf" and "nan", a final newline.
public enum ResultJSON {
    /// The bytes of `value`.
    public static func bytes(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return Array((try? encoder.encode(value)) ?? Data()) + [0x0a]
    }

    /// A decoder for those files (snake_case keys, the same non-finite strings).
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }
}
