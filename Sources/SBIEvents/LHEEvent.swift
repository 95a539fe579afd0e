/// One particle line of an LHE event (HEPEUP entries for particle i).
///
/// ```
/// IDUP ISTUP MOTHUP(1) MOTHUP(2) ICOLUP(1) ICOLUP(2) PUP(1..5)=(px py pz E m) VTIMUP SPINUP
/// ```
/// Momenta and masses in GeV; `lifetime` (VTIMUP) in mm; mothers are 1-based (0 = none).
/// - References: [1] arXiv:hep-ph/0609017 (Les Houches accord, HEPEUP).
public struct LHEParticle: Sendable, Equatable {
    /// PDG id (IDUP).
    public var pdgID: Int32
    /// Status (ISTUP): -1 incoming, 1 outgoing final state, 2 intermediate resonance, …
    public var status: Int32
    /// 1-based indices of the first and last mother (MOTHUP), 0 when none.
    public var mothers: (Int32, Int32)
    /// Colour and anticolour flow tags (ICOLUP).
    public var colors: (Int32, Int32)
    /// Momentum components in GeV (PUP(1..3)).
    public var px: Double
    /// See `px`.
    public var py: Double
    /// See `px`.
    public var pz: Double
    /// Energy in GeV (PUP(4)).
    public var energy: Double
    /// Generated mass (PUP(5)).
    public var mass: Double
    /// Proper lifetime cτ in mm (VTIMUP).
    public var lifetime: Double
    /// Cosine of the angle between spin and momentum in the decaying particle's frame (SPINUP; 9 = unknown).
    public var spin: Double

    /// A particle from its HEPEUP entries.
    public init(pdgID: Int32, status: Int32, mothers: (Int32, Int32) = (0, 0), colors: (Int32, Int32) = (0, 0),
                px: Double, py: Double, pz: Double, energy: Double, mass: Double,
                lifetime: Double = 0, spin: Double = 9) {
        self.pdgID = pdgID
        self.status = status
        self.mothers = mothers
        self.colors = colors
        self.px = px
        self.py = py
        self.pz = pz
        self.energy = energy
        self.mass = mass
        self.lifetime = lifetime
        self.spin = spin
    }

    /// The four-momentum (px, py, pz, E).
    public var momentum: FourMomentum { FourMomentum(px: px, py: py, pz: pz, e: energy) }

    /// Field-by-field equality (tuples are not `Equatable`).
    public static func == (a: LHEParticle, b: LHEParticle) -> Bool {
        a.pdgID == b.pdgID && a.status == b.status && a.mothers == b.mothers && a.colors == b.colors
            && a.px == b.px && a.py == b.py && a.pz == b.pz && a.energy == b.energy
            && a.mass == b.mass && a.lifetime == b.lifetime && a.spin == b.spin
    }
}

/// One LHE event, reused from event to event by `LHEReader.next(into:)`.
///
/// ```
/// NUP IDPRUP XWGTUP SCALUP AQEDUP AQCDUP        (event line)
/// particles[0..<NUP]                             (particle lines)
/// weights[b] = w(benchmark b)                    (from <rwgt>/<wgt id> or <weights>)
/// ```
/// Shapes: `particles` `[NUP]`; `weights` `[reader.benchmarkNames.count]`, in the order of
/// `LHEReader.benchmarkNames`. Reading a new event keeps both arrays' capacity, so a loop
/// over a file allocates only when an event has more particles than any before.
/// - References: [1] arXiv:hep-ph/0609017; [2] arXiv:1405.1067 (LHEF 3.0 weights).
public struct LHEEvent: Sendable {
    /// 1-based number of the event in its file.
    public var number: Int = 0
    /// Process id (IDPRUP).
    public var processID: Int = 0
    /// The nominal event weight (XWGTUP).
    public var weight: Double = 0
    /// Factorisation scale in GeV (SCALUP).
    public var scale: Double = 0
    /// QED coupling α (AQEDUP).
    public var alphaQED: Double = 0
    /// QCD coupling α_s (AQCDUP).
    public var alphaQCD: Double = 0
    /// The NUP particles in file order.
    public var particles: [LHEParticle] = []
    /// Named weights mapped to benchmarks, `[nBenchmarks]`.
    public var weights: [Double] = []

    /// An empty event, to be filled by `LHEReader.next(into:)`.
    public init() {}
}
