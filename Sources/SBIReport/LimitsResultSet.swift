import Foundation
import SBICore
import SBIInference

/// The confidence regions a limits folder holds, as the figures, the report page and the HEPData submission read
/// them: one `contours.json` for a scan over 1 or 2 parameters, or, for 3 or more, the profiles
/// `ProfileResultWriter` wrote (every parameter's interval and every pair's contour with the others profiled).
///
/// ```
/// limits/contours.json                    one entry, no title                           (1–2 parameters)
/// limits/profiles/profiles.json + folders  one entry per profile: "θ2 (profiled over θ1, θ3)"  (≥ 3 parameters)
/// ```
public struct LimitsResultSet: Sendable {
    /// One contours file with where it lies.
    public struct Entry: Sendable {
        /// nil for the whole scan; a profile's kept and profiled parameters otherwise.
        public var title: String?
        /// The folder holding its contours.json (and scans), relative to the limits folder ("" for the limits folder itself).
        public var folder: String
        /// The indices of the scan's parameters it keeps (all of them for the whole scan).
        public var kept: [Int]
        public var file: ContoursFile
    }

    /// The scan's parameter names.
    public var parameters: [String]
    /// The whole scan's regions, or every profile in `ProfileResultWriter`'s order (each parameter, then each pair).
    public var entries: [Entry]
    /// Whether the entries are profiles (a scan over 3 or more parameters).
    public var isProfiled: Bool { entries.first?.title != nil }

    /// The results in `folder`: its contours.json if there is one, else its profiles' index.
    /// - Throws: `SBIError.io` when the folder holds neither; `.data` for a damaged file (named).
    public static func read(_ folder: String) throws -> LimitsResultSet {
        let base = folder.hasSuffix("/") ? folder : folder + "/"
        if FileManager.default.fileExists(atPath: base + "contours.json") {
            let file = try ContoursFile.read(base + "contours.json")
            return LimitsResultSet(parameters: file.parameters.map(\.name),
                                   entries: [Entry(title: nil, folder: "", kept: Array(file.parameters.indices), file: file)])
        }
        guard FileManager.default.fileExists(atPath: base + ProfileResultWriter.folderName + "/" + ProfileResultWriter.indexFileName) else {
            throw SBIError.io("no limits results here (contours.json, or \(ProfileResultWriter.folderName)/\(ProfileResultWriter.indexFileName) "
                              + "for 3 or more parameters); run sbi fit or sbi limits first", file: folder)
        }
        let (names, profiles) = try ProfileResultWriter.read(from: folder)
        return LimitsResultSet(parameters: names, entries: profiles.map { p in
            Entry(title: title(kept: p.kept, names: names), folder: p.folder, kept: p.kept, file: p.file)
        })
    }

    /// "θ2 (profiled over θ1, θ3)", "θ1 vs θ2 (profiled over θ3)".
    public static func title(kept: [Int], names: [String]) -> String {
        let others = names.indices.filter { !kept.contains($0) }.map { names[$0] }
        return kept.map { names[$0] }.joined(separator: " vs ") + (others.isEmpty ? "" : " (profiled over \(others.joined(separator: ", ")))")
    }

    /// The notes every entry shares: a profile's last note names what it profiles away, which its title says.
    public var sharedNotes: [String] {
        guard let first = entries.first, let notes = first.file.notes else { return [] }
        return first.title == nil ? notes : Array(notes.dropLast())
    }
}
