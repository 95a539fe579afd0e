import SBICore

/// Tokenizer and recursive-descent parser for `ObservableExpression`, with type checking.
///
/// ```
/// condition := conjunction ('or' conjunction)*          conjunction := negation ('and' negation)*
/// negation  := 'not' negation | sum (cmp sum)?         cmp := < <= > >= == !=
/// sum       := product (('+'|'-') product)*           product := unary (('*'|'/') unary)*
/// unary     := '-' unary | postfix                      postfix := primary ('.' property)*
/// primary   := number | '(' condition ')' | name '[' integer ']' | 'met' | name '(' arguments ')'
/// ```
/// Types: number, particle, condition. Errors carry the 1-based column of the offending token.
/// - References: [1] arXiv:1805.00020 (observables and cuts as expressions in MadMiner).
struct ExpressionParser {
    enum Kind: Equatable { case number, particle, condition }

    enum Token: Equatable {
        case number(Double)
        case name(String)
        case symbol(String)
        case end
    }

    let source: String
    private var tokens: [(token: Token, column: Int)] = []
    private var position = 0
    private var nodes: [ExpressionNode] = []
    private var tokenizeError: SBIError?

    init(_ source: String) {
        self.source = source
        do { tokens = try tokenize() } catch let error as SBIError { tokenizeError = error } catch {}
    }

    private func error(_ column: Int, _ message: String) -> SBIError {
        SBIError.data("column \(column): \(message)", column: column, field: "expression '\(source)'")
    }

    private func tokenize() throws -> [(token: Token, column: Int)] {
        let bytes = Array(source.utf8)
        var result: [(token: Token, column: Int)] = []
        var i = 0
        func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
        func isLetter(_ b: UInt8) -> Bool { (b | 32) >= 97 && (b | 32) <= 122 || b == 95 }
        while i < bytes.count {
            let b = bytes[i]
            let column = i + 1
            if b == 32 || b == 9 || b == 10 || b == 13 { i += 1; continue }
            if isDigit(b) || (b == 46 && i + 1 < bytes.count && isDigit(bytes[i + 1])) {
                var j = i
                while j < bytes.count, isDigit(bytes[j]) || bytes[j] == 46 { j += 1 }
                if j < bytes.count, bytes[j] | 32 == 101 {
                    var k = j + 1
                    if k < bytes.count, bytes[k] == 43 || bytes[k] == 45 { k += 1 }
                    if k < bytes.count, isDigit(bytes[k]) {
                        j = k
                        while j < bytes.count, isDigit(bytes[j]) { j += 1 }
                    }
                }
                let text = String(decoding: bytes[i..<j], as: UTF8.self)
                guard let value = Double(text), value.isFinite else {
                    throw error(column, "malformed number '\(text)'")
                }
                result.append((.number(value), column))
                i = j
                continue
            }
            if isLetter(b) {
                var j = i
                while j < bytes.count, isLetter(bytes[j]) || isDigit(bytes[j]) { j += 1 }
                result.append((.name(String(decoding: bytes[i..<j], as: UTF8.self)), column))
                i = j
                continue
            }
            let two = i + 1 < bytes.count ? String(decoding: bytes[i...(i + 1)], as: UTF8.self) : ""
            if ["<=", ">=", "==", "!=", "&&", "||"].contains(two) {
                result.append((.symbol(two), column))
                i += 2
                continue
            }
            let one = String(decoding: bytes[i...i], as: UTF8.self)
            guard "+-*/()[].,<>!".contains(one), b < 128 else {
                throw error(column, "unexpected character '\(String(decoding: bytes[i...i], as: UTF8.self))'")
            }
            result.append((.symbol(one), column))
            i += 1
        }
        result.append((.end, bytes.count + 1))
        return result
    }

    private var current: Token { tokens[position].token }
    private var column: Int { tokens[position].column }

    private func describe(_ token: Token) -> String {
        switch token {
        case .number(let x): return "number \(x)"
        case .name(let s): return "'\(s)'"
        case .symbol(let s): return "'\(s)'"
        case .end: return "the end of the expression"
        }
    }

    private mutating func expect(_ symbol: String) throws {
        guard current == .symbol(symbol) else {
            throw error(column, "expected '\(symbol)', found \(describe(current))")
        }
        position += 1
    }

    private mutating func add(_ node: ExpressionNode) -> Int {
        nodes.append(node)
        return nodes.count - 1
    }

