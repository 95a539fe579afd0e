#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SBICore
import SBINetworks

/// An ensemble on disk: member model folders side by side plus a small index.
///
/// ```
/// ensemble/
///   ensemble.json     {"formatVersion": 1, "kind": "parameterized-ratio", "members": ["member-0", …]}
///   member-0/         model.json + weights.npy (a ModelFolder)
///   member-1/ …
/// ```
/// Saving writes everything into a hidden sibling folder and renames it into place (an existing
/// ensemble is moved aside first and removed after), so readers never see a partial ensemble.
/// [1] MadMiner's Ensemble stores one estimator folder per member, arXiv:1907.10621.
public struct EnsembleFolder: Codable, Equatable, Sendable {
    /// File name of the index.
    public static let indexFile = "ensemble.json"
    /// The index format this build writes and reads.
    public static let currentFormatVersion = 1

    /// Version of the index layout.
    public var formatVersion: Int
    /// The kind every member has.
    public var kind: ModelKind
    /// Member folder names, in member order.
    public var members: [String]

    /// Writes `models` as members of the ensemble folder `path`, atomically.
    /// - Throws: `SBIError.io` when the file system refuses; the members' `ModelFolder.save` errors.
    public static func save(_ models: [ModelFolder], kind: ModelKind, to path: String) throws {
        var folder = path
        while folder.count > 1 && folder.hasSuffix("/") { folder.removeLast() }
        let url = URL(fileURLWithPath: folder)
        let parent = url.deletingLastPathComponent().path, name = url.lastPathComponent
        let temporary = parent + "/." + name + ".tmp-\(getpid())"
        try? FileManager.default.removeItem(atPath: temporary)
        guard mkdir(temporary, 0o755) == 0 else {
            throw SBIError.io("cannot create a folder next to the ensemble: \(String(cString: strerror(errno)))", file: path)
        }
        var committed = false
        defer { if !committed { try? FileManager.default.removeItem(atPath: temporary) } }
        let names = models.indices.map { "member-\($0)" }
        for (model, member) in zip(models, names) { try model.save(to: temporary + "/" + member) }
        let index = EnsembleFolder(formatVersion: currentFormatVersion, kind: kind, members: names)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFileWriter.write([UInt8](try encoder.encode(index)) + [0x0A], to: temporary + "/" + indexFile)
        try OwnedFolder.mark(temporary, writer: "sbi ensemble")
        try OwnedFolder.checkReplaceable(folder, ownNames: ModelFolder.replaceableEntries, option: "output folder")
        var old: String? = nil
        if FileManager.default.fileExists(atPath: folder) {
            let aside = parent + "/." + name + ".old-\(getpid())"
            try? FileManager.default.removeItem(atPath: aside)
            guard rename(folder, aside) == 0 else {
                throw SBIError.io("cannot move the previous ensemble aside: \(String(cString: strerror(errno)))", file: path)
            }
            old = aside
        }
        guard rename(temporary, folder) == 0 else {
            let message = String(cString: strerror(errno))
            if let old { _ = rename(old, folder) }
            throw SBIError.io("cannot move the new ensemble into place: \(message)", file: path)
        }
        committed = true
        if let old { try? FileManager.default.removeItem(atPath: old) }
    }

    /// Reads the index and every member of the ensemble folder `path`.
    /// - Throws: `SBIError.io` for a missing index; `SBIError.data` naming `ensemble.json` for bad JSON,
    ///   an unknown version, no members or a member of another kind; the members' load errors.
    public static func load(from path: String, kind: ModelKind) throws -> [(path: String, model: ModelFolder)] {
        let file = path + "/" + indexFile
        guard let data = FileManager.default.contents(atPath: file) else {
            throw SBIError.io("missing or unreadable ensemble index", file: file)
        }
        let index: EnsembleFolder
        do { index = try JSONDecoder().decode(EnsembleFolder.self, from: data) } catch {
            throw SBIError.data("not a valid ensemble index (formatVersion, kind, members): \(error)", file: file)
        }
        guard index.formatVersion == currentFormatVersion else {
            throw SBIError.data("unknown format version \(index.formatVersion); expected \(currentFormatVersion)", file: file, field: "formatVersion")
        }
        guard index.kind == kind else {
            throw SBIError.data("kind \(index.kind.rawValue); expected \(kind.rawValue)", file: file, field: "kind")
        }
        guard !index.members.isEmpty else { throw SBIError.data("no members; expected at least one", file: file, field: "members") }
        return try index.members.enumerated().map { k, member in
            guard !member.contains("/"), !member.hasPrefix(".") else {
                throw SBIError.data("member name \"\(member)\" must be a plain folder name", file: file, field: "members[\(k)]")
            }
            let memberPath = path + "/" + member
            return (memberPath, try ModelFolder.load(from: memberPath))
        }
    }

    /// The training settings of member k: the base settings with seed = substream k of `seed`.
    /// ```
    /// seed_k = SeededRandom(seed: seed).substream(k).seed
    /// ```
    public static func memberSettings(_ base: TrainingSettings, seed: UInt64, member k: Int) -> TrainingSettings {
        var s = base
        s.seed = SeededRandom(seed: seed).substream(UInt64(k)).seed
        return s
    }
}
