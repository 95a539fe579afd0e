import SBICore

/// The parameters θ of a model: names, allowed ranges, units and labels.
public struct ParameterSpace: Sendable, Equatable {
    /// Names as used in recipes and files (`theta_0`, `fW`).
    public var names: [String]
    /// Allowed range of each parameter; draws and grids stay inside.
    public var ranges: [ClosedRange<Double>]
    /// Unit of each parameter ("" when dimensionless).
    public var units: [String]
    /// LaTeX label of each parameter, for plots.
    public var latexLabels: [String]

    /// - Precondition: all arrays have one entry per parameter.
    public init(names: [String], ranges: [ClosedRange<Double>], units: [String]? = nil, latexLabels: [String]? = nil) {
        precondition(names.count == ranges.count, "ParameterSpace: \(names.count) names, \(ranges.count) ranges")
        self.names = names
        self.ranges = ranges
        self.units = units ?? Array(repeating: "", count: names.count)
        self.latexLabels = latexLabels ?? names
        precondition(self.units.count == names.count && self.latexLabels.count == names.count,
                     "ParameterSpace: units and labels need one entry per parameter")
    }

    /// Number of parameters.
    public var count: Int { names.count }

    /// The first `count` parameters, e.g. the parameters of interest before a simulator's nuisance parameters.
    /// - Precondition: 0 ≤ `count` ≤ `self.count`.
    public func leading(_ count: Int) -> ParameterSpace {
        precondition((0...self.count).contains(count), "ParameterSpace.leading: \(count) of \(self.count) parameters")
        return ParameterSpace(names: Array(names[..<count]), ranges: Array(ranges[..<count]), units: Array(units[..<count]),
                              latexLabels: Array(latexLabels[..<count]))
    }

    /// Checks that `theta` has one finite value per parameter, inside its range.
    /// - Throws: `SBIError.data` naming `field` (e.g. `--theta`) and the offending parameter.
    public func validate(_ theta: [Double], field: String = "theta") throws {
        guard theta.count == count else {
            throw SBIError.data("expected \(count) parameter values (\(names.joined(separator: ", "))), got \(theta.count)",
                                field: field)
        }
        for (i, value) in theta.enumerated() {
            guard value.isFinite else {
                throw SBIError.data("\(names[i]) = \(value) is not a finite number", field: field)
            }
            guard ranges[i].contains(value) else {
                throw SBIError.data("\(names[i]) = \(value) is outside its range [\(ranges[i].lowerBound), \(ranges[i].upperBound)]",
                                    field: field)
            }
        }
    }
}

/// Events drawn from a simulator: observables x, latent histories z, and optional weights.
///
/// Shapes: `observables` `[nEvents, nObservables]`, `latent` `[nEvents, nLatent]`,
/// `weights` `nEvents` (nil: unweighted, every event has weight 1).
public struct EventBatch: Sendable {
    public var observables: Matrix<Double>
    public var latent: Matrix<Double>
    public var weights: [Double]?

    public init(observables: Matrix<Double>, latent: Matrix<Double>, weights: [Double]? = nil) {
        precondition(observables.rows == latent.rows, "EventBatch: \(observables.rows) observable rows, \(latent.rows) latent rows")
        precondition(weights == nil || weights!.count == observables.rows, "EventBatch: weights count differs from events")
        self.observables = observables
        self.latent = latent
        self.weights = weights
    }

    /// Number of events.
    public var count: Int { observables.rows }
}

/// A simulator of events whose joint likelihood of the latent history can be evaluated.
///
/// It draws latent histories z ~ p(z|θ) and observables x ~ p(x|z); p(x|θ) =
/// ∫ p(x|z) p(z|θ) dz is intractable in general, but `jointLogLikelihood` gives
/// log p(z|θ) and its θ-gradient, from which the "gold" of arXiv:1805.00020 follows:
/// ```
/// log r(x,z|θ0,θ1) = log p(z|θ0) − log p(z|θ1),     t(x,z|θ) = ∇θ log p(z|θ)
/// ```
/// Only the θ-dependent part of log p(z|θ) matters; p(x|z) cancels in both.
///
/// Conforming types must be deterministic given the `SeededRandom` they are passed.
public protocol Simulator {
    /// Short name used on the command line and in recipes (`gaussian`).
    var name: String { get }
    /// The parameters θ.
    var parameterSpace: ParameterSpace { get }
    /// Names of the observables x (columns of `EventBatch.observables`).
    var observableNames: [String] { get }
    /// Names of the latent variables z (columns of `EventBatch.latent`).
    var latentNames: [String] { get }

