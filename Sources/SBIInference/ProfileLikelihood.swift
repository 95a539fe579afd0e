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
/// The model's parameters are θ followed by ν. At each grid point ν̂ is found by GSL's Nelder–Mead
/// simplex (`gsl_multimin_fminimizer_nmsimplex2`) on unconstrained u with
/// ν = lo + (hi − lo)(1 + sin u)/2 (every u is inside the nuisance range), started from the previous
/// grid point's ν̂ (neighbours in the grid's order have close maxima), until the simplex is smaller
/// than 10⁻⁷ in u. Under Wilks' theorem q_p is χ² with dim θ degrees of freedom whatever the number
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
        guard nk > 0, nuisanceRanges.count == nk else {
            throw SBIError.data("\(nk) nuisance parameters with \(nuisanceRanges.count) ranges; expected at least one, each with a range",
                                field: "nuisance")
        }
        guard estimator.parameterCount == nt + nk else {
            throw SBIError.data("the model has \(estimator.parameterCount) parameters; the grid has \(nt) and there are \(nk) nuisance parameters",
                                field: "model")
        }
        guard estimator.observableCount == data.x.columns else {
            throw SBIError.data("the model expects \(estimator.observableCount) observables, the data have \(data.x.columns)", field: "model")
        }
        for (k, r) in nuisanceRanges.enumerated() where !(r.lowerBound.isFinite && r.upperBound.isFinite && r.lowerBound < r.upperBound) {
            throw SBIError.data("range [\(r.lowerBound), \(r.upperBound)] of \(nuisance[k]) is not a finite interval", field: "nuisance")
        }
        let names = grid.names + nuisance

        /// log L(θ, ν) − ½|ν|² at one point; the first error is kept and the point scores −∞.
        final class Objective {
            let evaluate: ([Double]) throws -> Double
            let ranges: [ClosedRange<Double>]
            var theta: [Double] = []
            var error: Error?
            var evaluations = 0
            init(ranges: [ClosedRange<Double>], evaluate: @escaping ([Double]) throws -> Double) {
                self.ranges = ranges
                self.evaluate = evaluate
            }
            func nu(_ u: UnsafePointer<gsl_vector>) -> [Double] {
                ranges.indices.map { k in
                    let r = ranges[k]
                    return min(r.upperBound, max(r.lowerBound, r.lowerBound + (r.upperBound - r.lowerBound) * 0.5 * (1 + sin(gsl_vector_get(u, k)))))
                }
            }
            func value(_ nu: [Double]) -> Double {
                guard error == nil else { return -.infinity }
                evaluations += 1
                do {
                    let v = try evaluate(theta + nu) - 0.5 * nu.reduce(0) { $0 + $1 * $1 }
                    return v.isNaN ? -.infinity : v
                } catch {
                    self.error = error
                    return -.infinity
                }
            }
        }
        let objective = Objective(ranges: nuisanceRanges) { point in
            let single = try ParameterGrid(names: names, points: Matrix(rows: 1, columns: point.count, storage: point))
            var logL = try LikelihoodScan.eventSums(estimator: estimator, data: data, grid: single)
            if let rate { try LikelihoodScan.addRateTerm(&logL, rate: rate, observed: data.eventCount, grid: single) }
            return logL[0]
        }
        GSL.prepare()
        guard let minimizer = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, nk),
              let start = gsl_vector_alloc(nk), let step = gsl_vector_alloc(nk) else {
            throw SBIError.numerical("cannot allocate the Nelder–Mead minimiser", field: "gsl_multimin_fminimizer_alloc")
        }
        defer { gsl_multimin_fminimizer_free(minimizer); gsl_vector_free(start); gsl_vector_free(step) }
        var function = gsl_multimin_function(
            f: { u, params in -Unmanaged<Objective>.fromOpaque(params!).takeUnretainedValue().value(
                Unmanaged<Objective>.fromOpaque(params!).takeUnretainedValue().nu(u!)) },
            n: nk, params: Unmanaged.passUnretained(objective).toOpaque())
        // Start at ν = 0 (u that maps to 0), then warm-start from the previous point's ν̂.
        var u = nuisanceRanges.map { r in asin(min(1, max(-1, 2 * (0 - r.lowerBound) / (r.upperBound - r.lowerBound) - 1))) }
        var logL = [Double](repeating: 0, count: grid.count)
        var hat = Matrix<Double>(rows: grid.count, columns: nk)
        for j in 0..<grid.count {
            objective.theta = grid.point(j)
            for k in 0..<nk { gsl_vector_set(start, k, u[k]) }
            gsl_vector_set_all(step, 0.3)
            try GSL.check(gsl_multimin_fminimizer_set(minimizer, &function, start, step), "gsl_multimin_fminimizer_set")
            var iteration = 0
            while iteration < maximumIterations {
                iteration += 1
                if gsl_multimin_fminimizer_iterate(minimizer) != GSL_SUCCESS { break }
                if gsl_multimin_test_size(gsl_multimin_fminimizer_size(minimizer), 1e-7) == GSL_SUCCESS { break }
            }
            if let error = objective.error { throw error }
            let best = gsl_multimin_fminimizer_x(minimizer)!
            let nu = objective.nu(best)
            logL[j] = objective.value(nu)
            for k in 0..<nk {
                hat[j, k] = nu[k]
                u[k] = gsl_vector_get(best, k)
            }
        }
        if let error = objective.error { throw error }
        return ProfileScanResult(scan: try LikelihoodScanResult(grid: grid, logLikelihood: logL), nuisanceNames: nuisance,
                                 nuisanceHat: hat, evaluations: objective.evaluations)
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
        try grid.validate(against: ParameterSpace(names: Array(space.names[..<nt]), ranges: Array(space.ranges[..<nt])))
        let reference = grid.point(0) + [Double](repeating: 0, count: nuisance.count)
        let estimator = try ExactLogRatio(simulator: simulator, reference: reference)
        return try ml(estimator: estimator, data: data, grid: grid, nuisance: nuisance,
                      nuisanceRanges: Array(space.ranges[nt...]), rate: rate)
    }
}
