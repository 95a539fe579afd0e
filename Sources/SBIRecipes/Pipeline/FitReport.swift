import Foundation
import SBICore
import SBIInference

/// What one stage of `sbi fit` did, and the `stage.json` record it leaves in its folder.
///
/// ```
/// <out>/<stage>/stage.json = { "stage", "inputHash", "items", "detail" }   (no timestamps: same bytes on every run)
/// skip(stage) ⇔ stage.json exists ∧ inputHash = Recipe.inputHash(for: stage) ∧ no earlier stage ran
/// ```
/// Recipes/README.md documents the stages.
public struct FitStageRecord: Codable, Sendable, Equatable {
    /// The stage's name (`RecipeStage.rawValue`).
    public var stage: String
    /// The hash of the stage's inputs when it ran.
    public var inputHash: String
    /// Samples (events or training samples) the stage processed; 0 where not meaningful.
    public var items: Int
    /// One-line result description (best fits, intervals, areas).
    public var detail: String

    /// A record.
    public init(stage: String, inputHash: String, items: Int, detail: String) {
        self.stage = stage
        self.inputHash = inputHash
        self.items = items
        self.detail = detail
    }

    /// Reads `path`; nil if it is missing or unreadable (the stage then runs again).
    public static func read(_ path: String) -> FitStageRecord? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(FitStageRecord.self, from: data)
    }

    /// Pretty-printed, key-sorted JSON bytes.
    public func jsonBytes() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        // Encoding strings and integers cannot fail.
        return Array((try? encoder.encode(self)) ?? Data()) + [0x0a]
    }
}

/// The summary of one `sbi fit` run: one row per stage and where the result files are.
///
/// ```
/// row = (stage, ran | skipped, wall seconds, items / seconds, detail)
/// ```
/// Recipes/README.md documents the stages.
public struct FitReport: Sendable {
    /// One stage's row.
    public struct Row: Sendable {
        /// The stage.
        public var stage: RecipeStage
        /// True if the stage was skipped because its inputs were unchanged.
        public var skipped: Bool
        /// Wall time of this run (0 when skipped).
        public var seconds: Double
        /// The stage's record (from this run or the earlier one).
        public var record: FitStageRecord
    }

    /// The stages in order.
    public var rows: [Row] = []
    /// The output folder.
    public var folder: String = ""
    /// The folder with the final result files (contours, HEPData, p-values, grid).
    public var resultFolder: String = ""
    /// The result files written, as paths.
    public var resultFiles: [String] = []
    /// The estimators of `contours.json` with their closure report (region sizes, ratios to truth).
    public var closure: [ContoursFile.Estimator] = []
    /// With 3 or more parameters: each profile's title, folder name (`theta1_vs_theta2`) and estimators (`LimitsResultSet`),
    /// instead of `closure`.
    public var profileClosure: [(title: String, name: String, estimators: [ContoursFile.Estimator])] = []

    /// The stages that ran (were not skipped).
    public var ranStages: [RecipeStage] { rows.filter { !$0.skipped }.map(\.stage) }

    /// The summary table as text lines.
    public func tableLines() -> [String] {
        var lines = ["stage     status   wall time   samples/s    result"]
        for r in rows {
            let status = r.skipped ? "skipped" : "ran"
            let time = r.skipped ? "-" : String(format: "%.2f s", r.seconds)
            let rate = (!r.skipped && r.record.items > 0 && r.seconds > 0) ? ProgressReporter.formatRate(Double(r.record.items) / r.seconds) : "-"
            lines.append(pad(r.stage.rawValue, 10) + pad(status, 9) + pad(time, 12) + pad(rate, 13) + r.record.detail)
        }
        return lines
    }

    /// The coverage of each likelihood's regions over the recipe's toys (coverage.json), if it ran toys.
    public var coverage: [ToyCoverageFile.Row] = []

    /// Ratios to truth below this are flagged in `closureLines`: 5 %, the closure bound of the shipped
    /// recipes (seed-to-seed spread of a well-trained estimator is a few %).
    public static let tighterThanExactFlag = 0.95

