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
/// A scan over 3 or more parameters submits every profile (`LimitsResultSet`): the same tables per profile,
/// named "θ1 vs θ2 (profiled over θ3): …" with data files `theta1_vs_theta2_<table>.yaml`.
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
        files([Part(file: file, scan: scan)], cmEnergies: cmEnergies)
    }

    /// One contours file of a submission with several (the profiles of a scan over 3 or more parameters): its tables'
    /// names start with `title` and their data files with `fileStem` (nil for a submission of one file).
    public struct Part {
        public var file: ContoursFile
        public var scan: (grid: Matrix<Double>, q: Matrix<Double>)?
        public var title: String?
        public var fileStem: String?
        public init(file: ContoursFile, scan: (grid: Matrix<Double>, q: Matrix<Double>)?, title: String? = nil, fileStem: String? = nil) {
            self.file = file
            self.scan = scan
            self.title = title
            self.fileStem = fileStem
        }
    }

    /// The submission's files of every part's tables, in order (submission.yaml first, one comment).
    public static func files(_ parts: [Part], cmEnergies: Double?) -> [(name: String, text: String)] {
        let version = parts.first?.file.version ?? SBIVersion.string
        var submission = "---\ncomment: \(HEPDataWriter.quote("Confidence regions and likelihood scans from sbi \(version) (simulation-based inference; arXiv:1805.00013, 1805.00020)."))\n"
        var data: [(name: String, text: String)] = []
        for part in parts { tables(part, cmEnergies: cmEnergies, submission: &submission, data: &data) }
        return [("submission.yaml", submission)] + data
    }

    /// Appends `part`'s tables (regions, likelihood scan, best fits) to `submission` and their data files to `data`.
    static func tables(_ part: Part, cmEnergies: Double?, submission: inout String, data: inout [(name: String, text: String)]) {
        let file = part.file, p = file.parameters
        func table(_ name: String, _ description: String, _ dataFile: String, _ body: String) {
            let name = part.title.map { "\($0): \(name)" } ?? name
            let dataFile = part.fileStem.map { "\(FitFigures.fileSafe($0))_\(dataFile)" } ?? dataFile
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
        if let (grid, q) = part.scan, q.rows > 0, q.columns == grid.rows, grid.columns == p.count {
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
    }

    /// Writes `folder/hepdata/` (created; replaced only when it holds nothing but a submission's YAML
    /// files) and `folder/hepdata.tar.gz`; returns the two names.
    /// - Throws: `SBIError.io` for a `hepdata/` folder with other files, or when a file cannot be written.
    public static func write(_ file: ContoursFile, scan: (grid: Matrix<Double>, q: Matrix<Double>)?, cmEnergies: Double?,
                             into folder: String) throws -> [String] {
        try write([Part(file: file, scan: scan)], cmEnergies: cmEnergies, into: folder)
    }

    /// Writes the submission of several contours files (`Part`) as `write(_:scan:cmEnergies:into:)` does for one.
    public static func write(_ parts: [Part], cmEnergies: Double?, into folder: String) throws -> [String] {
        let target = folder + "/" + folderName
        try OwnedFolder.checkReplaceable(target, ownNames: yamlNames(target), option: "output folder")
        let list = files(parts, cmEnergies: cmEnergies)
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
