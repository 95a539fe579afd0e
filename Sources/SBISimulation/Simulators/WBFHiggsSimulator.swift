import CGSL
import SBICore

/// A weak-boson-fusion-like Higgs toy with two dimension-six couplings θ = (f_W, f_WW) that
/// change the rate quadratically and reshape Δφ_jj and the leading-jet p_T.
///
/// Parton level (φ = signed Δφ_jj in [−π, π), p = leading-jet p_T ≥ p_cut, u = p/p₀):
/// ```
/// p(φ, p|θ) = (1/2π) P(p) |M|²(φ, p; θ) / R(θ),      P(p) = e^{−(p−p_cut)/λ}/λ
/// |M|²      = M₁² + M₂²,   M₁ = 1 + u² (a f_W + b f_WW cos 2φ),   M₂ = c f_WW u² sin 2φ
/// R(θ)      = 1 + 2a f_W m₂ + a² f_W² m₄ + ½(b² + c²) f_WW² m₄,   m_n = E_P[uⁿ]
/// σ(θ)      = σ_SM R(θ),   σ_SM = 36 events / 300 fb⁻¹ = 1.2·10⁻⁴ pb
/// ```
/// The couplings enter the amplitude linearly with the growth ∝ p² of dimension-six operators,
/// so |M|² is quadratic in θ (max powers [2, 2], total 2) and morphing is exact. f_W scales the
/// SM-like structure at high p_T (rate and p_T shape); f_WW adds a transverse tensor structure
/// whose interference with the SM goes like cos 2Δφ_jj and whose square adds cos 4Δφ_jj: the
/// qualitative pattern of the operators O_W, O_WW in weak-boson fusion.
///
/// Latent stages, each a Gaussian smearing (angles wrapped to [−π, π)):
/// ```
/// parton (φ, p) → shower (φ + N(0, σ_φs²), p + N(0, σ_ps²)) → detector (φ_s + N(0, σ_φd²), p_s + N(0, σ_pd²))
/// ```
/// Shapes: θ `[2]` (`fW`, `fWW` in [−1, 1]); latent `[n, 4]` (`dphi_parton`, `pt_parton`,
/// `dphi_shower`, `pt_shower`); observables `[n, 2]` (`dphi_jj`, `pt_j1` in GeV); weights and
/// σ in pb. The default luminosity 300 fb⁻¹ gives 36 expected SM events.
///
/// Honest limits: a toy, not a matrix element. The functional forms and coefficients
/// (a = 0.4, b = 0.6, c = 0.3, p_cut = 30 GeV, λ = 50 GeV, p₀ = 100 GeV; smearings 0.1/0.05 rad
/// and 5/10 GeV) were chosen to mimic the features listed above, not fitted to MadGraph.
///
/// [1] J. Brehmer, K. Cranmer, G. Louppe, J. Pavez, arXiv:1805.00020 and arXiv:1805.00013
///     (WBF Higgs with f_W, f_WW; morphing; 36-event setup of the EFT contour).
/// [2] K. Hagiwara, S. Ishihara, R. Szalapski, D. Zeppenfeld, Phys. Rev. D 48 (1993) 2182
///     (the operators O_W, O_WW).
public struct WBFHiggsSimulator: WeightedSimulator, ExactLikelihoodSimulator, Sendable {
    /// Luminosity at which the SM expects 36 events, in pb⁻¹ (300 fb⁻¹).
    public static let defaultLuminosityInversePicobarn = 300_000.0
    /// The SM cross section in pb: 36 / 300 fb⁻¹.
    public static let standardModelCrossSection = 36.0 / defaultLuminosityInversePicobarn

    // Model constants (see the type's documentation).
    static let a = 0.4, b = 0.6, c = 0.3
    static let ptCut = 30.0, ptSlope = 50.0, ptScale = 100.0
    static let showerAngle = 0.10, showerPT = 5.0
    static let detectorAngle = 0.05, detectorPT = 10.0

