import Foundation

/// A log-normal normalisation uncertainty of the expected event count, profiled in the likelihood.
///
/// ```
/// μ(θ, η) = ν(θ)·e^{κη},   κ = log(1 + σ_rel),   constraint η ~ N(0, 1)
/// log L_prof(θ) = max_η [ n log μ − μ − log Γ(n+1) − η²/2 ]
/// ∂/∂η = nκ − κμ − η = 0,   ∂²/∂η² = −κ²μ − 1 < 0   (concave: one root)
/// ```
/// The root lies between 0 and κ(n − ν) (at η = κ(n − ν) the derivative has the other sign, as
/// e^{κη} ≥ 1 for η ≥ 0 and ≤ 1 for η ≤ 0), so bisection on that bracket finds it to rounding.
/// Several normalisation uncertainties κ_k combine into one: the likelihood depends on them only
/// through s = Σ κ_k η_k, and the smallest Σ η_k²/2 at fixed s is s²/(2 Σ κ_k²), so
/// κ = (Σ κ_k²)^{1/2} with one constrained η is the same profile.
///
/// Profiled Fisher information of the rate (η enters μ only):
/// ```
/// I_θθ − I_θη I_ηη⁻¹ I_ηθ = ∇ν ∇νᵀ/ν − κ² ∇ν ∇νᵀ/(1 + κ²ν) = ∇ν ∇νᵀ / (ν(1 + κ²ν))
/// ```
/// [1] K. Cranmer, "Practical statistics for the LHC", arXiv:1503.07622 §4 (constraint terms,
///     profile likelihood); [2] ATLAS/CMS HistFactory conventions, CERN-OPEN-2012-016 (log-normal
///     normalisation systematics).
public enum ProfiledNormalization {
    /// Largest relative uncertainty accepted from user input (10 = a factor 11 per standard deviation).
    public static let maximumRelativeUncertainty = 10.0

    /// κ = (Σ_k log(1 + σ_k)²)^{1/2} for relative uncertainties σ_k > 0.
    public static func combinedLogWidth(relativeUncertainties: [Double]) -> Double {
        relativeUncertainties.reduce(0.0) { $0 + log1p($1) * log1p($1) }.squareRoot()
    }

    /// (max_η [n log(ν e^{κη}) − ν e^{κη} − log Γ(n+1) − η²/2], the maximising η) for n ≥ 0, ν > 0, κ > 0.
    public static func profile(observed n: Double, expected nu: Double, logWidth kappa: Double) -> (logLikelihood: Double, eta: Double) {
        func derivative(_ eta: Double) -> Double { n * kappa - nu * kappa * exp(kappa * eta) - eta }
        var lo = min(0, kappa * (n - nu)), hi = max(0, kappa * (n - nu))
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if mid == lo || mid == hi { break }
            if derivative(mid) > 0 { lo = mid } else { hi = mid }
        }
        let eta = 0.5 * (lo + hi)
        return (EventRate.logPoisson(n, nu * exp(kappa * eta)) - 0.5 * eta * eta, eta)
    }
}
