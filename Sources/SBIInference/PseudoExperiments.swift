import CGSL
import SBICore
import SBISimulation

/// Pseudo-experiments (toys) for coverage and for toy-based p-values (the Neyman construction).
///
/// Coverage: toys drawn at θ_true are fitted with each likelihood (`ToyFits`); the fraction whose CL
/// region holds θ_true should be CL if Wilks' asymptotic χ²_k holds and the likelihood is right.
///
/// Toy-based p-values: at a point θ the distribution of the test statistic under θ is read from toys
/// drawn at θ instead of from χ²_k,
/// ```
/// p_toy(θ) = #{t : q_t(θ) ≥ q_obs(θ)} / T,   σ(p_toy) = √(p_toy(1 − p_toy)/T)
/// ```
/// and {θ : p_toy(θ) ≥ 1 − CL} is the Neyman confidence region of level CL.
///
/// Test statistic: the two-sided profile-likelihood ratio q(θ) = −2 [log L(θ) − max log L] over the
/// whole grid. For a parameter bounded from below at a physical boundary (a signal strength μ ≥ 0),
/// Cowan et al. define q̃, whose maximum is restricted to the allowed region; EFT couplings are not
/// bounded and the grid is the allowed region, so q and q̃ coincide here.
///
/// [1] J. Neyman, Phil. Trans. R. Soc. A 236 (1937) 333; [2] G. Cowan, K. Cranmer, E. Gross,
///     O. Vitells, arXiv:1007.1727 §2–3 (q, q̃, toys); [3] G. J. Feldman, R. D. Cousins,
///     arXiv:physics/9711021 (ordering by the likelihood ratio).
public enum PseudoExperiments {
    /// One likelihood the toys are fitted with, named as in contours.json.
    public struct Likelihood {
        public let name: String
        public let mode: String
        public let likelihood: ToyLikelihood

        public init(name: String, mode: String, likelihood: ToyLikelihood) {
            self.name = name
            self.mode = mode
            self.likelihood = likelihood
        }
    }

    /// The events of toys at `theta`: n_t ~ Pois(ν(θ)) with a rate, else `fixedEvents` each.
    /// - Throws: `SBIError.data` naming `toys` when there is neither a rate nor a fixed count; as
    ///   `ToyEvents.draw` and `EventRate.expectedEvents`.
    public static func events(simulator: any Simulator, theta: [Double], count: Int, firstToy: Int = 0, rate: EventRate?,
                              fixedEvents: Double?, random: SeededRandom) throws -> ToyEvents {
        let poisson = rate != nil
        guard let expected = try rate?.expectedEvents(at: theta) ?? fixedEvents else {
            throw SBIError.data("toys need an event rate or a fixed number of events per toy", field: "toys")
        }
        return try ToyEvents.draw(simulator: simulator, theta: theta, count: count, firstToy: firstToy, expectedEvents: expected,
                                  poisson: poisson, random: random)
    }

    /// Every likelihood's fits of `toys` drawn at `theta` on `grid` (q at `theta` itself, which need
    /// not be a grid point).
    /// - Throws: as `ToyLikelihood.logLikelihoods` and `ToyFits.init`.
    public static func fit(_ likelihoods: [Likelihood], toys: ToyEvents, theta: [Double], grid: ParameterGrid,
                           rate: EventRate?) throws -> [ToyFits] {
        let point = try ParameterGrid(names: grid.names, points: Matrix(rows: 1, columns: theta.count, storage: theta))
        return try likelihoods.map { l in
            do {
                let logL = try l.likelihood.logLikelihoods(toys: toys, grid: grid, rate: rate)
                let atPoint = try l.likelihood.logLikelihoods(toys: toys, grid: point, rate: rate).column(0)
                return try ToyFits(name: l.name, mode: l.mode, logLikelihood: logL, atPoint: atPoint, grid: grid, toys: toys)
            } catch let e as SBIError where e.field == "model" {
                throw SBIError(e.kind, field: e.field, "\(l.name): \(e.message)")
            }
        }
    }

    /// The toy-based p-value of one likelihood at `theta` for the observed statistic `observedQ`.
    public struct ToyPValue: Sendable, Equatable {
        /// The point.
        public let theta: [Double]
        /// q_obs(θ) of the data.
        public let observedQ: Double
        /// p_toy(θ) and its binomial error.
        public let pValue: Double
        public let error: Double
        /// Q_χ²(q_obs; k), Wilks' asymptotic p-value, for comparison.
        public let asymptoticPValue: Double
        /// The toys' q_t(θ), `[toys]`.
        public let toyQ: [Double]
    }

    /// p_toy(θ) of `likelihood` from `count` toys drawn at `theta` (toy t from sub-stream t of `random`),
    /// each fitted on `grid`.
    /// - Throws: `SBIError.data` naming `observedQ` if it is NaN or negative; as `events` and `fit`.
    public static func toyPValue(_ likelihood: Likelihood, simulator: any Simulator, theta: [Double], observedQ: Double,
                                 grid: ParameterGrid, rate: EventRate?, fixedEvents: Double?, count: Int,
                                 random: SeededRandom) throws -> ToyPValue {
        guard !observedQ.isNaN, observedQ >= 0 else {
            throw SBIError.data("observed q \(observedQ); expected a number ≥ 0", field: "observedQ")
        }
        let toys = try events(simulator: simulator, theta: theta, count: count, rate: rate, fixedEvents: fixedEvents, random: random)
        let q = try fit([likelihood], toys: toys, theta: theta, grid: grid, rate: rate)[0].q
        let p = Double(q.filter { $0 >= observedQ }.count) / Double(count)
        return ToyPValue(theta: theta, observedQ: observedQ, pValue: p, error: (p * (1 - p) / Double(count)).squareRoot(),
                         asymptoticPValue: observedQ.isFinite ? gsl_cdf_chisq_Q(observedQ, Double(grid.parameterCount)) : 0, toyQ: q)
    }
}
