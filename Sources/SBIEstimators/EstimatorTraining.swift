import SBICore
import SBINetworks

/// Network shape and loss weight shared by every estimator's `train`.
///
/// ```
/// hidden layers hiddenSizes with activation; α weights the score term of
/// ALICES, CASCAL, RASCAL and their "2" variants: ℓ = ℓ_ratio + α·ℓ_score
/// ```
/// Defaults are MadMiner's (one tanh layer of 100 units, `n_hidden=(100,)`, α = 1; arXiv:1907.10621),
/// the same as a recipe's `hidden_layers` default.
public struct NetworkSettings: Codable, Equatable, Sendable {
    /// Widths of the hidden layers.
    public var hiddenSizes: [Int]
    /// Hidden-layer nonlinearity.
    public var activation: Activation
    /// Weight α of the score term, score differences in standardised θ units as MadMiner's
    /// (see `ScoreAugmentedLoss`; ignored by methods without one).
    public var alpha: Double

    /// Settings with MadMiner's defaults unless given.
    public init(hiddenSizes: [Int] = [100], activation: Activation = .tanh, alpha: Double = 1) {
        self.hiddenSizes = hiddenSizes
        self.activation = activation
        self.alpha = alpha
    }

    /// - Throws: `SBIError.data` naming `alpha` when it is negative or not finite.
    func validate() throws {
        guard alpha >= 0, alpha.isFinite else {
            throw SBIError.data("\(alpha) is out of range; expected a finite number ≥ 0", field: "alpha")
        }
    }
}

/// Steps every estimator's training shares: field checks, input scaling, initial weights.
enum EstimatorTraining {
    /// Stream number of the weight initialisation under the training seed (epochs use 0, 1, 2, …).
    static let initializationStream: UInt64 = 1 << 40

    /// Checks that `data` has the fields `method` reads.
    /// - Throws: `SBIError.data` naming the missing field and its MadMiner file stem.
    static func requireFields(_ method: EstimatorMethod, in data: TrainingDataset, thetaFields: [TrainingDataset.Field]) throws {
        var needed: [TrainingDataset.Field] = thetaFields
        if method.needsLabels { needed.append(.y) }
        if method.needsJointRatio { needed.append(.rXZ) }
        if method.usesScore { needed.append(.tXZ) }
        for field in needed where data.width(of: field) == nil {
            throw SBIError.data("method \(method.rawValue) needs \(field.fileStem) (\(describe(field))); the training data have none",
                                file: data.source(of: .x), field: field.fileStem)
        }
    }

    static func describe(_ field: TrainingDataset.Field) -> String {
        switch field {
        case .x: return "observables"
        case .theta: return "parameter points θ0"
        case .theta1: return "parameter points θ1"
        case .y: return "labels, 0 for x from θ0 and 1 for x from θ1"
        case .rXZ: return "joint likelihood ratios r(x,z|θ0,θ1)"
        case .tXZ: return "joint scores t(x,z)"
        }
    }

    /// Mean and standard deviation of a field, with σ = 1 for a constant or degenerate column.
    static func moments(_ data: TrainingDataset, _ field: TrainingDataset.Field) -> (mean: [Double], std: [Double]) {
        let (m, s) = data.meanAndStandardDeviation(of: field)
        return (m, s.map { $0 > 0 && $0.isFinite ? $0 : 1 })
    }

    /// Default names `x0, x1, …` / `theta0, …` when none are given.
    static func names(_ given: [String]?, count: Int, prefix: String, field: String) throws -> [String] {
        guard let given else { return (0..<count).map { "\(prefix)\($0)" } }
        guard given.count == count else {
            throw SBIError.data("\(given.count) names for \(count) columns", field: field)
        }
        return given
    }
}
