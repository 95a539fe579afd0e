import Foundation
import SBICore
import SBIInference

/// A HEPData submission as the site accepts it: a folder with `submission.yaml` (one document per
/// table naming its data file) and one data file per table, and the same files as a `.tar.gz` archive.
///
/// ```
/// hepdata/submission.yaml       --- comment            --- name, description, keywords, data_file   (per table)
/// hepdata/<region>.yaml         contour or interval of one estimator at one CL (as in hepdata.yaml)
/// hepdata/likelihood_scan.yaml  independent: the grid's parameters; dependent: q(θ) = −2 Δlog L per estimator
/// hepdata/best_fit.yaml         independent: estimator; dependent: the best fit of each parameter
/// hepdata.tar.gz                the folder's files at the archive's top level
/// ```
/// [1] HEPData submission format, https://hepdata-submission.readthedocs.io (submission.yaml, data files,
/// keywords, archives).
public enum HEPDataSubmission {
    /// The folder name.
    public static let folderName = "hepdata"
    /// The archive name.
    public static let archiveName = "hepdata.tar.gz"

    /// The submission's files (name, text): submission.yaml first. `scan`: the grid points `[points, parameters]`
    /// and q `[estimators, points]` (rows in the order of `file`'s estimators); `cmEnergies` in GeV.
    public static func files(_ file: ContoursFile, scan: (grid: Matrix<Double>, q: Matrix<Double>)?, cmEnergies: Double?) -> [(name: String, text: String)] {
        let p = file.parameters
        var submission = "---\ncomment: \(HEPDataWriter.quote("Confidence regions and likelihood scans from sbi \(file.version) (simulation-based inference; arXiv:1805.00013, 1805.00020)."))\n"
        var data: [(String, String)] = []
        func table(_ name: String, _ description: String, _ dataFile: String, _ body: String) {
            submission += "---\nname: \(HEPDataWriter.quote(name))\ndescription: \(HEPDataWriter.quote(description))\n"
                + HEPDataWriter.keywords(p, cmEnergies: cmEnergies) + "data_file: \(dataFile)\n"
            data.append((dataFile, body))
        }
        for e in file.estimators {
            for cl in file.confidenceLevels {
                let percent = HEPDataWriter.format(cl * 100)
                let kind = p.count == 1 ? "interval" : "contour"
                table("\(e.name) \(percent)% CL", HEPDataWriter.describe(e, cl: cl, parameters: p, thetaTrue: file.thetaTrue),
                      "\(kind)_\(FitFigures.fileSafe(e.name))_\(percent.replacingOccurrences(of: ".", with: "p")).yaml",
                      HEPDataWriter.variables(e, cl: cl, parameters: p))
            }
        }
        if let (grid, q) = scan, q.rows > 0, q.columns == grid.rows, grid.columns == p.count {
            var body = "independent_variables:\n"
            for (i, parameter) in p.enumerated() {
                body += "- header: {name: \(HEPDataWriter.quote(parameter.name))\(HEPDataWriter.units(parameter))}\n"
                body += HEPDataWriter.block((0..<grid.rows).map { "  - {value: \(HEPDataWriter.format(grid[$0, i]))}\n" }.joined())
            }
            body += "dependent_variables:\n"
            for k in 0..<min(q.rows, file.estimators.count) {
                body += "- header: {name: \(HEPDataWriter.quote("q = -2 Delta log L"))}\n"
                body += "  qualifiers:\n  - {name: estimator, value: \(HEPDataWriter.quote(file.estimators[k].name))}\n"
                body += "  - {name: mode, value: \(HEPDataWriter.quote(file.estimators[k].mode))}\n"
                // q is +∞ where a model expects no events; HEPData writes a missing value as '-'.
                body += HEPDataWriter.block((0..<q.columns).map { j in
                    q[k, j].isFinite ? "  - {value: \(HEPDataWriter.format(q[k, j]))}\n" : "  - {value: '-'}\n"
                }.joined())
            }
            table("Likelihood scan", "The test statistic q(θ) = −2 (log L(θ) − log L(θ̂)) of every estimator at every grid point"
                  + (file.thetaTrue.map { "; Asimov data at \($0.map(HEPDataWriter.format).joined(separator: ", "))" } ?? "") + ".",
                  "likelihood_scan.yaml", body)
        }
        var body = "independent_variables:\n- header: {name: estimator}\n"
        body += HEPDataWriter.block(file.estimators.map { "  - {value: \(HEPDataWriter.quote($0.name))}\n" }.joined())
        body += "dependent_variables:\n"
        for (i, parameter) in p.enumerated() {
            body += "- header: {name: \(HEPDataWriter.quote("best fit " + parameter.name))\(HEPDataWriter.units(parameter))}\n"
            body += HEPDataWriter.block(file.estimators.map { "  - {value: \(HEPDataWriter.format($0.bestFit[i]))}\n" }.joined())
        }
        table("Best fits", "The maximum-likelihood point of every estimator (refined between grid points).", "best_fit.yaml", body)
        return [("submission.yaml", submission)] + data
    }

    /// Writes `folder/hepdata/` (created; replaced only when it holds nothing but a submission's YAML
    /// files) and `folder/hepdata.tar.gz`; returns the two names.
    /// - Throws: `SBIError.io` for a `hepdata/` folder with other files, or when a file cannot be written.
    public static func write(_ file: ContoursFile, scan: (grid: Matrix<Double>, q: Matrix<Double>)?, cmEnergies: Double?,
                             into folder: String) throws -> [String] {
        let target = folder + "/" + folderName
        try OwnedFolder.checkReplaceable(target, ownNames: yamlNames(target), option: "output folder")
        let list = files(file, scan: scan, cmEnergies: cmEnergies)
        do { try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true) } catch {
            throw SBIError.io("cannot create the folder: \(error.localizedDescription)", file: target)
        }
        for (name, text) in list { try AtomicFileWriter.write(text, to: target + "/" + name) }
        try TarGzArchive.write(list.map { ($0.name, Array($0.text.utf8)) }, to: folder + "/" + archiveName)
        return [folderName, archiveName]
    }

    /// The `.yaml` entries of `path` (the files an earlier submission may have left).
    static func yamlNames(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".yaml") }
    }
}
