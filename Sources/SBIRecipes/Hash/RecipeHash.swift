import Foundation

/// Canonical hashes of recipe values for stage caching.
///
/// ```
/// hash(v) = hex(SHA-256(canonical(v))),   canonical(v) = JSON of v with sorted keys, no whitespace
/// ```
/// Values are hashed after validation, so defaults are filled in: a recipe that spells out a
/// default has the same hash as one that leaves it out. Doubles are written in the shortest
/// form that reads back to the same value. A stage hashes the sections it depends on
/// (`RecipeHash.hex(of: recipe.samples)`); `Recipe.canonicalHash` covers everything.
/// [1] NIST FIPS 180-4 (SHA-256).
public enum RecipeHash {
    /// The canonical serialisation of `value`.
    public static func canonicalBytes<T: Encodable>(of value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        // Encoding plain structs, enums and arrays of numbers and strings cannot fail.
        guard let data = try? encoder.encode(value) else { return [] }
        return Array(data)
    }

    /// Lowercase hex SHA-256 of the canonical serialisation of `value`.
    public static func hex<T: Encodable>(of value: T) -> String {
        SHA256.hex(canonicalBytes(of: value))
    }
}
