import CYAML
import SBICore

/// Reads one YAML document into a `YAMLNode` tree with libyaml's event parser, keeping the
/// 1-based line and column of every node and key.
///
/// ```
/// events:  STREAM-START DOCUMENT-START (SCALAR | ALIAS | SEQUENCE-START … | MAPPING-START …) DOCUMENT-END STREAM-END
/// size(scalar) = 1,  size(collection) = 1 + Σ size(children)   (an alias counts its anchor's full size)
/// ```
/// Stricter than libyaml on purpose:
/// - a key given twice in one mapping is a problem (libyaml accepts it; the first value is kept);
/// - aliases are expanded by sharing, but the expanded size may not exceed `maximumNodes`, so a
///   "billion laughs" document fails after a few events instead of exhausting memory;
/// - nesting deeper than `maximumDepth`, more than one document, complex keys and tags outside
///   YAML's core schema are refused.
/// libyaml's own syntax errors are reported with the file, line and column it gives.
///
/// - Complexity: O(number of events); aliases cost O(1) each.
/// [1] YAML 1.2 specification §7–9; libyaml's `yaml_parser_parse`.
public struct YAMLReader: Sendable {
    /// The largest accepted expanded node count (a recipe has a few hundred nodes).
    public var maximumNodes = 100_000
    /// The deepest accepted nesting of collections.
    public var maximumDepth = 64
    /// The largest accepted input in bytes (1 MiB).
    public var maximumBytes = 1 << 20

    /// A reader with the default limits.
    public init() {}

    /// The result of reading: the root node (nil for an empty document) and the non-fatal
    /// problems found on the way (duplicate keys), each located in `file`.
    public struct Document: Sendable {
        /// The document's root, nil when the file holds no document.
        public var root: YAMLNode?
        /// Duplicate keys, in file order.
        public var problems: [SBIError]
    }

    /// Parses `text` as one YAML document; `file` names it in errors.
    /// - Throws: `SBIError.data` with file, line and column for a syntax error, an alias
    ///   expansion beyond `maximumNodes`, nesting beyond `maximumDepth`, a second document,
    ///   a complex key or an unsupported tag.
    public func read(_ text: String, file: String) throws -> Document {
        try read(bytes: Array(text.utf8), file: file)
    }

