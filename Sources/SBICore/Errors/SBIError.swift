/// The one error type for bad user or file input across sbi.
///
/// It carries where the problem is (a file, a line and column, a field or key
/// path such as `estimators[0].method`, or a record such as an event number)
/// and a message saying what was found and what was expected. The command-line
/// tool renders every error the same way:
///
/// ```
/// recipe.yaml:14:7: estimators[0].method: unknown "alicse"; expected one of carl, alices
/// ```
///
/// Programmer mistakes (wrong shapes passed between our own functions) are
/// `precondition`s instead; anything a user can reach throws this.
public struct SBIError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What kind of failure this is; the CLI maps it to an exit code.
    public enum Kind: String, Sendable, Equatable {
        /// Wrong command-line usage (unknown command or option, missing argument). Exit 2.
        case usage
        /// Bad input data or configuration (malformed file, wrong shape, NaN, unknown name). Exit 1.
        case data
        /// The file system refused (missing file, permission, disk full). Exit 1.
        case io
        /// A numerical routine failed (GSL status, singular matrix, non-finite result). Exit 1.
        case numerical
        /// An internal inconsistency that is a bug in sbi. Exit 70.
        case `internal`
    }

    public var kind: Kind
    /// The file the problem is in, as the user named it.
    public var file: String?
    /// 1-based line in `file`, when known.
    public var line: Int?
    /// 1-based column in `file`, when known.
    public var column: Int?
    /// The field, key path, option or record the problem concerns (`shape`, `--seed`, `event 17`).
    public var field: String?
    /// What is wrong and what was expected.
    public var message: String

    public init(_ kind: Kind, file: String? = nil, line: Int? = nil, column: Int? = nil,
                field: String? = nil, _ message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    /// Bad input data or configuration.
    public static func data(_ message: String, file: String? = nil, line: Int? = nil,
                            column: Int? = nil, field: String? = nil) -> SBIError {
        SBIError(.data, file: file, line: line, column: column, field: field, message)
    }

    /// Wrong command-line usage.
    public static func usage(_ message: String, field: String? = nil) -> SBIError {
        SBIError(.usage, field: field, message)
    }

    /// A file-system failure.
    public static func io(_ message: String, file: String? = nil) -> SBIError {
        SBIError(.io, file: file, message)
    }

    /// A numerical failure.
    public static func numerical(_ message: String, field: String? = nil) -> SBIError {
        SBIError(.numerical, field: field, message)
    }

    /// The same error located in `file` (kept if it already names one).
    public func inFile(_ path: String) -> SBIError {
        var copy = self
        if copy.file == nil { copy.file = path }
        return copy
    }

    /// `file:line:column: field: message`, leaving out the parts that are unknown.
    public var description: String {
        var location = ""
        if let file {
            location = file
            if let line {
                location += ":\(line)"
                if let column { location += ":\(column)" }
            }
        }
        var parts: [String] = []
        if !location.isEmpty { parts.append(location) }
        if let field { parts.append(field) }
        parts.append(message)
        return parts.joined(separator: ": ")
    }

    /// Process exit code for this kind: usage 2, internal 70, everything else 1.
    public var exitCode: Int32 {
        switch kind {
        case .usage: return 2
        case .internal: return 70
        case .data, .io, .numerical: return 1
        }
    }
}
