/// The coordinates along one axis: grid points of a `ParameterGrid` or bin edges of a `Histogram`.
///
/// A random-access collection of its coordinates (`axis[k]`, `axis.count`, `axis.first`).
/// Shapes: `values` `[n]`, strictly increasing once validated by the owning type.
public struct Axis: Sendable, Equatable, RandomAccessCollection {
    /// The coordinates.
    public let values: [Double]

    public init(_ values: [Double]) { self.values = values }

    public var startIndex: Int { 0 }
    public var endIndex: Int { values.count }
    /// Coordinate `k`.
    public subscript(k: Int) -> Double { values[k] }
}
