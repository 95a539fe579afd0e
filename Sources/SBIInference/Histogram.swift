import CGSL
import SBICore

/// A 1-D or 2-D binning of features (chosen observables or estimated scores), fixed or
/// adaptive (equal population per axis).
///
/// ```
/// bin(f) = Σ_a b_a(f_a)·stride_a,   b_a(v) = #{edges_a[1..<m_a] ≤ v}  (under/overflow go to the edge bins)
/// adaptive edges_a[k] = quantile_{k/m_a} of the reference sample (gsl_stats_quantile_from_sorted_data)
/// ```
/// Shapes: features `[nEvents, nAxes]`, nAxes ∈ {1, 2}; `edges[a]` has `binCounts[a] + 1` values.
///
/// [1] J. Brehmer et al., arXiv:1805.00020 §4.1 (histograms of observables and of t̂).
public struct Histogram: Sendable, Equatable {
    /// Bin edges per axis, strictly increasing.
    public let edges: [Axis]
    /// Bins per axis.
    public var binCounts: [Int] { edges.map { $0.count - 1 } }
    /// Total number of bins.
    public var binCount: Int { binCounts.reduce(1, *) }
    /// Number of axes (1 or 2).
    public var axisCount: Int { edges.count }

    /// A histogram with the given edges.
    /// - Throws: `SBIError.data` naming `histogram.edges[a]` for fewer than two or unsorted edges,
    ///   or for more than two axes.
    public init(edges: [Axis]) throws {
        guard (1...2).contains(edges.count) else {
            throw SBIError.data("\(edges.count) axes; histograms have 1 or 2", field: "histogram.observables")
        }
        for (a, axis) in edges.enumerated() {
            let e = axis.values
            guard e.count >= 2 else { throw SBIError.data("\(e.count) edges; expected at least 2 (one bin)", field: "histogram.edges[\(a)]") }
            guard e.allSatisfy(\.isFinite) else { throw SBIError.data("non-finite edge", field: "histogram.edges[\(a)]") }
            for k in 1..<e.count where e[k] <= e[k - 1] {
                throw SBIError.data("edges must increase strictly (\(e[k]) after \(e[k - 1]))", field: "histogram.edges[\(a)]")
            }
        }
        self.edges = edges
    }

    /// Equally spaced bins: `bins[a]` bins on `ranges[a]`.
    /// - Throws: `SBIError.data` for zero bins or an empty range.
    public static func fixed(ranges: [ClosedRange<Double>], bins: [Int]) throws -> Histogram {
        guard ranges.count == bins.count else {
            throw SBIError.data("\(ranges.count) ranges, \(bins.count) bin counts", field: "histogram.bins")
        }
        var edges: [Axis] = []
        for a in 0..<bins.count {
            guard bins[a] >= 1 else { throw SBIError.data("\(bins[a]) bins; expected at least 1", field: "histogram.bins[\(a)]") }
            let lo = ranges[a].lowerBound, hi = ranges[a].upperBound
            guard hi > lo else { throw SBIError.data("range [\(lo), \(hi)] is empty", field: "histogram.range[\(a)]") }
            edges.append(Axis((0...bins[a]).map { lo + (hi - lo) * Double($0) / Double(bins[a]) }))
        }
        return try Histogram(edges: edges)
    }

    /// Equal-population bins per axis from a reference sample `[nEvents, nAxes]`; duplicate
    /// quantiles (discrete features) are merged, so an axis may end up with fewer bins.
    /// - Throws: `SBIError.data` for zero bins or a sample with fewer rows than bins.
    public static func adaptive(sample: Matrix<Double>, bins: [Int]) throws -> Histogram {
        guard sample.columns == bins.count else {
            throw SBIError.data("\(sample.columns) features, \(bins.count) bin counts", field: "histogram.bins")
        }
        var edges: [Axis] = []
        for a in 0..<bins.count {
            guard bins[a] >= 1 else { throw SBIError.data("\(bins[a]) bins; expected at least 1", field: "histogram.bins[\(a)]") }
            guard sample.rows >= bins[a] else {
                throw SBIError.data("\(sample.rows) events for \(bins[a]) adaptive bins", field: "histogram.bins[\(a)]")
            }
            var column = sample.column(a)
            column.withUnsafeMutableBufferPointer { gsl_sort($0.baseAddress, 1, $0.count) }
            var e: [Double] = [column[0]]
            for k in 1..<bins[a] {
                let v = column.withUnsafeBufferPointer { gsl_stats_quantile_from_sorted_data($0.baseAddress, 1, $0.count, Double(k) / Double(bins[a])) }
                if v > e[e.count - 1] { e.append(v) }
            }
            let top = column[column.count - 1]
            e.append(top > e[e.count - 1] ? top : e[e.count - 1] + 1)
            edges.append(Axis(e))
        }
        return try Histogram(edges: edges)
    }

    /// Flat bin index of one feature vector (row `row` of `features`).
    @inline(__always)
    func binIndex(_ features: UnsafeBufferPointer<Double>, row: Int) -> Int {
        var index = 0
        for a in 0..<edges.count {
            let v = features[row * edges.count + a]
            let e = edges[a].values
            // Binary search for the last interior edge ≤ v.
            var lo = 0, hi = e.count - 2
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if e[mid] <= v { lo = mid } else { hi = mid - 1 }
            }
            index = index * (e.count - 1) + lo
        }
        return index
    }

    /// The flat bin index of every row of `features`, `[nRows]`.
    /// - Precondition: `features.columns == axisCount`.
    public func binIndices(_ features: Matrix<Double>) -> [Int] {
        precondition(features.columns == axisCount, "Histogram.binIndices: features [\(features.rows), \(features.columns)], \(axisCount) axes")
        return features.withUnsafeBufferPointer { fp in (0..<features.rows).map { binIndex(fp, row: $0) } }
    }

    /// Weighted bin contents Σ_i w_i 1[f_i ∈ b], `[binCount]` (weights nil: all 1).
    /// - Precondition: `features.columns == axisCount` and one weight per row.
    public func fill(_ features: Matrix<Double>, weights: [Double]? = nil) -> [Double] {
        precondition(features.columns == axisCount, "Histogram.fill: features [\(features.rows), \(features.columns)], \(axisCount) axes")
        precondition(weights == nil || weights!.count == features.rows, "Histogram.fill: \(weights!.count) weights, \(features.rows) rows")
        var counts = [Double](repeating: 0, count: binCount)
        features.withUnsafeBufferPointer { fp in
            for i in 0..<features.rows { counts[binIndex(fp, row: i)] += weights?[i] ?? 1 }
        }
        return counts
    }
}
