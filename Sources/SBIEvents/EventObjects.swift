import SBICore

/// A particle collection an observable can index, built from the final-state particles.
///
/// ```
/// j  jets: quarks d u s c b (|PDG| 1–5) and gluons (21)     b  b quarks (|PDG| 5)
/// a  photons (22)    e  electrons (11)    mu  muons (13)    l  charged leptons e, μ
/// v  neutrinos (12, 14, 16)
/// ```
/// - References: [1] PDG Monte Carlo particle numbering scheme.
public enum ParticleCollection: String, CaseIterable, Sendable {
    case j, b, a, e, mu, l, v

    /// The collections a particle of this PDG id belongs to (a b quark is in `j` and `b`).
    @inline(__always) static func membership(_ pdgID: Int32) -> (first: ParticleCollection?, second: ParticleCollection?) {
        switch abs(pdgID) {
        case 1, 2, 3, 4, 21: return (.j, nil)
        case 5: return (.j, .b)
        case 22: return (.a, nil)
        case 11: return (.e, .l)
        case 13: return (.mu, .l)
        case 12, 14, 16: return (.v, nil)
        default: return (nil, nil)
        }
    }
}

/// The reconstructed objects of one event: each collection sorted by decreasing pT, and the
/// missing transverse momentum from the neutrinos.
///
/// ```
/// met = (Σ_ν px, Σ_ν py, 0, |Σ_ν pT|)     (massless, transverse)
/// ```
/// Shapes: one `[FourMomentum]` per `ParticleCollection`; arrays keep their capacity from
/// event to event, so `fill` allocates only when an event has more objects than any before.
/// - References: [1] arXiv:1805.00020 (MadMiner's parton-level observables).
public struct EventObjects: Sendable {
    private var collections: [[FourMomentum]] = Array(repeating: [], count: ParticleCollection.allCases.count)
    /// Missing transverse momentum, from the neutrinos (after efficiencies).
    public private(set) var met = FourMomentum.zero

    /// Empty collections, to be filled per event.
    public init() {}

    /// The objects of `collection`, sorted by decreasing pT.
    public subscript(_ collection: ParticleCollection) -> [FourMomentum] {
        collections[collection.index]
    }

    /// The `index`-th hardest object of `collection`, or nil when there are fewer.
    @inline(__always) func object(_ collection: ParticleCollection, _ index: Int) -> FourMomentum? {
        let list = collections[collection.index]
        return index < list.count ? list[index] : nil
    }

    @inline(__always) func count(_ collection: ParticleCollection) -> Int {
        collections[collection.index].count
    }

    /// Rebuilds the collections from the event's status-1 particles, smearing them first.
    ///
    /// - Parameters:
    ///   - smearing: resolutions and efficiencies; nil or `.none` keeps the generator momenta.
    ///   - random: the stream the smearing draws from (required when `smearing` smears).
    public mutating func fill(from event: LHEEvent, smearing: EventSmearing? = nil, random: SeededRandom? = nil) {
        for k in collections.indices { collections[k].removeAll(keepingCapacity: true) }
        var metX = 0.0, metY = 0.0
        for particle in event.particles where particle.status == 1 {
            let (first, second) = ParticleCollection.membership(particle.pdgID)
            guard let first else { continue }
            var momentum = particle.momentum
            if let smearing, let random {
                guard smearing.apply(to: &momentum, mass: particle.mass, pdgID: particle.pdgID, random: random) else {
                    continue
                }
            }
            if first == .v {
                metX += momentum.px
                metY += momentum.py
            }
            collections[first.index].append(momentum)
            if let second { collections[second.index].append(momentum) }
        }
        met = FourMomentum(px: metX, py: metY, pz: 0, e: (metX * metX + metY * metY).squareRoot())
        for k in collections.indices { EventObjects.sortByDecreasingPt(&collections[k]) }
    }

    /// Insertion sort (collections hold a handful of objects; no temporary buffer).
    private static func sortByDecreasingPt(_ list: inout [FourMomentum]) {
        guard list.count > 1 else { return }
        for i in 1..<list.count {
            let item = list[i]
            let key = item.px * item.px + item.py * item.py
            var j = i - 1
            while j >= 0 {
                let other = list[j]
                if other.px * other.px + other.py * other.py >= key { break }
                list[j + 1] = other
                j -= 1
            }
            list[j + 1] = item
        }
    }
}

extension ParticleCollection {
    @inline(__always) var index: Int {
        switch self {
        case .j: return 0
        case .b: return 1
        case .a: return 2
        case .e: return 3
        case .mu: return 4
        case .l: return 5
        case .v: return 6
        }
    }
}
