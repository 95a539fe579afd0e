#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Minkowski four-momentum (px, py, pz, E) in GeV with the collider observables.
///
/// ```
/// pT = √(px² + py²)      φ = atan2(py, px) ∈ (−π, π]
/// η  = asinh(pz / pT)    m = sign(m²) √|E² − |p|²|
/// ```
/// η uses `asinh(pz/pT)`, stable for all angles (no log of a difference); it is ±∞ for pT = 0.
/// - References: [1] PDG Review "Kinematics" (rapidity and pseudorapidity).
public struct FourMomentum: Sendable, Equatable {
    /// Momentum components and energy in GeV.
    public var px: Double
    /// See `px`.
    public var py: Double
    /// See `px`.
    public var pz: Double
    /// Energy in GeV.
    public var e: Double

    /// A four-momentum from its components.
    public init(px: Double, py: Double, pz: Double, e: Double) {
        self.px = px
        self.py = py
        self.pz = pz
        self.e = e
    }

    /// The zero vector.
    public static let zero = FourMomentum(px: 0, py: 0, pz: 0, e: 0)

    /// Transverse momentum.
    @inline(__always) public var pt: Double { (px * px + py * py).squareRoot() }
    /// Azimuth in (−π, π].
    @inline(__always) public var phi: Double { atan2(py, px) }
    /// Pseudorapidity asinh(pz/pT); ±∞ along the beam.
    @inline(__always) public var eta: Double {
        let transverse = pt
        if transverse == 0 { return pz == 0 ? 0 : (pz > 0 ? .infinity : -.infinity) }
        return asinh(pz / transverse)
    }
    /// Invariant mass, negative (−√|m²|) for a space-like vector.
    @inline(__always) public var m: Double {
        let m2 = e * e - px * px - py * py - pz * pz
        return m2 >= 0 ? m2.squareRoot() : -(-m2).squareRoot()
    }
    /// Magnitude of the three-momentum.
    @inline(__always) public var p: Double { (px * px + py * py + pz * pz).squareRoot() }

    @inline(__always) public static func + (a: FourMomentum, b: FourMomentum) -> FourMomentum {
        FourMomentum(px: a.px + b.px, py: a.py + b.py, pz: a.pz + b.pz, e: a.e + b.e)
    }

    @inline(__always) public static func - (a: FourMomentum, b: FourMomentum) -> FourMomentum {
        FourMomentum(px: a.px - b.px, py: a.py - b.py, pz: a.pz - b.pz, e: a.e - b.e)
    }

    /// |φ_a − φ_b| wrapped into [0, π].
    ///
    /// ```
    /// Δφ = |remainder(φ_a − φ_b, 2π)|
    /// ```
    @inline(__always) public static func deltaPhi(_ a: FourMomentum, _ b: FourMomentum) -> Double {
        abs(remainder(a.phi - b.phi, 2 * Double.pi))
    }

    /// ΔR = √(Δη² + Δφ²).
    @inline(__always) public static func deltaR(_ a: FourMomentum, _ b: FourMomentum) -> Double {
        let deta = a.eta - b.eta
        let dphi = deltaPhi(a, b)
        return (deta * deta + dphi * dphi).squareRoot()
    }

    /// A momentum from (pT, η, φ, m).
    ///
    /// ```
    /// px = pT cos φ, py = pT sin φ, pz = pT sinh η, E = √(pT² cosh²η + m²)
    /// ```
    public static func fromPtEtaPhiM(pt: Double, eta: Double, phi: Double, m: Double) -> FourMomentum {
        let pz = pt * sinh(eta)
        let p2 = pt * pt + pz * pz
        return FourMomentum(px: pt * cos(phi), py: pt * sin(phi), pz: pz, e: (p2 + m * m).squareRoot())
    }
}
