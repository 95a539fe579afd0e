// GSL exports its minimiser types as mutable C globals; `@preconcurrency` lets Swift 6 read
// `gsl_multimin_fminimizer_nmsimplex2`, which GSL initialises statically and never writes.
@preconcurrency import CGSL
import Foundation
import SBICore
import SBIEstimators
import SBISimulation

/// A profile-likelihood scan: the θ grid's scan result, and the maximising nuisance values.
///
/// Shapes: `nuisanceHat` `[nPoints, nNuisance]` in the grid's order.
public struct ProfileScanResult: Sendable {
    /// The profiled scan on the θ grid (q, p-values and best fit as for any scan, k = dim θ).
    public let scan: LikelihoodScanResult
    /// Names of the profiled nuisance parameters.
    public let nuisanceNames: [String]
    /// ν̂(θ_j), `[nPoints, nNuisance]`.
    public let nuisanceHat: Matrix<Double>
    /// Evaluations of log L(θ, ν) spent, over all grid points.
    public let evaluations: Int
}

/// Profile likelihood over nuisance parameters ν with standard-normal constraints, on a θ grid.
///
/// ```
/// log L_p(θ) = max_ν [ log L(θ, ν) − ½ Σ_k ν_k² ]
/// log L(θ, ν) = Σ_i w_i log r̂(x_i|θ, ν; θ_ref, 0) [+ log Pois(n|ν(θ, ν))]     (as `LikelihoodScan.ml`)
/// q_p(θ) = −2 [log L_p(θ) − max log L_p],   p = Q_χ²(q_p; dim θ)
/// ```
/// The model's parameters are θ followed by ν. At each grid point ν̂ is searched from the previous
/// grid point's ν̂ (neighbours in the grid's order have close maxima), except at the first point of
/// each chain of `chainLength` points (a row of a regular grid along its last axis; 32 points of a
/// one-dimensional grid), where the search
/// starts at ν = 0: the result at a point then depends only on its own row, so blocks of rows can be
/// profiled apart (`profiledLogLikelihood`) and give the same bits as the whole grid:
/// - one ν: Newton steps on parabolas through F(ν − h), F(ν), F(ν + h), the three points in one
///   batched evaluation of the model, δ = h (F₋ − F₊) / (2 (F₋ − 2F₀ + F₊)), h shrinking to the last
///   step but not below 10⁻³ of the ν range (a Float32 network's log r̂ summed over thousands of
///   events is noisy on finer scales, and its parabola would be noise), until a step is shorter than
///   10⁻⁴ of the range (an exactly quadratic profile is found by the first step; a ν̂ off by δ costs
///   ½|F''|δ² in log L, below 10⁻⁵ here); where the parabola is not concave the search moves 2h
///   uphill. The best point evaluated is kept.
/// - several ν: GSL's Nelder–Mead simplex (`gsl_multimin_fminimizer_nmsimplex2`) on unconstrained u
///   with ν = lo + (hi − lo)(1 + sin u)/2 (every u inside the ranges), until the simplex is smaller
///   than 10⁻⁷ in u. Under Wilks' theorem q_p is χ² with dim θ degrees of freedom whatever the number
/// of nuisance parameters, so profiled contours are drawn at the same thresholds.
///
/// [1] K. Cranmer, arXiv:1503.07622 §4 (profile likelihood, constraint terms);
/// [2] G. Cowan, K. Cranmer, E. Gross, O. Vitells, arXiv:1007.1727 §2 (profile likelihood ratio);
/// [3] J. A. Nelder, R. Mead, Comput. J. 7 (1965) 308.
public enum ProfileLikelihood {
    /// Simplex iterations allowed per grid point.
    public static let maximumIterations = 2000

