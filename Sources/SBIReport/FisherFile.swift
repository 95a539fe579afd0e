import Foundation
import SBICore
import SBIInference

/// One entry of `fisher.json`, the Fisher information at θ_true of one likelihood of a fit:
/// `{ "name", "mode", "parameters", "matrix": row-major [k·k] }` (the limits stage of `sbi fit` writes
/// them; Recipes/README.md, `inference.fisher_information`).
public struct FisherFileEntry: Codable, Equatable, Sendable {
    /// The estimator or mode ("truth", "alices", "alices_profiled", …).
    public var name: String
    /// Its inference mode.
    public var mode: String
    /// The parameters the matrix is over.
    public var parameters: [String]
    /// I, row-major.
    public var matrix: [Double]

    public init(name: String, mode: String, parameters: [String], matrix: [Double]) {
        self.name = name
        self.mode = mode
        self.parameters = parameters
        self.matrix = matrix
    }

    /// The entries of the `fisher.json` at `path`.
    /// - Throws: `SBIError.io` if unreadable, `SBIError.data` naming the file if it is not such a list or a
    ///   matrix does not have parameters² entries.
    public static func read(_ path: String) throws -> [FisherFileEntry] {
        guard let data = FileManager.default.contents(atPath: path) else { throw SBIError.io("cannot read the file", file: path) }
        let entries: [FisherFileEntry]
        do { entries = try JSONDecoder().decode([FisherFileEntry].self, from: data) } catch {
            throw SBIError.data("not a Fisher information file ([{name, mode, parameters, matrix}]): \(error)", file: path)
        }
        for (k, e) in entries.enumerated() where e.matrix.count != e.parameters.count * e.parameters.count {
            throw SBIError.data("\(e.matrix.count) matrix entries for \(e.parameters.count) parameters", file: path, field: "[\(k)].matrix")
        }
        return entries
    }

    /// The linearised regions to draw over contours of `parameters` centred at `centre`: the entries over
    /// exactly those parameters, named after the estimator they belong to ("alices_profiled" → "alices").
    /// With `scanned` (the parameters of a scan over 3 or more, `parameters` a pair of them): the entries over exactly
    /// `scanned`, each profiled onto the pair, I_KK − I_KR I_RR⁻¹ I_RK (the linearised region of the profile likelihood;
    /// entries whose rest block is singular are left out).
    public static func ellipses(_ entries: [FisherFileEntry], parameters: [String], centre: [Double], scanned: [String]? = nil) -> [FisherEllipse] {
        guard let scanned, scanned != parameters else { return ellipses(entries, parameters: parameters, centre: centre) }
        let profiled = entries.filter { $0.parameters == scanned }.compactMap { e -> FisherFileEntry? in
            let n = scanned.count
            guard let info = try? FisherInformation(names: scanned, matrix: Matrix(rows: n, columns: n, storage: e.matrix)).profiled(keeping: parameters) else { return nil }
            return FisherFileEntry(name: e.name, mode: e.mode, parameters: info.names, matrix: info.matrix.storage)
        }
        return ellipses(profiled, parameters: parameters, centre: centre)
    }

    static func ellipses(_ entries: [FisherFileEntry], parameters: [String], centre: [Double]) -> [FisherEllipse] {
        entries.filter { $0.parameters == parameters }.map { e in
            let name = e.name.hasSuffix("_profiled") ? String(e.name.dropLast("_profiled".count)) : e.name
            let k = parameters.count
            return FisherEllipse(name: name, information: FisherInformation(names: parameters, matrix: Matrix(rows: k, columns: k, storage: e.matrix)),
                                 centre: centre)
        }
    }
}
