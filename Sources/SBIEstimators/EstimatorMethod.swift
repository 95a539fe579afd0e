import SBICore
import SBINetworks

/// The training methods of MadMiner's estimators by their paper acronyms, as one enum so a
/// recipe or the command line can name any of them and an error can list them all.
///
/// ```
/// parameterized ratio  f(x,θ) ≈ log r(x|θ,θ_ref):        carl rolr alice alices cascal rascal
/// doubly parameterized log r̂ = f(x,θ0,θ1) − f(x,θ1,θ0):  carl2 rolr2 alice2 alices2 cascal2 rascal2
/// score                g(x) ≈ t(x|θ_ref):                sally
/// likelihood           MAF p̂(x|θ):                       nde scandal
/// ```
/// The "2" variants are the doubly parameterised estimators; those with a score term
/// (alices2, cascal2, rascal2) put both scores in the loss: t(x,z|θ0) on samples from θ0
/// and t(x,z|θ1) on samples from θ1.
/// [1] arXiv:1805.00013, 1805.00020, 1805.12244 (CARL, ROLR, CASCAL, RASCAL, SALLY);
/// [2] arXiv:1808.00973 (ALICE, ALICES); [3] arXiv:1907.10621 (MadMiner).
public enum EstimatorMethod: String, CaseIterable, Codable, Sendable {
    /// Parameterised ratio methods (MadMiner's names).
    case carl, rolr, alice, alices, cascal, rascal
    /// Doubly parameterised ratio methods (MadMiner's "2" names; cascal2 is ours, by analogy).
    case carl2, rolr2, alice2, alices2, cascal2, rascal2
    /// The local score estimator.
    case sally
    /// Neural density estimation: a conditional masked autoregressive flow trained by maximum likelihood.
    case nde
    /// NDE plus α times the score term on the joint score (arXiv:1805.12244).
    case scandal

    /// Parses a method name (case-insensitive).
    /// - Throws: `SBIError.data` naming `field` and listing the valid values.
    public static func parse(_ text: String, field: String = "method") throws -> EstimatorMethod {
        if let m = EstimatorMethod(rawValue: text.lowercased()) { return m }
        throw SBIError.data("unknown method \"\(text)\"; expected one of \(allCases.map(\.rawValue).joined(separator: ", "))",
                            field: field)
    }

    /// The methods of one family, for error messages.
    public static func methods(of kind: ModelKind) -> [EstimatorMethod] { allCases.filter { $0.kind == kind } }

    /// Which kind of model the method trains.
    public var kind: ModelKind {
        switch self {
        case .carl, .rolr, .alice, .alices, .cascal, .rascal: return .parameterizedRatio
        case .carl2, .rolr2, .alice2, .alices2, .cascal2, .rascal2: return .doublyParameterizedRatio
        case .sally: return .score
        case .nde, .scandal: return .likelihood
        }
    }

    /// The ratio part of the loss: CARL's cross-entropy on y, ROLR's regression on r_xz, or
    /// ALICE's cross-entropy on s(x,z) = 1/(1 + r_xz). Nil for SALLY.
    public var ratioBase: EstimatorMethod? {
        switch self {
        case .carl, .cascal, .carl2, .cascal2: return .carl
        case .rolr, .rascal, .rolr2, .rascal2: return .rolr
        case .alice, .alices, .alice2, .alices2: return .alice
        case .sally, .nde, .scandal: return nil
        }
    }

    /// Whether the loss has a score term α|t̂ − t(x,z)|² (for SALLY: the whole loss is one).
    public var usesScore: Bool {
        switch self {
        case .alices, .cascal, .rascal, .alices2, .cascal2, .rascal2, .sally, .scandal: return true
        default: return false
        }
    }

    /// Whether the loss needs the joint ratio r_xz.
    public var needsJointRatio: Bool { ratioBase == .rolr || ratioBase == .alice }

    /// Whether the loss needs the class labels y (every ratio method).
    public var needsLabels: Bool { kind != .score && kind != .likelihood }

    /// The per-sample loss of a parameterised ratio method (`kind == .parameterizedRatio`),
    /// with α weighting the score term and score differences in units of `parameterStd`
    /// (the training θ's standard deviations, see `ScoreAugmentedLoss`).
    /// - Precondition: the method is a parameterised ratio method.
    public func parameterizedLoss(alpha: Double, parameterStd: [Double] = []) -> any NetworkLoss {
        switch self {
        case .carl: return CARLLoss()
        case .rolr: return ROLRLoss()
        case .alice: return ALICELoss()
        case .alices: return ALICESLoss(alpha: alpha, parameterStd: parameterStd)
        case .cascal: return CASCALLoss(alpha: alpha, parameterStd: parameterStd)
        case .rascal: return RASCALLoss(alpha: alpha, parameterStd: parameterStd)
        default: preconditionFailure("EstimatorMethod.parameterizedLoss: \(rawValue) is a \(kind.rawValue) method")
        }
    }

    /// The loss without score term (CARL, ROLR or ALICE) that a doubly parameterised method starts from.
    func ratioLoss() -> any NetworkLoss {
        switch ratioBase {
        case .carl: return CARLLoss()
        case .rolr: return ROLRLoss()
        default: return ALICELoss()
        }
    }

    /// Checks that the method belongs to `kind`.
    /// - Throws: `SBIError.data` naming `field` and the methods of that kind.
    public func require(_ kind: ModelKind, field: String = "method") throws {
        guard self.kind == kind else {
            throw SBIError.data("method \(rawValue) trains a \(self.kind.rawValue) model; a \(kind.rawValue) estimator takes one of \(EstimatorMethod.methods(of: kind).map(\.rawValue).joined(separator: ", "))",
                                field: field)
        }
    }
}
