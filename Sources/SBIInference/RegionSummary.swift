import CGSL
import SBICore

/// The size of one confidence region, whether it lies inside the grid, and how it compares with
/// the region of the exact likelihood (the closure report of `contours.json`).
///
/// ```
/// size     = area of the closed contours (2-D, shoelace |½ Σ x_i y_{i+1} − x_{i+1} y_i|)
///            or the total length of the intervals (1-D)
/// status   = closed | open (reaches the grid edge: the size inside the grid is not the region's)
///                   | empty (narrower than the grid resolution)
/// ratio    = size / size(truth) when the truth mode ran and both regions are closed
/// hint     = θ̂_i ± √(q_c · (I⁻¹)_ii), q_c = Q⁻¹_χ²(1 − CL; k)   (open or empty regions)
/// ```
/// The hint is the projection on each axis of the linearised region {Δθᵀ I Δθ ≤ q_c}, with I the
/// information −∂²log L/∂θ_i∂θ_j at the best grid point (for Asimov data the curvature of the
/// expected log-likelihood is the Fisher information at θ_true). A ratio below 1 means the region
/// is smaller than the exact likelihood's, which no estimator can reach except by noise.
///
/// [1] J. Brehmer, K. Cranmer, F. Kling, T. Plehn, arXiv:1612.05261 (linearised limits from the
///     Fisher information); [2] G. Cowan et al., arXiv:1007.1727 (Asimov data).
public struct RegionSummary: Codable, Sendable, Equatable {
    /// Where the region lies relative to the scanned grid.
    public enum Status: String, Codable, Sendable, Equatable {
        /// Every contour is closed (every interval has two ends) inside the grid.
        case closed
        /// Some contour or interval reaches the grid edge.
        case open
        /// No grid cell contains the region.
        case empty
    }

    /// The confidence level.
    public var confidenceLevel: Double
    /// Area (2 parameters) or total interval length (1 parameter) inside the grid.
    public var size: Double
    /// Closed, open or empty.
    public var status: Status
    /// size / size of the truth region, when both are closed.
    public var ratioToTruth: Double?
    /// For open or empty regions, `[lower, upper]` per parameter that the linearised region spans.
    public var hint: [[Double]]?

    /// A summary.
    public init(confidenceLevel: Double, size: Double, status: Status, ratioToTruth: Double? = nil, hint: [[Double]]? = nil) {
        self.confidenceLevel = confidenceLevel
        self.size = size
        self.status = status
        self.ratioToTruth = ratioToTruth
        self.hint = hint
    }

    /// The summary of 2-D contour paths; `pValues` (on the grid) tell a region without paths that
    /// covers the whole grid (open) from one that no grid point reaches (empty).
    public static func of(contours paths: [ContourPath], pValues: [Double], confidenceLevel cl: Double) -> RegionSummary {
        let status: Status
        if paths.isEmpty {
            status = pValues.contains { $0 >= 1 - cl } ? .open : .empty
        } else {
            status = paths.contains { !$0.closed } ? .open : .closed
        }
        return RegionSummary(confidenceLevel: cl, size: area(paths), status: status)
    }

    /// The summary of 1-D intervals.
    public static func of(intervals: [ConfidenceInterval], confidenceLevel cl: Double) -> RegionSummary {
        let status: Status = intervals.isEmpty ? .empty : (intervals.contains { $0.lowerClipped || $0.upperClipped } ? .open : .closed)
        return RegionSummary(confidenceLevel: cl, size: intervals.reduce(0) { $0 + ($1.upper - $1.lower) }, status: status)
    }

    /// Total area of the closed paths (shoelace formula); open paths add nothing.
    public static func area(_ paths: [ContourPath]) -> Double {
        var total = 0.0
        for path in paths where path.closed && path.count >= 3 {
            var s = 0.0
            for i in 0..<path.count {
                let j = (i + 1) % path.count
                let a: Double = path.xs[i] * path.ys[j]
                let b: Double = path.xs[j] * path.ys[i]
                s += a - b
            }
            total += abs(0.5 * s)
        }
        return total
    }

    /// The ranges of the linearised region at `cl` around `scan`'s best fit, or nil when the
    /// curvature of log L at the best grid point is not negative definite.
    public static func fisherHint(scan: LikelihoodScanResult, confidenceLevel cl: Double) -> [[Double]]? {
        guard let info = scan.curvatureInformation(), let inverse = Self.inverse(info) else { return nil }
        let k = scan.grid.parameterCount
        let qc = gsl_cdf_chisq_Qinv(1 - cl, Double(k))
        return (0..<k).map { i in
            let half = (qc * inverse[i * k + i]).squareRoot()
            return [scan.bestFit[i] - half, scan.bestFit[i] + half]
        }
    }

    /// Inverse of a 1×1 or 2×2 positive definite matrix (row-major), nil if it is not.
    static func inverse(_ m: [Double]) -> [Double]? {
        switch m.count {
        case 1:
            return m[0] > 0 && m[0].isFinite ? [1 / m[0]] : nil
        case 4:
            let det = m[0] * m[3] - m[1] * m[2]
            guard m[0] > 0, det > 0, det.isFinite else { return nil }
            return [m[3] / det, -m[1] / det, -m[2] / det, m[0] / det]
        default:
            return nil
        }
    }
}

extension LikelihoodScanResult {
    /// −∂²log L/∂θ_i∂θ_j at the best grid point by finite differences on a regular grid, row-major
    /// `[k·k]`; nil for a point list, a grid with fewer than 3 points on an axis, or a non-finite log L
    /// at the points used.
    ///
    /// ```
    /// ∂²_ii: (L₊ − 2L₀ + L₋)/h²   (one-sided L₀ − 2L₁ + L₂ at the grid edge)
    /// ∂²_ij: (L₊₊ − L₊₋ − L₋₊ + L₋₋)/(4 h_i h_j)  (from the nearest interior point)
    /// ```
    public func curvatureInformation() -> [Double]? {
        guard let axes = grid.axes else { return nil }
        let shape = axes.map(\.count)
        guard shape.allSatisfy({ $0 >= 3 }) else { return nil }
        let k = shape.count
        var stride = [Int](repeating: 1, count: k)
        for i in stride.indices.reversed().dropFirst() { stride[i] = stride[i + 1] * shape[i + 1] }
        // The best point moved inside by one where it sits on the edge.
        var centre = (0..<k).map { (bestIndex / stride[$0]) % shape[$0] }
        for i in 0..<k { centre[i] = min(max(centre[i], 1), shape[i] - 2) }
        func index(_ c: [Int]) -> Int { zip(c, stride).reduce(0) { $0 + $1.0 * $1.1 } }
        func value(_ offsets: [Int: Int]) -> Double {
            var c = centre
            for (axis, d) in offsets { c[axis] += d }
            return logLikelihood[index(c)]
        }
        var out = [Double](repeating: 0, count: k * k)
        for i in 0..<k {
            let v = axes[i].values
            let h = 0.5 * (v[centre[i] + 1] - v[centre[i] - 1])
            out[i * k + i] = -(value([i: 1]) - 2 * value([:]) + value([i: -1])) / (h * h)
            for j in 0..<i {
                let w = axes[j].values
                let g = 0.5 * (w[centre[j] + 1] - w[centre[j] - 1])
                let mixed = (value([i: 1, j: 1]) - value([i: 1, j: -1]) - value([i: -1, j: 1]) + value([i: -1, j: -1])) / (4 * h * g)
                out[i * k + j] = -mixed
                out[j * k + i] = -mixed
            }
        }
        return out.allSatisfy(\.isFinite) ? out : nil
    }
}
