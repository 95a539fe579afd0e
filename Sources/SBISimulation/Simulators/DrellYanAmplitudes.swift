import CGSL
import SBICore

/// Tree-level helicity amplitudes of e⁺e⁻ → γ/Z → μ⁺μ⁻ used by `DrellYanSimulator`.
///
/// ```
/// A_ij = e²/s + c_e c_μ g_i^e g_j^μ P(s),     P(s) = 1/(s − m_Z² + i m_Z Γ_Z)
/// (s/128π)|A_ij|² = (1/128π) [ e⁴ b₁(s) + 2e² c_e c_μ g_i g_j b₂(s) + c_e² c_μ² g_i² g_j² b₃(s) ]
/// b₁ = 1/s,   b₂ = Re P,   b₃ = s|P|²
/// ```
/// The basis b_k(s) does not depend on θ, so every θ-integral over √s reduces to three
/// integrals of b_k: the "one integral per component" of arXiv:1805.00020 with only three.
/// All cross sections are returned in pb.
struct DrellYanAmplitudes: Sendable {
    typealias Constants = DrellYanSimulator.Constants
    /// e² = 4πα.
    let e2: Double
    /// c_e·c_μ, the Z–lepton normalisations fixed by the measured partial widths.
    let zCoupling: Double
    /// Chiral couplings of the electron, g_L = g_V + g_A and g_R = g_V − g_A.
    let electronL: Double, electronR: Double
    /// SM vector and axial couplings of charged leptons.
    let vectorSM: Double, axialSM: Double
    let mass2: Double, massWidth: Double

    init() {
        let c = Constants.self
        e2 = 4 * Double.pi * c.alpha
        axialSM = -0.5
        vectorSM = -0.5 + 2 * c.sin2ThetaEffective
        let v2a2 = vectorSM * vectorSM + axialSM * axialSM
        let gammaE = c.branchingElectrons * c.zWidth, gammaMu = c.branchingMuons * c.zWidth
        let ce2 = 12 * Double.pi * gammaE / (c.zMass * v2a2)
        let cmu2 = 12 * Double.pi * gammaMu / (c.zMass * v2a2)
        zCoupling = (ce2 * cmu2).squareRoot()
        electronL = vectorSM + axialSM
        electronR = vectorSM - axialSM
        mass2 = c.zMass * c.zMass
        massWidth = c.zMass * c.zWidth
    }

    /// Muon chiral couplings (g_L^μ, g_R^μ) at θ = (δg_V, δg_A).
    @inline(__always) func muonCouplings(_ theta: [Double]) -> (left: Double, right: Double) {
        (vectorSM + axialSM + theta[0] + theta[1], vectorSM - axialSM + theta[0] - theta[1])
    }

    /// (Re P, Im P) of the Z propagator.
    @inline(__always) func propagator(s: Double) -> (Double, Double) {
        let d = s - mass2
        let denominator = d * d + massWidth * massWidth
        return (d / denominator, -massWidth / denominator)
    }

    /// (b₁, b₂, b₃) = (1/s, Re P, s|P|²).
    @inline(__always) func basis(s: Double) -> (Double, Double, Double) {
        let (re, im) = propagator(s: s)
        return (1 / s, re, s * (re * re + im * im))
    }

    /// |A|² for one helicity combination with coupling product g = g_i^e g_j^μ.
    @inline(__always) private func squared(_ g: Double, photon: Double, re: Double, im: Double) -> Double {
        let a = photon + zCoupling * g * re, b = zCoupling * g * im
        return a * a + b * b
    }

    /// (S, D) = (|A_LL|² + |A_RR|², |A_LR|² + |A_RL|²).
    @inline(__always) func helicitySums(s: Double, muon: (left: Double, right: Double)) -> (Double, Double) {
        let (re, im) = propagator(s: s)
        let photon = e2 / s
        let same = squared(electronL * muon.left, photon: photon, re: re, im: im)
            + squared(electronR * muon.right, photon: photon, re: re, im: im)
        let opposite = squared(electronL * muon.right, photon: photon, re: re, im: im)
            + squared(electronR * muon.left, photon: photon, re: re, im: im)
        return (same, opposite)
    }

    /// dσ/dcosθ* in pb: (ħc)² (s/128π) [S(1+c)² + D(1−c)²].
    @inline(__always) func differential(s: Double, cosTheta c: Double, muon: (left: Double, right: Double)) -> Double {
        let (same, opposite) = helicitySums(s: s, muon: muon)
        return Constants.picobarnPerInverseGeV2 * s / (128 * Double.pi)
            * (same * (1 + c) * (1 + c) + opposite * (1 - c) * (1 - c))
    }