    /// Profiles any ratio estimator over (θ, ν).
    ///
    /// - Parameters:
    ///   - estimator: a model of the parameters θ (the grid's) followed by ν (`nuisance`).
    ///   - nuisanceRanges: the allowed range of each ν_k (the model's).
    ///   - rate: the expected event count over (θ, ν), or nil for shape-only models.
    /// - Throws: `SBIError.data` naming `model` or `nuisance` for mismatched counts, names or ranges;
    ///   the estimator's and the rate's errors; `SBIError.numerical` if log L is nowhere finite.
    public static func ml(estimator: any LogRatioEstimator, data: ScanData, grid: ParameterGrid, nuisance: [String],
                          nuisanceRanges: [ClosedRange<Double>], rate: EventRate? = nil) throws -> ProfileScanResult {
        let nt = grid.parameterCount, nk = nuisance.count
        guard estimator.parameterCount == nt + nk else {
            throw SBIError.data("the model has \(estimator.parameterCount) parameters; the grid has \(nt) and there are \(nk) nuisance parameters",
                                field: "model")
        }
        guard estimator.observableCount == data.x.columns else {
            throw SBIError.data("the model expects \(estimator.observableCount) observables, the data have \(data.x.columns)", field: "model")
        }
        return try profile(grid: grid, nuisance: nuisance, nuisanceRanges: nuisanceRanges,
                           logLikelihood: ratioLogLikelihood(estimator: estimator, data: data, names: grid.names + nuisance, rate: rate))
    }

    /// log L(θ, ν) of a ratio estimator at points (θ, ν) `[m, dim θ + dim ν]`, as `LikelihoodScan.ml`:
    /// Σ_i w_i log r̂(x_i|θ, ν) [+ log Pois(n|ν(θ, ν))]; `names` are the model's parameter names.
    public static func ratioLogLikelihood(estimator: any LogRatioEstimator, data: ScanData, names: [String],
                                          rate: EventRate?) -> (Matrix<Double>) throws -> [Double] {
        { points in
            let batch = try ParameterGrid(names: names, points: points)
            var logL = try LikelihoodScan.eventSums(estimator: estimator, data: data, grid: batch)
            if let rate { try LikelihoodScan.addRateTerm(&logL, rate: rate, observed: data.eventCount, grid: batch) }
            return logL
        }
    }

    /// Profiles any log-likelihood over ν: `logLikelihood` takes points (θ, ν) `[m, dim θ + dim ν]` and
    /// returns log L at each (without the constraint, which is added here).
    /// - Throws: `SBIError.data` naming `nuisance` for mismatched counts or ranges; the closure's errors;
    ///   `SBIError.numerical` if log L is nowhere finite along the search.
    public static func profile(grid: ParameterGrid, nuisance: [String], nuisanceRanges: [ClosedRange<Double>],
                               logLikelihood: @escaping (Matrix<Double>) throws -> [Double]) throws -> ProfileScanResult {
        let values = try profiledLogLikelihood(grid: grid, nuisance: nuisance, nuisanceRanges: nuisanceRanges,
                                               chainLength: chainLength(of: grid), logLikelihood: logLikelihood)
        return ProfileScanResult(scan: try LikelihoodScanResult(grid: grid, logLikelihood: values.logLikelihood), nuisanceNames: nuisance,
                                 nuisanceHat: values.nuisanceHat, evaluations: values.evaluations)
    }

    /// The chains of a grid's ν̂ searches: a regular grid's rows along its last axis; for a
    /// one-dimensional grid or a list of points, runs of `oneDimensionalChain` points.
    public static func chainLength(of grid: ParameterGrid) -> Int {
        guard let axes = grid.axes, axes.count >= 2, let last = axes.last else { return oneDimensionalChain }
        return last.count
    }

    /// Points per ν̂ search chain along a one-dimensional grid (or a list of points).
    public static let oneDimensionalChain = 32

