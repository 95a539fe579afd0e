#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One activation as a type, so the layer loops are specialised per activation
/// (generic over `K: ActivationKernel`, the switch happens once per layer, not per element).
///
/// `evaluate` returns (σ(z), σ'(z), σ''(z)); after inlining, the compiler drops what a
/// loop does not store.
protocol ActivationKernel {
    static func evaluate(_ z: Float) -> (value: Float, first: Float, second: Float)
}

/// tanh by a rational minimax approximation, branch-free so the layer loop vectorises.
///
/// ```
/// tanh z ≈ z·P(z²)/Q(z²),  z clamped to [−9, 9],  deg P = 6, deg Q = 3
/// ```
/// The coefficients are the published single-precision fit used by Eigen's `ptanh`
/// (a numerical fact, like a table of constants); the maximum error against
/// double-precision tanh is a few ulp (checked in ActivationTests). The derivatives
/// are taken from the approximated value, σ' = 1 − σ², σ'' = −2σσ', so value and
/// derivatives stay consistent to rounding.
enum TanhKernel: ActivationKernel {
    @inline(__always)
    static func tanhApproximation(_ z: Float) -> Float {
        // Written as compares so LLVM emits one minps and one maxps (Swift.min/max add a NaN blend).
        let upper: Float = z > 9 ? 9 : z
        let x: Float = upper < -9 ? -9 : upper
        let x2 = x * x
        var p: Float = -2.76076847742355e-16
        p = p * x2 + 2.00018790482477e-13
        p = p * x2 + -8.60467152213735e-11
        p = p * x2 + 5.12229709037114e-08
        p = p * x2 + 1.48572235717979e-05
        p = p * x2 + 6.37261928875436e-04
        p = p * x2 + 4.89352455891786e-03
        var q: Float = 1.19825839466702e-06
        q = q * x2 + 1.18534705686654e-04
        q = q * x2 + 2.26843463243900e-03
        q = q * x2 + 4.89352518554385e-03
        return x * p / q
    }

    @inline(__always)
    static func evaluate(_ z: Float) -> (value: Float, first: Float, second: Float) {
        let h = tanhApproximation(z)
        let d1 = 1 - h * h
        return (h, d1, -2 * h * d1)
    }
}

/// Logistic sigmoid through the same tanh: σ(z) = ½ + ½·tanh(z/2).
/// Absolute error ~1e-7 (relative accuracy is lost only where σ < 1e-7, irrelevant for a hidden unit).
enum SigmoidKernel: ActivationKernel {
    @inline(__always)
    static func evaluate(_ z: Float) -> (value: Float, first: Float, second: Float) {
        let s = 0.5 + 0.5 * TanhKernel.tanhApproximation(0.5 * z)
        let d1 = s * (1 - s)
        return (s, d1, d1 * (1 - 2 * s))
    }
}

enum ReluKernel: ActivationKernel {
    @inline(__always)
    static func evaluate(_ z: Float) -> (value: Float, first: Float, second: Float) {
        z > 0 ? (z, 1, 0) : (0, 0, 0)
    }
}

enum LeakyReluKernel: ActivationKernel {
    @inline(__always)
    static func evaluate(_ z: Float) -> (value: Float, first: Float, second: Float) {
        z > 0 ? (z, 1, 0) : (Activation.leakySlope * z, Activation.leakySlope, 0)
    }
}

/// ELU with α = 1; `expm1f` keeps digits near z = 0⁻.
enum EluKernel: ActivationKernel {
    @inline(__always)
    static func evaluate(_ z: Float) -> (value: Float, first: Float, second: Float) {
        if z > 0 { return (z, 1, 0) }
        let e = expf(z)
        return (expm1f(z), e, e)
    }
}

/// softplus(z) = max(z, 0) + log1p(e^−|z|), σ' = sigmoid(z) computed from e^−|z| without overflow.
enum SoftplusKernel: ActivationKernel {
    @inline(__always)
    static func evaluate(_ z: Float) -> (value: Float, first: Float, second: Float) {
        let e = expf(-Swift.abs(z))
        let s = z >= 0 ? 1 / (1 + e) : e / (1 + e)
        return (Swift.max(z, 0) + log1pf(e), s, s * (1 - s))
    }
}
