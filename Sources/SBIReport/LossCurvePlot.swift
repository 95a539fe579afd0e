import SBINetworks

/// The training figure of one estimator (`loss_<name>.svg`): training loss per epoch as solid lines,
/// validation loss dashed, one colour per ensemble member, and for a single network the epoch of the
/// lowest validation loss (whose weights are kept with early stopping) as a dotted vertical line.
///
/// A training that worked shows both losses falling and levelling off together; validation loss
/// rising while training loss falls is overfitting; flat curves from the first epoch mean the
/// learning rate or the inputs are off.
public enum LossCurvePlot {
    /// The chart of estimator `name` (trained with `method`) from its members' histories (one for a single network).
    public static func chart(name: String, method: String, histories: [TrainingHistory], notes: [String] = []) -> LineChart {
        var chart = LineChart(title: "Training of " + (name == method ? name : "\(name) (\(method))"), xLabel: "epoch", yLabel: "loss")
        let single = histories.count == 1
        for (m, h) in histories.enumerated() {
            let colour = single ? ContourPlot.colours[0] : ContourPlot.colours[m % ContourPlot.colours.count]
            let epochs = (1...max(h.trainingLoss.count, 1)).map(Double.init)
            let member = single ? "" : " (member \(m))"
            chart.curves.append(.init(label: "training" + member, xs: Array(epochs.prefix(h.trainingLoss.count)), ys: h.trainingLoss,
                                      colour: colour, width: single ? 2 : 1.2))
            if !h.validationLoss.isEmpty {
                let validationColour = single ? ContourPlot.colours[1] : colour
                chart.curves.append(.init(label: "validation" + member, xs: Array(epochs.prefix(h.validationLoss.count)), ys: h.validationLoss,
                                          colour: validationColour, dash: "6,3", width: single ? 2 : 1.2))
            }
        }
        if single, let h = histories.first, let best = h.bestEpoch {
            // bestEpoch counts from 0 in the history; the axis counts epochs from 1.
            chart.verticals.append(.init(value: Double(best + 1), label: "lowest validation: epoch \(best + 1)"))
        }
        var lines = notes
        if let h = histories.first {
            lines.append("\(h.trainingSampleCount) training, \(h.validationSampleCount) validation samples")
            let early = histories.filter(\.stoppedEarly).count
            if early > 0 { lines.append(single ? "stopped early (patience)" : "\(early) of \(histories.count) members stopped early") }
        }
        chart.notes = lines
        return chart
    }
}