    /// The profiled log L at every point of `grid` (no q, no best fit: `grid` may be a block of a larger
    /// grid's rows), ν̂ and the evaluations spent; the ν̂ search restarts from ν = 0 at every point whose
    /// index is a multiple of `chainLength` (see the type's doc).
    /// - Throws: as `profile`.
    public static func profiledLogLikelihood(grid: ParameterGrid, nuisance: [String], nuisanceRanges: [ClosedRange<Double>], chainLength: Int,
                                             logLikelihood: @escaping (Matrix<Double>) throws -> [Double])
        throws -> (logLikelihood: [Double], nuisanceHat: Matrix<Double>, evaluations: Int) {
        let nt = grid.parameterCount, nk = nuisance.count
        guard nk > 0, nuisanceRanges.count == nk else {
            throw SBIError.data("\(nk) nuisance parameters with \(nuisanceRanges.count) ranges; expected at least one, each with a range",
                                field: "nuisance")
        }
        for (k, r) in nuisanceRanges.enumerated() where !(r.lowerBound.isFinite && r.upperBound.isFinite && r.lowerBound < r.upperBound) {
            throw SBIError.data("range [\(r.lowerBound), \(r.upperBound)] of \(nuisance[k]) is not a finite interval", field: "nuisance")
        }
        /// log L(θ_j, ν) − ½|ν|² for a batch of ν values at the current θ.
        let evaluate = { (theta: [Double], nus: [[Double]]) throws -> [Double] in
            let points = Matrix<Double>(rows: nus.count, columns: nt + nk) { r, c in c < nt ? theta[c] : nus[r][c - nt] }
            let logL = try logLikelihood(points)
            guard logL.count == nus.count else {
                throw SBIError(.internal, field: "logLikelihood", "\(logL.count) values for \(nus.count) points")
            }
            return (0..<nus.count).map { r in
                let v = logL[r] - 0.5 * nus[r].reduce(0) { $0 + $1 * $1 }
                return v.isNaN ? -.infinity : v
            }
        }
        var logL = [Double](repeating: 0, count: grid.count)
        var hat = Matrix<Double>(rows: grid.count, columns: nk)
        var evaluations = 0
        let start = nuisanceRanges.map { min($0.upperBound, max($0.lowerBound, 0)) }
        var nu = start
        let simplex = nk > 1 ? NuisanceSimplex(ranges: nuisanceRanges) : nil
        for j in 0..<grid.count {
            let theta = grid.point(j)
            if j % max(1, chainLength) == 0 { nu = start }
            let best: (nu: [Double], value: Double)
            if let simplex {
                best = try simplex.maximize(from: nu) { try evaluate(theta, [$0])[0] }
                evaluations += simplex.evaluations
            } else {
                let found = try newton(from: nu[0], range: nuisanceRanges[0]) { try evaluate(theta, $0.map { [$0] }) }
                best = ([found.nu], found.value)
                evaluations += found.evaluations
            }
            guard best.value > -.infinity else {
                throw SBIError.numerical("log L(θ, ν) is not finite anywhere the search looked at θ = \(theta)", field: "nuisance")
            }
            logL[j] = best.value
            nu = best.nu
            for k in 0..<nk { hat[j, k] = nu[k] }
        }
        return (logL, hat, evaluations)
    }

    /// Batched parabolic Newton search for the maximum of F over one ν in `range` (see the type's doc).
    /// `f` takes a batch of ν values and returns F at each.
    static func newton(from start: Double, range: ClosedRange<Double>,
                       _ f: ([Double]) throws -> [Double]) throws -> (nu: Double, value: Double, evaluations: Int) {
        let width = range.upperBound - range.lowerBound
        var nu = min(range.upperBound, max(range.lowerBound, start))
        var h = 0.05 * width
        var best = (nu: nu, value: -Double.infinity)
        var evaluations = 0
        for _ in 0..<60 {
            // Three points inside the range around ν.
            let center = min(range.upperBound - h, max(range.lowerBound + h, nu))
            let values = try f([center - h, center, center + h])
            evaluations += 3
            for (x, v) in zip([center - h, center, center + h], values) where v > best.value { best = (x, v) }
            let (lo, mid, hi) = (values[0], values[1], values[2])
            let curvature = lo - 2 * mid + hi
            var step: Double
            if curvature < 0, curvature.isFinite {
                step = h * (lo - hi) / (2 * curvature)
                step = max(-4 * h, min(4 * h, step))
            } else {
                step = (hi >= lo ? 2 : -2) * h
            }
            let next = min(range.upperBound, max(range.lowerBound, center + step))
            let moved = next - nu
            nu = next
            if abs(moved) < 1e-4 * width { break }
            h = min(0.05 * width, max(abs(moved), 1e-3 * width))
        }
        let last = try f([nu])[0]
        evaluations += 1
        if last >= best.value { best = (nu, last) }
        return (best.nu, best.value, evaluations)
    }

