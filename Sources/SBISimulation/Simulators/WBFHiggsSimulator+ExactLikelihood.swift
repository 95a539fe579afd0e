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
        try exactLogLikelihoods(observables: observables, at: Matrix(rows: 1, columns: theta.count, storage: theta)).storage
    }

    /// log p(x_i|θ_j) for every row θ_j of `thetas` `[nTheta, 2]` → `[nTheta, nEvents]`: the three
    /// integrals Qₙ(p_x) of each event are computed once and combined with every θ's T_nk(θ).
    /// - Throws: as `exactLogLikelihood(observables:at:)`.
    public func exactLogLikelihoods(observables: Matrix<Double>, at thetas: Matrix<Double>) throws -> Matrix<Double> {
        for j in 0..<thetas.rows { try parameterSpace.validate(thetas.row(j)) }
        try SimulatorInput.checkMatrix(observables, columns: 2, names: observableNames, field: "observables")
        let coefficients = (0..<thetas.rows).map { Self.fourierModes(fW: thetas[$0, 0], fWW: thetas[$0, 1]) }
        let (damp2, damp4) = Self.angularDamping
        let quadrature = Quadrature()
        let n = observables.rows
        var out = Matrix<Double>(rows: thetas.rows, columns: n)
        for i in 0..<n {
            let phi = observables[i, 0]
            let q = try Self.ptIntegrals(ptObserved: observables[i, 1], quadrature)
            let cos2 = damp2 * cos(2 * phi), cos4 = damp4 * cos(4 * phi)
            for (j, t) in coefficients.enumerated() {
                let sum = t[0] * q.0 + (t[1] + t[2] * cos2) * q.1 + (t[3] + t[4] * cos2 + t[5] * cos4) * q.2
                out[j, i] = t[6] + log(sum)
            }
        }
        return out
    }

    /// (T00, T20, T22, T40, T42, T44) of |M|² = Σ T_nk uⁿ cos kφ at θ = (f_W, f_WW), followed by the
    /// log normalisation −log(2π R(θ)).
    static func fourierModes(fW: Double, fWW: Double) -> [Double] {
        [1, 2 * a * fW, 2 * b * fWW,
         a * a * fW * fW + 0.5 * (b * b + c * c) * fWW * fWW, 2 * a * b * fW * fWW, 0.5 * (b * b - c * c) * fWW * fWW,
         -log(2 * Double.pi) - log(relativeRate([fW, fWW]).value)]
    }

    /// (e^{−4σ_φ²/2}, e^{−16σ_φ²/2}): the damping of the cos 2φ and cos 4φ modes by the combined
    /// wrapped-normal angular smearing σ_φ² = σ_φs² + σ_φd².
    static var angularDamping: (Double, Double) {
        let sigmaPhi2 = showerAngle * showerAngle + detectorAngle * detectorAngle
        return (exp(-4 * sigmaPhi2 / 2), exp(-16 * sigmaPhi2 / 2))
    }

    /// σ_p = √(σ_ps² + σ_pd²), the combined p_T smearing in GeV.
    static var combinedPTSmearing: Double { (showerPT * showerPT + detectorPT * detectorPT).squareRoot() }

    /// (Q₀, Q₂, Q₄)(p_x) = ∫_{p_cut}^∞ P(p) uⁿ N(p_x; p, σ_p²) dp over p_x ± 12σ_p (the rest < 1e-32).
    static func ptIntegrals(ptObserved px: Double, _ quadrature: Quadrature) throws -> (Double, Double, Double) {
        let sigma = Self.combinedPTSmearing
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
