#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SBICore

/// A trained network on disk: a folder holding `model.json` (a `ModelDescription`) and
/// `weights.npy` (the flat Float32 parameters).
///
/// ```
/// model/
///   model.json    ModelDescription, JSON with sorted keys
///   weights.npy   <f4, shape [parameterCount] (architecture.parameterCount; × flowBlocks for a flow)
/// ```
/// ## Atomic saving
/// Both files are written into a hidden sibling folder `.<name>.tmp-<pid>-<k>` (each
/// synced to disk by `AtomicFileWriter`), which is then renamed to `<name>`. If `<name>`
/// already exists it is first renamed to `.<name>.old-<pid>-<k>` and removed after the
/// new folder is in place. A reader therefore sees the old model, no folder (during
/// the instant between the two renames), or the new model — never a mix of files; a
/// crash leaves at most a hidden temporary folder behind. The weights round-trip bit
/// for bit (`<f4` written and read as raw bytes).
///
/// [1] MadMiner stores each estimator as settings JSON plus weights, arXiv:1907.10621.
public struct ModelFolder: Sendable {
    /// File name of the description.
    public static let descriptionFile = "model.json"
    /// File name of the weights.
    public static let weightsFile = "weights.npy"
    /// What a model folder or an ensemble folder of models (its `ensemble.json` index and
    /// `member-*` models) may hold: either may replace the other, nothing else is replaced.
    public static let replaceableEntries = [descriptionFile, weightsFile, "ensemble.json", "member-*"]

    /// The description read from or written to `model.json`.
    public var description: ModelDescription
    /// The flat parameters, `[description.parameterCount]`.
    public var parameters: [Float]

    /// A model from its parts.
    /// - Precondition: `parameters.count == description.parameterCount`.
    public init(description: ModelDescription, parameters: [Float]) {
        precondition(parameters.count == description.parameterCount,
                     "ModelFolder: \(parameters.count) parameters, architecture \(description.architecture.layerWidths) needs \(description.parameterCount)")
        self.description = description
        self.parameters = parameters
    }

    /// A model holding a network's architecture, scaling and parameters.
    public init(mlp: MLP, kind: ModelKind, method: String, parameterNames: [String], observableNames: [String],
                training: TrainingSettings? = nil, history: TrainingHistory? = nil) {
        self.init(description: ModelDescription(kind: kind, method: method, architecture: mlp.architecture,
                                                parameterNames: parameterNames, observableNames: observableNames,
                                                inputScaling: mlp.scaling, training: training, history: history),
                  parameters: mlp.parameters)
    }

    /// A model holding a flow's architecture (one MADE's shape and the block count), scaling and weights.
    public init(flow: MaskedAutoregressiveFlow, method: String, parameterNames: [String], observableNames: [String],
                training: TrainingSettings? = nil, history: TrainingHistory? = nil) {
        let a = flow.architecture
        var description = ModelDescription(kind: .likelihood, method: method,
                                           architecture: MLPArchitecture(nObservables: a.nObservables, nParameters: a.nParameters,
                                                                         hiddenSizes: a.hiddenSizes, activation: a.activation,
                                                                         outputSize: a.outputSize),
                                           parameterNames: parameterNames, observableNames: observableNames,
                                           inputScaling: flow.scaling, training: training, history: history)
        description.flowBlocks = a.blocks
        self.init(description: description, parameters: flow.parameters)
    }

    /// The flow these files describe (kind `likelihood`).
    /// - Throws: `SBIError.data` for another kind or weights that break the autoregressive masks.
    public func flow() throws -> MaskedAutoregressiveFlow {
        let d = description
        guard d.kind == .likelihood, let blocks = d.flowBlocks else {
            throw SBIError.data("kind \(d.kind.rawValue); expected \(ModelKind.likelihood.rawValue)", field: "kind")
        }
        let a = MAFArchitecture(nObservables: d.architecture.nObservables, nParameters: d.architecture.nParameters, blocks: blocks,
                                hiddenSizes: d.architecture.hiddenSizes, activation: d.architecture.activation)
        return try MaskedAutoregressiveFlow(architecture: a, scaling: d.inputScaling, parameters: parameters)
    }

