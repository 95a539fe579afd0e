import Foundation
import SBICore

/// One unit of a stage's work: shards of a stage are independent, may run in any order, in one
/// process or many, and their merge gives the same bytes whichever way they ran.
///
/// ```
/// augment: one shard per sample, or `pieces` per sample of a simulator without morphing (θ-set ranges, own streams)
/// train:   one per estimator, or per ensemble member (member k: seed substream k)
/// limits:  one per block of grid rows, scanning every likelihood there, then one per block of toys (inference.toys)
///          and one per block of Neyman points (inference.toys.neyman_points); the merge makes q, p, contours,
///          Fisher, the toys' table and coverage, the Neyman p-values and the calibration diagnostics
/// plot:    one shard
/// ```
public struct FitShard: Sendable, Equatable {
    /// The stage the shard belongs to.
    public var stage: RecipeStage
    /// Its index, 0-based, in merge order.
    public var index: Int
    /// What it does ("sample train_ratio", "alices member 2", "ml alices").
    public var label: String
}

/// The record a shard run in its own process leaves (`<out>/.shards/<stage>/<index>/shard.json`).
public struct FitShardRecord: Codable, Sendable, Equatable {
    /// The stage's name.
    public var stage: String
    /// The shard's index and the stage's shard count when it ran.
    public var index: Int
    public var count: Int
    /// The stage's input hash when it ran.
    public var inputHash: String
    /// Items processed and the one-line result, as the stage record has them.
    public var items: Int
    public var detail: String

    /// Reads `path`; nil when missing or unreadable.
    public static func read(_ path: String) -> FitShardRecord? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(FitShardRecord.self, from: data)
    }

    func jsonBytes() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data()) + [0x0a]
    }
}

/// A stage as a multi-process run sees it: its shards, those still to run, and whether it is done.
public struct FitStagePlan: Sendable {
    /// The stage.
    public var stage: RecipeStage
    /// All its shards.
    public var shards: [FitShard]
    /// Indices of the shards without a valid result.
    public var pending: [Int]
    /// True when the stage is finished with the current inputs (nothing to run).
    public var done: Bool
}

extension FitPipeline {
    /// The shards of `stage`, in merge order.
    public func shards(of stage: RecipeStage) -> [FitShard] {
        let labels: [String]
        switch stage {
        case .simulate, .augment:
            labels = augmentShardList().map { s in "sample " + recipe.samples[s.sample].name + (s.piece.map { " piece \($0 + 1) of \(s.pieces)" } ?? "") }
        case .train: labels = trainShardList().map { $0.estimator.name + ($0.member.map { " member \($0)" } ?? "") }
        case .limits: labels = ((try? limitsBlocks()) ?? [0..<0]).map { "grid points \($0.lowerBound)..<\($0.upperBound)" }
                               + toyBlocks().map { "toys \($0.lowerBound)..<\($0.upperBound)" }
                               + ((try? neymanBlocks()) ?? []).map { "neyman points \($0.lowerBound)..<\($0.upperBound)" }
        case .plot: labels = ["plot"]
        }
        return labels.enumerated().map { FitShard(stage: stage, index: $0.offset, label: $0.element) }
    }

    /// Runs shard `index` of `stage` into the empty folder `folder`.
    func runShard(_ stage: RecipeStage, _ index: Int, into folder: String, setup: LimitsSetup? = nil) throws -> (items: Int, detail: String) {
        switch stage {
        case .simulate, .augment: return try augmentShard(index, into: folder)
        case .train: return try trainShard(index, into: folder)
        case .limits: return try limitsShard(index, into: folder, setup: setup)
        case .plot: return try plotShard(into: folder)
        }
    }

    /// Puts the shards of `stage` (folders in shard order, with their outcomes) together in `partial`.
    func mergeShards(_ stage: RecipeStage, _ shards: [(folder: String, items: Int, detail: String)], into partial: String,
                     setup: LimitsSetup? = nil) throws -> (items: Int, detail: String) {
        switch stage {
        case .train: return try mergeTrain(shards, into: partial)
        case .simulate, .augment: return try mergeAugment(shards, into: partial)
        case .limits: return try mergeLimits(shards.map(\.folder), into: partial, setup: setup)
        case .plot:
            for shard in shards {
                let entries = (try? FileManager.default.contentsOfDirectory(atPath: shard.folder)) ?? []
                for entry in entries.sorted() where entry != FitPipeline.shardRecordName {
                    try move(shard.folder + "/" + entry, to: partial + "/" + entry)
                }
            }
            return (shards.reduce(0) { $0 + $1.items }, shards.map(\.detail).joined(separator: ", "))
        }
    }