    /// Parses UTF-8 `bytes` as one YAML document (invalid UTF-8 is reported with its position).
    /// - Throws: as `read(_:file:)`.
    public func read(bytes: [UInt8], file: String) throws -> Document {
        guard bytes.count <= maximumBytes else {
            throw SBIError.data("the file is \(bytes.count) bytes; a recipe may have at most \(maximumBytes)", file: file)
        }
        return try bytes.withUnsafeBufferPointer { buffer in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) != 0 else {
                throw SBIError(.internal, file: file, "libyaml could not allocate a parser")
            }
            defer { yaml_parser_delete(&parser) }
            if let base = buffer.baseAddress, buffer.count > 0 {
                yaml_parser_set_input_string(&parser, base, buffer.count)
            } else {
                return Document(root: nil, problems: [])
            }
            var builder = TreeBuilder(file: file, maximumNodes: maximumNodes, maximumDepth: maximumDepth)
            var documents = 0
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) != 0 else {
                    throw YAMLReader.syntaxError(&parser, bytes: buffer, file: file)
                }
                defer { yaml_event_delete(&event) }
                let line = Int(event.start_mark.line) + 1, column = Int(event.start_mark.column) + 1
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return Document(root: builder.root, problems: builder.problems)
                case YAML_DOCUMENT_START_EVENT:
                    documents += 1
                    if documents > 1 {
                        throw SBIError.data("a second YAML document starts here; a recipe is one document (remove the '---' line and what follows)",
                                            file: file, line: line, column: column)
                    }
                case YAML_SCALAR_EVENT:
                    let s = event.data.scalar
                    let value = YAMLReader.string(s.value, length: s.length)
                    var style: YAMLNode.ScalarStyle
                    switch s.style {
                    case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
                    case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
                    case YAML_LITERAL_SCALAR_STYLE: style = .literal
                    case YAML_FOLDED_SCALAR_STYLE: style = .folded
                    default: style = .plain
                    }
                    if let tag = YAMLReader.optionalString(s.tag) {
                        switch tag {
                        case "tag:yaml.org,2002:str": style = style == .plain ? .doubleQuoted : style
                        case "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
                             "tag:yaml.org,2002:null", "!":
                            break
                        default: throw YAMLReader.unsupportedTag(tag, file: file, line: line, column: column)
                        }
                    }
                    try builder.add(YAMLNode(.scalar(value, style), line: line, column: column), size: 1,
                                    anchor: YAMLReader.optionalString(s.anchor))
                case YAML_ALIAS_EVENT:
                    let name = YAMLReader.optionalString(event.data.alias.anchor) ?? ""
                    try builder.alias(name, line: line, column: column)
                case YAML_SEQUENCE_START_EVENT:
                    if let tag = YAMLReader.optionalString(event.data.sequence_start.tag), tag != "tag:yaml.org,2002:seq" {
                        throw YAMLReader.unsupportedTag(tag, file: file, line: line, column: column)
                    }
                    try builder.open(mapping: false, line: line, column: column,
                                     anchor: YAMLReader.optionalString(event.data.sequence_start.anchor))
                case YAML_MAPPING_START_EVENT:
                    if let tag = YAMLReader.optionalString(event.data.mapping_start.tag), tag != "tag:yaml.org,2002:map" {
                        throw YAMLReader.unsupportedTag(tag, file: file, line: line, column: column)
                    }
                    try builder.open(mapping: true, line: line, column: column,
                                     anchor: YAMLReader.optionalString(event.data.mapping_start.anchor))
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    try builder.close()
                default:
                    break
                }
            }
        }
    }

    static func unsupportedTag(_ tag: String, file: String, line: Int, column: Int) -> SBIError {
        SBIError.data("unsupported YAML tag \"\(tag)\"; recipes use plain values (only !!str, !!int, !!float, !!bool, !!null, !!seq, !!map)",
                      file: file, line: line, column: column)
    }

    static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, length: Int) -> String {
        guard let pointer else { return "" }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    static func optionalString(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    /// libyaml's error as `file:line:column: YAML syntax error: problem (context)`.
    static func syntaxError(_ parser: inout yaml_parser_t, bytes: UnsafeBufferPointer<UInt8>, file: String) -> SBIError {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
        var line = Int(parser.problem_mark.line) + 1
        var column = Int(parser.problem_mark.column) + 1
        if parser.error == YAML_READER_ERROR {
            // The reader reports a byte offset, not a mark: count lines and characters up to it.
            line = 1; column = 1
            let end = min(Int(parser.problem_offset), bytes.count)
            for i in 0..<end {
                if bytes[i] == 0x0A { line += 1; column = 1 } else if bytes[i] & 0xC0 != 0x80 { column += 1 }
            }
            return SBIError.data("the file is not valid UTF-8 text (\(problem))", file: file, line: line, column: column)
        }
        var message = "YAML syntax error: \(problem)"
        if let context = parser.context.map({ String(cString: $0) }) {
            message += " (\(context) at line \(Int(parser.context_mark.line) + 1), column \(Int(parser.context_mark.column) + 1))"
        }
        return SBIError.data(message, file: file, line: line, column: column)
    }
}

/// Builds the node tree from events with an explicit stack (no recursion on user input).
private struct TreeBuilder {
    struct Frame {
        var isMapping: Bool
        var line: Int
        var column: Int
        var anchor: String?
        var path: String
        var size = 1
        var items: [YAMLNode] = []
        var entries: [YAMLNode.Entry] = []
        var pendingKey: (key: String, line: Int, column: Int, discard: Bool)?
        var firstSeen: [String: (line: Int, column: Int)] = [:]
    }

    let file: String
    let maximumNodes: Int
    let maximumDepth: Int
    var stack: [Frame] = []
    var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    var root: YAMLNode?
    var problems: [SBIError] = []

    init(file: String, maximumNodes: Int, maximumDepth: Int) {
        self.file = file
        self.maximumNodes = maximumNodes
        self.maximumDepth = maximumDepth
    }

    /// The key path of the next child of the innermost collection.
    var childPath: String {
        guard let top = stack.last else { return "" }
        if top.isMapping {
            let key = top.pendingKey?.key ?? ""
            return top.path.isEmpty ? key : top.path + "." + key
        }
        return top.path + "[\(top.items.count)]"
    }

    /// Whether the next node is a key of the innermost mapping.
    var expectsKey: Bool {
        guard let top = stack.last else { return false }
        return top.isMapping && top.pendingKey == nil
    }

    mutating func open(mapping: Bool, line: Int, column: Int, anchor: String?) throws {
        if expectsKey {
            throw SBIError.data("a \(mapping ? "mapping" : "list") cannot be a key; keys are plain names",
                                file: file, line: line, column: column, field: stack.last!.path.isEmpty ? nil : stack.last!.path)
        }
        guard stack.count < maximumDepth else {
            throw SBIError.data("collections are nested more than \(maximumDepth) deep", file: file, line: line, column: column)
        }
        stack.append(Frame(isMapping: mapping, line: line, column: column, anchor: anchor, path: childPath))
    }

    mutating func close() throws {
        guard let frame = stack.popLast() else { return }
        let node = frame.isMapping
            ? YAMLNode(.mapping(frame.entries), line: frame.line, column: frame.column)
            : YAMLNode(.sequence(frame.items), line: frame.line, column: frame.column)
        try attach(node, size: frame.size, anchor: frame.anchor)
    }

    mutating func add(_ node: YAMLNode, size: Int, anchor: String?) throws {
        if expectsKey {
            let key = node.scalarText ?? ""
            let top = stack.count - 1
            var discard = false
            if let first = stack[top].firstSeen[key] {
                let path = stack[top].path.isEmpty ? key : stack[top].path + "." + key
                problems.append(SBIError.data("duplicate key \"\(key)\"; it is already given at line \(first.line), column \(first.column)",
                                              file: file, line: node.line, column: node.column, field: path))
                discard = true
            } else {
                stack[top].firstSeen[key] = (node.line, node.column)
            }
            stack[top].pendingKey = (key, node.line, node.column, discard)
            if let anchor { anchors[anchor] = (node, 1) }
            return
        }
        try attach(node, size: size, anchor: anchor)
    }

    mutating func alias(_ name: String, line: Int, column: Int) throws {
        guard let target = anchors[name] else {
            throw SBIError.data("alias *\(name) refers to no anchor &\(name) defined before it", file: file, line: line, column: column)
        }
        if expectsKey {
            throw SBIError.data("an alias cannot be a key; keys are plain names", file: file, line: line, column: column)
        }
        var node = target.node
        node.line = line
        node.column = column
        try attach(node, size: target.size, anchor: nil)
    }

    private mutating func attach(_ node: YAMLNode, size: Int, anchor: String?) throws {
        if let anchor { anchors[anchor] = (node, size) }
        guard !stack.isEmpty else {
            if size > maximumNodes { throw tooLarge(node) }
            root = node
            return
        }
        let top = stack.count - 1
        stack[top].size += size
        if stack[top].size > maximumNodes { throw tooLarge(node) }
        if stack[top].isMapping {
            guard let key = stack[top].pendingKey else { return }
            if !key.discard {
                stack[top].entries.append(YAMLNode.Entry(key: key.key, keyLine: key.line, keyColumn: key.column, value: node))
            }
            stack[top].pendingKey = nil
        } else {
            stack[top].items.append(node)
        }
    }

    private func tooLarge(_ node: YAMLNode) -> SBIError {
        SBIError.data("anchors and aliases expand to more than \(maximumNodes) nodes; a recipe needs far fewer (is this an alias bomb?)",
                      file: file, line: node.line, column: node.column)
    }
}