    /// The network these files describe.
    /// - Throws: `SBIError.data` if the parts do not fit (cannot happen for a folder that `load` accepted).
    public func mlp() throws -> MLP {
        try MLP(architecture: description.architecture, scaling: description.inputScaling, parameters: parameters)
    }

    // MARK: Saving

    /// Writes the folder `path` atomically (see the type's documentation), replacing an existing model.
    /// - Throws: `SBIError.data` for an invalid description or non-finite numbers, `SBIError.io` when the
    ///   file system refuses (the message names the path).
    public func save(to path: String) throws {
        try description.validate()
        let folder = ModelFolder.trimmed(path)
        let (parent, name) = ModelFolder.split(folder)
        guard !name.isEmpty else { throw SBIError.io("not a folder name", file: path) }
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: parent.isEmpty ? "." : parent, isDirectory: &isDirectory) || !isDirectory.boolValue {
            throw SBIError.io("the parent folder does not exist", file: path)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json: Data
        do {
            json = try encoder.encode(description)
        } catch {
            throw SBIError.data("cannot encode the model description: \(error)", file: folder + "/" + ModelFolder.descriptionFile)
        }

        let temporary = try ModelFolder.createUniqueFolder(parent: parent, name: name, tag: "tmp", for: path)
        var committed = false
        defer { if !committed { try? FileManager.default.removeItem(atPath: temporary) } }
        try AtomicFileWriter.write([UInt8](json) + [0x0A], to: temporary + "/" + ModelFolder.descriptionFile)
        try NPYFile.write(NPYArray(shape: [parameters.count], data: .float32(parameters)),
                          to: temporary + "/" + ModelFolder.weightsFile)

        try OwnedFolder.mark(temporary, writer: "sbi model")
        try OwnedFolder.checkReplaceable(folder, ownNames: ModelFolder.replaceableEntries, option: "output folder")
        var old: String? = nil
        if FileManager.default.fileExists(atPath: folder) {
            let target = ModelFolder.uniqueName(parent: parent, name: name, tag: "old")
            guard rename(folder, target) == 0 else {
                throw SBIError.io("cannot move the previous model aside: \(String(cString: strerror(errno)))", file: path)
            }
            old = target
        }
        guard rename(temporary, folder) == 0 else {
            let message = String(cString: strerror(errno))
            if let old { _ = rename(old, folder) }
            throw SBIError.io("cannot move the new model into place: \(message)", file: path)
        }
        committed = true
        if let old { try? FileManager.default.removeItem(atPath: old) }
    }

    // MARK: Loading

    /// Reads and checks the folder `path`.
    /// - Throws: `SBIError.io` for a missing folder or file; `SBIError.data` naming the file and the
    ///   field for invalid JSON, an unknown `formatVersion`, a missing or mistyped field, inconsistent
    ///   sizes, or weights of the wrong dtype, shape or with non-finite values.
    public static func load(from path: String) throws -> ModelFolder {
        let folder = trimmed(path)
        let jsonPath = folder + "/" + descriptionFile
        let weightsPath = folder + "/" + weightsFile
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SBIError.io("no model folder here", file: path)
        }
        guard let data = FileManager.default.contents(atPath: jsonPath) else {
            throw SBIError.io("missing or unreadable model description", file: jsonPath)
        }
        let description = try decodeDescription(data, file: jsonPath)
        do {
            try description.validate()
        } catch let error as SBIError {
            throw error.inFile(jsonPath)
        }

