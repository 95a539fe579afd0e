import SBICore
import SBINetworks

/// An ensemble of parameterised ratio estimators: the mean prediction and its spread.
///
/// ```
/// log r̂(x|θ) = (1/M) Σ_m log r̂_m(x|θ)
/// Var(x, θ)  = 1/(M−1) Σ_m (log r̂_m − log r̂)²
/// S_m(θ_j)   = Σ_i log r̂_m(x_i|θ_j)           (a member's log-likelihood ratio of the sample)
/// Cov[j, j'] = 1/(M−1) Σ_m (S_m(θ_j) − S̄(θ_j))(S_m(θ_j') − S̄(θ_j'))
/// ```
/// Members are trained with seeds derived by `SeededRandom.substream` (different initial weights,
/// shuffles and validation splits) and may use different methods or settings. Averaging reduces
/// the variance part of the error; the spread estimates the network uncertainty of the
/// likelihood scan. Shapes as `LogRatioEstimator`; covariance `[nTheta, nTheta]`.
/// [1] arXiv:1907.10621 (MadMiner's ensembles); Lakshminarayanan et al., arXiv:1612.01474.
public final class RatioEnsemble: LogRatioEstimator, @unchecked Sendable {
    // @unchecked: `members` is an immutable array of immutable estimators.

    /// How one member is trained.
    public struct MemberConfiguration: Sendable {
        /// Training method of the member.
        public var method: EstimatorMethod
        /// Network shape and α.
        public var network: NetworkSettings
        /// Optimiser, schedule, epochs and the member's derived seed.
        public var training: TrainingSettings
    }

    /// The members, in training order.
    public let members: [ParameterizedRatioEstimator]
    public var parameterCount: Int { members[0].parameterCount }
    public var observableCount: Int { members[0].observableCount }

    /// An ensemble of trained members.
    /// - Throws: `SBIError.data` for no members or members with different input counts.
    public init(members: [ParameterizedRatioEstimator]) throws {
        guard let first = members.first else { throw SBIError.data("an ensemble needs at least one member", field: "members") }
        for (k, m) in members.enumerated() where m.parameterCount != first.parameterCount || m.observableCount != first.observableCount {
            throw SBIError.data("member \(k) takes \(m.observableCount) observables and \(m.parameterCount) parameters; member 0 takes \(first.observableCount) and \(first.parameterCount)",
                                field: "members[\(k)]")
        }
        self.members = members
    }

    /// Trains `count` members on the same data. Member k uses `training` with its seed replaced by
    /// `SeededRandom(seed: seed).substream(k).seed`; `configure` may change any member's method or settings.
    /// - Throws: `SBIError.data` for count < 1; the members' training errors.
    public static func train(count: Int, seed: UInt64, method: EstimatorMethod, data: TrainingDataset,
                             validation: TrainingDataset? = nil, network: NetworkSettings = NetworkSettings(),
                             training: TrainingSettings, configure: ((Int, inout MemberConfiguration) -> Void)? = nil,
                             progress: ((Int) -> ProgressReporter?)? = nil) throws -> RatioEnsemble {
        guard count >= 1 else { throw SBIError.data("\(count) members; expected at least 1", field: "members") }
        var members: [ParameterizedRatioEstimator] = []
        for k in 0..<count {
            var c = MemberConfiguration(method: method, network: network,
                                        training: EnsembleFolder.memberSettings(training, seed: seed, member: k))
            configure?(k, &c)
            members.append(try ParameterizedRatioEstimator.train(method: c.method, data: data, validation: validation,
                                                                 network: c.network, training: c.training,
                                                                 progress: progress?(k) ?? nil))
        }
        return try RatioEnsemble(members: members)
    }

    /// The mean log r̂ over members, `[nTheta, nEvents]`.
    public func logRatio(x: Matrix<Double>, thetas: Matrix<Double>) throws -> Matrix<Double> {
        try logRatioMeanAndVariance(x: x, thetas: thetas).mean
    }

