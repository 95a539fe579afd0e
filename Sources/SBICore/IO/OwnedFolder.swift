import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The rule for folders sbi replaces: only what sbi wrote itself.
///
/// Every folder a writer creates carries a marker file, `.sbi-folder.json`
/// (`{"version": sbi's version, "writer": …}`; when: the file's modification time, so that equal runs
/// still give equal bytes). A writer may replace an existing folder only when
/// every entry in it is one of the names that writer produces (or the marker): a folder holding
/// anything else (a user's files, an input, a parent folder) is refused with an error naming the
/// folder and the entries that are not sbi's. Nothing is deleted to find out.
public enum OwnedFolder {
    /// Name of the marker file.
    public static let markerName = ".sbi-folder.json"

    /// Writes the marker into the existing folder `path`.
    /// - Throws: `SBIError.io` naming the marker when it cannot be written.
    public static func mark(_ path: String, writer: String) throws {
        let text = "{\"version\": \"\(SBIVersion.string)\", \"writer\": \"\(writer)\"}\n"
        try AtomicFileWriter.write(Array(text.utf8), to: path + "/" + markerName)
    }

    /// Entries of `path` that are neither the marker nor matched by `ownNames` (an exact name, or a
    /// prefix ending in `*`); nil when `path` does not exist.
    /// - Throws: `SBIError.io` when `path` exists but is not a folder or cannot be listed.
    public static func foreignEntries(_ path: String, ownNames: [String]) throws -> [String]? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        guard isDirectory.boolValue else { throw SBIError.io("exists and is not a folder; sbi replaces only folders it wrote", file: path) }
        let entries: [String]
        do { entries = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
            throw SBIError.io("cannot list the folder: \(error.localizedDescription)", file: path)
        }
        return entries.filter { entry in
            entry != markerName && !ownNames.contains { $0.hasSuffix("*") ? entry.hasPrefix(String($0.dropLast())) : entry == $0 }
        }.sorted()
    }

    /// Refuses to replace `path` when it holds anything the writer did not write.
    /// - Parameters:
    ///   - ownNames: the entries this writer produces (exact names or `prefix*`).
    ///   - option: the flag or field that chose `path`, named in the error.
    /// - Throws: `SBIError.io` naming `path`, the first foreign entries and `option`.
    public static func checkReplaceable(_ path: String, ownNames: [String], option: String) throws {
        guard let foreign = try foreignEntries(path, ownNames: ownNames), !foreign.isEmpty else { return }
        let shown = foreign.prefix(5).joined(separator: ", ") + (foreign.count > 5 ? ", … (\(foreign.count) in all)" : "")
        throw SBIError.io("refusing to replace this folder: it holds files sbi did not write (\(shown)); "
                          + "choose another \(option) or move them", file: path)
    }

    /// Refuses an output folder equal to, inside, or a parent of any input path.
    /// - Throws: `SBIError.data` naming `option` and the input.
    public static func checkSeparate(output: String, inputs: [String], option: String) throws {
        let out = canonical(output)
        for input in inputs {
            let inp = canonical(input)
            if out == inp || inp.hasPrefix(out + "/") || out.hasPrefix(inp + "/") || out == "/" {
                throw SBIError.data("the output folder \(output) overlaps the input \(input) (equal, inside or a parent of it); "
                                    + "choose another \(option)", field: option)
            }
        }
    }

    /// Absolute, standardised, symlinks resolved where the path exists.
    static func canonical(_ path: String) -> String {
        var p = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }
}
