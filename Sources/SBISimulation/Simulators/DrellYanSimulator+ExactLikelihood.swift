import CGSL
import SBICore

extension DrellYanSimulator {
    /// Exact log p(x|θ) per row of `observables` `[n, 2]` (cosθ_μ, E_μ), by integrating the
    /// smearing over z with GSL (QAG, relative tolerance 1e-10). Because |M|² is a fixed
    /// combination of the θ-independent basis b_k(s), each event needs five integrals whatever θ:
    /// ```
    /// p(x|θ) = (ħc)²/(128π σ(θ)) Σ_ij J±(cosθ_μ) [e⁴K₁ + 2e² c_e c_μ g_i g_j K₂ + c_e² c_μ² g_i² g_j² K₃]
    /// J±(cosθ_μ) = ∫_{−1}^{1} (1 ± c)² N(cosθ_μ; c, σ_c²) dc        (+ for LL, RR; − for LR, RL)
    /// K_k(E_μ)   = ∫ d√s g(√s) N(E_μ; √s/2, σ_E²) b_k(s)
    /// ```
    /// The integration ranges are cut to ±12σ of the smearing kernels (the rest is below 1e-32).
    /// - Throws: `SBIError.data` naming `theta` or `observables`; `SBIError.numerical` if GSL fails.
    public func exactLogLikelihood(observables: Matrix<Double>, at theta: [Double]) throws -> [Double] {
        try exactLogLikelihoods(observables: observables, at: Matrix(rows: 1, columns: theta.count, storage: theta)).storage
    }

    /// log p(x_i|θ_j) for every row θ_j of `thetas` `[nTheta, 2]` → `[nTheta, nEvents]`: the five
    /// integrals of each event are computed once and combined with every θ's couplings.
    /// - Throws: as `exactLogLikelihood(observables:at:)`.
    public func exactLogLikelihoods(observables: Matrix<Double>, at thetas: Matrix<Double>) throws -> Matrix<Double> {
        for j in 0..<thetas.rows { try parameterSpace.validate(thetas.row(j)) }
        try SimulatorInput.checkMatrix(observables, columns: 2, names: observableNames, field: "observables")
        let couplings = (0..<thetas.rows).map { amplitudes.muonCouplings(thetas.row($0)) }
        let logSigma = try (0..<thetas.rows).map { log(try crossSection(at: thetas.row($0))) }
        let quadrature = Quadrature()
        let n = observables.rows
        var out = Matrix<Double>(rows: thetas.rows, columns: n)
        for i in 0..<n {
            let (jPlus, jMinus) = try angularIntegrals(cosThetaObserved: observables[i, 0], quadrature)
            let k = try energyIntegrals(energyObserved: observables[i, 1], quadrature)
            for j in 0..<thetas.rows {
                let numerator = amplitudes.angularIntegratedBasisSum(muon: couplings[j], basis: k, weightSame: jPlus, weightOpposite: jMinus)
                out[j, i] = log(numerator) - logSigma[j]
            }
        }
        return out
    }

    /// (J₊, J₋) = ∫_{−1}^{1} (1 ± c)² N(cObs; c, σ_c²) dc.
    func angularIntegrals(cosThetaObserved cObs: Double, _ quadrature: Quadrature) throws -> (Double, Double) {
        let sigma = cosThetaResolution
        let lo = max(-1, cObs - 12 * sigma), hi = min(1, cObs + 12 * sigma)
        guard lo < hi else { return (0, 0) }
        let plus = try quadrature.integrate(from: lo, to: hi) { c in (1 + c) * (1 + c) * gsl_ran_gaussian_pdf(cObs - c, sigma) }
        let minus = try quadrature.integrate(from: lo, to: hi) { c in (1 - c) * (1 - c) * gsl_ran_gaussian_pdf(cObs - c, sigma) }
        return (plus, minus)
    }

    /// (K₁, K₂, K₃) = ∫ d√s g(√s) N(eObs; √s/2, σ_E²) b_k(s); with monochromatic beams g is a δ.
    func energyIntegrals(energyObserved eObs: Double, _ quadrature: Quadrature) throws -> (Double, Double, Double) {
        let sigma = energyResolution
        guard beamSpread > 0 else {
            let kernel = gsl_ran_gaussian_pdf(eObs - 0.5 * nominalSqrtS, sigma)
            let b = amplitudes.basis(s: nominalSqrtS * nominalSqrtS)
            return (kernel * b.0, kernel * b.1, kernel * b.2)
        }
        let window = beamWindow
        let lo = max(window.lowerBound, 2 * eObs - 24 * sigma), hi = min(window.upperBound, 2 * eObs + 24 * sigma)
        guard lo < hi else { return (0, 0, 0) }
        let density = BeamDensity(centre: nominalSqrtS, spread: beamSpread, truncation: Self.truncation)
        let amplitudes = self.amplitudes
        func kernel(_ r: Double) -> Double { density(r) * gsl_ran_gaussian_pdf(eObs - 0.5 * r, sigma) }
        let k1 = try quadrature.integrate(from: lo, to: hi) { r in kernel(r) * amplitudes.basis(s: r * r).0 }
        let k3 = try quadrature.integrate(from: lo, to: hi) { r in kernel(r) * amplitudes.basis(s: r * r).2 }
        // b₂ = Re P changes sign at the pole, so K₂ can be ~0; |b₂| ≤ b₃ makes 1e-12·K₃ its natural absolute scale.
        let k2 = try quadrature.integrate(from: lo, to: hi, absoluteTolerance: 1e-12 * k3) { r in kernel(r) * amplitudes.basis(s: r * r).1 }
        return (k1, k2, k3)
    }
}
