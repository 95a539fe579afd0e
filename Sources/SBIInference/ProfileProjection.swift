import SBICore

/// A likelihood scan over N parameters seen one parameter or one pair at a time: the profile
/// likelihood on the sub-grid of the kept parameters, maximised over all the others on the grid.
///
/// ```
/// log L_prof(θ_K) = max over θ_rest on the grid of log L(θ_K, θ_rest)       (K = kept parameters)
/// q_prof(θ_K)     = −2 (log L_prof(θ_K) − max log L_prof)                    (k = |K| degrees of freedom)
/// ```
/// With N ≥ 3 couplings the 2-D contours of each pair and the 1-D intervals of each coupling are
/// drawn from these; for a Gaussian log L they are the ellipses and intervals of the covariance's
/// K × K block (Wilks: q_prof ~ χ²_k). [1] G. Cowan, K. Cranmer, E. Gross, O. Vitells, arXiv:1007.1727
/// §2 (profile likelihood ratio); [2] J. Brehmer et al., arXiv:1805.00020 §5 (limits on EFT couplings).
public enum ProfileProjection {
    /// The profile of `scan` on the parameters `kept` (indices, increasing) of its regular grid.
    /// - Throws: `SBIError.data` (field `grid`) for a grid that is not regular or `kept` indices that are
    ///   empty, repeated, out of order or out of range; errors of `LikelihoodScanResult`.
    public static func profile(_ scan: LikelihoodScanResult, keeping kept: [Int]) throws -> LikelihoodScanResult {
        let grid = scan.grid
        guard let axes = grid.axes else { throw SBIError.data("profiles need a regular grid", field: "grid") }
        guard !kept.isEmpty, zip(kept, kept.dropFirst()).allSatisfy({ $0 < $1 }), kept.allSatisfy({ axes.indices.contains($0) }) else {
            throw SBIError.data("kept parameters \(kept) of \(axes.count); expected increasing indices in 0..<\(axes.count)", field: "grid")
        }
        let shape = axes.map(\.count)
        // Strides of the full grid (last axis fastest) and of the kept sub-grid.
        var strides = [Int](repeating: 1, count: shape.count)
        for i in stride(from: shape.count - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * shape[i + 1] }
        let keptShape = kept.map { shape[$0] }
        var keptStrides = [Int](repeating: 1, count: kept.count)
        for i in stride(from: kept.count - 2, through: 0, by: -1) { keptStrides[i] = keptStrides[i + 1] * keptShape[i + 1] }
        var profiled = [Double](repeating: -.infinity, count: keptShape.reduce(1, *))
        for (j, value) in scan.logLikelihood.enumerated() where value > -.infinity {
            var target = 0
            for (k, axis) in kept.enumerated() { target += ((j / strides[axis]) % shape[axis]) * keptStrides[k] }
            if value > profiled[target] { profiled[target] = value }
        }
        let sub = try ParameterGrid(names: kept.map { grid.names[$0] }, axes: kept.map { axes[$0] })
        return try LikelihoodScanResult(grid: sub, logLikelihood: profiled)
    }

    /// Every parameter's 1-D profile and every pair's 2-D profile, in the order (0), (1), …, (0, 1), (0, 2), …
    /// - Throws: as `profile`.
    public static func all(_ scan: LikelihoodScanResult) throws -> [(kept: [Int], scan: LikelihoodScanResult)] {
        try subsets(parameterCount: scan.grid.parameterCount).map { ($0, try profile(scan, keeping: $0)) }
    }

    /// The kept parameters of every 1-D and 2-D profile of `parameterCount` parameters, in the order (0), (1), …, (0, 1), (0, 2), …
    public static func subsets(parameterCount n: Int) -> [[Int]] {
        (0..<n).map { [$0] } + (0..<n).flatMap { i in ((i + 1)..<n).map { [i, $0] } }
    }
}
