import Foundation
import SBICore
import SBIInference

/// Writes the result files of a limit calculation into one folder, each file atomically
/// (temporary file + rename): `contours.json`, `hepdata.yaml`, `contours.svg`, and the scans
/// `pvalues.npy`, `loglikelihood.npy`, `q.npy`, `grid.npy`.
///
/// ```
/// grid.npy           [nPoints, nParameters]   <f8, last grid axis fastest
/// loglikelihood.npy  [nEstimators, nPoints]   <f8, log L(θ) (−∞ where the model gives no events)
/// q.npy              [nEstimators, nPoints]   <f8, q(θ) = −2 (log L(θ) − log L(θ̂)), θ̂ the refined best fit
/// pvalues.npy        [nEstimators, nPoints]   <f8, p(θ) = P(χ²_k > q(θ)), k = nParameters
/// ```
/// Rows are in the order of contours.json's estimators (without its Neyman entries, which have no
/// likelihood scan). Recipes/README.md, `outputs`; Notebooks-md/03-reading-results.md reads them with numpy.
public enum ResultWriter {
    /// File names written by `write`.
    public static let fileNames = ["contours.json", "hepdata.yaml", "contours.svg"] + scanFileNames

    /// The scan files `writeScans` writes.
    public static let scanFileNames = ["pvalues.npy", "loglikelihood.npy", "q.npy", "grid.npy"]

    /// Writes all result files into `folder` (created if missing).
    /// - Precondition: every scan is over `grid`.
    /// - Throws: `SBIError.io` if the folder cannot be created or a file cannot be written.
    public static func write(_ file: ContoursFile, grid: ParameterGrid, scans: [LikelihoodScanResult], to folder: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw SBIError.io("exists and is not a folder", file: folder) }
        } else {
            do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                throw SBIError.io("cannot create the output folder: \(error.localizedDescription)", file: folder)
            }
        }
        let base = folder.hasSuffix("/") ? folder : folder + "/"
        try file.write(to: base + "contours.json")
        try HEPDataWriter.write(file, to: base + "hepdata.yaml")
        try ContourPlot.write(file, to: base + "contours.svg")
        try writeScans(scans, grid: grid, to: folder)
    }

    /// Writes `pvalues.npy`, `loglikelihood.npy`, `q.npy` (one row per scan) and `grid.npy` into `folder`.
    /// - Precondition: every scan is over `grid`.
    /// - Throws: `SBIError.io` if a file cannot be written.
    public static func writeScans(_ scans: [LikelihoodScanResult], grid: ParameterGrid, to folder: String) throws {
        precondition(scans.allSatisfy { $0.logLikelihood.count == grid.count }, "ResultWriter: a scan is not over the grid")
        let base = folder.hasSuffix("/") ? folder : folder + "/"
        func rows(_ values: (LikelihoodScanResult) -> [Double]) -> NPYArray {
            NPYArray(Matrix<Double>(rows: scans.count, columns: grid.count, storage: scans.flatMap(values)))
        }
        try NPYFile.write(rows(\.pValues), to: base + "pvalues.npy")
        try NPYFile.write(rows(\.logLikelihood), to: base + "loglikelihood.npy")
        try NPYFile.write(rows(\.q), to: base + "q.npy")
        try NPYFile.write(NPYArray(grid.points), to: base + "grid.npy")
    }
}
