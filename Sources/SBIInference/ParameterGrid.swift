import SBICore
import SBISimulation

/// The parameter points θ_j at which a likelihood is scanned: a regular n-dimensional grid
/// (per-axis range and point count) or an explicit list of points.
///
/// ```
/// regular:  θ_j = (a_1 + k_1·h_1, …, a_d + k_d·h_d),  h_i = (b_i − a_i)/(m_i − 1),
///           j = ((k_1·m_2 + k_2)·m_3 + …)   (last axis fastest, C order)
/// explicit: θ_j = row j of the given list
/// ```
/// Shapes: `points` `[nPoints, nParameters]`, row-major; `shape` `[m_1, …, m_d]` for a regular grid.
///
/// [1] J. Brehmer, K. Cranmer, G. Louppe, J. Pavez, arXiv:1805.00013 (likelihood scans on θ grids).
public struct ParameterGrid: Sendable, Equatable {
    /// Parameter names, one per column of `points`.
    public let names: [String]
    /// Coordinates of each axis for a regular grid (`axes[i]` has `shape[i]` values); nil for a list.
    public let axes: [Axis]?
    /// All points, `[nPoints, nParameters]`, last axis fastest.
    public let points: Matrix<Double>

    /// Number of parameters.
    public var parameterCount: Int { names.count }
    /// Number of points.
    public var count: Int { points.rows }
    /// Points per axis for a regular grid, `[nPoints]` for a list.
    public var shape: [Int] { axes?.map(\.count) ?? [points.rows] }
    /// Whether this is a regular grid.
    public var isRegular: Bool { axes != nil }

    /// The most points a grid may have (its coordinates alone take 400 MB per parameter at this size).
    public static let maximumPointCount = 50_000_000

    /// A regular grid with `counts[i]` equally spaced points on `ranges[i]` (both ends included).
    /// - Throws: `SBIError.data` naming `grid.<name>` for a count < 1, a reversed or non-finite
    ///   range, a degenerate range with more than one point, or mismatched array lengths.
    public init(names: [String], ranges: [ClosedRange<Double>], counts: [Int]) throws {
        guard !names.isEmpty else { throw SBIError.data("a grid needs at least one parameter", field: "grid") }
        guard names.count == ranges.count, names.count == counts.count else {
            throw SBIError.data("\(names.count) parameter names, \(ranges.count) ranges and \(counts.count) point counts; expected one of each per parameter",
                                field: "grid")
        }
        var axes: [Axis] = []
        for i in 0..<names.count {
            let field = "grid.\(names[i])"
            let (a, b, m) = (ranges[i].lowerBound, ranges[i].upperBound, counts[i])
            guard m >= 1 else { throw SBIError.data("\(m) points; expected at least 1", field: field) }
            guard m <= Self.maximumPointCount else {
                throw SBIError.data("\(m) points; at most \(Self.maximumPointCount) are supported", field: field)
            }
            guard a.isFinite, b.isFinite else { throw SBIError.data("range [\(a), \(b)] is not finite", field: field) }
            guard m == 1 || b > a else {
                throw SBIError.data("range [\(a), \(b)] is empty or reversed; expected lower < upper for \(m) points", field: field)
            }
            axes.append(Axis(m == 1 ? [a] : (0..<m).map { k in k == m - 1 ? b : a + (b - a) * Double(k) / Double(m - 1) }))
        }
        try self.init(names: names, axes: axes)
    }

    /// A regular grid from explicit strictly increasing axis coordinates.
    /// - Throws: `SBIError.data` naming `grid.<name>` for an empty, non-finite or unsorted axis.
    public init(names: [String], axes: [Axis]) throws {
        guard !names.isEmpty, names.count == axes.count else {
            throw SBIError.data("\(names.count) names and \(axes.count) axes; expected one axis per parameter", field: "grid")
        }
        for (i, column) in axes.enumerated() {
            let axis = column.values
            let field = "grid.\(names[i])"
            guard !axis.isEmpty else { throw SBIError.data("0 points; expected at least 1", field: field) }
            guard axis.allSatisfy(\.isFinite) else { throw SBIError.data("axis contains a non-finite value", field: field) }
            for k in 1..<max(axis.count, 1) where axis[k] <= axis[k - 1] {
                throw SBIError.data("axis values must increase strictly (value \(k): \(axis[k]) after \(axis[k - 1]))", field: field)
            }
        }
        let d = names.count
        // The product of the axis lengths, stopped before it can overflow (10 axes of 10⁴ points would).
        var total = 1
        for axis in axes {
            guard total <= Self.maximumPointCount / axis.count else {
                throw SBIError.data("grid of \(axes.map { String($0.count) }.joined(separator: " × ")) points; at most \(Self.maximumPointCount) points are supported",
                                    field: "grid")
            }
            total *= axis.count
        }
        var storage = [Double](repeating: 0, count: total * d)
        var index = [Int](repeating: 0, count: d)
        for j in 0..<total {
            for i in 0..<d { storage[j * d + i] = axes[i].values[index[i]] }
            var i = d - 1
            while i >= 0 {
                index[i] += 1
                if index[i] < axes[i].count { break }
                index[i] = 0
                i -= 1
            }
        }
        self.names = names
        self.axes = axes
        self.points = Matrix(rows: total, columns: d, storage: storage)
    }

    /// An explicit list of points, `[nPoints, nParameters]`.
    /// - Throws: `SBIError.data` naming `grid.points` for zero points, a column-count mismatch or a NaN.
    public init(names: [String], points: Matrix<Double>) throws {
        guard !names.isEmpty else { throw SBIError.data("a grid needs at least one parameter", field: "grid") }
        guard points.rows >= 1 else { throw SBIError.data("0 points; expected at least 1", field: "grid.points") }
        guard points.columns == names.count else {
            throw SBIError.data("points have \(points.columns) columns; expected \(names.count) (\(names.joined(separator: ", ")))",
                                field: "grid.points")
        }
        if let bad = points.storage.firstIndex(where: { !$0.isFinite }) {
            throw SBIError.data("point \(bad / names.count), \(names[bad % names.count]) is not finite", field: "grid.points")
        }
        self.names = names
        self.axes = nil
        self.points = points
    }

    /// Point `j` as an array.
    public func point(_ j: Int) -> [Double] { points.row(j) }

    /// Checks every point against `space` (names and ranges).
    /// - Throws: `SBIError.data` naming `grid` when a point lies outside the parameter ranges.
    public func validate(against space: ParameterSpace) throws {
        guard space.names.count == names.count else {
            throw SBIError.data("grid has \(names.count) parameters; the model has \(space.count) (\(space.names.joined(separator: ", ")))",
                                field: "grid")
        }
        for i in 0..<names.count {
            let column = points.column(i)
            if let lo = column.min(), let hi = column.max(), lo < space.ranges[i].lowerBound || hi > space.ranges[i].upperBound {
                throw SBIError.data("\(names[i]) spans [\(lo), \(hi)], outside the model range [\(space.ranges[i].lowerBound), \(space.ranges[i].upperBound)]",
                                    field: "grid.\(names[i])")
            }
        }
    }
}
