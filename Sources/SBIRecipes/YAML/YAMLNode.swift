/// One node of a parsed YAML document: a scalar, a sequence or a mapping, with the 1-based
/// line and column where it starts.
///
/// ```
/// node    = scalar(text, style) | sequence([node]) | mapping([(key, keyLine, keyColumn, node)])
/// ```
/// Scalars keep their text and style: a quoted `"1"` stays the string "1"; only plain scalars
/// are read as numbers, booleans or null by the recipe decoder. Mapping entries keep the order
/// of the file and the position of each key (for "unknown key" errors).
///
/// [1] YAML 1.2 specification, §3.2.1 (representation graph), §10.3 (core schema).
public struct YAMLNode: Sendable, Equatable {
    /// How a scalar was written.
    public enum ScalarStyle: String, Sendable, Equatable {
        /// Unquoted: may be a number, boolean or null.
        case plain
        /// `'…'`.
        case singleQuoted
        /// `"…"`.
        case doubleQuoted
        /// `|` block.
        case literal
        /// `>` block.
        case folded

        /// Whether the scalar was written unquoted (only those are numbers, booleans or null).
        public var isPlain: Bool { self == .plain }
    }

    /// One `key: value` entry of a mapping.
    public struct Entry: Sendable, Equatable {
        /// The key's text.
        public var key: String
        /// 1-based line of the key.
        public var keyLine: Int
        /// 1-based column of the key.
        public var keyColumn: Int
        /// The value.
        public var value: YAMLNode
    }

    /// The content of a node.
    public enum Value: Sendable, Equatable {
        case scalar(String, ScalarStyle)
        case sequence([YAMLNode])
        case mapping([Entry])
    }

    /// The content.
    public var value: Value
    /// 1-based line where the node starts.
    public var line: Int
    /// 1-based column where the node starts.
    public var column: Int

    /// A node at `line`:`column`.
    public init(_ value: Value, line: Int, column: Int) {
        self.value = value
        self.line = line
        self.column = column
    }

    /// The text of a scalar, nil for a collection.
    public var scalarText: String? {
        if case .scalar(let text, _) = value { return text }
        return nil
    }

    /// Whether this is a plain scalar that YAML's core schema reads as null (`~`, `null`, empty).
    public var isNull: Bool {
        guard case .scalar(let text, let style) = value, style == .plain else { return false }
        return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
    }

    /// The entries of a mapping, nil otherwise.
    public var entries: [Entry]? {
        if case .mapping(let entries) = value { return entries }
        return nil
    }

    /// The elements of a sequence, nil otherwise.
    public var elements: [YAMLNode]? {
        if case .sequence(let elements) = value { return elements }
        return nil
    }

    /// The value under `key` of a mapping (first occurrence).
    public subscript(key: String) -> YAMLNode? {
        entries?.first { $0.key == key }?.value
    }

    /// Words for error messages: "a mapping", "a sequence", "the string \"x\"", "null", "x".
    public var kindDescription: String {
        switch value {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let text, let style):
            if isNull { return "nothing (null)" }
            return style.isPlain ? "\(text)" : "the string \"\(text)\""
        }
    }
}
