import Foundation
import SBICore
import SBIInference

/// The Neyman construction of the limits stage (`inference.toys.neyman_points`): at every point of a
/// regular subset of the grid (`neyman_points` per axis, ends included), `toys.count` toys drawn there are
/// fitted with every θ-only likelihood, and the data's q at the point is compared with theirs:
/// p_toy = #{q_t ≥ q_obs}/T (`NeymanConstruction`). Point j draws from sub-stream j of
/// `SeededRandom(seed: toys.seed).substream(8)`; blocks of points are limits shards after the toy blocks.
/// The merge writes
///
/// ```
/// neyman.json     points [[θ]], per likelihood: observed_q, p_toy, p_toy_error, p_asymptotic (Q_χ²(q_obs; k))
/// contours.json   one more entry per likelihood, "<name>_neyman", drawn from p_toy on those points
/// ```
extension FitPipeline {
    /// Suffix of the results drawn from toy-based p-values.
    static let neymanSuffix = "_neyman"

    /// The grid indices of the Neyman points (last axis fastest), none without `neyman_points`.
    func neymanPointIndices(_ grid: ParameterGrid) -> [Int] {
        guard let counts = recipe.inference.toys?.neymanPoints, grid.shape.count == counts.count else { return [] }
        let strides = zip(grid.shape, counts).map { ($0 - 1) / max(1, $1 - 1) }
        var indices: [Int] = []
        for flat in 0..<counts.reduce(1, *) {
            var rest = flat, index = 0, scale = 1
            for axis in stride(from: counts.count - 1, through: 0, by: -1) {
                index += (rest % counts[axis]) * strides[axis] * scale
                rest /= counts[axis]
                scale *= grid.shape[axis]
            }
            indices.append(index)
        }
        return indices
    }

    /// The blocks of Neyman points, one limits shard each after the toy blocks.
    func neymanBlocks() throws -> [Range<Int>] {
        guard recipe.inference.toys?.neymanPoints != nil else { return [] }
        let count = neymanPointIndices(try recipe.inference.parameterGrid(names: recipe.parameterNames)).count
        let blocks = max(1, min(count, pieceCount))
        return (0..<blocks).map { b in (count * b / blocks) ..< (count * (b + 1) / blocks) }
    }

    /// Neyman shard `index`: q_t at each point of the block for its toys and every likelihood,
    /// `folder/neyman.npy` `[block points, likelihoods, toys]`, names in `folder/scans.json`.
    func neymanShard(_ index: Int, into folder: String, setup: LimitsSetup? = nil) throws -> (items: Int, detail: String) {
        let s = try setup ?? limitsSetup()
        guard let toys = recipe.inference.toys else { throw SBIError(.internal, field: "inference.toys", "a Neyman shard without toys") }
        let range = try neymanBlocks()[index]
        let points = Array(neymanPointIndices(s.grid)[range])
        let likelihoods = try toyLikelihoods(s)
        let width = 2 + s.grid.parameterCount
        let progress = ProgressReporter(stage: "neyman points \(range.lowerBound)..<\(range.upperBound)", total: points.count, unit: "points")
        var q: [Double] = []
        q.reserveCapacity(points.count * likelihoods.count * toys.count)
        var events = 0
        for (offset, j) in points.enumerated() {
            let theta = s.grid.point(j)
            let (table, n) = try ToyTable.fit(likelihoods, simulator: s.nominalSim, theta: theta, toys: 0..<toys.count, grid: s.grid, rate: s.rate,
                                              fixedEvents: s.rate == nil ? s.asimovEvents : nil,
                                              random: SeededRandom(seed: toys.seed).substream(8).substream(UInt64(range.lowerBound + offset)))
            events += n
            for l in likelihoods.indices {
                for t in 0..<toys.count { q.append(table[t, l * width + 1]) }
            }
            progress.advance(detail: "point \(range.lowerBound + offset)")
        }
        progress.finish()
        let names = LimitsShardScans(scans: likelihoods.map { .init(name: $0.name, mode: $0.mode) })
        try AtomicFileWriter.write(names.jsonBytes(), to: folder + "/" + LimitsShardScans.fileName)
        try NPYFile.write(NPYArray(shape: [points.count, likelihoods.count, toys.count], data: .float64(q)), to: folder + "/neyman.npy")
        return (events * likelihoods.count * s.grid.count, "neyman points \(range.lowerBound)..<\(range.upperBound)")
    }

    /// Joins the Neyman shards (`folders` in block order): writes `partial/neyman.json` and returns the
    /// contours.json entries drawn from p_toy, with the stage summary's words.
    func mergeNeyman(_ folders: [String], results: [(name: String, mode: String, result: LikelihoodScanResult)], into partial: String,
                     setup s: LimitsSetup) throws -> (estimators: [ContoursFile.Estimator], words: [String]) {
        guard let toys = recipe.inference.toys, let counts = toys.neymanPoints, let axes = s.grid.axes else { return ([], []) }
        let indices = neymanPointIndices(s.grid)
        let (scans, q) = try readShardTables(folders, blocks: try neymanBlocks(), file: "neyman.npy", what: "Neyman") { [$0, $1, toys.count] }
        let k = s.grid.parameterCount
        let subAxes = axes.indices.map { i in (0..<counts[i]).map { axes[i].values[$0 * ((axes[i].count - 1) / max(1, counts[i] - 1))] } }
        var entries: [ContoursFile.Estimator] = []
        var rows: [NeymanFile.Likelihood] = []
        for (l, scan) in scans.enumerated() {
            guard let result = results.first(where: { $0.name == scan.name })?.result else {
                throw SBIError(.internal, field: "inference.toys", "the Neyman construction fitted \(scan.name), which the grid did not scan")
            }
            let observed = indices.map { result.q[$0] }
            let toyQ = indices.indices.map { j in Array(q[((j * scans.count + l) * toys.count) ..< ((j * scans.count + l + 1) * toys.count)]) }
            let (p, error) = NeymanConstruction.pValues(toyQ: toyQ, observedQ: observed)
            rows.append(.init(name: scan.name, mode: scan.mode, observedQ: observed, pToy: p, pToyError: error,
                              pAsymptotic: observed.map { NeymanConstruction.asymptoticPValue(q: $0, parameterCount: k) }))
            entries.append(try NeymanConstruction.estimator(name: scan.name + Self.neymanSuffix, mode: scan.mode, bestFit: result.bestFit,
                                                            axes: subAxes, pValues: p, toyCount: toys.count, confidenceLevels: recipe.inference.confidenceLevels))
        }
        let file = NeymanFile(toys: toys.count, seed: toys.seed, shape: counts, points: indices.map { s.grid.point($0) }, likelihoods: rows)
        try AtomicFileWriter.write(file.jsonBytes(), to: partial + "/" + NeymanFile.fileName)
        return (entries, ["Neyman p-values at \(indices.count) points × \(toys.count) toys"])
    }
}

/// `neyman.json`: toy-based p-values at the Neyman points.
struct NeymanFile: Codable {
    static let fileName = "neyman.json"
    struct Likelihood: Codable {
        var name: String
        var mode: String
        var observedQ: [Double]
        var pToy: [Double]
        var pToyError: [Double]
        var pAsymptotic: [Double]
    }
    var toys: Int
    var seed: UInt64
    /// Points per axis; `points` in C order (last axis fastest).
    var shape: [Int]
    var points: [[Double]]
    var likelihoods: [Likelihood]

    /// The file's bytes (`ResultJSON`).
    func jsonBytes() -> [UInt8] { ResultJSON.bytes(self) }
}
