import CGSL
import SBICore

/// e⁺e⁻ → μ⁺μ⁻ through γ and Z at tree level near the Z pole, with the Z's vector and axial
/// couplings to muons shifted by θ = (δg_V, δg_A): a toy with a known answer, weighted events
/// and exact morphing.
///
/// Massless helicity amplitudes (i = chirality of e⁻, j = of μ⁻, L/R), s-channel photon and Z
/// with a fixed-width Breit–Wigner:
/// ```
/// A_ij(s)    = e²/s + c_e c_μ g_i^e g_j^μ P(s),        P(s) = 1/(s − m_Z² + i m_Z Γ_Z)
/// dσ/dcosθ*  = (s/128π) [ (|A_LL|² + |A_RR|²)(1+cosθ*)² + (|A_LR|² + |A_RL|²)(1−cosθ*)² ]
/// g_L = g_V + g_A,  g_R = g_V − g_A,  g_A = −1/2,  g_V = −1/2 + 2 sin²θ_eff
/// muons:  g_V^μ = g_V + δg_V,  g_A^μ = g_A + δg_A;      electrons stay at the SM values
/// c_ℓ² = 12π Γ(Z→ℓℓ) / (m_Z (g_V² + g_A²))   (so that Γ(Z→ℓℓ) = c_ℓ² m_Z (g_V²+g_A²)/12π)
/// ```
/// The Z–lepton normalisations c_ℓ are fixed by the measured partial widths (an "improved Born"
/// choice), and Γ_Z is held at its measured value while δg changes Γ(Z→μμ). Hence |M|² is a
/// polynomial of degree 2 in θ (each parameter to power ≤ 2, total ≤ 2) and morphing is exact.
/// At the SM point and √s = m_Z the Z alone gives σ = 12π Γ_ee Γ_μμ/(m_Z² Γ_Z²) ≈ 1.999 nb (the
/// photon adds 0.6 %) and A_FB = ¾ A_e A_μ, A_ℓ = 2 g_V g_A/(g_V² + g_A²).
///
/// Latent z = (√s, cosθ*): √s is Gaussian around `nominalSqrtS` with standard deviation
/// `beamSpread` (the beam-energy spread, truncated at ±5σ; 0 means monochromatic beams), the
/// μμ system is at rest in the lab, and cosθ* is the μ⁻ polar angle w.r.t. the e⁻ beam.
/// Observables x = (cosθ_μ, E_μ) of the μ⁻ with Gaussian detector smearing:
/// ```
/// cosθ_μ = cosθ* + N(0, σ_c²),     E_μ = √s/2 + N(0, σ_E²)
/// p(z|θ) = g(√s) dσ/dcosθ*(s, cosθ*; θ) / σ(θ),     σ(θ) = ∫ d√s g(√s) σ̂(s; θ)
/// ```
/// Shapes: θ `[2]`; latent `[n, 2]` (`sqrt_s` in GeV, `cos_theta_star`); observables `[n, 2]`
/// (`cos_theta_mu`, `E_mu` in GeV); cross sections and weights in pb.
///
/// Honest limits: a tree-level toy. No initial-state radiation, no final-state radiation, no
/// running width, no box diagrams; the beams collide head-on with the spread put into √s.
/// The real LEP pole cross section and A_FB (0.0171 ± 0.0010) include radiative effects.
///
/// Constants (PDG, R.L. Workman et al., Prog. Theor. Exp. Phys. 2022, 083C01, Z-boson listing
/// and electroweak review): m_Z = 91.1876 GeV, Γ_Z = 2.4952 GeV, B(Z→e⁺e⁻) = 3.3632 %,
/// B(Z→μ⁺μ⁻) = 3.3662 %, sin²θ_eff^lept = 0.23153 (LEP/SLD, Phys. Rept. 427 (2006) 257),
/// α̂(m_Z)⁻¹ = 127.951, (ħc)² = 0.3893794 mb GeV².
///
/// [1] J. Brehmer, K. Cranmer, G. Louppe, J. Pavez, arXiv:1805.00020 (morphing, weighted events).
/// [2] M. E. Peskin, D. V. Schroeder, An Introduction to QFT (1995), §5.2 and problem 5.2.
public struct DrellYanSimulator: WeightedSimulator, ExactLikelihoodSimulator, Sendable {
    /// PDG constants used by the simulator (see the type's documentation).
    public enum Constants {
        /// Z mass in GeV.
        public static let zMass = 91.1876
        /// Z total width in GeV (held fixed when the muon couplings change).
        public static let zWidth = 2.4952
        /// B(Z → e⁺e⁻).
        public static let branchingElectrons = 0.033632
        /// B(Z → μ⁺μ⁻).
        public static let branchingMuons = 0.033662
        /// Effective leptonic weak mixing angle sin²θ_eff^lept.
        public static let sin2ThetaEffective = 0.23153
        /// Electromagnetic coupling at m_Z, α̂(m_Z) (MS-bar).
        public static let alpha = 1 / 127.951
        /// (ħc)² in pb GeV²: converts GeV⁻² to pb.
        public static let picobarnPerInverseGeV2 = 0.3893794e9
    }

