import SBICore

/// Checks of user input shared by the built-in simulators: event counts, θ and
/// latent/observable matrices. Every failure is an `SBIError.data` naming the field.
enum SimulatorInput {
    /// Throws unless `count` ≥ 1.
    static func checkCount(_ count: Int, field: String = "count") throws {
        guard count > 0 else {
            throw SBIError.data("number of events must be at least 1, got \(count)", field: field)
        }
    }

    /// Throws unless `matrix` has `columns` columns (named `names`) and only finite entries.
    static func checkMatrix(_ matrix: Matrix<Double>, columns: Int, names: [String], field: String) throws {
        guard matrix.columns == columns else {
            throw SBIError.data("expected \(columns) columns (\(names.joined(separator: ", "))), got \(matrix.columns)",
                                field: field)
        }
        let bad: Int? = matrix.withUnsafeBufferPointer { p in
            for i in 0..<p.count where !p[i].isFinite { return i }
            return nil
        }
        if let bad {
            throw SBIError.data("\(names[bad % columns]) = \(matrix.storage[bad]) is not a finite number",
                                field: "\(field)[\(bad / columns)]")
        }
    }
}
