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

/// tanh through a branch-free exp2, so the layer loop vectorises (SSE2 integer and float ops only).
///
/// ```
/// tanh z = sign(z)·(1 − e)/(1 + e),   e = e^{−2|z|} = 2^y,  y = −2·log₂(e)·min(|z|, 9)
/// 2^y = 2^n · 2^f,  n = round(y) (by adding and subtracting 1.5·2²³),  f = y − n ∈ [−½, ½]
/// 2^f ≈ 1 + c₁f + … + c₅f⁵   (relative minimax on [−½, ½], max error 9e−8, fitted for sbi)
/// 2^n·2^f: n added to the exponent bits of 2^f
/// ```
/// e ∈ (0, 1], so (1 − e)/(1 + e) neither overflows nor divides by 0; the clamp at |z| = 9
/// (where 1 − tanh z = 3e−8 is below half a Float ulp of 1) keeps n ≥ −26, a normal number.
/// Maximum absolute error against double-precision tanh 1.3e−7 (ActivationTests). NaN
/// propagates. The derivatives are taken from the computed value, σ' = 1 − σ², σ'' = −2σσ',
/// so value and derivatives stay consistent to rounding.
enum TanhKernel: ActivationKernel {
    @inline(__always)
    static func tanhApproximation(_ z: Float) -> Float {
        let a = z.magnitude
        // A compare, not Swift.min, so LLVM emits one minps (and NaN stays NaN).
        let clamped: Float = a > 9 ? 9 : a
        let y = clamped * -2.8853900817779268   // −2·log₂(e)·|z|, in [−25.97, 0]
        let magic: Float = 12_582_912           // 1.5·2²³: y + magic rounds y to an integer
        let shifted = y + magic
        let n = shifted - magic
        let f = y - n
        var p: Float = 0.001326468646341205
        p = p * f + 0.00967150508655421
        p = p * f + 0.05550733772524556
        p = p * f + 0.24022242203932204
        p = p * f + 0.6931469776390806
        p = p * f + 1
        // The low bits of `shifted` hold n (two's complement); add it to the exponent of 2^f.
        let e = Float(bitPattern: p.bitPattern &+ ((shifted.bitPattern &- magic.bitPattern) << 23))
        let h = (1 - e) / (1 + e)
        return Float(bitPattern: h.bitPattern | (z.bitPattern & 0x8000_0000))
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