    /// Parses the whole expression: a number (observable) or a condition (cut).
    mutating func parseTop() throws -> (nodes: [ExpressionNode], root: Int, isCondition: Bool) {
        if let tokenizeError { throw tokenizeError }
        guard current != .end else { throw error(1, "empty expression") }
        var (root, kind, startColumn) = try parseCondition()
        guard current == .end else {
            throw error(column, "unexpected \(describe(current)) after a complete expression")
        }
        if kind == .particle { root = try asNumber(root, kind, startColumn) ; kind = .number }
        return (nodes, root, kind == .condition)
    }

    /// A particle where a number is expected: `met` reads as its pT, anything else is an error.
    private mutating func asNumber(_ node: Int, _ kind: Kind, _ at: Int) throws -> Int {
        switch kind {
        case .number: return node
        case .particle:
            if case .met = nodes[node] { return add(.property(node, .pt)) }
            throw error(at, "a particle is not a number here; add a property such as .pt (one of \(ParticleProperty.allCases.map(\.rawValue).joined(separator: ", ")))")
        case .condition:
            throw error(at, "a comparison is not a number here")
        }
    }

    private func requireCondition(_ kind: Kind, _ at: Int, _ word: String) throws {
        guard kind == .condition else {
            throw error(at, "'\(word)' joins comparisons such as j[0].pt > 30; found a \(kind == .number ? "number" : "particle")")
        }
    }

    private mutating func parseCondition() throws -> (Int, Kind, Int) {
        var (left, kind, start) = try parseConjunction()
        while current == .name("or") || current == .symbol("||") {
            let at = column
            position += 1
            try requireCondition(kind, start, "or")
            let (right, rightKind, rightStart) = try parseConjunction()
            try requireCondition(rightKind, rightStart, "or")
            left = add(.or(left, right))
            kind = .condition
            _ = at
        }
        return (left, kind, start)
    }

    private mutating func parseConjunction() throws -> (Int, Kind, Int) {
        var (left, kind, start) = try parseNegation()
        while current == .name("and") || current == .symbol("&&") {
            position += 1
            try requireCondition(kind, start, "and")
            let (right, rightKind, rightStart) = try parseNegation()
            try requireCondition(rightKind, rightStart, "and")
            left = add(.and(left, right))
            kind = .condition
        }
        return (left, kind, start)
    }

    private mutating func parseNegation() throws -> (Int, Kind, Int) {
        if current == .name("not") || current == .symbol("!") {
            let at = column
            position += 1
            let (inner, kind, innerStart) = try parseNegation()
            try requireCondition(kind, innerStart, "not")
            return (add(.not(inner)), .condition, at)
        }
        let (left, kind, start) = try parseSum()
        let comparisons: [String: ComparisonOperator] = ["<": .less, "<=": .lessEqual, ">": .greater,
                                                         ">=": .greaterEqual, "==": .equal, "!=": .notEqual]
        guard case .symbol(let s) = current, let op = comparisons[s] else { return (left, kind, start) }
        position += 1
        let a = try asNumber(left, kind, start)
        let rightStart = column
        let (right, rightKind, _) = try parseSum()
        let b = try asNumber(right, rightKind, rightStart)
        return (add(.compare(op, a, b)), .condition, start)
    }

    private mutating func parseSum() throws -> (Int, Kind, Int) {
        var (left, kind, start) = try parseProduct()
        while current == .symbol("+") || current == .symbol("-") {
            let plus = current == .symbol("+")
            let at = column
            position += 1
            let rightStart = column
            let (right, rightKind, _) = try parseProduct()
            if kind == .particle, rightKind == .particle {
                left = add(plus ? .vectorSum(left, right) : .vectorDifference(left, right))
            } else if kind == .particle && !isMet(left) || rightKind == .particle && !isMet(right) {
                throw error(at, "cannot \(plus ? "add" : "subtract") a particle and a number; use a property such as .pt on the particle")
            } else {
                let a = try asNumber(left, kind, start), b = try asNumber(right, rightKind, rightStart)
                left = add(.arithmetic(plus ? .add : .subtract, a, b))
                kind = .number
            }
        }
        return (left, kind, start)
    }

    private func isMet(_ node: Int) -> Bool {
        if case .met = nodes[node] { return true }
        return false
    }

    private mutating func parseProduct() throws -> (Int, Kind, Int) {
        var (left, kind, start) = try parseUnary()
        while current == .symbol("*") || current == .symbol("/") {
            let times = current == .symbol("*")
            position += 1
            let rightStart = column
            let (right, rightKind, _) = try parseUnary()
            let a = try asNumber(left, kind, start), b = try asNumber(right, rightKind, rightStart)
            left = add(.arithmetic(times ? .multiply : .divide, a, b))
            kind = .number
        }
        return (left, kind, start)
    }

