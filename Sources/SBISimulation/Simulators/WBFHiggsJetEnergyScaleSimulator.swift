import CGSL
import SBICore

/// The weak-boson-fusion Higgs toy (`WBFHiggsSimulator`) with a jet energy scale: a nuisance
/// parameter ν (`jes`, to be constrained by N(0, 1)) scales the measured leading-jet p_T by
/// k(ν) = 1 + s·ν, s the relative scale uncertainty (e.g. 0.05 for 5 %).
///
/// ```
/// p_T,j1 = k(ν)·(p_shower + ε_d),   ε_d ~ N(0, σ_pd²),   k(ν) = 1 + sν
/// latent z = (Δφ_parton, p_parton, Δφ_shower, p_shower, p_T,j1)
/// log p(x, z|θ, ν) = log p(parton, shower|θ) + log N(y; p_shower, σ_pd²) − log k,   y = p_T,j1/k
///                    (the θ- and ν-independent shower terms left out, as the gold allows)
/// ∂ν log p(x, z|θ, ν) = (s/k)·[(y − p_shower)·y/σ_pd² − 1]
/// p(x|θ, ν) = p₀(Δφ_jj, p_T,j1/k | θ)/k       (p₀: the exact likelihood of WBFHiggsSimulator)
/// ```
/// ν changes the shape of the p_T spectrum, not the rate (no cut is applied to the measured p_T):
/// σ(θ, ν) = σ(θ). The exact likelihood interpolates p₀'s p_T integrals from a table built once
/// per process (`WBFHiggsPTIntegralTable`, ~1e-7 relative), since every ν rescales every event.
///
/// Shapes: θ `[3]` (`fW`, `fWW` in [−1, 1], `jes` in [−5, 5]); latent `[n, 5]`; observables `[n, 2]`.
/// [1] arXiv:1805.00020 (the WBF toy's couplings); ATLAS Collaboration, arXiv:2007.02645 (jet
///     energy scale uncertainties of a few per cent, applied as a multiplicative p_T scale).
public struct WBFHiggsJetEnergyScaleSimulator: ExactLikelihoodSimulator, NuisanceSimulator, CrossSectionSimulator, Sendable {
    /// Largest relative scale s accepted: k(ν) stays ≥ 0.5 on the whole ν range.
    public static let maximumScale = 0.1
    /// Range of ν.
    public static let nuisanceRange = -5.0...5.0

    /// The model without the jet energy scale (parton, shower and detector stages, rate).
    public let base: WBFHiggsSimulator
    /// s, the relative change of the measured p_T per unit of ν.
    public let relativeScale: Double

