import Foundation
import SBICore
import SBIEstimators
import SBIInference

/// Calibration diagnostics of the limits stage (`inference.calibration`): every ratio estimator of mode
/// ml is checked with `RatioCalibration` (reliability of ŝ = 1/(1 + r̂) and the closure E_θ1[r̂] = 1) on
/// events from the nominal model (ν = 0): the simulator's, or real events unweighted from the events
/// kept for the Asimov data. θ0 points are drawn flat over the grid's ranges from sub-stream 6 of the
/// recipe's seed; estimator i draws its events from sub-stream i of sub-stream 7. The merge writes
///
/// ```
/// calibration.json   per estimator: theta1, events_per_point, passes, threshold, closure_tolerance,
///                    reliability {chi_square, degrees_of_freedom, p_value, bins}, closure {chi_square, p_value, points}
/// ```
/// arXiv:1506.02169 §3, arXiv:1805.12244 (closure), `RatioCalibration`.
extension FitPipeline {
    /// Writes `partial/calibration.json`; the stage summary's words on it (none without `inference.calibration`).
    func calibrate(into partial: String, setup s: LimitsSetup) throws -> [String] {
        guard let settings = recipe.inference.calibration, let axes = s.grid.axes else { return [] }
        let k = s.grid.parameterCount
        let pointsRandom = SeededRandom(seed: recipe.seed).substream(6)
        var theta0 = Matrix<Double>(rows: settings.points, columns: k)
        for j in 0..<settings.points {
            for i in 0..<k {
                let lo = axes[i].values.first ?? 0, hi = axes[i].values.last ?? 0
                theta0[j, i] = lo + (hi - lo) * pointsRandom.uniform()
            }
        }
        var entries: [CalibrationFile.Entry] = []
        var words: [String] = []
        let estimators = limitsUnits().filter { $0.mode == .ml }.compactMap(\.estimator)
        for (index, e) in estimators.enumerated() {
            let (name, ratio) = try nominalRatioEstimator(e, s)
            // r̂'s reference θ1: a doubly parameterised estimator's fixed θ1, an NDE's θ_ref, else the ratio sample's θ1.
            let reference = e.method.isDoubly ? recipe.ratioReference(for: e)
                : (ratio as? NeuralDensityEstimator)?.reference ?? recipe.samples.first(where: { $0.name == e.sample })?.theta1?.singlePoint
            guard let theta1 = reference, theta1.count == k else {
                throw SBIError.data("estimator \(e.name): its sample's theta1 is not one point, so r̂'s reference is unknown",
                                    field: "inference.calibration")
            }
            let result = try RatioCalibration.evaluate(estimator: ratio, simulator: s.nominalSim, theta0: theta0, theta1: theta1,
                                                       eventsPerPoint: settings.events, bins: settings.bins, threshold: CalibrationFile.threshold,
                                                       closureTolerance: settings.closureTolerance,
                                                       random: SeededRandom(seed: recipe.seed).substream(7).substream(UInt64(index)))
            entries.append(CalibrationFile.Entry(name: name, result))
            var problems: [String] = []
            if result.reliabilityPValue < result.threshold { problems.append("reliability p = \(String(format: "%.2g", result.reliabilityPValue))") }
            if let worst = result.closure.filter({ !$0.closes }).max(by: { abs($0.meanRatio - 1) < abs($1.meanRatio - 1) }) {
                problems.append("E[r̂] = \(String(format: "%.3f", worst.meanRatio)) at θ0 = (\(worst.theta0.map { String(format: "%.3g", $0) }.joined(separator: ", ")))")
            }
            words.append("\(name) calibration " + (problems.isEmpty ? "passes" : "FLAGGED (" + problems.joined(separator: ", ") + ")"))
        }
        try AtomicFileWriter.write(CalibrationFile(estimators: entries).jsonBytes(), to: partial + "/" + CalibrationFile.fileName)
        return words
    }
}

/// `calibration.json`: the calibration diagnostics of every ratio estimator.
struct CalibrationFile: Codable {
    static let fileName = "calibration.json"
    /// The p-value below which a diagnostic flags the estimator.
    static let threshold = 1e-3

    /// One estimator's diagnostics.
    struct Entry: Codable {
        struct Reliability: Codable {
            var chiSquare: Double
            var degreesOfFreedom: Int
            var pValue: Double
            var bins: [RatioCalibration.ReliabilityBin]
        }
        struct Closure: Codable {
            var chiSquare: Double
            var pValue: Double
            var points: [RatioCalibration.ClosurePoint]
        }
        var name: String
        var theta1: [Double]
        var eventsPerPoint: Int
        /// The reliability p-value is at least `threshold` and every closure point lies within
        /// `closure_tolerance` + zσ of 1.
        var passes: Bool
        var threshold: Double
        var closureTolerance: Double
        var reliability: Reliability
        var closure: Closure

        init(name: String, _ c: RatioCalibration) {
            self.name = name
            (theta1, eventsPerPoint, passes) = (c.theta1, c.eventsPerPoint, c.passes)
            (threshold, closureTolerance) = (c.threshold, c.closureTolerance)
            reliability = Reliability(chiSquare: c.reliabilityChiSquare, degreesOfFreedom: c.reliabilityDegreesOfFreedom,
                                      pValue: c.reliabilityPValue, bins: c.bins)
            closure = Closure(chiSquare: c.closureChiSquare, pValue: c.closurePValue, points: c.closure)
        }
    }
    var estimators: [Entry]

    /// The file's bytes (`ResultJSON`).
    func jsonBytes() -> [UInt8] { ResultJSON.bytes(self) }
}