    /// Mean and (unbiased, zero for one member) variance over members of log r̂, both `[nTheta, nEvents]`.
    /// Welford's update keeps the variance accurate when members agree closely.
    public func logRatioMeanAndVariance(x: Matrix<Double>, thetas: Matrix<Double>) throws -> (mean: Matrix<Double>, variance: Matrix<Double>) {
        var mean = Matrix<Double>(rows: thetas.rows, columns: x.rows)
        var m2 = mean
        for (k, member) in members.enumerated() {
            let r = try member.logRatio(x: x, thetas: thetas)
            let n = Double(k + 1)
            r.withUnsafeBufferPointer { rp in
                mean.withUnsafeMutableBufferPointer { mp in
                    m2.withUnsafeMutableBufferPointer { sp in
                        for i in 0..<rp.count {
                            let d = rp[i] - mp[i]
                            mp[i] += d / n
                            sp[i] += d * (rp[i] - mp[i])
                        }
                    }
                }
            }
        }
        let scale = members.count > 1 ? 1 / Double(members.count - 1) : 0
        m2.withUnsafeMutableBufferPointer { sp in for i in 0..<sp.count { sp[i] *= scale } }
        return (mean, m2)
    }

    /// Mean over members of S_m(θ_j) = Σ_i log r̂_m(x_i|θ_j) and its covariance across members
    /// (symmetric positive semi-definite, rank ≤ M − 1), the network uncertainty of a likelihood scan.
    /// Shapes: `mean` `[nTheta]`, `covariance` `[nTheta, nTheta]`.
    public func summedLogRatioCovariance(x: Matrix<Double>, thetas: Matrix<Double>) throws -> (mean: [Double], covariance: Matrix<Double>) {
        let t = thetas.rows, m = members.count
        var sums = Matrix<Double>(rows: m, columns: t)
        for (k, member) in members.enumerated() {
            let r = try member.logRatio(x: x, thetas: thetas)
            for j in 0..<t {
                var s = 0.0
                for i in 0..<x.rows { s += r[j, i] }
                sums[k, j] = s
            }
        }
        return EnsembleStatistics.meanAndCovariance(sums)
    }

    // MARK: Persistence

    /// Writes the members side by side into the folder `path` (see `EnsembleFolder`), atomically.
    public func save(to path: String) throws {
        try EnsembleFolder.save(members.map(\.modelFolder), kind: .parameterizedRatio, to: path)
    }

    /// Reads an ensemble written by `save`.
    public static func load(from path: String) throws -> RatioEnsemble {
        try RatioEnsemble(members: EnsembleFolder.load(from: path, kind: .parameterizedRatio).map {
            try ParameterizedRatioEstimator(folder: $0.model, path: $0.path)
        })
    }
}

/// Mean and covariance over rows (members) of a `[M, K]` matrix.
enum EnsembleStatistics {
    /// ```
    /// μ_j = (1/M) Σ_m v_mj,   C_jk = 1/(M−1) Σ_m (v_mj − μ_j)(v_mk − μ_k)   (0 for M = 1)
    /// ```
    /// Centred first (two passes), then C = DᵀD/(M−1), symmetrised exactly by computing j ≤ k once.
    static func meanAndCovariance(_ v: Matrix<Double>) -> (mean: [Double], covariance: Matrix<Double>) {
        let m = v.rows, k = v.columns
        var mean = [Double](repeating: 0, count: k)
        for r in 0..<m { for j in 0..<k { mean[j] += v[r, j] } }
        for j in 0..<k { mean[j] /= Double(m) }
        var c = Matrix<Double>(rows: k, columns: k)
        guard m > 1 else { return (mean, c) }
        for a in 0..<k {
            for b in a..<k {
                var s = 0.0
                for r in 0..<m { s += (v[r, a] - mean[a]) * (v[r, b] - mean[b]) }
                c[a, b] = s / Double(m - 1)
                c[b, a] = c[a, b]
            }
        }
        return (mean, c)
    }
}