    /// dσ/dcosθ* and its derivatives with respect to (δg_V, δg_A):
    /// ∂|A_ij|²/∂g_j^μ = 2 c_e c_μ g_i^e (Re A_ij Re P + Im A_ij Im P); ∂g_L/∂δ = (1, 1), ∂g_R/∂δ = (1, −1).
    func differentialWithGradient(s: Double, cosTheta c: Double,
                                  muon: (left: Double, right: Double)) -> (Double, Double, Double) {
        let (re, im) = propagator(s: s)
        let photon = e2 / s
        func term(_ ge: Double, _ gmu: Double) -> (value: Double, derivative: Double) {
            let a = photon + zCoupling * ge * gmu * re, b = zCoupling * ge * gmu * im
            return (a * a + b * b, 2 * zCoupling * ge * (a * re + b * im))
        }
        let ll = term(electronL, muon.left), rr = term(electronR, muon.right)
        let lr = term(electronL, muon.right), rl = term(electronR, muon.left)
        let k = Constants.picobarnPerInverseGeV2 * s / (128 * Double.pi)
        let forward = (1 + c) * (1 + c), backward = (1 - c) * (1 - c)
        let value = k * ((ll.value + rr.value) * forward + (lr.value + rl.value) * backward)
        let dLeft = k * (forward * ll.derivative + backward * rl.derivative)
        let dRight = k * (forward * rr.derivative + backward * lr.derivative)
        return (value, dLeft + dRight, dLeft - dRight)
    }

    /// An upper bound of dσ/dcosθ* for s in [sMin, sMax] and |cosθ*| ≤ 1 (see `DrellYanSimulator.simulate`).
    func differentialBound(sMin: Double, sMax: Double, muon: (left: Double, right: Double)) -> Double {
        let photon = e2 / sMin, z = zCoupling / massWidth
        func a(_ g: Double) -> Double { let v = photon + z * abs(g); return v * v }
        let same = a(electronL * muon.left) + a(electronR * muon.right)
        let opposite = a(electronL * muon.right) + a(electronR * muon.left)
        return Constants.picobarnPerInverseGeV2 * sMax / (128 * Double.pi) * 4 * max(same, opposite)
    }

    /// (ħc)²/(128π) Σ_ij w_ij [e⁴ B₁ + 2e² c_e c_μ g_i g_j B₂ + c_e² c_μ² g_i² g_j² B₃], with
    /// w = `weightSame` for LL, RR and `weightOpposite` for LR, RL. With B = G (beam averages) and
    /// w = 8/3 this is σ(θ); with B = K(E_μ) and w = J±(cosθ_μ) it is σ(θ)·p(x|θ).
    func angularIntegratedBasisSum(muon: (left: Double, right: Double), basis: (Double, Double, Double),
                                   weightSame: Double, weightOpposite: Double) -> Double {
        func term(_ g: Double) -> Double {
            e2 * e2 * basis.0 + 2 * e2 * zCoupling * g * basis.1 + zCoupling * zCoupling * g * g * basis.2
        }
        let same = term(electronL * muon.left) + term(electronR * muon.right)
        let opposite = term(electronL * muon.right) + term(electronR * muon.left)
        return Constants.picobarnPerInverseGeV2 / (128 * Double.pi) * (weightSame * same + weightOpposite * opposite)
    }

    /// ∇(δg_V, δg_A) of `angularIntegratedBasisSum`.
    func angularIntegratedBasisGradient(muon: (left: Double, right: Double), basis: (Double, Double, Double),
                                        weightSame: Double, weightOpposite: Double) -> (Double, Double) {
        // d term(g_i^e g_j^μ)/d g_j^μ = g_i^e (2e² c B₂ + 2c² g B₃)
        func derivative(_ ge: Double, _ gmu: Double) -> Double {
            ge * (2 * e2 * zCoupling * basis.1 + 2 * zCoupling * zCoupling * ge * gmu * basis.2)
        }
        let k = Constants.picobarnPerInverseGeV2 / (128 * Double.pi)
        let dLeft = k * (weightSame * derivative(electronL, muon.left) + weightOpposite * derivative(electronR, muon.left))
        let dRight = k * (weightSame * derivative(electronR, muon.right) + weightOpposite * derivative(electronL, muon.right))
        return (dLeft + dRight, dLeft - dRight)
    }
}