    public let name = "wbf-higgs"
    public let parameterSpace = ParameterSpace(names: ["fW", "fWW", "jes"], ranges: [-1.0...1.0, -1.0...1.0, nuisanceRange],
                                               latexLabels: [#"f_W"#, #"f_{WW}"#, #"\nu_{\rm JES}"#])
    public var observableNames: [String] { base.observableNames }
    public let latentNames = ["dphi_parton", "pt_parton", "dphi_shower", "pt_shower", "pt_j1"]
    public let nuisanceNames = ["jes"]

    /// The toy at `luminosityInversePicobarn` (default 300 fb⁻¹) with a jet energy scale of relative size `relativeScale`.
    /// - Throws: `SBIError.data` (field `jet_energy_scale`) unless `relativeScale` is in [0, 0.1].
    public init(relativeScale: Double, luminosityInversePicobarn: Double = WBFHiggsSimulator.defaultLuminosityInversePicobarn) throws {
        guard relativeScale.isFinite, (0...Self.maximumScale).contains(relativeScale) else {
            throw SBIError.data("jet energy scale \(relativeScale); expected a relative uncertainty in [0, \(Self.maximumScale)]",
                                field: "jet_energy_scale")
        }
        self.relativeScale = relativeScale
        base = WBFHiggsSimulator(luminosityInversePicobarn: luminosityInversePicobarn)
    }

    /// k(ν) = 1 + sν of the point (θ, ν).
    @inline(__always) private func scale(_ theta: [Double]) -> Double { 1 + relativeScale * theta[2] }

    /// σ(θ, ν) = σ(θ) in pb (`WBFHiggsSimulator.crossSection(at:)`; ν does not change the rate).
    /// - Throws: `SBIError.data` naming `theta`.
    public func crossSection(at theta: [Double]) throws -> Double {
        try parameterSpace.validate(theta)
        return try base.crossSection(at: Array(theta.prefix(2)))
    }

    /// Draws `count` events exactly from p(x, z|θ, ν): the base model's accept–reject and smearing, then
    /// the measured p_T scaled by k(ν).
    /// - Throws: `SBIError.data` naming `theta` or `count`.
    /// - Complexity: O(count / efficiency); no allocation per event.
    public func simulate(at theta: [Double], count: Int, random: SeededRandom) throws -> EventBatch {
        try parameterSpace.validate(theta)
        try SimulatorInput.checkCount(count)
        let envelope = WBFHiggsSimulator.envelope(Array(theta.prefix(2)))
        let fW = theta[0], fWW = theta[1], k = scale(theta)
        var x = Matrix<Double>(rows: count, columns: 2)
        var z = Matrix<Double>(rows: count, columns: 5)
        x.withUnsafeMutableBufferPointer { xp in
            z.withUnsafeMutableBufferPointer { zp in
                random.withGSLGenerator { rng in
                    for i in 0..<count {
                        let (phi, pt) = WBFHiggsSimulator.drawParton(envelope, fW: fW, fWW: fWW, rng)
                        WBFHiggsSimulator.smear(dphi: phi, pt: pt, latent: zp.baseAddress! + 5 * i, observables: xp.baseAddress! + 2 * i, rng)
                        xp[2 * i + 1] *= k
                        zp[5 * i + 4] = xp[2 * i + 1]
                    }
                }
            }
        }
        return EventBatch(observables: x, latent: z)
    }

    /// log p(x, z|θ, ν) per row of `latent` `[n, 5]` without the θ- and ν-independent shower terms (they cancel
    /// in joint ratios and vanish in joint scores, and they cost most of the time when a histogram expectation is
    /// reweighted to every point of a profile), and the gradient `[n, 3]` when requested:
    /// ```
    /// log p = −log(2π λ R(θ)) − (p − p_cut)/λ + log |M|²(φ, p; θ) + log N(y; p_shower, σ_pd²) − log k
    /// ∇θ = ∇θ|M|²/|M|² − ∇θ R/R,   ∂ν = (s/k)·[(y − p_shower)·y/σ_pd² − 1]
    /// ```
    /// - Throws: `SBIError.data` naming `theta` or `latent[i]` (|Δφ| > π or p_T below the cut at parton level).
    public func jointLogLikelihood(latent: Matrix<Double>, at theta: [Double], gradient: inout Matrix<Double>?) throws -> [Double] {
        try parameterSpace.validate(theta)
        try SimulatorInput.checkMatrix(latent, columns: 5, names: latentNames, field: "latent")
        let n = latent.rows, fW = theta[0], fWW = theta[1]
        let rate = WBFHiggsSimulator.relativeRate(Array(theta.prefix(2)))
        let k = scale(theta), s = relativeScale, sigma = WBFHiggsSimulator.detectorPT
        let logConstant = -log(2 * Double.pi) - log(WBFHiggsSimulator.ptSlope) - log(rate.value)
            - 0.5 * log(2 * Double.pi * sigma * sigma) - log(k)
        let wantGradient = gradient != nil
        var g = Matrix<Double>(rows: wantGradient ? n : 0, columns: 3)
        var out = [Double](repeating: 0, count: n)
        try latent.withUnsafeBufferPointer { zp in
            try g.withUnsafeMutableBufferPointer { gp in
                for i in 0..<n {
                    let phi = zp[5 * i], pt = zp[5 * i + 1], ptShower = zp[5 * i + 3], y = zp[5 * i + 4] / k
                    guard abs(phi) <= Double.pi, pt >= WBFHiggsSimulator.ptCut else {
                        throw SBIError.data("parton (Δφ, p_T) = (\(phi), \(pt)) is outside |Δφ| ≤ π, p_T ≥ \(WBFHiggsSimulator.ptCut) GeV",
                                            field: "latent[\(i)]")
                    }
                    let m = WBFHiggsSimulator.squaredAmplitude(dphi: phi, pt: pt, fW: fW, fWW: fWW)
                    let d = y - ptShower
                    out[i] = logConstant - (pt - WBFHiggsSimulator.ptCut) / WBFHiggsSimulator.ptSlope + log(m.value) - 0.5 * d * d / (sigma * sigma)
                    if wantGradient {
                        gp[3 * i] = m.dW / m.value - rate.gradient.0 / rate.value
                        gp[3 * i + 1] = m.dWW / m.value - rate.gradient.1 / rate.value
                        gp[3 * i + 2] = s / k * (d * y / (sigma * sigma) - 1)
                    }
                }
            }
        }
        if wantGradient { gradient = g }
        return out
    }

    /// Exact log p(x|θ, ν) per row of `observables` `[n, 2]`.
    /// - Throws: as `exactLogLikelihoods(observables:at:)`.
    public func exactLogLikelihood(observables: Matrix<Double>, at theta: [Double]) throws -> [Double] {
        try exactLogLikelihoods(observables: observables, at: Matrix(rows: 1, columns: theta.count, storage: theta)).storage
    }

    /// log p(x_i|θ_j, ν_j) for every row of `thetas` `[nPoints, 3]` → `[nPoints, nEvents]`:
    /// ```
    /// log p = −log(2π R(θ)) − log k + log Q₀(y) + log[T00 + (T20 + T22 c₂) r₂(y) + (T40 + T42 c₂ + T44 c₄) r₄(y)]
    /// y = p_T,j1/k,  c_k = e^{−k²σ_φ²/2} cos kΔφ_jj,  rₙ = Qₙ/Q₀     (WBFHiggsSimulator.exactLogLikelihoods)
    /// ```
    /// - Throws: `SBIError.data` naming `theta` or `observables`; `SBIError.numerical` if GSL fails.
    public func exactLogLikelihoods(observables: Matrix<Double>, at thetas: Matrix<Double>) throws -> Matrix<Double> {
        for j in 0..<thetas.rows { try parameterSpace.validate(thetas.row(j), field: "theta[\(j)]") }
        try SimulatorInput.checkMatrix(observables, columns: 2, names: observableNames, field: "observables")
        guard let table = WBFHiggsPTIntegralTable.shared else {
            throw SBIError(.numerical, "the p_T integrals of the wbf-higgs likelihood could not be tabulated (GSL quadrature failed)")
        }
        let modes = (0..<thetas.rows).map { WBFHiggsSimulator.fourierModes(fW: thetas[$0, 0], fWW: thetas[$0, 1]) }
        let scales = (0..<thetas.rows).map { scale(thetas.row($0)) }
        let (damp2, damp4) = WBFHiggsSimulator.angularDamping
        let quadrature = Quadrature()
        let n = observables.rows
        var out = Matrix<Double>(rows: thetas.rows, columns: n)
        for i in 0..<n {
            let phi = observables[i, 0], pt = observables[i, 1]
            let cos2 = damp2 * cos(2 * phi), cos4 = damp4 * cos(4 * phi)
            for j in 0..<thetas.rows {
                let t = modes[j], k = scales[j]
                let q = try table.values(at: pt / k, quadrature)
                let sum = t[0] + (t[1] + t[2] * cos2) * q.ratio2 + (t[3] + t[4] * cos2 + t[5] * cos4) * q.ratio4
                out[j, i] = t[6] - log(k) + q.logQ0 + log(sum)
            }
        }
        return out
    }
}
