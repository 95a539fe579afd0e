#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SBICore

/// Training samples, column by column, read from `.npy` files through memory maps (or held in memory).
///
/// Files follow MadMiner's `SampleAugmenter` names, `<stem>_<suffix>.npy`:
/// ```
/// x_train.npy       [n, nObservables]        (rank 1: one observable)
/// theta0_train.npy  [n, nParameters]         (rank 1: one parameter)
/// theta1_train.npy  [n, nParameters]         (doubly parameterised methods)
/// y_train.npy       [n] or [n, 1]            0: x from θ0, 1: x from θ1
/// r_xz_train.npy    [n] or [n, 1]            joint likelihood ratio r(x,z|θ0,θ1)
/// t_xz_train.npy    [n, nParameters]         joint score t(x,z|θ0)
/// ```
/// Any accepted NPY dtype is converted to Float32 as rows are read. Opening checks
/// that every file exists, has a usable shape and the same row count, and scans
/// every value once (in chunks, constant memory) for NaN and ±∞, so bad input
/// fails before training starts with an error naming the file, row and column.
/// Only pages the trainer touches are read from disk, so the sample count is
/// limited by disk, not memory.
///
/// [1] Brehmer, Kling, Espejo & Cranmer, arXiv:1907.10621 (MadMiner's sample files);
/// [2] arXiv:1805.12244 (the quantities).
public final class TrainingDataset {
    /// A column of training data, named as in `TrainingBatch`.
    public enum Field: String, CaseIterable, Codable, Sendable {
        case x, theta, theta1, y, rXZ, tXZ

        /// MadMiner's file stem for this field (`theta0` for `theta`, `r_xz` for `rXZ`).
        public var fileStem: String {
            switch self {
            case .x: return "x"
            case .theta: return "theta0"
            case .theta1: return "theta1"
            case .y: return "y"
            case .rXZ: return "r_xz"
            case .tXZ: return "t_xz"
            }
        }

        /// True for fields holding one number per sample (`y`, `rXZ`).
        var isScalar: Bool { self == .y || self == .rXZ }
    }

    enum Storage {
        case mapped(NPYMappedFile)
        case memory([Float])
    }

    struct Column {
        let field: Field
        let width: Int
        let storage: Storage
        /// The file name for error messages (or `<field> (in memory)`).
        let source: String
    }

    /// Number of samples (rows).
    public let count: Int
    let columns: [Column]

    /// The fields present, in `Field.allCases` order.
    public var fields: [Field] { columns.map(\.field) }

    /// Values per sample of `field` (nil when absent).
    public func width(of field: Field) -> Int? { column(field)?.width }

    /// The file (or in-memory label) `field` comes from.
    public func source(of field: Field) -> String? { column(field)?.source }

    func column(_ field: Field) -> Column? { columns.first { $0.field == field } }

    /// Opens `<folder>/<stem>_<suffix>.npy` for each of `fields` (MadMiner's names).
    /// - Throws: `SBIError.io` naming a missing or unreadable file; `SBIError.data` naming the
    ///   file for a bad shape, a row count different from the first file's, or a non-finite value.
    public convenience init(folder: String, suffix: String = "train", fields: [Field]) throws {
        var files: [Field: String] = [:]
        let prefix = folder.isEmpty ? "" : (folder.hasSuffix("/") ? folder : folder + "/")
        for field in fields { files[field] = prefix + field.fileStem + "_" + suffix + ".npy" }
        try self.init(files: files)
    }

    /// The validation split that augmentation wrote next to the training split,
    /// `<folder>/<stem>_validation.npy` for each of `fields`, or nil when `folder` has no
    /// `x_validation.npy`. Training on a sample folder uses it instead of re-splitting the training
    /// split, as MadMiner's trainers do with their `x_val` files.
    /// - Throws: as `init(folder:suffix:fields:)` (e.g. a missing `theta0_validation.npy` when
    ///   `x_validation.npy` exists).
    public static func validationSplit(folder: String, fields: [Field]) throws -> TrainingDataset? {
        let prefix = folder.isEmpty ? "" : (folder.hasSuffix("/") ? folder : folder + "/")
        guard access(prefix + Field.x.fileStem + "_validation.npy", F_OK) == 0 else { return nil }
        return try TrainingDataset(folder: folder, suffix: "validation", fields: fields)
    }

