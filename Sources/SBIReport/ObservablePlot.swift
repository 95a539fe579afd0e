/// The distribution of one observable at several parameter points (`observables_<name>.svg`): a
/// normalised histogram per point, drawn as steps, on common bins.
///
/// ```
/// bins: 40 equal bins over the 0.5 %–99.5 % quantiles of all samples pooled (tails beyond are left out)
/// density_b = (Σ_{x in b} w) / (Σ w · bin width)
/// ```
/// Where the curves at θ_true and at the benchmarks differ is where the observable carries information
/// on θ; curves on top of each other mean it carries none.
public enum ObservablePlot {
    /// The chart of observable `name` (`label`: SVG text of its axis) from `samples` (label, values, weights or nil).
    public static func chart(name: String, label: String, samples: [(label: String, values: [Double], weights: [Double]?)],
                             notes: [String] = [], bins: Int = 40) -> LineChart {
        var chart = LineChart(title: "Distribution of \(name)", xLabel: label, yLabel: "normalised density")
        let pooled = samples.flatMap { $0.values.filter(\.isFinite) }.sorted()
        guard pooled.count >= 2, bins >= 1 else { return chart }
        func quantile(_ p: Double) -> Double { pooled[min(pooled.count - 1, max(0, Int(p * Double(pooled.count - 1))))] }
        var lo = quantile(0.005), hi = quantile(0.995)
        if !(hi > lo) { (lo, hi) = (pooled.first! - 0.5, pooled.last! + 0.5) }
        let width = (hi - lo) / Double(bins)
        for (k, sample) in samples.enumerated() {
            var counts = [Double](repeating: 0, count: bins)
            var total = 0.0
            for (i, x) in sample.values.enumerated() where x.isFinite {
                let w = sample.weights?[i] ?? 1
                total += w
                guard x >= lo, x <= hi else { continue }
                counts[min(bins - 1, Int((x - lo) / width))] += w
            }
            guard total > 0 else { continue }
            // Steps: each bin's density held from its lower to its upper edge.
            var xs: [Double] = [], ys: [Double] = []
            for b in 0..<bins {
                let density = counts[b] / (total * width)
                xs += [lo + Double(b) * width, lo + Double(b + 1) * width]
                ys += [density, density]
            }
            chart.curves.append(.init(label: sample.label, xs: xs, ys: ys, colour: ContourPlot.colours[k % ContourPlot.colours.count],
                                      dash: k == 0 ? "" : ContourPlot.dashes[k % ContourPlot.dashes.count], width: k == 0 ? 2.5 : 1.5))
        }
        chart.xRange = lo...hi
        let top = chart.curves.flatMap(\.ys).max() ?? 1
        chart.yRange = 0...(top > 0 ? top * 1.08 : 1)
        chart.notes = notes
        return chart
    }
}
