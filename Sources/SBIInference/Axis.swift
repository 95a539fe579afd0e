/// The coordinates along one axis: grid points of a `ParameterGrid` or bin edges of a `Histogram`.
///
/// Shapes: `values` `[n]`, strictly increasing once validated by the owning type.
public struct Axis: Sendable, Equatable {
    /// The coordinates.
    public let values: [Double]
    /// Number of coordinates.
    public var count: Int { values.count }

    public init(_ values: [Double]) { self.values = values }
}