    /// Renames `source` to `destination` (same file system: the output folder).
    func move(_ source: String, to destination: String) throws {
        remove(destination)
        do { try FileManager.default.moveItem(atPath: source, toPath: destination) } catch {
            throw SBIError.io("cannot move a shard's result into place: \(error.localizedDescription)", file: destination)
        }
    }

    // MARK: - Shards in their own processes

    /// The file a stored shard's record is in.
    static let shardRecordName = "shard.json"

    /// `<out>/.shards`: where shards run in their own processes keep their results until the merge.
    var shardsRoot: String { folder + "/.shards" }

    /// `<out>/.shards/<stage>`: the finished shards of a stage a multi-process run has not merged yet.
    public func storedShardsFolder(_ stage: RecipeStage) -> String { shardsRoot + "/" + stage.rawValue }

    /// Makes `<out>/.shards` sbi's: created and marked (`OwnedFolder`) when missing; an existing one without
    /// the marker that holds anything is not sbi's and is refused.
    /// - Throws: `SBIError.io` naming the folder.
    func claimShardsRoot() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: shardsRoot, isDirectory: &isDirectory) else {
            try makeFolder(shardsRoot)
            try OwnedFolder.mark(shardsRoot, writer: "sbi fit")
            return
        }
        // Shard tasks start side by side: another one may be writing the marker (its hidden temporary file) right now.
        let writing = "." + OwnedFolder.markerName + ".tmp-"
        let entries = (isDirectory.boolValue ? (try? FileManager.default.contentsOfDirectory(atPath: shardsRoot)) ?? [] : ["(a file)"])
            .filter { !$0.hasPrefix(writing) }
        guard entries.isEmpty || entries.contains(OwnedFolder.markerName) else {
            throw SBIError.io("refusing to keep shards in this folder: sbi did not create it and it is not empty; "
                              + "choose another outputs.folder (or --out) or move it", file: shardsRoot)
        }
        if entries.isEmpty { try OwnedFolder.mark(shardsRoot, writer: "sbi fit") }
    }

    /// Removes `path` (inside `<out>/.shards`) only when `<out>/.shards` carries sbi's marker.
    func removeShards(_ path: String) {
        guard FileManager.default.fileExists(atPath: shardsRoot + "/" + OwnedFolder.markerName) else { return }
        remove(path)
    }

    /// `<out>/.shards/<stage>/<index>`.
    public func storedShardFolder(_ stage: RecipeStage, _ index: Int) -> String { storedShardsFolder(stage) + "/\(index)" }

    /// True when shard `index` of `stage` has a result for the current inputs.
    public func storedShardIsDone(_ stage: RecipeStage, _ index: Int) -> Bool {
        guard let record = FitShardRecord.read(storedShardFolder(stage, index) + "/" + Self.shardRecordName),
              let hash = try? inputHash(for: stage) else { return false }
        return record.inputHash == hash && record.count == shards(of: stage).count && record.index == index
    }

    /// True when `stage` is finished for the current inputs (its stage.json has their hash) and no
    /// `--force` run has it still to redo.
    public func stageIsDone(_ stage: RecipeStage) -> Bool {
        guard let record = FitStageRecord.read(stageFolder(stage) + "/stage.json"), let hash = try? inputHash(for: stage) else { return false }
        return record.inputHash == hash && !readForcePending().contains(stage)
    }

    /// Refuses a shard or merge whose earlier stages are not finished for the current inputs, or whose
    /// output folder does not exist (shards write only into a run's folder; `sbi fit` creates it).
    func requireEarlierStages(before stage: RecipeStage) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SBIError.io("no such output folder; shards run inside the folder of a run that sbi fit started", file: folder)
        }
        for earlier in FitPipeline.stages where earlier < stage && !stageIsDone(earlier) {
            throw SBIError.io("the \(earlier.rawValue) stage is not finished for this recipe; run sbi fit (shards run after it)",
                              file: stageFolder(earlier))
        }
    }

    /// Runs shard `index` of `stage` in this process and stores it in `storedShardFolder` (written aside,
    /// then renamed into place with its `shard.json`). Used by the executors' shard tasks.
    /// - Throws: `SBIError.usage` for an index out of range; `SBIError.io` when an earlier stage is unfinished;
    ///   the stage's errors (nothing is left behind then).
    public func runStoredShard(_ stage: RecipeStage, index: Int) throws {
        let count = shards(of: stage).count
        guard index >= 0, index < count else {
            throw SBIError.usage("shard \(index) of stage \(stage.rawValue): the stage has \(count) shard(s), 0…\(count - 1)", field: "--shard-index")
        }
        try requireEarlierStages(before: stage)
        let hash = try inputHash(for: stage)
        try claimShardsRoot()
        try makeFolder(storedShardsFolder(stage))
        let final = storedShardFolder(stage, index)
        let partial = storedShardsFolder(stage) + "/.\(index).partial-\(getpid())"
        remove(partial)
        try makeFolder(partial)
        do {
            let outcome = try runShard(stage, index, into: partial)
            let record = FitShardRecord(stage: stage.rawValue, index: index, count: count, inputHash: hash, items: outcome.items, detail: outcome.detail)
            try AtomicFileWriter.write(record.jsonBytes(), to: partial + "/" + Self.shardRecordName)
            try move(partial, to: final)
        } catch {
            remove(partial)
            throw error
        }
    }

    /// Merges the stored shards of `stage` into its stage folder (written aside, with stage.json, then
    /// renamed into place) and removes them.
    /// - Throws: `SBIError.io` naming the missing shards' folders when some have no result for the current inputs.
    public func mergeStoredShards(_ stage: RecipeStage) throws {
        try requireEarlierStages(before: stage)
        let all = shards(of: stage)
        let missing = all.filter { !storedShardIsDone(stage, $0.index) }
        guard missing.isEmpty else {
            throw SBIError.io("\(missing.count) of \(all.count) \(stage.rawValue) shard(s) have no result: "
                              + missing.map { "\($0.index) (\($0.label))" }.joined(separator: ", "), file: storedShardsFolder(stage))
        }
        let outcomes = all.map { shard -> (folder: String, items: Int, detail: String) in
            let folder = storedShardFolder(stage, shard.index)
            let record = FitShardRecord.read(folder + "/" + Self.shardRecordName)
            return (folder, record?.items ?? 0, record?.detail ?? "")
        }
        try finishStage(stage) { partial in try mergeShards(stage, outcomes, into: partial) }
        removeShards(storedShardsFolder(stage))
        var pending = readForcePending()
        pending.removeAll { $0 == stage }
        try writeForcePending(pending)
    }

    /// Writes a stage into `<out>/.<stage>.partial` with `body`, adds its stage.json and renames it into place.
    @discardableResult
    func finishStage(_ stage: RecipeStage, _ body: (String) throws -> (items: Int, detail: String)) throws -> FitStageRecord {
        let hash = try inputHash(for: stage)
        let partial = folder + "/." + stage.rawValue + ".partial"
        let final = stageFolder(stage)
        remove(partial)
        try makeFolder(partial)
        let record: FitStageRecord
        do {
            let outcome = try body(partial)
            record = FitStageRecord(stage: stage.rawValue, inputHash: hash, items: outcome.items, detail: outcome.detail)
            try AtomicFileWriter.write(record.jsonBytes(), to: partial + "/stage.json")
        } catch {
            remove(partial)
            throw error
        }
        remove(final)
        do { try FileManager.default.moveItem(atPath: partial, toPath: final) } catch {
            throw SBIError.io("cannot move the finished stage into place: \(error.localizedDescription)", file: final)
        }
        return record
    }

    /// Prepares the output folder for a multi-process run (as `run` does: created and marked as ours,
    /// foreign stage folders refused, partial folders and stale shards removed, `--force` recorded) and
    /// returns what each stage still needs. A stage after an unfinished one has all shards pending.
    /// The caller holds `FolderLock` on the folder while the shards run.
    public func plan() throws -> [FitStagePlan] {
        try prepareFolder()
        try claimShardsRoot()
        var plans: [FitStagePlan] = []
        var upstreamPending = false
        for stage in FitPipeline.stages {
            let all = shards(of: stage)
            if !upstreamPending && stageIsDone(stage) {
                plans.append(FitStagePlan(stage: stage, shards: all, pending: [], done: true))
                removeShards(storedShardsFolder(stage))
                continue
            }
            // Shards count only when written after their earlier stages finished.
            if upstreamPending { removeShards(storedShardsFolder(stage)) }
            let pending = all.map(\.index).filter { !storedShardIsDone(stage, $0) }
            plans.append(FitStagePlan(stage: stage, shards: all, pending: pending, done: false))
            upstreamPending = true
        }
        return plans
    }
}
