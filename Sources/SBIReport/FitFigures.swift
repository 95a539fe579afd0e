import Foundation
import SBICore
import SBIEstimators
import SBIInference
import SBINetworks

/// Every figure of a fit, drawn from its result files: what `sbi fit`'s plot stage and `sbi plot --fit`
/// write next to contours.svg.
///
/// ```
/// fisher.svg          contours.json's regions with the linearised regions of fisher.json over them
/// q_<parameter>.svg   q(θ) (1 parameter) or q profiled over the others, per parameter (q.npy, grid.npy)
/// loss_<estimator>.svg  training and validation loss per epoch (model.json of every model or ensemble member)
/// ```
/// A scan over 3 or more parameters has profiles instead of contours.json (`LimitsResultSet`); it gets
/// ```
/// profiles.svg              every profile on one page (`ProfileOverviewPlot`)
/// fisher_<a>_vs_<b>.svg     each pair's profiled regions with fisher.json's matrices profiled onto the pair
/// q_<parameter>.svg         each parameter's profile (its folder's q.npy, grid.npy)
/// ```
/// A figure whose inputs are absent (no fisher.json, no q.npy from an older sbi, no trained estimators)
/// is not drawn.
public enum FitFigures {
    /// The names `write` may produce (exact or `prefix*`), for `OwnedFolder.checkReplaceable`.
    /// (`observables_*`, `morphing_*`, `calibration.svg` and `coverage.svg` are drawn by the plot stage of `sbi fit`,
    /// which simulates the first, morphs for the second and reads calibration.json and coverage.json for the others:
    /// `ObservablePlot`, `MorphingBasisPlot`, `LineChart`.)
    public static let fileNames = ["contours.svg", "profiles.svg", "fisher.svg", "fisher_*", "q_*", "loss_*", "observables_*", "morphing_*",
                                   "calibration.svg", "coverage.svg"]

    /// True for a name `write` produces.
    public static func isFigure(_ name: String) -> Bool {
        fileNames.contains { $0.hasSuffix("*") ? name.hasPrefix(String($0.dropLast())) && name.hasSuffix(".svg") : name == $0 }
    }

    /// Writes the figures into `folder` from the limits results in `limits` (contours.json, q.npy, grid.npy,
    /// fisher.json) and the trained models in `train` (one model or ensemble folder per estimator; nil:
    /// none). Returns the names written, in order.
    /// - Throws: `SBIError.io`/`.data` naming a result file that is missing (contours.json, or the profiles' index with
    ///   3 or more parameters) or damaged.
    public static func write(limits: String, train: String?, into folder: String) throws -> [String] {
        let results = try LimitsResultSet.read(limits)
        var written: [String] = []
        func save(_ svg: String, _ name: String) throws {
            try AtomicFileWriter.write(svg, to: folder + "/" + name)
            written.append(name)
        }
        let fisherPath = limits + "/fisher.json"
        let fisher = FileManager.default.fileExists(atPath: fisherPath) ? try FisherFileEntry.read(fisherPath) : nil
        if results.isProfiled {
            let n = results.parameters.count
            try save(ProfileOverviewPlot.svg(results.entries.map { ($0.kept, $0.file) }, count: n,
                                             title: "Profile likelihoods of " + results.parameters.joined(separator: ", ")), ProfileResultWriter.overviewFileName)
        }
        for entry in results.entries {
            let contours = entry.file, base = limits + (entry.folder.isEmpty ? "" : "/" + entry.folder)
            let names = contours.parameters.map(\.name)
            if let fisher, let centre = contours.thetaTrue, names.count == 2 || !results.isProfiled {
                let ellipses = FisherFileEntry.ellipses(fisher, parameters: names, centre: centre, scanned: results.parameters)
                let name = results.isProfiled ? "fisher_\(fileSafe(ProfileResultWriter.profileFolderName(names))).svg" : "fisher.svg"
                if !ellipses.isEmpty { try save(ContourPlot.svg(contours, linearised: ellipses), name) }
            }
            // q along each parameter: the scan's own axes, or a profile's single parameter (its pairs are drawn as contours).
            guard !results.isProfiled || names.count == 1 else { continue }
            let qPath = base + "/q.npy", gridPath = base + "/grid.npy"
            guard FileManager.default.fileExists(atPath: qPath), FileManager.default.fileExists(atPath: gridPath) else { continue }
            let q = try NPYFile.readMatrix(qPath, as: Double.self), grid = try NPYFile.readMatrix(gridPath, as: Double.self)
            let shape = contours.gridShape
            guard grid.rows == shape.reduce(1, *), grid.columns == shape.count, q.columns == grid.rows else {
                throw SBIError.data("q [\(q.rows), \(q.columns)] and grid [\(grid.rows), \(grid.columns)] do not match the grid shape \(shape) of contours.json",
                                    file: qPath)
            }
            let axes = axisValues(grid, shape: shape)
            let rows = (0..<q.rows).map { Array(q.storage[($0 * q.columns)..<(($0 + 1) * q.columns)]) }
            for i in contours.parameters.indices {
                try save(LikelihoodCurvePlot.chart(contours, axis: i, axes: axes, q: rows, profiled: results.isProfiled).svg(),
                         "q_\(fileSafe(contours.parameters[i].name)).svg")
            }
        }
        if let train {
            for (name, method, histories) in try trainingHistories(in: train) where !histories.isEmpty {
                try save(LossCurvePlot.chart(name: name, method: method, histories: histories).svg(), "loss_\(fileSafe(name)).svg")
            }
        }
        return written
    }

    /// The values along each axis of a regular grid (`grid.npy`, last axis fastest).
    static func axisValues(_ grid: Matrix<Double>, shape: [Int]) -> [[Double]] {
        shape.indices.map { i in
            let stride = shape[(i + 1)...].reduce(1, *)
            return (0..<shape[i]).map { grid[$0 * stride, i] }
        }
    }

    /// `name` with every character outside letters, digits, `_`, `-`, `.` replaced by `_`.
    public static func fileSafe(_ name: String) -> String {
        String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) ? $0 : "_" })
    }

    /// The training histories of every model (`model.json`) or ensemble (`ensemble.json`, one per member)
    /// folder in `train`, by folder name, with the method they were trained with.
    static func trainingHistories(in train: String) throws -> [(name: String, method: String, histories: [TrainingHistory])] {
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: train)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        var out: [(String, String, [TrainingHistory])] = []
        for entry in entries {
            let path = train + "/" + entry
            if FileManager.default.fileExists(atPath: path + "/" + ModelFolder.descriptionFile) {
                let d = try ModelFolder.load(from: path).description
                out.append((entry, d.method, d.history.map { [$0] } ?? []))
            } else if let data = FileManager.default.contents(atPath: path + "/" + EnsembleFolder.indexFile),
                      let index = try? JSONDecoder().decode(EnsembleFolder.self, from: data) {
                let members = try EnsembleFolder.load(from: path, kind: index.kind).map(\.model.description)
                out.append((entry, members.first?.method ?? "", members.compactMap(\.history)))
            }
        }
        return out
    }
}
