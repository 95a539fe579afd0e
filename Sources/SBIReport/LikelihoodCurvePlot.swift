import CGSL
import SBIInference

/// The test statistic along each parameter (`q_<parameter>.svg`): q(θ) itself for one parameter, and
/// for several the profile over the others on the grid,
///
/// ```
/// q_prof(θ_i) = min over the grid points with this θ_i of q(θ)     (q = −2 Δlog L, 0 at the best fit)
/// thresholds: q = F⁻¹_χ²(1)(CL)   (one parameter of interest: 0.99 at 68 %, 3.84 at 95 %)
/// ```
/// one curve per estimator in contours.json's colours. Where a profiled curve crosses a threshold is
/// that parameter's profiled interval. [1] G. Cowan, K. Cranmer, E. Gross, O. Vitells, arXiv:1007.1727 §2–3.
public enum LikelihoodCurvePlot {
    /// min over all grid axes but `axis` of `q` (grid order, last axis fastest), one value per point of `axis`.
    public static func profile(_ q: [Double], shape: [Int], axis: Int) -> [Double] {
        precondition(q.count == shape.reduce(1, *) && shape.indices.contains(axis), "LikelihoodCurvePlot.profile: shape \(shape), axis \(axis)")
        let stride = shape[(axis + 1)...].reduce(1, *)
        var out = [Double](repeating: .infinity, count: shape[axis])
        for (j, value) in q.enumerated() where !value.isNaN {
            let i = (j / stride) % shape[axis]
            out[i] = min(out[i], value)
        }
        return out
    }

    /// The chart of parameter `axis` of `file`, from the scans `q` (one row per estimator of `file`, in its
    /// order, on the grid with `axes`). The θ range shown is where some curve lies below 2.5× the largest
    /// threshold, padded by a tenth of it.
    /// `profiled`: `file` is already a profile over other parameters (`ProfileResultWriter`), titled as one.
    public static func chart(_ file: ContoursFile, axis: Int, axes: [[Double]], q: [[Double]], profiled: Bool = false) -> LineChart {
        let p = file.parameters[axis]
        let several = file.parameters.count > 1
        let label = LaTeXLabel.svg(p.label) + (p.unit.isEmpty ? "" : " [\(SVGText.escape(p.unit))]")
        var chart = LineChart(title: several || profiled ? "Profile likelihood of \(LaTeXLabel.plain(p.label))" : "Likelihood scan of \(LaTeXLabel.plain(p.label))",
                              xLabel: label, yLabel: several || profiled ? "q (profiled)" : "q = −2 Δlog L")
        let shape = axes.map(\.count)
        let thresholds = file.confidenceLevels.map { gsl_cdf_chisq_Pinv($0, 1) }
        let top = 2.5 * (thresholds.max() ?? 4)
        var shown: [Double] = []
        for (k, row) in q.enumerated() where k < file.estimators.count {
            let e = file.estimators[k]
            let values = several ? profile(row, shape: shape, axis: axis) : row
            chart.curves.append(.init(label: ContourPlot.legendLabel(e), xs: axes[axis], ys: values,
                                      colour: ContourPlot.colours[k % ContourPlot.colours.count]))
            shown += zip(axes[axis], values).filter { $0.1 <= top }.map(\.0)
        }
        chart.levels = zip(file.confidenceLevels, thresholds).map { .init(value: $1, label: "\(SVGText.number($0 * 100))% CL (1 parameter)") }
        if let t = file.thetaTrue { chart.verticals.append(.init(value: t[axis], label: "θ_true")) }
        chart.yRange = 0...top
        if let lo = shown.min(), let hi = shown.max(), hi > lo, let first = axes[axis].first, let last = axes[axis].last {
            let pad = (hi - lo) / 10
            chart.xRange = max(first, lo - pad)...min(last, hi + pad)
        }
        chart.notes = file.notes ?? []
        return chart
    }
}
