extension RecipeDecoder {
    /// `execution:` — `{executor: local|slurm, jobs, pieces, slurm: {partition, account, time, memory,
    /// cpus_per_task, sbatch_args, start_timeout}}` (see `RecipeExecution`). Slurm options with the
    /// local executor, and jobs with slurm, are refused: they would be ignored.
    func decodeExecution(_ node: YAMLNode) -> RecipeExecution? {
        guard let m = reader.mapping(node, "execution", keys: ["executor", "jobs", "pieces", "slurm"]) else { return nil }
        var executor = "local"
        if let n = m["executor"], let text = reader.string(n, "execution.executor") {
            guard ["local", "slurm"].contains(text) else {
                reader.report(n, "execution.executor", "unknown executor \"\(text)\"; expected local or slurm")
                return nil
            }
            executor = text
        }
        let jobs = m["jobs"].flatMap { reader.integer($0, "execution.jobs", minimum: 1, maximum: 1024) }
        if executor == "slurm", let n = m["jobs"] {
            reader.report(n, "execution.jobs", "jobs applies to the local executor; Slurm runs every shard of a stage as its own task")
        }
        var slurm: RecipeSlurm?
        if let n = m["slurm"] {
            if executor != "slurm" {
                reader.report(n, "execution.slurm", "Slurm options need executor: slurm")
            }
            slurm = decodeSlurm(n)
        }
        let pieces = m["pieces"].flatMap { reader.integer($0, "execution.pieces", minimum: 1, maximum: 100_000) }
        return RecipeExecution(executor: executor, jobs: jobs, slurm: slurm, pieces: pieces)
    }

    /// `execution.slurm`.
    func decodeSlurm(_ node: YAMLNode) -> RecipeSlurm? {
        let path = "execution.slurm"
        guard let m = reader.mapping(node, path, keys: ["partition", "account", "time", "memory", "cpus_per_task", "sbatch_args", "start_timeout"])
        else { return nil }
        // Slurm's own syntax (times like 30 or 2:00:00, sizes like 4G): any non-empty scalar, passed on verbatim.
        func text(_ key: String) -> String? {
            guard let n = m[key] else { return nil }
            guard let t = n.scalarText, !n.isNull, !t.trimmingCharacters(in: .whitespaces).isEmpty, !t.contains("\n") else {
                reader.report(n, path + "." + key, "expected a non-empty one-line value, got \(n.kindDescription)")
                return nil
            }
            return t
        }
        var arguments: [String] = []
        if let n = m["sbatch_args"], let list = reader.list(n, path + ".sbatch_args") {
            for (i, item) in list.enumerated() {
                guard let a = reader.string(item, path + ".sbatch_args[\(i)]") else { continue }
                guard a.hasPrefix("-") else {
                    reader.report(item, path + ".sbatch_args[\(i)]", "\"\(a)\" is not an sbatch option; write each as --name=value")
                    continue
                }
                arguments.append(a)
            }
        }
        return RecipeSlurm(partition: text("partition"), account: text("account"), time: text("time"), memory: text("memory"),
                           cpusPerTask: m["cpus_per_task"].flatMap { reader.integer($0, path + ".cpus_per_task", minimum: 1, maximum: 1024) },
                           sbatchArguments: arguments,
                           startTimeout: m["start_timeout"].flatMap { reader.number($0, path + ".start_timeout", "a number of seconds > 0") { $0 > 0 } })
    }
}
