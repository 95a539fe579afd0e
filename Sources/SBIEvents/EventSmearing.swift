#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SBICore

/// Gaussian detector smearing of energies and angles, and reconstruction efficiencies, per
/// object type (a parton-level stand-in for a detector simulation).
///
/// ```
/// E' = max(E + σ_E z₁, m),  σ_E = a + b·E        |p'| = √(E'² − m²), direction kept
/// η' = η + σ_η z₂,  φ' = φ + σ_φ z₃                |p'| kept:  pT' = |p'| / cosh η'
/// kept with probability ε  (one uniform draw when ε < 1)        z ~ N(0, 1)
/// ```
/// Neutrinos are never smeared (they make `met`). Draws happen in particle order, so the
/// same seed and file give the same smeared events.
/// - References: [1] arXiv:1805.00020 (MadMiner, parton-level smearing in its LHE analysis).
public struct EventSmearing: Sendable, Equatable {
    /// Resolutions and efficiency of one object type.
    public struct Resolution: Sendable, Equatable {
        /// Absolute energy resolution a in GeV.
        public var energyAbsolute: Double
        /// Relative energy resolution b (σ_E = a + b·E).
        public var energyRelative: Double
        /// Absolute pseudorapidity resolution σ_η.
        public var eta: Double
        /// Absolute azimuth resolution σ_φ in radians.
        public var phi: Double
        /// Probability in [0, 1] that the object is reconstructed.
        public var efficiency: Double

        /// A resolution; defaults mean no smearing and full efficiency.
        public init(energyAbsolute: Double = 0, energyRelative: Double = 0, eta: Double = 0,
                    phi: Double = 0, efficiency: Double = 1) {
            self.energyAbsolute = energyAbsolute
            self.energyRelative = energyRelative
            self.eta = eta
            self.phi = phi
            self.efficiency = efficiency
        }

        /// No smearing, full efficiency.
        public static let perfect = Resolution()
    }

    /// Quarks and gluons.
    public var jets: Resolution
    /// Photons.
    public var photons: Resolution
    /// Electrons.
    public var electrons: Resolution
    /// Muons.
    public var muons: Resolution

    /// Per-type resolutions; types not given are not smeared.
    public init(jets: Resolution = .perfect, photons: Resolution = .perfect,
                electrons: Resolution = .perfect, muons: Resolution = .perfect) {
        self.jets = jets
        self.photons = photons
        self.electrons = electrons
        self.muons = muons
    }

    /// Checks every resolution is finite and ≥ 0 and every efficiency in [0, 1].
    ///
    /// - Throws: `SBIError` (.data) naming the field.
    public func validate() throws {
        for (name, r) in [("jets", jets), ("photons", photons), ("electrons", electrons), ("muons", muons)] {
            for (field, value) in [("energy_absolute", r.energyAbsolute), ("energy_relative", r.energyRelative),
                                   ("eta", r.eta), ("phi", r.phi)] where !(value.isFinite && value >= 0) {
                throw SBIError.data("resolution must be finite and ≥ 0, found \(value)", field: "smearing.\(name).\(field)")
            }
            guard r.efficiency >= 0, r.efficiency <= 1 else {
                throw SBIError.data("efficiency must be in [0, 1], found \(r.efficiency)", field: "smearing.\(name).efficiency")
            }
        }
    }

    @inline(__always) private func resolution(_ pdgID: Int32) -> Resolution? {
        switch abs(pdgID) {
        case 1, 2, 3, 4, 5, 21: return jets
        case 22: return photons
        case 11: return electrons
        case 13: return muons
        default: return nil
        }
    }

    /// Smears `momentum` in place; false when the object is lost to the efficiency.
    func apply(to momentum: inout FourMomentum, mass: Double, pdgID: Int32, random: SeededRandom) -> Bool {
        guard let r = resolution(pdgID) else { return true }
        if r.efficiency < 1, random.uniform() >= r.efficiency { return false }
        let sigmaE = r.energyAbsolute + r.energyRelative * momentum.e
        guard sigmaE > 0 || r.eta > 0 || r.phi > 0 else { return true }
        let m = max(mass, 0)
        var energy = momentum.e
        if sigmaE > 0 { energy = max(energy + sigmaE * random.normal(), m) }
        let p = (energy * energy - m * m).squareRoot()
        var eta = momentum.eta
        var phi = momentum.phi
        if !eta.isFinite { eta = 0 }
        if r.eta > 0 { eta += r.eta * random.normal() }
        if r.phi > 0 { phi += r.phi * random.normal() }
        let pt = p / cosh(eta)
        momentum = FourMomentum(px: pt * cos(phi), py: pt * sin(phi), pz: pt * sinh(eta), e: energy)
        return true
    }
}