    public let name = "wbf-higgs"
    public let parameterSpace = ParameterSpace(names: ["fW", "fWW"], ranges: [-1.0...1.0, -1.0...1.0],
                                               latexLabels: [#"f_W"#, #"f_{WW}"#])
    public let observableNames = ["dphi_jj", "pt_j1"]
    public let latentNames = ["dphi_parton", "pt_parton", "dphi_shower", "pt_shower"]
    public let morphingMaxPowers = [2, 2]
    public let morphingMaxOverallPower = 2

    /// Integrated luminosity in pb⁻¹ for `expectedEvents(at:)`; default 300 fb⁻¹ (36 SM events).
    public var luminosityInversePicobarn: Double

    /// E_P[u²] and E_P[u⁴] with p = p_cut + t, t ~ Exp(λ): E[(p_cut+t)ⁿ] = Σ_k C(n,k) p_cutⁿ⁻ᵏ k! λᵏ.
    static let moment2 = momentOfU(2), moment4 = momentOfU(4)

    /// The toy at luminosity `luminosityInversePicobarn` (default 300 fb⁻¹).
    public init(luminosityInversePicobarn: Double = WBFHiggsSimulator.defaultLuminosityInversePicobarn) {
        self.luminosityInversePicobarn = luminosityInversePicobarn
    }

    static func momentOfU(_ n: Int) -> Double {
        var sum = 0.0, binomial = 1.0, factorial = 1.0
        for k in 0...n {
            if k > 0 {
                binomial = binomial * Double(n - k + 1) / Double(k)
                factorial *= Double(k)
            }
            sum += binomial * pow(ptCut, Double(n - k)) * factorial * pow(ptSlope, Double(k))
        }
        return sum / pow(ptScale, Double(n))
    }

    // MARK: Rates

    /// R(θ) = σ(θ)/σ_SM (formula in the type's documentation) and its gradient.
    static func relativeRate(_ theta: [Double]) -> (value: Double, gradient: (Double, Double)) {
        let fW = theta[0], fWW = theta[1]
        let q = 0.5 * (b * b + c * c)
        let value = 1 + 2 * a * fW * moment2 + a * a * fW * fW * moment4 + q * fWW * fWW * moment4
        return (value, (2 * a * moment2 + 2 * a * a * fW * moment4, 2 * q * fWW * moment4))
    }

    /// The exact σ(θ) = σ_SM R(θ) in pb (closed form; the moments m₂, m₄ are exact).
    /// - Throws: `SBIError.data` naming `theta`.
    public func crossSection(at theta: [Double]) throws -> Double {
        try parameterSpace.validate(theta)
        return Self.standardModelCrossSection * Self.relativeRate(theta).value
    }

    /// Expected number of events σ(θ)·L at `luminosityInversePicobarn` (36 at the SM with the default).
    /// - Throws: `SBIError.data` naming `theta`.
    public func expectedEvents(at theta: [Double]) throws -> Double {
        try crossSection(at: theta) * luminosityInversePicobarn
    }

    /// |M|²(φ, p; θ) and its gradient in θ.
    @inline(__always) static func squaredAmplitude(dphi: Double, pt: Double, fW: Double, fWW: Double)
        -> (value: Double, dW: Double, dWW: Double) {
        let u2 = (pt / ptScale) * (pt / ptScale)
        let cos2 = cos(2 * dphi), sin2 = sin(2 * dphi)
        let m1 = 1 + u2 * (a * fW + b * fWW * cos2), m2 = c * fWW * u2 * sin2
        return (m1 * m1 + m2 * m2, 2 * m1 * a * u2, 2 * m1 * b * u2 * cos2 + 2 * m2 * c * u2 * sin2)
    }

    /// Wraps an angle into [−π, π).
    @inline(__always) static func wrap(_ phi: Double) -> Double {
        phi - 2 * Double.pi * ((phi + Double.pi) / (2 * Double.pi)).rounded(.down)
    }

    // MARK: Simulation

    /// A p_T sampler for the envelope e^{−t/λ}(κ₀ + κ₂u² + κ₄u⁴)/λ, u = (p_cut + t)/p₀: expanding
    /// (p_cut + t)² and (p_cut + t)⁴ makes it a mixture of Gamma(k+1, λ) densities in t, k = 0…4,
    /// with total weight κ₀ + κ₂m₂ + κ₄m₄.
    struct PTEnvelope {
        let constant: Double, quadratic: Double, quartic: Double
        /// Cumulative mixture weights of k = 0…4 (unnormalised); the last is the total.
        private let cumulative: (Double, Double, Double, Double, Double)

        init(constant: Double, quadratic: Double, quartic: Double) {
            self.constant = constant
            self.quadratic = quadratic
            self.quartic = quartic
            var w = [Double](repeating: 0, count: 5)
            let factorials = [1.0, 1, 2, 6, 24]
            let binomials2 = [1.0, 2, 1], binomials4 = [1.0, 4, 6, 4, 1]
            for k in 0...4 {
                let gammaMoment = factorials[k] * pow(ptSlope, Double(k))
                w[k] = quartic * binomials4[k] * pow(ptCut, Double(4 - k)) * gammaMoment / pow(ptScale, 4)
                if k <= 2 { w[k] += quadratic * binomials2[k] * pow(ptCut, Double(2 - k)) * gammaMoment / pow(ptScale, 2) }
            }
            w[0] += constant
            for k in 1...4 { w[k] += w[k - 1] }
            cumulative = (w[0], w[1], w[2], w[3], w[4])
        }

        /// Total weight κ₀ + κ₂m₂ + κ₄m₄ (the envelope's integral over p with P's normalisation).
        var total: Double { cumulative.4 }

        /// κ₀ + κ₂u² + κ₄u⁴ at p_T `pt`.
        @inline(__always) func height(_ pt: Double) -> Double {
            let u2 = (pt / ptScale) * (pt / ptScale)
            return constant + u2 * (quadratic + quartic * u2)
        }

        /// Normalised density in p: e^{−t/λ}(κ₀ + κ₂u² + κ₄u⁴)/(λ·total).
        func density(_ pt: Double) -> Double {
            guard pt >= ptCut else { return 0 }
            return exp(-(pt - ptCut) / ptSlope) * height(pt) / (ptSlope * cumulative.4)
        }

        /// One p_T draw: a mixture component k, then t ~ Gamma(k+1, λ) (`gsl_ran_gamma`, exponential for k = 0).
        @inline(__always) func draw(_ rng: UnsafeMutablePointer<gsl_rng>) -> Double {
            let u = gsl_rng_uniform(rng) * cumulative.4
            let shape: Double = u < cumulative.0 ? 1 : u < cumulative.1 ? 2 : u < cumulative.2 ? 3 : u < cumulative.3 ? 4 : 5
            let t = shape == 1 ? gsl_ran_exponential(rng, ptSlope) : gsl_ran_gamma(rng, shape, ptSlope)
            return ptCut + t
        }
    }

    /// The accept–reject envelope at θ. With X(φ) = a f_W + b f_WW cos 2φ ∈ [−B, X⁺],
    /// B = |a f_W| + |b f_WW|, X⁺ = max(0, a f_W + |b f_WW|), C = |c f_WW|:
    /// ```
    /// M₁² = 1 + 2u²X + u⁴X² ≤ 1 + 2X⁺u² + B²u⁴,    M₂² ≤ C²u⁴
    /// |M|² ≤ 1 + 2X⁺u² + (B² + C²)u⁴
    /// ```
    /// At the SM it is exactly |M|² = 1 (efficiency 1).
    static func envelope(_ theta: [Double]) -> PTEnvelope {
        let bound = abs(a * theta[0]) + abs(b * theta[1])
        let positive = max(0, a * theta[0] + abs(b * theta[1]))
        let cTerm = c * theta[1]
        return PTEnvelope(constant: 1, quadratic: 2 * positive, quartic: bound * bound + cTerm * cTerm)
    }

    /// The fixed proposal of `simulateWeighted`: φ uniform, p_T from e^{−t/λ}(1 + u⁴)/(λ(1 + m₄)).
    static let proposal = PTEnvelope(constant: 1, quadratic: 0, quartic: 1)

    /// Draws `count` events exactly from p(x, z|θ) by accept–reject against `envelope(θ)`
    /// (acceptance |M|²/(κ₀ + κ₂u² + κ₄u⁴) ≤ 1; efficiency R(θ)/(κ₀ + κ₂m₂ + κ₄m₄): 1 at the SM,
    /// ≥ 0.25 on the parameter range).
    /// - Throws: `SBIError.data` naming `theta` or `count`.
    /// - Complexity: O(count / efficiency); no allocation per event.
    public func simulate(at theta: [Double], count: Int, random: SeededRandom) throws -> EventBatch {
        try parameterSpace.validate(theta)
        try SimulatorInput.checkCount(count)
        let envelope = Self.envelope(theta)
        let fW = theta[0], fWW = theta[1]
        var x = Matrix<Double>(rows: count, columns: 2)
        var z = Matrix<Double>(rows: count, columns: 4)
        x.withUnsafeMutableBufferPointer { xp in
            z.withUnsafeMutableBufferPointer { zp in
                random.withGSLGenerator { rng in
                    for i in 0..<count {
                        let (phi, pt) = Self.drawParton(envelope, fW: fW, fWW: fWW, rng)
                        Self.smear(dphi: phi, pt: pt, latent: zp.baseAddress! + 4 * i, observables: xp.baseAddress! + 2 * i, rng)
                    }
                }
            }
        }
        return EventBatch(observables: x, latent: z)
    }

    /// One parton-level (Δφ, p_T) drawn exactly from p(φ, p|θ) by accept–reject against `envelope`
    /// (acceptance |M|²/(κ₀ + κ₂u² + κ₄u⁴) ≤ 1).
    @inline(__always) static func drawParton(_ envelope: PTEnvelope, fW: Double, fWW: Double,
                                             _ rng: UnsafeMutablePointer<gsl_rng>) -> (dphi: Double, pt: Double) {
        var phi = 0.0, pt = 0.0
        repeat {
            phi = Double.pi * (2 * gsl_rng_uniform(rng) - 1)
            pt = envelope.draw(rng)
        } while gsl_rng_uniform(rng) * envelope.height(pt) >= squaredAmplitude(dphi: phi, pt: pt, fW: fW, fWW: fWW).value
        return (phi, pt)
    }

    /// Draws `count` weighted events from the fixed proposal q(φ, p) = (1/2π) e^{−t/λ}(1 + u⁴)/(λ(1 + m₄))
    /// (independent of `theta`, so `weights(latent:at:)` applies at any θ), with weights at `theta`:
    /// ```
    /// w(z|θ) = σ_SM P(p)|M|²(φ, p; θ)/q(p) = σ_SM (1 + m₄) |M|²/(1 + u⁴),     E_q[w(z|θ)] = σ(θ)
    /// ```
    /// - Throws: `SBIError.data` naming `theta` or `count`.
    public func simulateWeighted(proposalAt theta: [Double], count: Int, random: SeededRandom) throws -> EventBatch {
        try parameterSpace.validate(theta)
        try SimulatorInput.checkCount(count)
        let fW = theta[0], fWW = theta[1]
        let proposal = Self.proposal
        let scale = Self.standardModelCrossSection * (1 + Self.moment4)
        var x = Matrix<Double>(rows: count, columns: 2)
        var z = Matrix<Double>(rows: count, columns: 4)
        var w = [Double](repeating: 0, count: count)
        x.withUnsafeMutableBufferPointer { xp in
            z.withUnsafeMutableBufferPointer { zp in
                w.withUnsafeMutableBufferPointer { wp in
                    random.withGSLGenerator { rng in
                        for i in 0..<count {
                            let phi = Double.pi * (2 * gsl_rng_uniform(rng) - 1)
                            let pt = proposal.draw(rng)
                            wp[i] = scale * Self.squaredAmplitude(dphi: phi, pt: pt, fW: fW, fWW: fWW).value / proposal.height(pt)
                            Self.smear(dphi: phi, pt: pt, latent: zp.baseAddress! + 4 * i, observables: xp.baseAddress! + 2 * i, rng)
                        }
                    }
                }
            }
        }
        return EventBatch(observables: x, latent: z, weights: w)
    }

    /// w(z|θ) in pb for every row of `latent` `[n, 4]` (formula in `simulateWeighted`; only the parton columns enter).
    /// - Throws: `SBIError.data` naming `theta` or `latent[i]` (|Δφ| > π or p_T below the 30 GeV cut).
    public func weights(latent: Matrix<Double>, at theta: [Double]) throws -> [Double] {
        try parameterSpace.validate(theta)
        try checkLatent(latent)
        let scale = Self.standardModelCrossSection * (1 + Self.moment4)
        var w = [Double](repeating: 0, count: latent.rows)
        latent.withUnsafeBufferPointer { zp in
            for i in 0..<latent.rows {
                let phi = zp[4 * i], pt = zp[4 * i + 1]
                w[i] = scale * Self.squaredAmplitude(dphi: phi, pt: pt, fW: theta[0], fWW: theta[1]).value / Self.proposal.height(pt)
            }
        }
        return w
    }

    /// log p(z|θ) = log p(parton|θ) + log p(shower|parton) per row of `latent` `[n, 4]`, and the
    /// gradient `[n, 2]` when requested (the shower term does not depend on θ):
    /// ```
    /// ∇θ log p(z|θ) = ∇θ|M|²/|M|² − ∇θ R/R
    /// ```
    /// - Throws: `SBIError.data` naming `theta` or `latent[i]`.
    public func jointLogLikelihood(latent: Matrix<Double>, at theta: [Double], gradient: inout Matrix<Double>?) throws -> [Double] {
        try parameterSpace.validate(theta)
        try checkLatent(latent)
        let rate = Self.relativeRate(theta)
        let logConstant = -log(2 * Double.pi) - log(Self.ptSlope) - log(rate.value)
        let n = latent.rows
        let wantGradient = gradient != nil
        var g = Matrix<Double>(rows: wantGradient ? n : 0, columns: 2)
        var out = [Double](repeating: 0, count: n)
        latent.withUnsafeBufferPointer { zp in
            g.withUnsafeMutableBufferPointer { gp in
                for i in 0..<n {
                    let phi = zp[4 * i], pt = zp[4 * i + 1], phiShower = zp[4 * i + 2], ptShower = zp[4 * i + 3]
                    let m = Self.squaredAmplitude(dphi: phi, pt: pt, fW: theta[0], fWW: theta[1])
                    out[i] = logConstant - (pt - Self.ptCut) / Self.ptSlope + log(m.value)
                        + log(Self.wrappedNormal(phiShower - phi, Self.showerAngle))
                        + log(gsl_ran_gaussian_pdf(ptShower - pt, Self.showerPT))
                    if wantGradient {
                        gp[2 * i] = m.dW / m.value - rate.gradient.0 / rate.value
                        gp[2 * i + 1] = m.dWW / m.value - rate.gradient.1 / rate.value
                    }
                }
            }
        }
        if wantGradient { gradient = g }
        return out
    }

    // MARK: Helpers

    /// Density of the wrapped normal at angle difference `d`: Σ_{k=−3}^{3} N(d + 2πk; 0, σ²)
    /// (images beyond |k| = 3 are below e^{−(5π)²/2σ²}, zero in Double for σ ≤ 1).
    @inline(__always) static func wrappedNormal(_ d: Double, _ sigma: Double) -> Double {
        var sum = 0.0
        for k in -3...3 { sum += gsl_ran_gaussian_pdf(d + 2 * Double.pi * Double(k), sigma) }
        return sum
    }

    /// Shower then detector smearing of a parton-level (φ, p): writes latent[0...3] and observables[0...1].
    @inline(__always) static func smear(dphi: Double, pt: Double, latent: UnsafeMutablePointer<Double>,
                                        observables: UnsafeMutablePointer<Double>, _ rng: UnsafeMutablePointer<gsl_rng>) {
        let phiShower = wrap(dphi + gsl_ran_gaussian_ziggurat(rng, showerAngle))
        let ptShower = pt + gsl_ran_gaussian_ziggurat(rng, showerPT)
        latent[0] = dphi
        latent[1] = pt
        latent[2] = phiShower
        latent[3] = ptShower
        observables[0] = wrap(phiShower + gsl_ran_gaussian_ziggurat(rng, detectorAngle))
        observables[1] = ptShower + gsl_ran_gaussian_ziggurat(rng, detectorPT)
    }

    /// Throws unless `latent` is `[n, 4]`, finite, with parton |Δφ| ≤ π and p_T ≥ p_cut.
    func checkLatent(_ latent: Matrix<Double>) throws {
        try SimulatorInput.checkMatrix(latent, columns: 4, names: latentNames, field: "latent")
        for i in 0..<latent.rows {
            guard abs(latent[i, 0]) <= Double.pi else {
                throw SBIError.data("dphi_parton = \(latent[i, 0]) is outside [-π, π]", field: "latent[\(i)]")
            }
            guard latent[i, 1] >= Self.ptCut else {
                throw SBIError.data("pt_parton = \(latent[i, 1]) GeV is below the \(Self.ptCut) GeV cut", field: "latent[\(i)]")
            }
        }
    }
}
