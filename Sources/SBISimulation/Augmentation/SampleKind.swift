import SBICore

/// The kinds of training and evaluation samples `SampleAugmenter` writes, with MadMiner's
/// file names (`<array>_<split>.npy`) so either tool reads the other's samples.
///
/// ```
/// ratio        x, theta0, theta1, y, r_xz, t_xz            y = 0 for x ~ p(x|θ0), 1 for x ~ p(x|θ1); t_xz at θ0
/// more_ratios  x, theta0, theta1, y, r_xz, t_xz0, t_xz1    as ratio, scores at θ0 and θ1, each event reused
///                                                          with additional θ (doubly parameterised methods)
/// local        x, theta, t_xz                              x ~ p(x|θ_ref), t_xz at θ_ref (SALLY, SALLINO)
/// density      x, theta, t_xz                              x ~ p(x|θ), θ from a prior (NDE, SCANDAL)
/// test         x, theta [, log_p_x]                        x ~ p(x|θ), exact log p(x|θ) where known
/// ```
/// Shapes: x `[n, nObservables]`, theta/theta0/theta1/t_xz `[n, nParameters]`,
/// y/r_xz/log_p_x `[n, 1]`; all `<f4`.
///
/// [1] MadMiner documentation, `SampleAugmenter.sample_train_ratio/more_ratios/local/density`, `sample_test`;
/// [2] J. Brehmer, K. Cranmer, G. Louppe, J. Pavez, arXiv:1805.00020.
public enum SampleKind: String, CaseIterable, Sendable {
    case ratio
    case moreRatios = "more_ratios"
    case local, density, test

    /// The kind named `text`.
    /// - Throws: `SBIError.data` naming `field` and listing the valid kinds.
    public static func parse(_ text: String, field: String = "kind") throws -> SampleKind {
        if let kind = SampleKind(rawValue: text) { return kind }
        throw SBIError.data("unknown sample kind \"\(text)\"; expected one of \(allCases.map(\.rawValue).joined(separator: ", "))",
                            field: field)
    }

    /// Array names this kind writes (without split suffix), in writing order.
    public var arrayNames: [String] {
        switch self {
        case .ratio: return ["x", "theta0", "theta1", "y", "r_xz", "t_xz"]
        case .moreRatios: return ["x", "theta0", "theta1", "y", "r_xz", "t_xz0", "t_xz1"]
        case .local, .density: return ["x", "theta", "t_xz"]
        case .test: return ["x", "theta", "log_p_x"]
        }
    }

    /// Whether the kind has a numerator θ0 and a denominator θ1 (ratio, more_ratios).
    public var hasTheta1: Bool { self == .ratio || self == .moreRatios }
}
