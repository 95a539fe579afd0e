import Foundation
import SBICore
import SBIInference
import SBIReport

/// `sbi fit`: runs a recipe's stages augment (simulate + augment) → train → limits → plot in one
/// output folder, each stage in its own subfolder, skipping stages whose inputs did not change.
///
/// ```
/// <out>/augment/<sample>/…npy      <out>/train/<estimator>/     (model folders)
/// <out>/limits/ contours.json pvalues.npy loglikelihood.npy q.npy grid.npy    <out>/plot/ (outputs.files + scans, diagnostics)
/// a stage writes into <out>/.<stage>.partial, adds stage.json {stage, inputHash}, then renames it into place;
/// it is skipped when <out>/<stage>/stage.json has hash(stage), no earlier stage ran in this run and
/// the stage is not listed in <out>/.sbi-force-pending (the stages a --force run has still to redo:
/// written when it starts, shortened as each stage finishes, so a killed --force run is finished by the next run);
/// hash(stage) = Recipe.inputHash(for: stage) (limits, plot: ⊕ SHA-256 of the observed file;
///               real events: ⊕ size and modification time of every event file)
/// ```
/// Every step is seeded from the recipe, so an interrupted run, re-run, gives the same bytes as an
/// uninterrupted one; each stage is made of shards (`FitShard`) that may run in other processes or
/// on a batch system (`plan`, `runStoredShard`, `mergeStoredShards`) with the same result. Recipes/README.md documents the stages; the methods are those of arXiv:1805.00020.
public struct FitPipeline {
    /// The validated recipe.
    public let recipe: Recipe
    /// The output folder.
    public let folder: String
    /// Redo every stage even if its inputs are unchanged.
    public let force: Bool
    /// Receives one line per stage event ("augment: ran in 1.2 s"); nil: silent.
    public let log: ((String) -> Void)?
    /// Pieces the divisible work is cut into, each a shard: the limits grid (blocks of rows) and every
    /// sample of a plain simulator (ranges of θ sets); nil: the recipe's `execution.pieces`, else 1.
    /// Results do not depend on it; every process of one run must use the same.
    public var pieces: Int?

    /// The stages this pipeline runs, in order (simulate is part of augment for built-in simulators).
    public static let stages: [RecipeStage] = [.augment, .train, .limits, .plot]

    /// A pipeline for `recipe` writing into `folder` (default: the recipe's `outputs.folder`).
    public init(recipe: Recipe, folder: String? = nil, force: Bool = false, pieces: Int? = nil, log: ((String) -> Void)? = nil) {
        self.recipe = recipe
        self.pieces = pieces
        self.folder = folder ?? recipe.outputs.folder
        self.force = force
        self.log = log
    }

    /// The limits stage's files beside the contours that the plot stage also delivers: the scans' log L and q,
    /// the toys' table and coverage (`inference.toys`), the Neyman p-values (`neyman_points`) and the
    /// calibration diagnostics (`inference.calibration`).
    var diagnosticFiles: [String] {
        ["loglikelihood.npy", "q.npy"]
            + (recipe.inference.toys == nil ? [] : ["toys.npy", ToyCoverageFile.fileName])
            + (recipe.inference.toys?.neymanPoints == nil ? [] : [NeymanFile.fileName])
            + (recipe.inference.calibration == nil ? [] : [CalibrationFile.fileName])
    }

    /// The folder of one stage.
    public func stageFolder(_ stage: RecipeStage) -> String { folder + "/" + stage.rawValue }

    /// The input hash of `stage`, including the observed data file's content from limits on and,
    /// for real events, the event files' sizes and modification times (every stage).
    /// - Throws: `SBIError.io` if the observed file cannot be read.
    public func inputHash(for stage: RecipeStage) throws -> String {
        var base = recipe.inputHash(for: stage)
        if let events = recipe.simulator.events {
            base = SHA256.hex(Array((base + ":events:" + events.fileFingerprint()).utf8))
        }
        guard stage >= .limits, case .observed(let file) = recipe.inference.data else { return base }
        guard let data = FileManager.default.contents(atPath: file.resolvedPath) else {
            throw SBIError.io("cannot read the observed data file", file: file.resolvedPath)
        }
        return SHA256.hex(Array((base + ":" + SHA256.hex(Array(data))).utf8))
    }

    /// Runs every stage (or skips it) in this process and returns the summary. A stage's shards
    /// (`shards(of:)`) run one after the other into its partial folder and are merged there, exactly as
    /// shards run by other processes are (`runStoredShard`, `mergeStoredShards`).
    /// - Throws: `SBIError` from any stage; finished stages stay in place, the failed one leaves nothing.
    public func run() throws -> FitReport {
        let lock = try lockFolder()
        defer { lock.release() }
        try prepareFolder()
        var pending = readForcePending()
        var ran: [RecipeStage: Double] = [:]
        var upstreamRan = false
        for stage in FitPipeline.stages {
            if !upstreamRan && stageIsDone(stage) {
                log?("\(stage.rawValue): skipped (inputs unchanged)")
                continue
            }
            let start = ProgressReporter.monotonicSeconds()
            try finishStage(stage) { partial in
                let setup = stage == .limits ? try limitsSetup() : nil
                var outcomes: [(folder: String, items: Int, detail: String)] = []
                for shard in shards(of: stage) {
                    let shardFolder = partial + "/.shard-\(shard.index)"
                    try makeFolder(shardFolder)
                    let outcome = try runShard(stage, shard.index, into: shardFolder, setup: setup)
                    outcomes.append((shardFolder, outcome.items, outcome.detail))
                }
                let merged = try mergeShards(stage, outcomes, into: partial, setup: setup)
                for outcome in outcomes { remove(outcome.folder) }
                return merged
            }
            let seconds = ProgressReporter.monotonicSeconds() - start
            log?("\(stage.rawValue): done in \(String(format: "%.2f", seconds)) s")
            ran[stage] = seconds
            upstreamRan = true
            pending.removeAll { $0 == stage }
            try writeForcePending(pending)
        }
        return report(ran: ran)
    }

