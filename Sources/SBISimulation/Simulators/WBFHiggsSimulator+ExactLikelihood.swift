import CGSL
import SBICore

extension WBFHiggsSimulator {
    /// Exact log p(x|θ) per row of `observables` `[n, 2]` (Δφ_jj, p_T,j1), integrating the
    /// parton → shower → detector smearing over the latent variables. The two smearings combine
    /// into one kernel (σ_φ² = σ_φs² + σ_φd², wrapped; σ_p² = σ_ps² + σ_pd²). Expanding |M|² in
    /// Fourier modes and powers of u,
    /// ```
    /// |M|² = Σ_{n,k} T_nk(θ) uⁿ cos kφ,   (n,k) ∈ {(0,0), (2,0), (2,2), (4,0), (4,2), (4,4)}
    /// p(x|θ) = 1/(2π R(θ)) Σ_{n,k} T_nk(θ) e^{−k²σ_φ²/2} cos(kΔφ_x) Qₙ(p_x)
    /// Qₙ(p_x) = ∫_{p_cut}^∞ P(p) uⁿ N(p_x; p, σ_p²) dp        (GSL QAG, relative tolerance 1e-10)
    /// ```
    /// The angular integral of a Fourier mode against a wrapped normal is exact (e^{−k²σ²/2}), so
    /// each event needs three numerical integrals (n = 0, 2, 4), whatever θ.
    /// - Throws: `SBIError.data` naming `theta` or `observables`; `SBIError.numerical` if GSL fails.
    public func exactLogLikelihood(observables: Matrix<Double>, at theta: [Double]) throws -> [Double] {
        try parameterSpace.validate(theta)
        try SimulatorInput.checkMatrix(observables, columns: 2, names: observableNames, field: "observables")
        let fW = theta[0], fWW = theta[1]
        let a = Self.a, b = Self.b, c = Self.c
        let t00 = 1.0, t20 = 2 * a * fW, t22 = 2 * b * fWW
        let t40 = a * a * fW * fW + 0.5 * (b * b + c * c) * fWW * fWW
        let t42 = 2 * a * b * fW * fWW, t44 = 0.5 * (b * b - c * c) * fWW * fWW
        let sigmaPhi2 = Self.showerAngle * Self.showerAngle + Self.detectorAngle * Self.detectorAngle
        let damp2 = exp(-4 * sigmaPhi2 / 2), damp4 = exp(-16 * sigmaPhi2 / 2)
        let logNormalisation = -log(2 * Double.pi) - log(Self.relativeRate(theta).value)
        let quadrature = Quadrature()
        var out = [Double](repeating: 0, count: observables.rows)
        for i in 0..<observables.rows {
            let phi = observables[i, 0]
            let q = try ptIntegrals(ptObserved: observables[i, 1], quadrature)
            let cos2 = damp2 * cos(2 * phi), cos4 = damp4 * cos(4 * phi)
            let sum = t00 * q.0 + (t20 + t22 * cos2) * q.1 + (t40 + t42 * cos2 + t44 * cos4) * q.2
            out[i] = logNormalisation + log(sum)
        }
        return out
    }

    /// (Q₀, Q₂, Q₄)(p_x) = ∫_{p_cut}^∞ P(p) uⁿ N(p_x; p, σ_p²) dp over p_x ± 12σ_p (the rest < 1e-32).
    func ptIntegrals(ptObserved px: Double, _ quadrature: Quadrature) throws -> (Double, Double, Double) {
        let sigma = (Self.showerPT * Self.showerPT + Self.detectorPT * Self.detectorPT).squareRoot()
        let lo = max(Self.ptCut, px - 12 * sigma), hi = px + 12 * sigma
        guard lo < hi else { return (0, 0, 0) }
        func kernel(_ p: Double) -> Double {
            exp(-(p - Self.ptCut) / Self.ptSlope) / Self.ptSlope * gsl_ran_gaussian_pdf(px - p, sigma)
        }
        let scale = Self.ptScale
        let q0 = try quadrature.integrate(from: lo, to: hi) { p in kernel(p) }
        let q2 = try quadrature.integrate(from: lo, to: hi) { p in let u = p / scale; return kernel(p) * u * u }
        let q4 = try quadrature.integrate(from: lo, to: hi) { p in let u = p / scale; return kernel(p) * u * u * u * u }
        return (q0, q2, q4)
    }
}
