import SBICore

/// A first-order optimiser that updates one flat Float32 parameter buffer from its gradient.
///
/// ```
/// θ_t = θ_{t−1} − update(g_t; state, learningRate)
/// ```
/// Shapes: `parameters` and `gradient` both have `parameterCount` elements (the flat
/// layout of `TrainingObjective`). The state (moments, velocities) is allocated once
/// in the initialiser; `step` allocates nothing.
///
/// [1] Kingma & Ba, arXiv:1412.6980 (Adam); [2] Reddi, Kale & Kumar, arXiv:1904.09237
/// (AMSGrad); training setup of MadMiner, arXiv:1805.12244.
public protocol Optimizer: AnyObject {
    /// Number of parameters the state was sized for.
    var parameterCount: Int { get }
    /// The step size used by the next `step`; the trainer sets it every epoch.
    var learningRate: Float { get set }
    /// Number of steps taken since creation or the last `reset()`.
    var stepCount: Int { get }
    /// Updates `parameters` in place from `gradient`.
    /// - Precondition: both buffers have `parameterCount` elements.
    func step(parameters: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>)
    /// Clears the state (moments, step count) as if freshly created.
    func reset()
}

/// The optimisers sbi knows by name (recipes and the CLI parse strings into this).
///
/// MadMiner trains with AMSGrad by default (arXiv:1805.12244, its `train` defaults).
public enum OptimizerKind: String, CaseIterable, Codable, Sendable {
    /// Adam with bias correction (arXiv:1412.6980).
    case adam
    /// Adam keeping the running maximum of the second moment (arXiv:1904.09237).
    case amsgrad
    /// Stochastic gradient descent with heavy-ball momentum.
    case sgd

    /// Parses a name, or throws `SBIError.data` listing the valid names.
    public static func parse(_ text: String, field: String? = nil) throws -> OptimizerKind {
        if let kind = OptimizerKind(rawValue: text.lowercased()) { return kind }
        throw SBIError.data("unknown optimizer \"\(text)\"; expected one of "
                            + allCases.map(\.rawValue).joined(separator: ", "), field: field)
    }

    /// A fresh optimiser of this kind for `parameterCount` parameters.
    /// - Parameter momentum: used by `.sgd` only.
    public func make(parameterCount: Int, learningRate: Float, momentum: Float = 0.9) -> Optimizer {
        switch self {
        case .adam: return Adam(parameterCount: parameterCount, learningRate: learningRate)
        case .amsgrad: return Adam(parameterCount: parameterCount, learningRate: learningRate, amsgrad: true)
        case .sgd: return SGD(parameterCount: parameterCount, learningRate: learningRate, momentum: momentum)
        }
    }
}