    public let name = "drell-yan"
    public let parameterSpace = ParameterSpace(
        names: ["dgV", "dgA"], ranges: [-0.1...0.1, -0.1...0.1],
        latexLabels: [#"\delta g_V^\mu"#, #"\delta g_A^\mu"#])
    public let observableNames = ["cos_theta_mu", "E_mu"]
    public let latentNames = ["sqrt_s", "cos_theta_star"]
    /// The monomials of w(z|θ): up to δg_V², δg_A², and δg_V·δg_A.
    public let morphingMaxPowers = [2, 2]
    public let morphingMaxOverallPower = 2

    /// Centre of the √s distribution in GeV.
    public let nominalSqrtS: Double
    /// Standard deviation of √s from the beam-energy spread in GeV (0: monochromatic).
    public let beamSpread: Double
    /// Detector resolution of cosθ_μ (absolute).
    public let cosThetaResolution: Double
    /// Detector resolution of E_μ in GeV (absolute).
    public let energyResolution: Double
    /// Largest nominal √s accepted, in GeV (100 TeV, a future hadron collider's energy).
    public static let maximumSqrtS = 100_000.0

    /// The beam window is nominalSqrtS ± `truncation`·beamSpread.
    static let truncation = 5.0
    let amplitudes: DrellYanAmplitudes
    /// G_k = ∫ d√s g(√s) b_k(s), k = 1, 2, 3 (see `DrellYanAmplitudes.basis`).
    let beamAveragedBasis: (Double, Double, Double)

    /// A simulator at `nominalSqrtS` (GeV) with the given beam spread and resolutions.
    /// Defaults: √s = m_Z; a 1 GeV spread (twenty times LEP's, so that the line shape carries
    /// information about θ); σ_c = 0.05; σ_E = 0.5 GeV.
    /// Bounds: 0 < √s ≤ `maximumSqrtS`; 0 < σ_c ≤ 2 (the width of the cos θ range); 0 < σ_E ≤ √s/2
    /// (the lepton energy itself). Beyond them the observables are noise or overflow Float32.
    /// - Throws: `SBIError.data` naming the argument if a value is not positive and finite or out of
    ///   these bounds, or if the beam window reaches √s ≤ 1 GeV.
    public init(nominalSqrtS: Double = Constants.zMass, beamSpread: Double = 1.0,
                cosThetaResolution: Double = 0.05, energyResolution: Double = 0.5) throws {
        guard nominalSqrtS.isFinite && nominalSqrtS > 0 && nominalSqrtS <= Self.maximumSqrtS else {
            throw SBIError.data("√s = \(nominalSqrtS) GeV must be positive and at most \(Int(Self.maximumSqrtS)) GeV", field: "nominalSqrtS")
        }
        guard beamSpread.isFinite && beamSpread >= 0 else {
            throw SBIError.data("beam spread \(beamSpread) GeV must be ≥ 0", field: "beamSpread")
        }
        guard nominalSqrtS - Self.truncation * beamSpread > 1 else {
            throw SBIError.data("beam window reaches √s ≤ 1 GeV; reduce the spread", field: "beamSpread")
        }
        guard cosThetaResolution.isFinite && cosThetaResolution > 0 && cosThetaResolution <= 2 else {
            throw SBIError.data("resolution \(cosThetaResolution) must be positive and at most 2 (the cos θ range)", field: "cosThetaResolution")
        }
        guard energyResolution.isFinite && energyResolution > 0 && energyResolution <= 0.5 * nominalSqrtS else {
            throw SBIError.data("resolution \(energyResolution) GeV must be positive and at most √s/2 = \(0.5 * nominalSqrtS) GeV (the lepton energy)",
                                field: "energyResolution")
        }
        self.nominalSqrtS = nominalSqrtS
        self.beamSpread = beamSpread
        self.cosThetaResolution = cosThetaResolution
        self.energyResolution = energyResolution
        amplitudes = DrellYanAmplitudes()
        if beamSpread == 0 {
            beamAveragedBasis = amplitudes.basis(s: nominalSqrtS * nominalSqrtS)
        } else {
            let quadrature = Quadrature()
            let amplitudes = self.amplitudes
            let (lo, hi) = (nominalSqrtS - Self.truncation * beamSpread, nominalSqrtS + Self.truncation * beamSpread)
            let density = BeamDensity(centre: nominalSqrtS, spread: beamSpread, truncation: Self.truncation)
            let g1 = try quadrature.integrate(from: lo, to: hi) { r in density(r) * amplitudes.basis(s: r * r).0 }
            let g3 = try quadrature.integrate(from: lo, to: hi) { r in density(r) * amplitudes.basis(s: r * r).2 }
            // Re P changes sign at the pole; |b₂| ≤ b₃ gives G₂ the absolute scale 1e-12·G₃.
            let g2 = try quadrature.integrate(from: lo, to: hi, absoluteTolerance: 1e-12 * g3) { r in
                density(r) * amplitudes.basis(s: r * r).1
            }
            beamAveragedBasis = (g1, g2, g3)
        }
    }

    // MARK: Cross sections

    /// dσ/dcosθ*(s, cosθ*; θ) in pb at one phase-space point (formula in the type's documentation).
    /// - Throws: `SBIError.data` naming `theta`.
    public func differentialCrossSection(sqrtS: Double, cosTheta: Double, at theta: [Double]) throws -> Double {
        try parameterSpace.validate(theta)
        return amplitudes.differential(s: sqrtS * sqrtS, cosTheta: cosTheta, muon: amplitudes.muonCouplings(theta))
    }

    /// σ̂(s; θ) = ∫ dcosθ* dσ/dcosθ* in pb at fixed √s (no beam spread).
    /// ```
    /// σ̂ = (s/128π)·(8/3)·Σ_ij |A_ij|²
    /// ```
    /// - Throws: `SBIError.data` naming `theta`.
    public func partonicCrossSection(sqrtS: Double, at theta: [Double]) throws -> Double {
        try parameterSpace.validate(theta)
        let s = sqrtS * sqrtS
        let (same, opposite) = amplitudes.helicitySums(s: s, muon: amplitudes.muonCouplings(theta))
        return Constants.picobarnPerInverseGeV2 * s / (128 * Double.pi) * (8.0 / 3.0) * (same + opposite)
    }

    /// Forward–backward asymmetry of the μ⁻ at fixed √s.
    /// ```
    /// A_FB = (σ_F − σ_B)/(σ_F + σ_B) = ¾ (S − D)/(S + D),  S = |A_LL|²+|A_RR|²,  D = |A_LR|²+|A_RL|²
    /// ```
    /// - Throws: `SBIError.data` naming `theta`.
    public func forwardBackwardAsymmetry(sqrtS: Double, at theta: [Double]) throws -> Double {
        try parameterSpace.validate(theta)
        let (same, opposite) = amplitudes.helicitySums(s: sqrtS * sqrtS, muon: amplitudes.muonCouplings(theta))
        return 0.75 * (same - opposite) / (same + opposite)
    }

    /// The exact σ(θ) in pb: the beam-averaged σ̂ from the three beam integrals G_k (GSL QAG, done once).
    /// ```
    /// σ(θ) = (ħc)² (8/3)/(128π) Σ_ij [ e⁴ G₁ + 2e² c_e c_μ g_i g_j G₂ + c_e² c_μ² g_i² g_j² G₃ ]
    /// ```
    /// - Throws: `SBIError.data` naming `theta`.
    public func crossSection(at theta: [Double]) throws -> Double {
        try parameterSpace.validate(theta)
        return amplitudes.angularIntegratedBasisSum(muon: amplitudes.muonCouplings(theta), basis: beamAveragedBasis,
                                                    weightSame: 8.0 / 3.0, weightOpposite: 8.0 / 3.0)
    }

    // MARK: Simulation

    /// Draws `count` events exactly from p(x, z|θ): √s from the truncated beam Gaussian, cosθ*
    /// uniform, accepted with probability dσ/dcosθ*/B where the bound
    /// ```
    /// B = (s_max/128π)·4·max(Σ_{LL,RR} a_ij², Σ_{LR,RL} a_ij²),   a_ij = e²/s_min + c_e c_μ |g_i g_j|/(m_Z Γ_Z)
    /// ```
    /// holds on the whole window since |P(s)| ≤ 1/(m_Z Γ_Z) and (1±cosθ*)² ≤ 4.
    /// - Throws: `SBIError.data` naming `theta` or `count`.
    /// - Complexity: O(count / efficiency), about two proposals per event; no allocation per event.
    public func simulate(at theta: [Double], count: Int, random: SeededRandom) throws -> EventBatch {
        try parameterSpace.validate(theta)
        try SimulatorInput.checkCount(count)
        let muon = amplitudes.muonCouplings(theta)
        let window = beamWindow
        let bound = amplitudes.differentialBound(sMin: window.lowerBound * window.lowerBound,
                                                 sMax: window.upperBound * window.upperBound, muon: muon)
        var x = Matrix<Double>(rows: count, columns: 2)
        var z = Matrix<Double>(rows: count, columns: 2)
        x.withUnsafeMutableBufferPointer { xp in
            z.withUnsafeMutableBufferPointer { zp in
                random.withGSLGenerator { rng in
                    for i in 0..<count {
                        var sqrtS = 0.0, c = 0.0
                        repeat {
                            sqrtS = drawSqrtS(rng)
                            c = 2 * gsl_rng_uniform(rng) - 1
                        } while gsl_rng_uniform(rng) * bound >= amplitudes.differential(s: sqrtS * sqrtS, cosTheta: c, muon: muon)
                        zp[2 * i] = sqrtS
                        zp[2 * i + 1] = c
                        smear(sqrtS: sqrtS, cosTheta: c, into: xp.baseAddress! + 2 * i, rng)
                    }
                }
            }
        }
        return EventBatch(observables: x, latent: z)
    }

    /// Draws `count` weighted events from the θ-independent proposal q(z) = g(√s)·½ (cosθ* uniform),
    /// with weights w(z|θ) at `theta` (the proposal does not depend on θ, so `weights(latent:at:)`
    /// applies to these events at any θ).
    /// ```
    /// w(z|θ) = dσ/dcosθ*(s, cosθ*; θ) / ½,      E_q[w(z|θ)] = σ(θ)   (pb)
    /// ```
    /// - Throws: `SBIError.data` naming `theta` or `count`.
    public func simulateWeighted(proposalAt theta: [Double], count: Int, random: SeededRandom) throws -> EventBatch {
        try parameterSpace.validate(theta)
        try SimulatorInput.checkCount(count)
        let muon = amplitudes.muonCouplings(theta)
        var x = Matrix<Double>(rows: count, columns: 2)
        var z = Matrix<Double>(rows: count, columns: 2)
        var w = [Double](repeating: 0, count: count)
        x.withUnsafeMutableBufferPointer { xp in
            z.withUnsafeMutableBufferPointer { zp in
                w.withUnsafeMutableBufferPointer { wp in
                    random.withGSLGenerator { rng in
                        for i in 0..<count {
                            let sqrtS = drawSqrtS(rng)
                            let c = 2 * gsl_rng_uniform(rng) - 1
                            zp[2 * i] = sqrtS
                            zp[2 * i + 1] = c
                            wp[i] = 2 * amplitudes.differential(s: sqrtS * sqrtS, cosTheta: c, muon: muon)
                            smear(sqrtS: sqrtS, cosTheta: c, into: xp.baseAddress! + 2 * i, rng)
                        }
                    }
                }
            }
        }
        return EventBatch(observables: x, latent: z, weights: w)
    }

    /// w(z|θ) = 2 dσ/dcosθ*(s, cosθ*; θ) in pb for every row of `latent` `[n, 2]` (see `simulateWeighted`).
    /// - Throws: `SBIError.data` naming `theta` or `latent[i]` (outside the beam window or |cosθ*| > 1).
    public func weights(latent: Matrix<Double>, at theta: [Double]) throws -> [Double] {
        try parameterSpace.validate(theta)
        try checkLatent(latent)
        let muon = amplitudes.muonCouplings(theta)
        var w = [Double](repeating: 0, count: latent.rows)
        latent.withUnsafeBufferPointer { zp in
            for i in 0..<latent.rows {
                w[i] = 2 * amplitudes.differential(s: zp[2 * i] * zp[2 * i], cosTheta: zp[2 * i + 1], muon: muon)
            }
        }
        return w
    }

    /// log p(z|θ) = log g(√s) + log dσ/dcosθ*(z; θ) − log σ(θ) per row of `latent` `[n, 2]`, and
    /// its gradient `[n, 2]` when `gradient` is non-nil. With monochromatic beams the g term is left out
    /// (p is then a density in cosθ* alone).
    /// ```
    /// ∇θ log p(z|θ) = ∇θ dσ/dcosθ* / dσ/dcosθ* − ∇θ σ / σ
    /// ```
    /// - Throws: `SBIError.data` naming `theta` or `latent[i]`.
    public func jointLogLikelihood(latent: Matrix<Double>, at theta: [Double], gradient: inout Matrix<Double>?) throws -> [Double] {
        try parameterSpace.validate(theta)
        try checkLatent(latent)
        let muon = amplitudes.muonCouplings(theta)
        let sigma = amplitudes.angularIntegratedBasisSum(muon: muon, basis: beamAveragedBasis,
                                                         weightSame: 8.0 / 3.0, weightOpposite: 8.0 / 3.0)
        let sigmaGradient = amplitudes.angularIntegratedBasisGradient(muon: muon, basis: beamAveragedBasis,
                                                                      weightSame: 8.0 / 3.0, weightOpposite: 8.0 / 3.0)
        let logSigma = log(sigma)
        let density = BeamDensity(centre: nominalSqrtS, spread: beamSpread, truncation: Self.truncation)
        let n = latent.rows
        let wantGradient = gradient != nil
        var g = Matrix<Double>(rows: wantGradient ? n : 0, columns: 2)
        var out = [Double](repeating: 0, count: n)
        latent.withUnsafeBufferPointer { zp in
            g.withUnsafeMutableBufferPointer { gp in
                for i in 0..<n {
                    let sqrtS = zp[2 * i], c = zp[2 * i + 1]
                    let (f, df0, df1) = amplitudes.differentialWithGradient(s: sqrtS * sqrtS, cosTheta: c, muon: muon)
                    let beam = beamSpread > 0 ? log(density(sqrtS)) : 0
                    out[i] = beam + log(f) - logSigma
                    if wantGradient {
                        gp[2 * i] = df0 / f - sigmaGradient.0 / sigma
                        gp[2 * i + 1] = df1 / f - sigmaGradient.1 / sigma
                    }
                }
            }
        }
        if wantGradient { gradient = g }
        return out
    }

    // MARK: Helpers

    /// The support of √s: nominal ± 5 spreads.
    var beamWindow: ClosedRange<Double> {
        (nominalSqrtS - Self.truncation * beamSpread)...(nominalSqrtS + Self.truncation * beamSpread)
    }

    /// One √s from the truncated beam Gaussian (redrawn outside ±5σ, probability 6e-7).
    @inline(__always) private func drawSqrtS(_ rng: UnsafeMutablePointer<gsl_rng>) -> Double {
        guard beamSpread > 0 else { return nominalSqrtS }
        while true {
            let u = gsl_ran_gaussian_ziggurat(rng, 1)
            if abs(u) <= Self.truncation { return nominalSqrtS + beamSpread * u }
        }
    }

    /// Detector smearing x = (cosθ* + σ_c ε₁, √s/2 + σ_E ε₂) written to `out[0]`, `out[1]`.
    @inline(__always) private func smear(sqrtS: Double, cosTheta: Double, into out: UnsafeMutablePointer<Double>,
                                         _ rng: UnsafeMutablePointer<gsl_rng>) {
        out[0] = cosTheta + gsl_ran_gaussian_ziggurat(rng, cosThetaResolution)
        out[1] = 0.5 * sqrtS + gsl_ran_gaussian_ziggurat(rng, energyResolution)
    }

    /// Throws unless `latent` is `[n, 2]`, finite, √s inside the beam window and |cosθ*| ≤ 1.
    private func checkLatent(_ latent: Matrix<Double>) throws {
        try SimulatorInput.checkMatrix(latent, columns: 2, names: latentNames, field: "latent")
        let window = beamWindow
        for i in 0..<latent.rows {
            let sqrtS = latent[i, 0], c = latent[i, 1]
            let inWindow = beamSpread > 0 ? window.contains(sqrtS) : abs(sqrtS - nominalSqrtS) <= 1e-9 * nominalSqrtS
            guard inWindow else {
                throw SBIError.data("sqrt_s = \(sqrtS) GeV is outside the beam window [\(window.lowerBound), \(window.upperBound)]",
                                    field: "latent[\(i)]")
            }
            guard abs(c) <= 1 else {
                throw SBIError.data("cos_theta_star = \(c) is outside [-1, 1]", field: "latent[\(i)]")
            }
        }
    }
}

/// The truncated Gaussian density of √s: N(√s; centre, spread²)/(1 − 2Φ(−k)) on centre ± k·spread.
struct BeamDensity {
    let centre: Double, spread: Double, truncation: Double
    private let normalisation: Double

    init(centre: Double, spread: Double, truncation: Double) {
        self.centre = centre
        self.spread = spread
        self.truncation = truncation
        normalisation = spread > 0 ? 1 / (spread * (2 * Double.pi).squareRoot() * (1 - 2 * gsl_cdf_ugaussian_Q(truncation))) : 0
    }

    @inline(__always) func callAsFunction(_ sqrtS: Double) -> Double {
        let u = (sqrtS - centre) / spread
        return abs(u) <= truncation ? normalisation * exp(-0.5 * u * u) : 0
    }
}
