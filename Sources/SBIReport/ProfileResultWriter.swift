import Foundation
import SBICore
import SBIInference

/// Writes the profile likelihoods (`ProfileProjection`) of a scan over two or more parameters as complete result
/// folders under `profiles/`: every parameter's, and with three or more parameters every pair's (with two, the
/// pair is the scan itself):
///
/// ```
/// profiles/<a>/            contours.json (intervals), hepdata.yaml, contours.svg, pvalues.npy, …   k = 1
/// profiles/<a>_vs_<b>/     contours.json (contours),  hepdata.yaml, contours.svg, pvalues.npy, …   k = 2
/// profiles/profiles.svg    every profile on one page (`ProfileOverviewPlot`)
/// profiles/profiles.json   the index: the grid's parameters and each profile's kept indices and folder, in order
/// ```
/// Each profile is q_prof(θ_K) = −2 (max_rest log L(θ_K, θ_rest) − max log L) on the sub-grid of the kept
/// parameters K, with p-values from χ² with k = |K| degrees of freedom (Wilks), so its regions are those of
/// a 1- or 2-parameter analysis of the same data with the other couplings free. Each file's notes end
/// with the parameters profiled away. [1] G. Cowan, K. Cranmer, E. Gross, O. Vitells, arXiv:1007.1727 §2.
public enum ProfileResultWriter {
    /// The folder under the output folder that holds the profiles.
    public static let folderName = "profiles"

    /// The overview figure under `profiles/`.
    public static let overviewFileName = "profiles.svg"

    /// The index under `profiles/` (`Index`), read back by `read(from:)`.
    public static let indexFileName = "profiles.json"

    /// `profiles/profiles.json`: what the folder holds, in the order written.
    public struct Index: Codable, Sendable, Equatable {
        /// One profile: the indices of the kept parameters and the folder relative to the output folder.
        public struct Entry: Codable, Sendable, Equatable {
            public var kept: [Int]
            public var folder: String
        }
        /// The scanned grid's parameter names.
        public var parameters: [String]
        public var profiles: [Entry]
    }

    /// A profile's folder name: the kept parameters' names joined by `_vs_` (`theta1`, `theta1_vs_theta2`).
    public static func profileFolderName(_ names: [String]) -> String { names.joined(separator: "_vs_") }

    /// One written profile: which parameters it keeps, its contours file and its folder (relative to the output).
    public struct Profile: Sendable {
        public var kept: [Int]
        public var file: ContoursFile
        public var folder: String
    }

    /// Profiles `results` (at least one, every one on the regular `grid` of ≥ 2 parameters) on every parameter and, with
    /// three or more, every pair, and writes each profile's result files; returns them in the order (0), (1), …, (0, 1), (0, 2), …
    /// - Parameters:
    ///   - parameters: one entry per grid parameter (names, units, labels, ranges).
    ///   - notes: the lines of `ContoursFile.notes` shared by all profiles.
    ///   - members: an ensemble's members' own scans by the ensemble's name in `results`, each profiled the same way
    ///     and kept in its entry (`ContoursFile.Estimator.members`: the band of the members' regions).
    /// - Throws: `SBIError.data` for a grid that is not regular or results on another grid; `SBIError.io` from the writers.
    public static func write(results: [(name: String, mode: String, result: LikelihoodScanResult)], grid: ParameterGrid,
                             parameters: [ContoursFile.Parameter], confidenceLevels: [Double], thetaTrue: [Double]?,
                             refinement: Int, notes: [String], recipeHash: String? = nil,
                             members: [String: [(name: String, mode: String, result: LikelihoodScanResult)]] = [:],
                             to folder: String) throws -> [Profile] {
        let n = grid.parameterCount
        guard n >= 2, parameters.count == n, !results.isEmpty else {
            throw SBIError.data("profiles need results on a grid of at least 2 parameters with one description each; have \(results.count) results, "
                                + "\(n) parameters and \(parameters.count) descriptions", field: "grid")
        }
        // With two parameters the pair's profile is the scan itself: only the single parameters.
        let subsets = ProfileProjection.subsets(parameterCount: n).filter { n >= 3 || $0.count == 1 }
        let base = folder.hasSuffix("/") ? folder : folder + "/"
        var written: [Profile] = []
        for kept in subsets {
            let profiled = try results.map { r in (name: r.name, mode: r.mode, result: try ProfileProjection.profile(r.result, keeping: kept)) }
            let sub = profiled[0].result.grid
            let space = kept.map { parameters[$0] }, keptTruth = thetaTrue.map { t in kept.map { t[$0] } }
            var file = try ContoursFile.make(space: space, grid: sub, results: profiled, confidenceLevels: confidenceLevels,
                                             thetaTrue: keptTruth, refinement: refinement, recipeHash: recipeHash)
            for i in file.estimators.indices {
                guard let own = members[file.estimators[i].name], !own.isEmpty else { continue }
                let scans = try own.map { m in (name: m.name, mode: m.mode, result: try ProfileProjection.profile(m.result, keeping: kept)) }
                file.estimators[i].members = try ContoursFile.make(space: space, grid: sub, results: scans, confidenceLevels: confidenceLevels,
                                                                   thetaTrue: keptTruth, refinement: refinement).estimators
            }
            let others = (0..<n).filter { !kept.contains($0) }.map { parameters[$0].name }
            file.notes = notes + ["profiled over \(others.joined(separator: ", ")) (maximum of log L on the grid)"]
            let name = profileFolderName(kept.map { parameters[$0].name })
            try ResultWriter.write(file, grid: sub, scans: profiled.map(\.result), to: base + folderName + "/" + name)
            written.append(Profile(kept: kept, file: file, folder: folderName + "/" + name))
        }
        let index = Index(parameters: parameters.map(\.name), profiles: written.map { .init(kept: $0.kept, folder: $0.folder) })
        try AtomicFileWriter.write(ResultJSON.bytes(index), to: base + folderName + "/" + indexFileName)
        try ProfileOverviewPlot.write(written.map { ($0.kept, $0.file) }, count: n, title: "Profile likelihoods of " + parameters.map(\.name).joined(separator: ", "),
                                      to: base + folderName + "/" + overviewFileName)
        return written
    }

    /// The profiles `write` put under `folder` (its output folder), in the order written, with their contours files.
    /// - Throws: `SBIError.io`/`.data` naming a missing or damaged index or contours.json.
    public static func read(from folder: String) throws -> (parameters: [String], profiles: [Profile]) {
        let base = folder.hasSuffix("/") ? folder : folder + "/"
        let path = base + folderName + "/" + indexFileName
        guard let data = FileManager.default.contents(atPath: path) else { throw SBIError.io("the profiles' index is missing", file: path) }
        let index: Index
        do { index = try ResultJSON.decoder().decode(Index.self, from: data) } catch {
            throw SBIError.data("not a profiles index: \(error)", file: path)
        }
        let n = index.parameters.count
        let profiles = try index.profiles.map { entry -> Profile in
            // A folder outside profiles/ or kept indices that do not name the grid's parameters mean a damaged index.
            guard entry.folder.hasPrefix(folderName + "/"), !entry.folder.contains(".."), !entry.kept.isEmpty,
                  entry.kept.allSatisfy({ (0..<n).contains($0) }) else {
                throw SBIError.data("profile \(entry.folder) with parameters \(entry.kept); expected a folder under \(folderName)/ and indices below \(n)", file: path)
            }
            let file = try ContoursFile.read(base + entry.folder + "/contours.json")
            return Profile(kept: entry.kept, file: file, folder: entry.folder)
        }
        return (index.parameters, profiles)
    }
}
