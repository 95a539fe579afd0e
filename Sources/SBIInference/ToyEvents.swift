import CGSL
import SBICore
import SBISimulation

/// The events of many pseudo-experiments (toys) at one parameter point, stored back to back.
///
/// ```
/// toy t:  n_t ~ Pois(ν(θ))  (or n_t = N for a shape-only model),   x_{t,1..n_t} ~ p(x|θ)
/// rows offsets[t] ..< offsets[t+1] of `x` are toy t's events
/// ```
/// Toy t draws from sub-stream t of the generator it is given (its count from the sub-stream's first
/// draw, its events from that sub-stream's sub-stream 1), so a toy's events do not depend on how many
/// toys are drawn with it or in which shard: toys `first ..< first + count` of a larger set are the
/// same bytes. Real events (`EventSampleSimulator`) are drawn with replacement ∝ their weight at θ
/// (unweighting of the events the simulator keeps for tests).
///
/// [1] G. Cowan, K. Cranmer, E. Gross, O. Vitells, arXiv:1007.1727 §3 (pseudo-experiments);
/// [2] J. Neyman, Phil. Trans. R. Soc. A 236 (1937) 333 (confidence belts from toys).
public struct ToyEvents: Sendable {
    /// Every toy's events, `[Σ_t n_t, nObservables]`.
    public let x: Matrix<Double>
    /// Toy t's rows are `offsets[t] ..< offsets[t + 1]`; `count + 1` entries.
    public let offsets: [Int]
    /// The index of the first toy in the whole set (toys of a shard start there).
    public let firstToy: Int

    /// The number of toys.
    public var count: Int { offsets.count - 1 }
    /// n_t, the number of events of toy t (0-based within these toys).
    public func eventCount(ofToy t: Int) -> Int { offsets[t + 1] - offsets[t] }

    /// The largest number of events all toys together may hold (10⁸ rows of observables, ~0.8 GB per
    /// observable); more is refused rather than allocated.
    public static let maximumTotalEvents = 100_000_000

    /// Toys `firstToy ..< firstToy + count` at `theta`.
    /// - Parameters:
    ///   - expectedEvents: ν(θ) when `poisson`, else the fixed event count N of every toy (rounded).
    ///   - poisson: draw n_t ~ Pois(ν) (models with a rate term) or take n_t = N (shape-only models).
    ///   - random: the toy set's generator; toy t uses its sub-stream `t`.
    /// - Throws: `SBIError.data` naming `toys` for a count < 1, naming `expectedEvents` for a
    ///   non-finite, negative or absurd expectation, or when all toys together would exceed
    ///   `maximumTotalEvents`; errors of the simulator.
    public static func draw(simulator: any Simulator, theta: [Double], count: Int, firstToy: Int = 0,
                            expectedEvents: Double, poisson: Bool, random: SeededRandom) throws -> ToyEvents {
        guard count >= 1, firstToy >= 0 else {
            throw SBIError.data("\(count) toys from toy \(firstToy); expected at least one toy and a first toy ≥ 0", field: "toys")
        }
        guard expectedEvents.isFinite, expectedEvents >= 0, expectedEvents * Double(count) <= Double(maximumTotalEvents) else {
            throw SBIError.data("\(expectedEvents) expected events per toy for \(count) toys; expected a finite number ≥ 0 "
                                + "with at most \(maximumTotalEvents) events in all toys", field: "expectedEvents")
        }
        let columns = simulator.observableNames.count
        var storage: [Double] = []
        storage.reserveCapacity(Int((expectedEvents * Double(count)).rounded(.up)) * columns)
        var offsets = [0]
        offsets.reserveCapacity(count + 1)
        for t in 0..<count {
            let stream = random.substream(UInt64(firstToy + t))
            let n = poisson ? stream.withGSLGenerator { Int(gsl_ran_poisson($0, expectedEvents)) } : Int(expectedEvents.rounded())
            guard offsets[t] + n <= maximumTotalEvents else {
                throw SBIError.data("the toys hold more than \(maximumTotalEvents) events; use fewer toys", field: "toys")
            }
            if n > 0 {
                let batch = try simulator.simulate(at: theta, count: n, random: stream.substream(1))
                guard batch.observables.rows == n, batch.observables.columns == columns else {
                    throw SBIError(.internal, field: "simulate", "\(simulator.name) returned [\(batch.observables.rows), "
                                   + "\(batch.observables.columns)] events; expected [\(n), \(columns)]")
                }
                storage += batch.observables.storage
            }
            offsets.append(offsets[t] + n)
        }
        return ToyEvents(x: Matrix(rows: offsets[count], columns: columns, storage: storage), offsets: offsets, firstToy: firstToy)
    }
}
