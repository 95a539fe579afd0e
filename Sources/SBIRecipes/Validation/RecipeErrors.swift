import SBICore

/// Every problem found in one recipe, in file order (line, then column).
///
/// ```
/// recipe.yaml:14:7: estimators[0].method: unknown "alicse"; expected one of carl, rolr, …
/// ```
/// One line per problem (`SBIError.description`); `exitCode` is 1 (bad input data).
public struct RecipeErrors: Error, CustomStringConvertible, Equatable, Sendable {
    /// The problems, sorted by position.
    public var errors: [SBIError]

    /// Problems sorted by line and column (stable for equal positions).
    public init(_ errors: [SBIError]) {
        self.errors = errors.enumerated().sorted { a, b in
            let la = (a.element.line ?? 0, a.element.column ?? 0), lb = (b.element.line ?? 0, b.element.column ?? 0)
            return la != lb ? la < lb : a.offset < b.offset
        }.map(\.element)
    }

    /// One problem per line.
    public var description: String { errors.map(\.description).joined(separator: "\n") }

    /// The process exit code: 1.
    public var exitCode: Int32 { 1 }
}
