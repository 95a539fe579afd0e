/// One stage of a pipeline as an executor sees it: independent shard tasks that may run in any
/// order or at once, then one merge task that runs after every shard succeeded.
///
/// ```
/// shard i (i ∈ pending):  <executable> shardArguments --shard-index i    writes its own result, nothing shared
/// merge:                  <executable> mergeArguments                    reads every shard, writes the stage
/// ```
/// The pipeline decides what a shard is and checks its results; the executor only runs the
/// commands, on this machine (`LocalExecutor`) or as batch jobs (`SlurmExecutor`). Because a
/// shard's result does not depend on where or alongside what it ran, any executor gives the same
/// bytes.
public struct ShardedStage {
    /// The stage's name ("augment", "train", …), used in job names and log file names.
    public var name: String
    /// A short description of each shard ("sample train_ratio", "alices member 2"), index = shard number.
    public var shardLabels: [String]
    /// The shards still to run (the others finished in an earlier run).
    public var pending: [Int]
    /// The command-line arguments (after the executable) that run a shard, without its index; the
    /// index follows as `indexOption i` (a batch system fills it in per array task).
    public var shardArguments: [String]
    /// The option that gives a shard's index (last on its command line).
    public static let indexOption = "--shard-index"
    /// The command-line arguments that merge the shards into the finished stage.
    public var mergeArguments: [String]
    /// True when shard `i`'s result is in place (read from the shared output folder).
    public var shardIsDone: (Int) -> Bool
    /// True when the stage is finished (merged).
    public var isDone: () -> Bool

    /// A stage of `shardLabels.count` shards of which `pending` still have to run.
    public init(name: String, shardLabels: [String], pending: [Int], shardArguments: [String],
                mergeArguments: [String], shardIsDone: @escaping (Int) -> Bool, isDone: @escaping () -> Bool) {
        self.name = name
        self.shardLabels = shardLabels
        self.pending = pending
        self.shardArguments = shardArguments
        self.mergeArguments = mergeArguments
        self.shardIsDone = shardIsDone
        self.isDone = isDone
    }

    /// The full command-line arguments of shard `i`.
    public func arguments(ofShard i: Int) -> [String] { shardArguments + [Self.indexOption, String(i)] }

    /// Number of shards in the stage.
    public var shardCount: Int { shardLabels.count }

    /// The log file of shard `i` in `folder`: `<stage>-<i>.log` (Slurm's `%a` names the same file).
    public func shardLog(_ i: Int, in folder: String) -> String { folder + "/" + name + "-\(i).log" }

    /// The log file of the merge in `folder`: `<stage>-merge.log`.
    public func mergeLog(in folder: String) -> String { folder + "/" + name + "-merge.log" }
}

/// Runs a pipeline's stages shard by shard.
///
/// An executor may return before the work is finished (a batch executor that submits and leaves);
/// `ExecutionOutcome` says which.
public protocol ShardExecutor {
    /// Runs (or submits) `stages` in order: a stage's shards after the previous stage's merge, its
    /// merge after all its shards. Stages with nothing pending and already done are passed over.
    /// - Throws: `SBIError` naming the failed shard's or merge's log file; shards that succeeded keep
    ///   their results, so running again redoes only what is missing.
    func execute(_ stages: [ShardedStage]) throws -> ExecutionOutcome
}

/// What `ShardExecutor.execute` left behind.
public enum ExecutionOutcome: Sendable, Equatable {
    /// Every stage finished.
    case finished
    /// The work was submitted and runs on without this process (batch jobs with these ids).
    case submitted(jobs: [String])
}