    /// Opens one `.npy` file per field.
    /// - Throws: as `init(folder:suffix:fields:)`.
    public init(files: [Field: String]) throws {
        guard files[.x] != nil else {
            throw SBIError.data("training data needs observables x; no file given for field x", field: "x")
        }
        var columns: [Column] = []
        var rows: Int? = nil
        var firstSource = ""
        for field in Field.allCases {
            guard let path = files[field] else { continue }
            guard access(path, F_OK) == 0 else {
                throw SBIError.io("missing training file; expected the \(field.rawValue) samples (\(field.fileStem)) here",
                                  file: path)
            }
            let file = try NPYMappedFile(path: path)
            let shape = file.header.shape
            let width: Int
            switch shape.count {
            case 1: width = 1
            case 2:
                width = shape[1]
                if field.isScalar && width != 1 {
                    throw SBIError.data("shape \(shape) for \(field.rawValue); expected [n] or [n, 1]",
                                        file: path, field: "shape")
                }
            default:
                throw SBIError.data("shape \(shape) has rank \(shape.count); expected [n] or [n, k]",
                                    file: path, field: "shape")
            }
            guard width > 0 else {
                throw SBIError.data("shape \(shape) has no columns", file: path, field: "shape")
            }
            if let rows, rows != shape[0] {
                throw SBIError.data("\(shape[0]) rows, but \(firstSource) has \(rows); every training file must have one row per sample",
                                    file: path, field: "shape")
            }
            if rows == nil { rows = shape[0]; firstSource = path }
            columns.append(Column(field: field, width: width, storage: .mapped(file), source: path))
        }
        let n = rows ?? 0
        guard n > 0 else {
            throw SBIError.data("no samples; expected at least one row", file: firstSource, field: "shape")
        }
        count = n
        self.columns = columns
        try checkWidths()
        try checkValues()
    }

    /// Samples held in memory (tests, small problems). Matrices are `[n, k]`; `y`, `rXZ` have n elements.
    /// - Throws: `SBIError.data` naming the field for a row-count mismatch or a non-finite value.
    public init(x: Matrix<Float>, theta: Matrix<Float>? = nil, theta1: Matrix<Float>? = nil,
                y: [Float]? = nil, rXZ: [Float]? = nil, tXZ: Matrix<Float>? = nil) throws {
        var columns: [Column] = []
        func add(_ field: Field, _ storage: [Float]?, rows: Int, width: Int) throws {
            guard let storage else { return }
            guard rows == x.rows else {
                throw SBIError.data("\(rows) rows, but x has \(x.rows); every field must have one row per sample",
                                    field: field.rawValue)
            }
            columns.append(Column(field: field, width: width, storage: .memory(storage),
                                  source: "\(field.rawValue) (in memory)"))
        }
        try add(.x, x.storage, rows: x.rows, width: x.columns)
        try add(.theta, theta?.storage, rows: theta?.rows ?? 0, width: theta?.columns ?? 0)
        try add(.theta1, theta1?.storage, rows: theta1?.rows ?? 0, width: theta1?.columns ?? 0)
        try add(.y, y, rows: y?.count ?? 0, width: 1)
        try add(.rXZ, rXZ, rows: rXZ?.count ?? 0, width: 1)
        try add(.tXZ, tXZ?.storage, rows: tXZ?.rows ?? 0, width: tXZ?.columns ?? 0)
        guard x.rows > 0, x.columns > 0 else {
            throw SBIError.data("x has shape [\(x.rows), \(x.columns)]; expected at least one sample and one observable",
                                field: "x")
        }
        count = x.rows
        self.columns = columns
        try checkWidths()
        try checkValues()
    }

    /// Copies rows `range` of `field` into `buffer` (`range.count · width` Float32 values).
    /// - Precondition: the field is present, `range` within `0..<count`, the buffer sized exactly.
    public func readRows(_ range: Range<Int>, of field: Field, into buffer: UnsafeMutableBufferPointer<Float>) {
        guard let column = column(field) else { preconditionFailure("readRows: field \(field) is not in the dataset") }
        readRows(range, of: column, into: buffer)
    }