    private mutating func parseUnary() throws -> (Int, Kind, Int) {
        if current == .symbol("-") {
            let at = column
            position += 1
            let innerStart = column
            let (inner, kind, _) = try parseUnary()
            return (add(.negate(try asNumber(inner, kind, innerStart))), .number, at)
        }
        if current == .symbol("+") { position += 1 }
        return try parsePostfix()
    }

    private mutating func parsePostfix() throws -> (Int, Kind, Int) {
        var (node, kind, start) = try parsePrimary()
        while current == .symbol(".") {
            position += 1
            let at = column
            let names = ParticleProperty.allCases.map(\.rawValue).joined(separator: ", ")
            guard case .name(let name) = current else {
                throw error(at, "expected a property after '.'; one of \(names)")
            }
            guard let property = ParticleProperty(rawValue: name) else {
                throw error(at, "unknown property '\(name)'; expected one of \(names)")
            }
            guard kind == .particle else {
                throw error(at, "property '.\(name)' needs a particle such as j[0] or (a[0] + a[1])")
            }
            position += 1
            node = add(.property(node, property))
            kind = .number
        }
        return (node, kind, start)
    }

    private mutating func parsePrimary() throws -> (Int, Kind, Int) {
        let at = column
        switch current {
        case .number(let x):
            position += 1
            return (add(.number(x)), .number, at)
        case .symbol("("):
            position += 1
            let (inner, kind, _) = try parseCondition()
            try expect(")")
            return (inner, kind, at)
        case .name(let name):
            position += 1
            if name == "met" { return (add(.met), .particle, at) }
            if current == .symbol("[") {
                guard let collection = ParticleCollection(rawValue: name) else {
                    throw error(at, "unknown collection '\(name)'; expected one of \(collectionNames)")
                }
                position += 1
                let indexColumn = column
                guard case .number(let x) = current, x >= 0, x == x.rounded(), x < 1000 else {
                    throw error(indexColumn, "expected an index 0, 1, 2, … inside '\(name)[…]', found \(describe(current))")
                }
                position += 1
                try expect("]")
                return (add(.object(collection, Int(x))), .particle, at)
            }
            if current == .symbol("(") {
                return try parseCall(name, at)
            }
            if ParticleCollection(rawValue: name) != nil {
                throw error(column, "expected '[' after collection '\(name)' (as in \(name)[0])")
            }
            throw error(at, "unknown name '\(name)'; expected a collection (\(collectionNames)) or a function (\(functionNames))")
        default:
            throw error(at, "expected a number, a particle such as j[0], met, a function or '(', found \(describe(current))")
        }
    }

    private var collectionNames: String {
        (ParticleCollection.allCases.map(\.rawValue) + ["met"]).joined(separator: ", ")
    }

    private var functionNames: String {
        (PairFunction.allCases.map(\.rawValue) + UnaryFunction.allCases.map(\.rawValue)
            + BinaryFunction.allCases.map(\.rawValue) + ["count"]).joined(separator: ", ")
    }

    private mutating func parseCall(_ name: String, _ at: Int) throws -> (Int, Kind, Int) {
        position += 1  // '('
        if name == "count" {
            let argumentColumn = column
            guard case .name(let c) = current, let collection = ParticleCollection(rawValue: c) else {
                throw error(argumentColumn, "count(…) takes a collection name, one of \(ParticleCollection.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            position += 1
            try expect(")")
            return (add(.count(collection)), .number, at)
        }
        var arguments: [(Int, Kind, Int)] = []
        if current != .symbol(")") {
            while true {
                arguments.append(try parseCondition())
                if current == .symbol(",") { position += 1; continue }
                break
            }
        }
        try expect(")")
        func arity(_ n: Int) throws {
            guard arguments.count == n else {
                throw error(at, "\(name)(…) takes \(n) argument\(n == 1 ? "" : "s"), found \(arguments.count)")
            }
        }
        if let f = PairFunction(rawValue: name) {
            try arity(2)
            for (_, kind, column) in arguments where kind != .particle {
                throw error(column, "\(name)(…) takes two particles such as j[0], j[1]")
            }
            return (add(.pair(f, arguments[0].0, arguments[1].0)), .number, at)
        }
        if let f = UnaryFunction(rawValue: name) {
            try arity(1)
            let a = try asNumber(arguments[0].0, arguments[0].1, arguments[0].2)
            return (add(.unary(f, a)), .number, at)
        }
        if let f = BinaryFunction(rawValue: name) {
            try arity(2)
            let a = try asNumber(arguments[0].0, arguments[0].1, arguments[0].2)
            let b = try asNumber(arguments[1].0, arguments[1].1, arguments[1].2)
            return (add(.binary(f, a, b)), .number, at)
        }
        throw error(at, "unknown function '\(name)'; expected one of \(functionNames)")
    }
}