    /// Creates the output folder (marked as ours when this creates it) and takes its lock, so no
    /// other sbi process writes into it until the lock is released.
    /// - Throws: `SBIError.io` when the folder cannot be created or another process holds the lock.
    public func lockFolder() throws -> FolderLock {
        let created = !FileManager.default.fileExists(atPath: folder)
        try makeFolder(folder)
        if created { try OwnedFolder.mark(folder, writer: "sbi fit") }
        return try FolderLock(folder: folder)
    }

    /// Refuses foreign stage folders, removes partial stage folders and, with `force`, records every
    /// stage as still to redo and drops every stored shard (only from a `.shards` folder sbi marked).
    /// The caller holds the folder's lock.
    func prepareFolder() throws {
        try checkStageFoldersAreOurs()
        for stage in FitPipeline.stages { remove(folder + "/." + stage.rawValue + ".partial") }
        if force {
            try writeForcePending(FitPipeline.stages)
            removeShards(shardsRoot)
        }
    }

    /// The summary of the stages as they are on disk: `ran` gives the stages this run wrote and their
    /// wall times, the others are reported as skipped.
    public func report(ran: [RecipeStage: Double]) -> FitReport {
        var report = FitReport()
        report.folder = folder
        for stage in FitPipeline.stages {
            guard let record = FitStageRecord.read(stageFolder(stage) + "/stage.json") else { continue }
            report.rows.append(.init(stage: stage, skipped: ran[stage] == nil, seconds: ran[stage] ?? 0, record: record))
        }
        if let results = try? LimitsResultSet.read(stageFolder(.limits)) {
            if results.isProfiled {
                report.profileClosure = results.entries.map { ($0.title ?? "", ($0.folder as NSString).lastPathComponent, $0.file.estimators) }
            } else {
                report.closure = results.entries.first?.file.estimators ?? []
            }
        }
        report.coverage = ToyCoverageFile.read(stageFolder(.limits) + "/" + ToyCoverageFile.fileName)?.coverage ?? []
        report.resultFolder = stageFolder(.plot)
        let figures = ((try? FileManager.default.contentsOfDirectory(atPath: report.resultFolder)) ?? [])
            .filter { $0 != "contours.svg" && FitFigures.isFigure($0) }.sorted()
        let page = [HEPDataSubmission.folderName, HEPDataSubmission.archiveName, FitReportPage.recipeFileName, FitReportPage.fileName]
            .filter { FileManager.default.fileExists(atPath: report.resultFolder + "/" + $0) }
        let profiled = FileManager.default.fileExists(atPath: report.resultFolder + "/" + ProfileResultWriter.folderName)
        report.resultFiles = (resultFileNames(profiled: profiled) + diagnosticFiles + figures + page)
            .map { report.resultFolder + "/" + $0 }
        return report
    }

    /// Refuses to run when a stage folder exists that this pipeline did not write: one without a
    /// readable `stage.json` that is not empty (e.g. a user's own `plot/` under `outputs.folder: .`).
    /// Nothing is replaced before every stage folder has been checked.
    func checkStageFoldersAreOurs() throws {
        for stage in FitPipeline.stages {
            let path = stageFolder(stage)
            guard let foreign = try OwnedFolder.foreignEntries(path, ownNames: []), !foreign.isEmpty else { continue }
            guard FitStageRecord.read(path + "/stage.json") != nil else {
                throw SBIError.io("refusing to replace this folder: it was not written by sbi fit (no stage.json) and is not empty; "
                                  + "choose another outputs.folder (or --out) or move it", file: path)
            }
        }
    }

    func makeFolder(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw SBIError.io("exists and is not a folder", file: path) }
            return
        }
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            // Another shard task may have created it in between.
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return }
            throw SBIError.io("cannot create the folder: \(error.localizedDescription)", file: path)
        }
    }

    /// `<out>/.sbi-force-pending`: the stages a `--force` run has not finished, one name per line.
    var forcePendingPath: String { folder + "/.sbi-force-pending" }

    /// The stages an interrupted `--force` run left to redo (none when the file is absent or unreadable).
    func readForcePending() -> [RecipeStage] {
        guard let text = try? String(contentsOfFile: forcePendingPath, encoding: .utf8) else { return [] }
        let names = Set(text.split(separator: "\n").map(String.init))
        return FitPipeline.stages.filter { names.contains($0.rawValue) }
    }

    /// Writes `stages` to `.sbi-force-pending`, or removes the file when there are none.
    func writeForcePending(_ stages: [RecipeStage]) throws {
        guard !stages.isEmpty else { remove(forcePendingPath); return }
        try AtomicFileWriter.write(Array(stages.map { $0.rawValue + "\n" }.joined().utf8), to: forcePendingPath)
    }

    func remove(_ path: String) {
        if FileManager.default.fileExists(atPath: path) { try? FileManager.default.removeItem(atPath: path) }
    }
}