        let weights = try NPYFile.read(weightsPath)
        let expected = description.parameterCount
        guard case .float32(let values) = weights.data else {
            throw SBIError.data("dtype \(weights.dtype.rawValue); expected <f4 (Float32 weights)", file: weightsPath, field: "dtype")
        }
        guard weights.shape == [expected] else {
            throw SBIError.data("shape \(weights.shape); expected [\(expected)] for layers \(description.architecture.layerWidths) in \(descriptionFile)",
                                file: weightsPath, field: "shape")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw SBIError.data("non-finite weight \(values[bad]); expected finite numbers", file: weightsPath, field: "element \(bad)")
        }
        return ModelFolder(description: description, parameters: values)
    }

    /// Decodes `model.json`: first the format version alone, then the whole description.
    static func decodeDescription(_ data: Data, file: String) throws -> ModelDescription {
        struct VersionProbe: Decodable { var formatVersion: Int? }
        let decoder = JSONDecoder()
        let probe: VersionProbe
        do {
            probe = try decoder.decode(VersionProbe.self, from: data)
        } catch {
            if case DecodingError.typeMismatch(_, let context) = error, !context.codingPath.isEmpty {
                throw SBIError.data("expected an integer format version", file: file, field: "formatVersion")
            }
            throw SBIError.data("not a valid JSON object: \(underlyingMessage(error))", file: file)
        }
        guard let version = probe.formatVersion else {
            throw SBIError.data("missing; expected \(ModelDescription.currentFormatVersion)", file: file, field: "formatVersion")
        }
        guard version >= 1 && version <= ModelDescription.currentFormatVersion else {
            throw SBIError.data("unknown format version \(version); this sbi \(SBIVersion.string) reads versions 1...\(ModelDescription.currentFormatVersion)",
                                file: file, field: "formatVersion")
        }
        do {
            return try decoder.decode(ModelDescription.self, from: data)
        } catch let error as DecodingError {
            throw describe(error, file: file)
        }
    }

    /// An `SBIError` naming the JSON path of a decoding failure (`architecture.hiddenSizes[1]`).
    static func describe(_ error: DecodingError, file: String) -> SBIError {
        func path(_ keys: [CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text
        }
        switch error {
        case .keyNotFound(let key, let context):
            return SBIError.data("missing field", file: file, field: path(context.codingPath + [key]))
        case .typeMismatch(let type, let context):
            return SBIError.data("wrong type; expected \(jsonTypeName(type))", file: file, field: path(context.codingPath))
        case .valueNotFound(let type, let context):
            return SBIError.data("null; expected \(jsonTypeName(type))", file: file, field: path(context.codingPath))
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            if let last = context.codingPath.last, last.stringValue == "kind" {
                return SBIError.data("unknown kind; expected one of \(ModelKind.allCases.map(\.rawValue).joined(separator: ", "))",
                                     file: file, field: field)
            }
            if let last = context.codingPath.last, last.stringValue == "activation" {
                return SBIError.data("unknown activation; expected one of \(Activation.allCases.map(\.rawValue).joined(separator: ", "))",
                                     file: file, field: field)
            }
            if let last = context.codingPath.last, last.stringValue == "optimizer" {
                return SBIError.data("unknown optimizer; expected one of \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", "))",
                                     file: file, field: field)
            }
            return SBIError.data(context.debugDescription, file: file, field: field.isEmpty ? nil : field)
        @unknown default:
            return SBIError.data("cannot decode: \(error)", file: file)
        }
    }

    private static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is UInt64.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is Bool.Type: return "true or false"
        default:
            let name = String(describing: type)
            return name.hasPrefix("Array") ? "a list" : "an object"
        }
    }

    private static func underlyingMessage(_ error: Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            if let underlying = context.underlyingError { return String(describing: underlying) }
            return context.debugDescription
        }
        return String(describing: error)
    }

    // MARK: Paths

    private static func trimmed(_ path: String) -> String {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }

    private static func split(_ path: String) -> (parent: String, name: String) {
        if let slash = path.lastIndex(of: "/") {
            return (String(path[...slash]), String(path[path.index(after: slash)...]))
        }
        return ("", path)
    }

    private static func uniqueName(parent: String, name: String, tag: String) -> String {
        var k = 0
        while true {
            let candidate = parent + "." + name + ".\(tag)-\(getpid())-\(k)"
            if !FileManager.default.fileExists(atPath: candidate) { return candidate }
            k += 1
        }
    }

    private static func createUniqueFolder(parent: String, name: String, tag: String, for path: String) throws -> String {
        for k in 0..<100 {
            let candidate = parent + "." + name + ".\(tag)-\(getpid())-\(k)"
            if mkdir(candidate, 0o755) == 0 { return candidate }
            if errno != EEXIST {
                throw SBIError.io("cannot create a folder next to the model: \(String(cString: strerror(errno)))", file: path)
            }
        }
        throw SBIError.io("cannot create a temporary folder next to the model", file: path)
    }
}
