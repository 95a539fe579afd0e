import SBICore

/// One contour line: a polyline in the plane of two parameters, closed (a loop) or open
/// (ending on the edge of the grid).
///
/// Shapes: `xs`, `ys` `[nVertices]`; a closed path does not repeat its first vertex.
public struct ContourPath: Sendable, Equatable, Codable {
    /// First-parameter coordinates of the vertices.
    public var xs: [Double]
    /// Second-parameter coordinates of the vertices.
    public var ys: [Double]
    /// Whether the last vertex connects back to the first.
    public var closed: Bool

    /// - Precondition: `xs` and `ys` have equal length.
    public init(xs: [Double], ys: [Double], closed: Bool) {
        precondition(xs.count == ys.count, "ContourPath: \(xs.count) xs, \(ys.count) ys")
        self.xs = xs
        self.ys = ys
        self.closed = closed
    }

    /// Number of vertices.
    public var count: Int { xs.count }
}

/// A confidence interval of one parameter; an end on the grid boundary is marked as clipped.
public struct ConfidenceInterval: Sendable, Equatable, Codable {
    /// Lower end.
    public var lower: Double
    /// Upper end.
    public var upper: Double
    /// The lower end is the grid edge (the true interval may extend further).
    public var lowerClipped: Bool
    /// The upper end is the grid edge.
    public var upperClipped: Bool

    public init(lower: Double, upper: Double, lowerClipped: Bool = false, upperClipped: Bool = false) {
        self.lower = lower
        self.upper = upper
        self.lowerClipped = lowerClipped
        self.upperClipped = upperClipped
    }
}

/// Validation of confidence levels.
public enum ConfidenceLevels {
    /// - Throws: `SBIError.data` naming `confidence-levels` for an empty list or a level outside (0, 1).
    public static func check(_ levels: [Double]) throws {
        guard !levels.isEmpty else { throw SBIError.data("no confidence level given", field: "confidence-levels") }
        for cl in levels where !(cl > 0 && cl < 1) {
            throw SBIError.data("confidence level \(cl) is outside (0, 1); write e.g. 0.68 or 0.95", field: "confidence-levels")
        }
    }
}
