/// Where and how `sbi fit` runs a recipe's shards (`execution:`). It never changes a result, so it
/// is left out of the recipe's hashes; `sbi fit`'s options override it.
///
/// ```yaml
/// execution:
///   executor: slurm            # local (default) or slurm
///   jobs: 2                    # local: shard processes at once (default 1: in the sbi process)
///   pieces: 8                  # shards per divisible stage: the limits grid, each plain-simulator sample (default: jobs; 4 on Slurm)
///   slurm: {partition: short, account: atlas, time: "2:00:00", memory: 4G, cpus_per_task: 2,
///           sbatch_args: ["--qos=low"], start_timeout: 600}
/// ```
public struct RecipeExecution: Codable, Sendable, Equatable {
    /// "local" or "slurm".
    public var executor: String
    /// Local shard processes at once (nil: 1).
    public var jobs: Int?
    /// Slurm resources (nil: Slurm's defaults).
    public var slurm: RecipeSlurm?
    /// Pieces the limits grid and every plain-simulator sample are cut into (nil: the local jobs; 4 on Slurm).
    public var pieces: Int? = nil
}

/// The `execution.slurm` options, one `sbatch` option each (see `SlurmOptions` of the executor).
public struct RecipeSlurm: Codable, Sendable, Equatable {
    public var partition: String?
    public var account: String?
    /// `sbatch --time` ("30", "2:00:00").
    public var time: String?
    /// `sbatch --mem` ("4G").
    public var memory: String?
    public var cpusPerTask: Int?
    /// More `sbatch` arguments, verbatim.
    public var sbatchArguments: [String]
    /// Seconds within which some job must start.
    public var startTimeout: Double?
}