    /// The closure report: one line per estimator and confidence level with the region's size
    /// (area or length), its status, its ratio to the truth region and, with toys, the region's coverage
    /// ĉ ± σ(ĉ) over the toys at θ_true. A ratio below `tighterThanExactFlag` is flagged: no likelihood
    /// can be more precise than the exact one.
    /// ```
    /// estimator  mode   CL     size        coverage          vs truth
    /// alices     ml     68%    0.1492      0.667 ± 0.011     ×1.203
    /// ```
    /// With profiles, each profile's rows follow its title, without coverage (toys cover the whole region, not a profile's);
    /// the whole region's coverage follows them.
    public func closureLines() -> [String] {
        guard !profileClosure.isEmpty else { return closureLines(closure, coverage: coverage) }
        let lines = profileClosure.map { group in (group.title, closureLines(group.estimators, coverage: [])) }.filter { !$0.1.isEmpty }
        guard let header = lines.first?.1.first else { return [] }
        // The toys test the whole region of every parameter (q(θ_true) against χ² with as many degrees of freedom).
        let covered = coverage.map { c in
            pad(c.name, 12) + pad(String(format: "%.4g%%", c.confidenceLevel * 100), 7) + String(format: "%.3f ± %.3f", c.fraction, c.binomialError)
        }
        return [header] + lines.flatMap { title, rows in ["  " + title] + rows.dropFirst() }
            + (covered.isEmpty ? [] : ["  coverage of the region of all parameters over the toys"] + covered)
    }

    /// The closure lines of `closure`'s estimators (header first; none without regions).
    func closureLines(_ closure: [ContoursFile.Estimator], coverage: [ToyCoverageFile.Row]) -> [String] {
        let rows = closure.flatMap { e in (e.regions ?? []).map { (e, $0) } }
        guard !rows.isEmpty else { return [] }
        let nameWidth = max(10, ((closure + profileClosure.flatMap(\.estimators)).map(\.name.count).max() ?? 0) + 2)
        func covered(_ name: String, _ cl: Double) -> String? {
            guard !coverage.isEmpty else { return nil }
            guard let c = coverage.first(where: { $0.name == name && abs($0.confidenceLevel - cl) < 1e-12 }) else { return "-" }
            return String(format: "%.3f ± %.3f", c.fraction, c.binomialError)
        }
        var lines = [pad("estimator", nameWidth) + pad("mode", 11) + pad("CL", 7) + pad("size", 12)
                     + (coverage.isEmpty ? "" : pad("coverage", 18)) + "vs truth"]
        for (e, r) in rows {
            let cl = String(format: "%.4g%%", r.confidenceLevel * 100)
            var size = String(format: "%.4g", r.size)
            var versus = r.ratioToTruth.map { String(format: "×%.3f", $0) } ?? "-"
            switch r.status {
            case .closed:
                // No likelihood beats the exact one: a region clearly smaller than truth's is an error, not a gain.
                if let ratio = r.ratioToTruth, ratio < Self.tighterThanExactFlag {
                    versus += " TIGHTER THAN EXACT: overconfident (check calibration and coverage)"
                }
            case .open: size = "open"; versus = "reaches the grid edge"
            case .empty: size = "empty"; versus = "narrower than the grid spacing"
            }
            let memberSizes = (e.members ?? []).compactMap { m in
                m.regions?.first { $0.confidenceLevel == r.confidenceLevel && $0.status == .closed }?.size
            }
            if let low = memberSizes.min(), let high = memberSizes.max() {
                versus += String(format: "; %d members %.4g–%.4g", memberSizes.count, low, high)
            }
            if let hint = r.hint {
                let ranges = hint.map { "[\(String(format: "%.4g", $0[0])), \(String(format: "%.4g", $0[1]))]" }.joined(separator: " × ")
                versus += "; the Fisher information puts it in \(ranges)"
            }
            lines.append(pad(e.name, nameWidth) + pad(e.mode, 11) + pad(cl, 7) + pad(size, 12)
                         + (covered(e.name, r.confidenceLevel).map { pad($0, 18) } ?? "") + versus)
        }
        return lines
    }

    private func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
}
