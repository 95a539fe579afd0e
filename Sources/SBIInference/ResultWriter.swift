import Foundation
import SBICore

/// Writes the result files of a limit calculation into one folder, each file atomically
/// (temporary file + rename): `contours.json`, `hepdata.yaml`, `contours.svg`, `pvalues.npy`, `grid.npy`.
///
/// ```
/// pvalues.npy  [nEstimators, nPoints]   <f8, rows in the order of contours.json's estimators
/// grid.npy     [nPoints, nParameters]   <f8, last grid axis fastest
/// ```
/// Recipes/README.md, `outputs`.
public enum ResultWriter {
    /// File names written by `write`.
    public static let fileNames = ["contours.json", "hepdata.yaml", "contours.svg", "pvalues.npy", "grid.npy"]

    /// Writes all result files into `folder` (created if missing).
    /// - Precondition: `pValues` is `[nEstimators, nPoints]`.
    /// - Throws: `SBIError.io` if the folder cannot be created or a file cannot be written.
    public static func write(_ file: ContoursFile, grid: ParameterGrid, pValues: Matrix<Double>, to folder: String) throws {
        precondition(pValues.rows == file.estimators.count && pValues.columns == grid.count,
                     "ResultWriter: p-values [\(pValues.rows), \(pValues.columns)] for \(file.estimators.count) estimators × \(grid.count) points")
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
        try NPYFile.write(NPYArray(pValues), to: base + "pvalues.npy")
        try NPYFile.write(NPYArray(grid.points), to: base + "grid.npy")
    }
}
