/// How an LHE file's named weights become benchmark weights.
///
/// MadGraph's reweighting writes one `<wgt id="…">` per reweighting point into every event;
/// MadMiner names each point after its benchmark, so by default a weight id is a benchmark
/// name. An explicit table renames and selects ids.
///
/// ```
/// automatic:  benchmarks = ids of <initrwgt> in file order
///             (no <initrwgt>: the ids of the first event's <rwgt>, in its order)
/// table:      benchmarks = the table's names; weight id → benchmark as listed, other ids ignored
/// nominalOnly: no named weights; only XWGTUP
/// ```
/// - References: [1] arXiv:1805.00020 (MadMiner: benchmarks, reweighting); [2] arXiv:1405.1067.
public enum LHEWeightMapping: Sendable, Equatable {
    /// Every declared weight id is a benchmark, named by its id.
    case automatic
    /// Explicit `(weight id, benchmark name)` pairs; the order fixes `LHEEvent.weights`.
    case table([LHEWeightAssignment])
    /// Named weights are skipped (not parsed).
    case nominalOnly
}

/// One row of an explicit weight-id → benchmark table.
public struct LHEWeightAssignment: Sendable, Equatable {
    /// The id in `<wgt id="…">` / `<weight id="…">`.
    public var weightID: String
    /// The benchmark that weight belongs to.
    public var benchmark: String

    /// A table row.
    public init(weightID: String, benchmark: String) {
        self.weightID = weightID
        self.benchmark = benchmark
    }
}
