#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SBICore

/// `tanh` from the C library (the enum's own `tanh` case hides the free function inside `Activation`).
private func libmTanh(_ z: Double) -> Double { tanh(z) }

/// The element-wise nonlinearity of a hidden layer, with its first and second derivative.
///
/// ```
/// tanh:       σ(z) = tanh z                  σ' = 1 − σ²            σ'' = −2σ(1 − σ²)
/// sigmoid:    σ(z) = 1/(1 + e^−z)            σ' = σ(1 − σ)          σ'' = σ'(1 − 2σ)
/// relu:       σ(z) = max(z, 0)               σ' = [z > 0]           σ'' = 0
/// leakyRelu:  σ(z) = z (z > 0), 0.01·z       σ' = 1 or 0.01         σ'' = 0
/// elu (α=1):  σ(z) = z (z > 0), e^z − 1      σ' = 1 or e^z          σ'' = 0 or e^z
/// softplus:   σ(z) = log(1 + e^z)            σ' = 1/(1 + e^−z)      σ'' = σ'(1 − σ')
/// ```
/// The second derivative is what a loss with a score term needs: the θ-tangent of a
/// hidden unit is σ'(z)·ż, so its gradient with respect to the weights involves σ''(z)
/// (arXiv:1805.12244, the RASCAL/CASCAL/ALICES losses).
/// At the kinks of relu, leakyRelu and elu the derivative from the right is not used:
/// z = 0 takes the left branch.
///
/// The raw values are the names used in recipes and in `model.json`.
public enum Activation: String, CaseIterable, Codable, Sendable {
    case tanh
    case relu
    case sigmoid
    case elu
    case softplus
    case leakyRelu = "leaky_relu"

    /// Slope of `leakyRelu` for z ≤ 0 (PyTorch's default).
    public static let leakySlope: Float = 0.01

    /// Parses a recipe or command-line name (case-insensitive; `leakyrelu` and `leaky-relu` also
    /// accepted), or throws `SBIError.data` listing the valid names.
    public static func parse(_ text: String, field: String? = nil) throws -> Activation {
        let key = String(text.lowercased().map { $0 == "-" ? "_" : $0 })
        if let a = Activation(rawValue: key) { return a }
        if key == "leakyrelu" { return .leakyRelu }
        throw SBIError.data("unknown activation \"\(text)\"; expected one of "
                            + allCases.map(\.rawValue).joined(separator: ", "), field: field)
    }

    /// σ(z), in Double (the reference for tests and for anything outside the hot loop).
    public func value(_ z: Double) -> Double {
        switch self {
        case .tanh: return libmTanh(z)
        case .relu: return z > 0 ? z : 0
        case .sigmoid: return Activation.sigmoid(z)
        case .elu: return z > 0 ? z : expm1(z)
        case .softplus: return Activation.softplus(z)
        case .leakyRelu: return z > 0 ? z : Double(Activation.leakySlope) * z
        }
    }

    /// σ'(z), in Double.
    public func derivative(_ z: Double) -> Double {
        switch self {
        case .tanh:
            let h = libmTanh(z)
            return 1 - h * h
        case .relu: return z > 0 ? 1 : 0
        case .sigmoid:
            let s = Activation.sigmoid(z)
            return s * (1 - s)
        case .elu: return z > 0 ? 1 : exp(z)
        case .softplus: return Activation.sigmoid(z)
        case .leakyRelu: return z > 0 ? 1 : Double(Activation.leakySlope)
        }
    }

    /// σ''(z), in Double.
    public func secondDerivative(_ z: Double) -> Double {
        switch self {
        case .tanh:
            let h = libmTanh(z)
            return -2 * h * (1 - h * h)
        case .relu, .leakyRelu: return 0
        case .sigmoid:
            let s = Activation.sigmoid(z)
            return s * (1 - s) * (1 - 2 * s)
        case .elu: return z > 0 ? 0 : exp(z)
        case .softplus:
            let s = Activation.sigmoid(z)
            return s * (1 - s)
        }
    }

    /// σ(z) in Float, exactly as the network's forward pass computes it
    /// (for `tanh` and `sigmoid` the vectorisable exp2-based kernel of `ActivationKernels`).
    public func value(_ z: Float) -> Float { evaluate(z).value }

    /// σ'(z) in Float, as the network computes it.
    public func derivative(_ z: Float) -> Float { evaluate(z).first }

    /// σ''(z) in Float, as the network computes it.
    public func secondDerivative(_ z: Float) -> Float { evaluate(z).second }

    /// (σ, σ', σ'') at one point in Float, through the same kernels as the network.
    public func evaluate(_ z: Float) -> (value: Float, first: Float, second: Float) {
        switch self {
        case .tanh: return TanhKernel.evaluate(z)
        case .relu: return ReluKernel.evaluate(z)
        case .sigmoid: return SigmoidKernel.evaluate(z)
        case .elu: return EluKernel.evaluate(z)
        case .softplus: return SoftplusKernel.evaluate(z)
        case .leakyRelu: return LeakyReluKernel.evaluate(z)
        }
    }

    /// Logistic function 1/(1 + e^−z), evaluated without overflow for either sign of z.
    static func sigmoid(_ z: Double) -> Double {
        if z >= 0 { return 1 / (1 + exp(-z)) }
        let e = exp(z)
        return e / (1 + e)
    }

    /// log(1 + e^z) = max(z, 0) + log1p(e^−|z|): no overflow for large z, no loss of digits for very negative z.
    static func softplus(_ z: Double) -> Double { max(z, 0) + log1p(exp(-abs(z))) }
}
