/// How `SlurmExecutor` asks Slurm for resources: each maps to one `sbatch` option, given to every
/// job it submits (shard arrays and merges). Nil leaves Slurm's default.
///
/// ```
/// partition → --partition   account → --account   time → --time   memory → --mem
/// cpusPerTask → --cpus-per-task   extraArguments → appended as they are
/// ```
/// `startTimeout`: seconds after submission by which some job must have started; otherwise every
/// job is cancelled and the run fails (a partition that never schedules, a wrong account).
/// [1] Slurm documentation, `sbatch` (options, job arrays, dependencies).
public struct SlurmOptions: Sendable, Equatable, Codable {
    /// The partition (queue) to submit to.
    public var partition: String?
    /// The account to charge.
    public var account: String?
    /// Wall-time limit per task, in a form `sbatch --time` takes ("30", "2:00:00", "1-00:00:00").
    public var time: String?
    /// Memory per task, in a form `sbatch --mem` takes ("4G", "2000M").
    public var memory: String?
    /// Cores per task; each task then uses that many BLAS threads.
    public var cpusPerTask: Int?
    /// Further `sbatch` arguments, verbatim ("--qos=short", "--constraint=avx2").
    public var extraArguments: [String]
    /// Seconds within which some submitted job must start (nil: wait without limit).
    public var startTimeout: Double?

    /// Options; every one defaults to Slurm's own default.
    public init(partition: String? = nil, account: String? = nil, time: String? = nil, memory: String? = nil,
                cpusPerTask: Int? = nil, extraArguments: [String] = [], startTimeout: Double? = nil) {
        self.partition = partition
        self.account = account
        self.time = time
        self.memory = memory
        self.cpusPerTask = cpusPerTask
        self.extraArguments = extraArguments
        self.startTimeout = startTimeout
    }

    /// The `sbatch` arguments these options give.
    public var sbatchArguments: [String] {
        var arguments: [String] = []
        if let partition { arguments.append("--partition=" + partition) }
        if let account { arguments.append("--account=" + account) }
        if let time { arguments.append("--time=" + time) }
        if let memory { arguments.append("--mem=" + memory) }
        if let cpusPerTask { arguments.append("--cpus-per-task=\(cpusPerTask)") }
        return arguments + extraArguments
    }
}