    func readRows(_ range: Range<Int>, of column: Column, into buffer: UnsafeMutableBufferPointer<Float>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= count,
                     "readRows: rows \(range) outside 0..<\(count)")
        precondition(buffer.count == range.count * column.width,
                     "readRows: buffer of \(buffer.count) for rows \(range) × width \(column.width)")
        switch column.storage {
        case .mapped(let file):
            file.readRows(range, into: buffer)
        case .memory(let values):
            values.withUnsafeBufferPointer { source in
                guard buffer.count > 0 else { return }
                buffer.baseAddress!.update(from: source.baseAddress! + range.lowerBound * column.width,
                                           count: buffer.count)
            }
        }
    }

    /// Mean and standard deviation (1/n) of each column of `field`, over all rows, streamed in chunks.
    ///
    /// ```
    /// μ_j = Σ_i v_ij / n,   σ_j = √(Σ_i (v_ij − μ_j)² / n)
    /// ```
    /// Two passes in Double (mean first, then squared deviations) for stability.
    /// Shapes: both results have `width(of: field)` elements.
    /// - Precondition: the field is present.
    public func meanAndStandardDeviation(of field: Field, chunkRows: Int = 16384) -> (mean: [Double], standardDeviation: [Double]) {
        guard let column = column(field) else { preconditionFailure("meanAndStandardDeviation: field \(field) absent") }
        let w = column.width
        var mean = [Double](repeating: 0, count: w)
        var squares = [Double](repeating: 0, count: w)
        var chunk = [Float](repeating: 0, count: min(chunkRows, count) * w)
        for pass in 0..<2 {
            var start = 0
            while start < count {
                let end = min(start + chunkRows, count)
                chunk.withUnsafeMutableBufferPointer { buffer in
                    let slice = UnsafeMutableBufferPointer(rebasing: buffer[0..<((end - start) * w)])
                    readRows(start..<end, of: column, into: slice)
                    for i in 0..<(end - start) {
                        for j in 0..<w {
                            let v = Double(slice[i * w + j])
                            if pass == 0 { mean[j] += v } else { squares[j] += (v - mean[j]) * (v - mean[j]) }
                        }
                    }
                }
                start = end
            }
            if pass == 0 { for j in 0..<w { mean[j] /= Double(count) } }
        }
        return (mean, squares.map { ($0 / Double(count)).squareRoot() })
    }

    private func checkWidths() throws {
        if let theta = column(.theta), let theta1 = column(.theta1), theta.width != theta1.width {
            throw SBIError.data("\(theta1.width) parameters per row, but \(theta.source) has \(theta.width)",
                                file: theta1.source, field: "shape")
        }
        if let theta = column(.theta), let score = column(.tXZ), theta.width != score.width {
            throw SBIError.data("\(score.width) score components per row, but \(theta.source) has \(theta.width) parameters",
                                file: score.source, field: "shape")
        }
    }

    /// Scans every value in chunks of 16384 rows: all finite, joint ratios
    /// r_xz ≥ 0 (a ratio of densities; 0 is an underflow of a tiny one), naming the file, row and column of the first offender.
    private func checkValues() throws {
        for column in columns {
            switch column.field {
            case .rXZ: try check(column, "joint likelihood ratios must be finite and ≥ 0") { $0 >= 0 && $0.isFinite }
            default: try check(column, "training inputs must be finite") { $0.isFinite }
            }
        }
    }

    /// Checks that the class labels y are 0 (θ0) or 1 (θ1), as ratio estimators need; other
    /// trainers may use y as a regression target and do not call this.
    /// - Throws: `SBIError.data` naming the file (or field), row and column of the first other value.
    public func checkClassLabels() throws {
        guard let column = column(.y) else { return }
        try check(column, "class labels y must be 0 (θ0) or 1 (θ1)") { $0 == 0 || $0 == 1 }
    }

    /// Scans `column` in chunks (constant memory) and throws at the first value failing `isValid`.
    private func check(_ column: Column, _ rule: String, _ isValid: (Float) -> Bool) throws {
        let chunkRows = 16384
        var chunk = [Float](repeating: 0, count: min(chunkRows, count) * column.width)
        var start = 0
        while start < count {
            let end = min(start + chunkRows, count)
            let bad: Int? = chunk.withUnsafeMutableBufferPointer { buffer in
                let slice = UnsafeMutableBufferPointer(rebasing: buffer[0..<((end - start) * column.width)])
                readRows(start..<end, of: column, into: slice)
                for k in 0..<slice.count where !isValid(slice[k]) { return k }
                return nil
            }
            if let bad {
                let row = start + bad / column.width, col = bad % column.width
                let value = chunk[bad]
                let location = column.storage.isMapped ? column.source : nil
                throw SBIError.data("\(value.isFinite ? "value" : "non-finite value") \(value) in \(column.field.rawValue); \(rule)",
                                    file: location,
                                    field: location == nil ? "\(column.field.rawValue)[\(row), \(col)]" : "row \(row), column \(col)")
            }
            start = end
        }
    }
}

extension TrainingDataset.Storage {
    var isMapped: Bool {
        if case .mapped = self { return true }
        return false
    }
}
