import SBICore

/// Which named weights of an LHE file are the ±1σ variations of one nuisance parameter.
///
/// MadGraph's systematics module writes scale variations (μ_R, μ_F ∈ {½, 1, 2}) and PDF members
/// as `<weight id="…">` in `<initrwgt>` weight groups and one `<wgt id="…">` per event. A scale
/// nuisance is typically two-sided (up: μ_R = μ_F = 2, down: μ_R = μ_F = ½), each PDF eigenvector
/// or replica one-sided.
/// - References: [1] arXiv:1405.1067 (LHEF 3.0 weights); [2] arXiv:1907.10621 §3 (MadMiner's
///   scale and PDF nuisance parameters).
public struct LHEWeightVariation: Sendable, Equatable {
    /// Name of the nuisance parameter.
    public var name: String
    /// Weight id at ν = +1.
    public var up: String
    /// Weight id at ν = −1 (nil: one-sided).
    public var down: String?

    /// A variation from its weight ids.
    public init(name: String, up: String, down: String? = nil) {
        self.name = name
        self.up = up
        self.down = down
    }

    /// One one-sided variation per weight of the `<weightgroup>` named `group`, named
    /// `"\(prefix)_\(id)"`, in file order (e.g. the members of a PDF set).
    /// - Throws: `SBIError.data` naming `field` if `header` has no group of that name (the known
    ///   groups are listed).
    public static func group(_ group: String, of header: LHEHeader, prefix: String, field: String) throws -> [LHEWeightVariation] {
        let ids = header.weights.filter { $0.group == group }.map(\.id)
        guard !ids.isEmpty else {
            var known: [String] = []
            for w in header.weights { if let g = w.group, !known.contains(g) { known.append(g) } }
            throw SBIError.data("no weight group named \"\(group)\"; the file declares "
                                + (known.isEmpty ? "none" : known.map { "\"\($0)\"" }.joined(separator: ", ")), field: field)
        }
        return ids.map { LHEWeightVariation(name: "\(prefix)_\($0)", up: $0) }
    }
}

/// The nominal weight (XWGTUP) and the variation weights of every event of an LHE file.
///
/// Shapes: `nominal` `[nEvents]`; `up[k]`, `down[k]` `[nEvents]` for variation k (`down[k]` nil
/// when one-sided). Weights are as written in the file (pb per event for MadGraph's `IDWTUP = ±3, ±4`
/// unweighted files up to the sampling normalisation the caller applies).
public struct LHEWeightVariationSample: Sendable, Equatable {
    /// The variations, in the order given.
    public var variations: [LHEWeightVariation]
    /// XWGTUP per event.
    public var nominal: [Double]
    /// Weights at ν_k = +1, one array per variation.
    public var up: [[Double]]
    /// Weights at ν_k = −1 (nil for one-sided variations).
    public var down: [[Double]?]

    /// Reads every event of `path`, keeping XWGTUP and the variations' weights.
    /// - Throws: `SBIError` from `LHEReader` (an id not declared in `<initrwgt>`, an event lacking
    ///   one of the ids, a damaged file), naming the file and line; `.data` for no variations.
    public static func read(path: String, variations: [LHEWeightVariation]) throws -> LHEWeightVariationSample {
        guard !variations.isEmpty else { throw SBIError.data("no weight variations to read", file: path) }
        var ids: [String] = []
        for v in variations { for id in [v.up] + (v.down.map { [$0] } ?? []) where !ids.contains(id) { ids.append(id) } }
        let reader = try LHEReader(path: path, weights: .table(ids.map { LHEWeightAssignment(weightID: $0, benchmark: $0) }))
        var columns = [[Double]](repeating: [], count: ids.count)
        var nominal: [Double] = []
        var event = LHEEvent()
        while try reader.next(into: &event) {
            nominal.append(event.weight)
            for c in 0..<ids.count { columns[c].append(event.weights[c]) }
        }
        let slot = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        return LHEWeightVariationSample(variations: variations, nominal: nominal,
                                        up: variations.map { columns[slot[$0.up]!] },
                                        down: variations.map { v in v.down.map { columns[slot[$0]!] } })
    }
}
