#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SBICore

/// A ratio that is a positive semi-definite quadratic form in (1, θ): the exact θ-dependence of
/// p(x|θ)/p(x|θ_ref) when the squared matrix element is quadratic in the couplings (dimension-six EFT
/// operators at O(Λ⁻⁴), MadMiner's morphing with maximal power 2).
///
/// ```
/// v = (1, (θ − θ_ref)/s)                                  (s: per-parameter scale)
/// R(x|θ) = vᵀ Q(x) v = |Lᵀ v|²,   Q = L Lᵀ,  L lower triangular (n+1)×(n+1), L₀₀ = 1
///        = 1 + Σ_i θ̃_i f_i(x) + Σ_{i≤j} θ̃_i θ̃_j g_ij(x)       (ML4EFT's form; R(x|θ_ref) = 1)
/// log r̂(x|θ) = log R(x|θ) − log N(θ),   N(θ) = vᵀ Q̄ v = |L̄ᵀ v|² ≈ σ(θ)/σ(θ_ref) = E_ref[R(x|θ)]
/// ∇_θ log R = 2 (L Lᵀ v)_{1…n} / (R s)
/// ```
/// Every |M(x,z|θ)|² = |M_ref + Σ θ_i M_i|² summed over unobserved z is such a form, so the family
/// contains the true ratio, R ≥ 0 by construction, and a learned ratio extrapolates beyond the training
/// prior exactly as the physics does. L is stored as its K = (n+1)(n+2)/2 − 1 free entries row by row,
/// (1,0), (1,1), (2,0), (2,1), (2,2), …
///
/// [1] S. Chen, A. Glioti, G. Panico, A. Wulzer, arXiv:2007.10356 (quadratic classifiers for EFTs);
/// [2] R. Gomez Ambrosio et al. (ML4EFT), arXiv:2211.02058 eq. (2.7); [3] J. Brehmer et al., arXiv:1907.10621
/// (MadMiner's morphing-aware estimator).
public enum QuadraticRatioForm {
    /// Added to R and N before the logarithm, so a form that vanishes at some θ gives a large finite
    /// negative log r̂ instead of −∞.
    public static let floor = 1e-12

    /// Number of free entries of L for `parameterCount` parameters: (n+1)(n+2)/2 − 1.
    public static func entryCount(parameterCount n: Int) -> Int { (n + 1) * (n + 2) / 2 - 1 }

    /// The lower-triangular m×m matrix (m = n + 1, row-major) with L₀₀ = 1 and the free `entries`.
    @inline(__always)
    public static func fill(_ entries: UnsafePointer<Float>, into l: UnsafeMutablePointer<Double>, m: Int) {
        var k = 0
        for a in 0..<m {
            for b in 0..<m {
                if b > a { l[a * m + b] = 0 } else if a == 0 { l[0] = 1 } else { l[a * m + b] = Double(entries[k]); k += 1 }
            }
        }
    }

    /// R = |Lᵀ v|² + floor, with u = Lᵀ v and w = L u = Q v written to the buffers (m each).
    @inline(__always)
    public static func value(l: UnsafePointer<Double>, v: UnsafePointer<Double>, m: Int,
                      u: UnsafeMutablePointer<Double>, w: UnsafeMutablePointer<Double>) -> Double {
        var r = floor
        for b in 0..<m {
            var s = 0.0
            for a in b..<m { s += l[a * m + b] * v[a] }
            u[b] = s
            r += s * s
        }
        for a in 0..<m {
            var s = 0.0
            for b in 0...a { s += l[a * m + b] * u[b] }
            w[a] = s
        }
        return r
    }

    /// Adds `sign`·∂ℓ/∂(free entries of L) into `gradient` (K entries) for one sample, from ∂ℓ/∂log R = `gValue`
    /// and ∂ℓ/∂(∇_ṽ log R)_k = `h[k]` (k = 1…n; h[0] is ignored and taken as 0):
    ///
    /// ```
    /// ∂ℓ/∂L_ab = (2/R) [ (g − 2 (h·w)/R) v_a u_b + h_a u_b + v_a (Lᵀ h)_b ]       (a ≥ b)
    /// ```
    @inline(__always)
    static func accumulateGradient(l: UnsafePointer<Double>, v: UnsafePointer<Double>, u: UnsafePointer<Double>, w: UnsafePointer<Double>,
                                   r: Double, m: Int, gValue: Double, h: UnsafeMutablePointer<Double>, sign: Double,
                                   lth: UnsafeMutablePointer<Double>, gradient: UnsafeMutablePointer<Double>) {
        h[0] = 0
        var hw = 0.0
        for k in 1..<m { hw += h[k] * w[k] }
        for b in 0..<m {
            var s = 0.0
            for k in b..<m { s += l[k * m + b] * h[k] }
            lth[b] = s
        }
        let c = gValue - 2 * hw / r, scale = sign * 2 / r
        var k = 0
        for a in 1..<m {
            for b in 0...a {
                gradient[k] += scale * (c * v[a] * u[b] + h[a] * u[b] + v[a] * lth[b])
                k += 1
            }
        }
    }
}
