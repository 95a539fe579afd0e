import SBICore
import SBINetworks

/// An ensemble of SALLY estimators: mean score and its covariance across members, per event.
///
/// ```
/// t̂(x) = (1/M) Σ_m t̂_m(x)
/// C(x)_kl = 1/(M−1) Σ_m (t̂_m,k(x) − t̂_k(x))(t̂_m,l(x) − t̂_l(x))
/// ```
/// Shapes: `mean` `[nEvents, P]`, `covariance` `[nEvents, P·P]` (row i is C(x_i) row-major).
/// [1] arXiv:1907.10621 (MadMiner's ensembles of SALLY estimators).
public final class ScoreEnsemble: ScoreEstimator, @unchecked Sendable {
    // @unchecked: `members` is an immutable array of immutable estimators.

    /// The members, in training order.
    public let members: [SALLYEstimator]
    public var parameterCount: Int { members[0].parameterCount }
    public var observableCount: Int { members[0].observableCount }

    /// An ensemble of trained members.
    /// - Throws: `SBIError.data` for no members or members with different shapes.
    public init(members: [SALLYEstimator]) throws {
        guard let first = members.first else { throw SBIError.data("an ensemble needs at least one member", field: "members") }
        for (k, m) in members.enumerated() where m.parameterCount != first.parameterCount || m.observableCount != first.observableCount {
            throw SBIError.data("member \(k) has shape \(m.observableCount) → \(m.parameterCount); member 0 \(first.observableCount) → \(first.parameterCount)",
                                field: "members[\(k)]")
        }
        self.members = members
    }

    /// Trains `count` SALLY members; member k's seed is `SeededRandom(seed: seed).substream(k).seed`,
    /// and `configure` may change its network or training settings.
    public static func train(count: Int, seed: UInt64, data: TrainingDataset, validation: TrainingDataset? = nil,
                             network: NetworkSettings = NetworkSettings(), training: TrainingSettings,
                             configure: ((Int, inout NetworkSettings, inout TrainingSettings) -> Void)? = nil) throws -> ScoreEnsemble {
        guard count >= 1 else { throw SBIError.data("\(count) members; expected at least 1", field: "members") }
        var members: [SALLYEstimator] = []
        for k in 0..<count {
            var n = network
            var t = EnsembleFolder.memberSettings(training, seed: seed, member: k)
            configure?(k, &n, &t)
            members.append(try SALLYEstimator.train(data: data, validation: validation, network: n, training: t,
                                                    progress: ProgressReporter(stage: "train", total: nil, quiet: true)))
        }
        return try ScoreEnsemble(members: members)
    }

    /// The mean score over members, `[nEvents, P]`.
    public func score(x: Matrix<Double>) throws -> Matrix<Double> { try scoreMeanAndCovariance(x: x).mean }

    /// Mean `[nEvents, P]` and per-event covariance `[nEvents, P·P]` of the members' scores.
    public func scoreMeanAndCovariance(x: Matrix<Double>) throws -> (mean: Matrix<Double>, covariance: Matrix<Double>) {
        let predictions = try members.map { try $0.score(x: x) }
        let n = x.rows, p = parameterCount, m = members.count
        var mean = Matrix<Double>(rows: n, columns: p)
        var covariance = Matrix<Double>(rows: n, columns: p * p)
        var v = Matrix<Double>(rows: m, columns: p)
        for i in 0..<n {
            for k in 0..<m { for a in 0..<p { v[k, a] = predictions[k][i, a] } }
            let (mu, c) = EnsembleStatistics.meanAndCovariance(v)
            for a in 0..<p {
                mean[i, a] = mu[a]
                for b in 0..<p { covariance[i, a * p + b] = c[a, b] }
            }
        }
        return (mean, covariance)
    }

    /// Writes the members side by side into the folder `path` (see `EnsembleFolder`), atomically.
    public func save(to path: String) throws {
        try EnsembleFolder.save(members.map(\.modelFolder), kind: .score, to: path)
    }

    /// Reads an ensemble written by `save`.
    public static func load(from path: String) throws -> ScoreEnsemble {
        try ScoreEnsemble(members: EnsembleFolder.load(from: path, kind: .score).map { try SALLYEstimator(folder: $0.model, path: $0.path) })
    }
}