    /// `truth` mode profiled: the exact likelihood ratio over (θ, ν) against (the grid's first point, ν = 0),
    /// with the nuisance ranges of the simulator.
    /// - Throws: `SBIError.data` if a nuisance name is not a parameter of the simulator, the parameters are
    ///   not the grid's followed by the nuisance parameters, or the grid leaves the model's ranges.
    public static func truth(simulator: any ExactLikelihoodSimulator, data: ScanData, grid: ParameterGrid, nuisance: [String],
                             rate: EventRate? = nil) throws -> ProfileScanResult {
        let space = simulator.parameterSpace
        guard space.names == grid.names + nuisance else {
            throw SBIError.data("the model's parameters are \(space.names.joined(separator: ", ")); expected the grid's "
                                + "(\(grid.names.joined(separator: ", "))) followed by the nuisance parameters (\(nuisance.joined(separator: ", ")))",
                                field: "nuisance")
        }
        let nt = grid.parameterCount
        try grid.validate(against: space.leading(nt))
        let reference = grid.point(0) + [Double](repeating: 0, count: nuisance.count)
        let estimator = try ExactLogRatio(simulator: simulator, reference: reference)
        return try ml(estimator: estimator, data: data, grid: grid, nuisance: nuisance,
                      nuisanceRanges: Array(space.ranges[nt...]), rate: rate)
    }
}

/// GSL's Nelder–Mead simplex maximising a function of several nuisance parameters inside their
/// ranges, on unconstrained u with ν = lo + (hi − lo)(1 + sin u)/2.
final class NuisanceSimplex {
    let ranges: [ClosedRange<Double>]
    private(set) var evaluations = 0
    private var function: (([Double]) throws -> Double)?
    private var error: Error?

    init(ranges: [ClosedRange<Double>]) {
        self.ranges = ranges
        GSL.prepare()
    }

    func nu(_ u: UnsafePointer<gsl_vector>) -> [Double] {
        ranges.indices.map { k in
            let r = ranges[k]
            return min(r.upperBound, max(r.lowerBound, r.lowerBound + (r.upperBound - r.lowerBound) * 0.5 * (1 + sin(gsl_vector_get(u, k)))))
        }
    }

    /// −F at u, or +∞ after an error (kept) or where F is not finite.
    func negated(_ u: UnsafePointer<gsl_vector>) -> Double {
        guard error == nil, let function else { return .infinity }
        evaluations += 1
        do {
            let v = try function(nu(u))
            return v.isNaN ? .infinity : -v
        } catch {
            self.error = error
            return .infinity
        }
    }

    /// The best ν found from `start` and F there.
    func maximize(from start: [Double], _ f: @escaping ([Double]) throws -> Double) throws -> (nu: [Double], value: Double) {
        let n = ranges.count
        evaluations = 0
        error = nil
        function = f
        defer { function = nil }
        guard let minimizer = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, n),
              let u0 = gsl_vector_alloc(n), let step = gsl_vector_alloc(n) else {
            throw SBIError.numerical("cannot allocate the Nelder–Mead minimiser", field: "gsl_multimin_fminimizer_alloc")
        }
        defer { gsl_multimin_fminimizer_free(minimizer); gsl_vector_free(u0); gsl_vector_free(step) }
        for k in 0..<n {
            let r = ranges[k]
            gsl_vector_set(u0, k, asin(min(1, max(-1, 2 * (start[k] - r.lowerBound) / (r.upperBound - r.lowerBound) - 1))))
        }
        gsl_vector_set_all(step, 0.3)
        var function = gsl_multimin_function(
            f: { u, params in Unmanaged<NuisanceSimplex>.fromOpaque(params!).takeUnretainedValue().negated(u!) },
            n: n, params: Unmanaged.passUnretained(self).toOpaque())
        try GSL.check(gsl_multimin_fminimizer_set(minimizer, &function, u0, step), "gsl_multimin_fminimizer_set")
        for _ in 0..<ProfileLikelihood.maximumIterations {
            if gsl_multimin_fminimizer_iterate(minimizer) != GSL_SUCCESS { break }
            if gsl_multimin_test_size(gsl_multimin_fminimizer_size(minimizer), 1e-7) == GSL_SUCCESS { break }
        }
        if let error { throw error }
        let best = nu(gsl_multimin_fminimizer_x(minimizer))
        return (best, -gsl_multimin_fminimizer_minimum(minimizer))
    }
}