    /// Draws `count` unweighted events distributed as p(x, z|θ).
    /// - Throws: `SBIError.data` if θ is invalid or `count` ≤ 0.
    func simulate(at theta: [Double], count: Int, random: SeededRandom) throws -> EventBatch

    /// log p(z|θ) for every row of `latent` `[n, nLatent]`; when `gradient` is non-nil it is
    /// filled with ∇θ log p(z|θ), shape `[n, nParameters]`.
    func jointLogLikelihood(latent: Matrix<Double>, at theta: [Double], gradient: inout Matrix<Double>?) throws -> [Double]
}

/// A simulator with nuisance parameters among its parameters: knobs such as a calibration offset,
/// each meant to be constrained by a standard normal N(0, 1) and profiled in the limits.
///
/// `nuisanceNames` are the trailing names of `parameterSpace` (parameters of interest first), so
/// every point is (θ, ν) and ν = 0 is the nominal simulator.
/// [1] K. Cranmer, arXiv:1503.07622 §4 (nuisance parameters and their constraint terms).
public protocol NuisanceSimulator: Simulator {
    /// Names of the nuisance parameters, the last `nuisanceNames.count` of `parameterSpace.names`.
    var nuisanceNames: [String] { get }
}

/// A simulator whose exact likelihood p(x|θ) can be computed (analytically or by
/// numerical integration over z); used only to validate estimators.
public protocol ExactLikelihoodSimulator: Simulator {
    /// log p(x|θ) for every row of `observables` `[n, nObservables]`.
    func exactLogLikelihood(observables: Matrix<Double>, at theta: [Double]) throws -> [Double]
    /// log p(x_i|θ_j) for every row θ_j of `thetas` `[nTheta, nParameters]`, shape `[nTheta, nEvents]`.
    /// Simulators whose smearing integrals do not depend on θ compute them once per event.
    func exactLogLikelihoods(observables: Matrix<Double>, at thetas: Matrix<Double>) throws -> Matrix<Double>
}

extension ExactLikelihoodSimulator {
    /// One `exactLogLikelihood(observables:at:)` call per row of `thetas`.
    public func exactLogLikelihoods(observables: Matrix<Double>, at thetas: Matrix<Double>) throws -> Matrix<Double> {
        var out = Matrix<Double>(rows: thetas.rows, columns: observables.rows)
        for j in 0..<thetas.rows {
            let row = try exactLogLikelihood(observables: observables, at: thetas.row(j))
            for i in 0..<observables.rows { out[j, i] = row[i] }
        }
        return out
    }
}

/// A simulator of weighted events whose squared matrix element is a polynomial in θ,
/// as MadGraph produces with reweighting (arXiv:1805.00020 §III).
///
/// Events are drawn once from a proposal; each carries a weight w(z|θ) for any θ with
/// E_proposal[w(z|θ)] = σ(θ), so p(z|θ) = w(z|θ)·q(z)/σ(θ) and
/// ```
/// w(z|θ) = Σ_c α_c(θ) W_c(z),   α_c(θ) = Π_i θ_i^{k_ci}
/// ```
/// with the monomials `k_c` allowed by `morphingMaxPowers` and `morphingMaxOverallPower`.
/// A simulator whose total cross section σ(θ) is known exactly, so that limits can add the
/// Poisson term of the expected event count σ(θ)·L (the extended likelihood).
public protocol CrossSectionSimulator: Simulator {
    /// The exact total cross section σ(θ) in pb.
    func crossSection(at theta: [Double]) throws -> Double
}

public protocol WeightedSimulator: CrossSectionSimulator {
    /// Highest power of each parameter in w(z|θ).
    var morphingMaxPowers: [Int] { get }
    /// Highest total power (sum over parameters) in w(z|θ).
    var morphingMaxOverallPower: Int { get }
    /// Draws `count` weighted events from the proposal tuned for `theta` (x, z, and w(z|θ) in `weights`).
    func simulateWeighted(proposalAt theta: [Double], count: Int, random: SeededRandom) throws -> EventBatch
    /// w(z|θ) for every row of `latent`, same units as `crossSection` (pb).
    func weights(latent: Matrix<Double>, at theta: [Double]) throws -> [Double]
}
