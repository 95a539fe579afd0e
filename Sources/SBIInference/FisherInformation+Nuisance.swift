import Foundation
import SBICore
import SBISimulation

extension FisherInformation {
    /// Full truth information of a weighted event sample over (θ, ν), at θ and ν.
    ///
    /// ```
    /// w_e(θ, ν) = w_e(θ) · exp[Σ_k a_ek ν_k + b_ek ν_k²]          (NuisanceMorphing)
    /// I_ij = L · Σ_e ∂_i w_e ∂_j w_e / w_e                          (i, j over θ then ν)
    /// ∂_θ w_e = exp[…] ∇_θ w_e(θ),    ∂_νk w_e = w_e(θ, ν)(a_ek + 2 b_ek ν_k)
    /// ```
    /// With the weights in pb and L in pb⁻¹ this is N·E[t tᵀ] + ∇N ∇Nᵀ/N for the event-level score
    /// t = ∇ log(w_e/σ): the information of the whole event, rate included (MadMiner's "full truth").
    /// Events whose weight at (θ, ν) is not positive carry no information in this formula and are
    /// left out. The constraint terms are not included (`addingConstraints`).
    ///
    /// - Parameters:
    ///   - sample: the events and their benchmark weights; `morpher` spans its benchmarks.
    ///   - nuisance: the per-event nuisance morphing (nil: θ only).
    /// - Throws: `SBIError.data` naming `theta`, `nu` or `luminosity` for bad values, or
    ///   `events` when `nuisance` describes a different number of events; `SBIError.numerical`
    ///   when no event has a positive weight.
    /// [1] J. Brehmer, K. Cranmer, F. Kling, T. Plehn, arXiv:1612.05261 §2 (Fisher information of
    ///     weighted events); [2] arXiv:1907.10621 §3 (nuisance parameters in MadMiner).
    public static func weightedEvents(_ sample: WeightedEventSample, morpher: Morpher, nuisance: NuisanceMorphing?,
                                      at theta: [Double], nu: [Double] = [], luminosity: Double) throws -> FisherInformation {
        guard luminosity.isFinite, luminosity > 0 else {
            throw SBIError.data("luminosity must be a positive number, got \(luminosity)", field: "luminosity")
        }
        guard morpher.benchmarkCount == sample.benchmarkNames.count else {
            throw SBIError.data("the morphing basis has \(morpher.benchmarkCount) points, the sample \(sample.benchmarkNames.count) benchmarks",
                                field: "morphing")
        }
        guard theta.count == morpher.parameterCount, theta.allSatisfy(\.isFinite) else {
            throw SBIError.data("expected \(morpher.parameterCount) finite parameter values, got \(theta)", field: "theta")
        }
        if let nuisance, nuisance.eventCount != sample.count {
            throw SBIError.data("the nuisance morphing describes \(nuisance.eventCount) events, the sample has \(sample.count)", field: "events")
        }
        let nt = theta.count, nk = nuisance?.count ?? 0, n = sample.count
        guard nk > 0 || nu.isEmpty else { throw SBIError.data("ν given without nuisance parameters", field: "nu") }
        let base = morpher.eventWeights(benchmarkWeights: sample.benchmarkWeights, at: theta)
        let baseGradients = morpher.eventWeightGradients(benchmarkWeights: sample.benchmarkWeights, at: theta)
        let logFactors = try nuisance?.logFactors(at: nu) ?? [Double](repeating: 0, count: n)
        let nuGradients = try nuisance?.logFactorGradients(at: nu)
        // Rows ∇w_e/√w_e of the kept events, back to back; I = L Gᵀ G.
        var storage: [Double] = []
        storage.reserveCapacity(n * (nt + nk))
        for e in 0..<n {
            let f = exp(logFactors[e]), w = base[e] * f
            guard w > 0, w.isFinite else { continue }
            let s = 1 / w.squareRoot()
            for i in 0..<nt { storage.append(f * baseGradients[e, i] * s) }
            if let nuGradients { for k in 0..<nk { storage.append(w * nuGradients[e, k] * s) } }
        }
        guard !storage.isEmpty else {
            throw SBIError.numerical("no event has a positive weight at θ = \(theta), ν = \(nu); the information is undefined", field: "events")
        }
        let rows = Matrix<Double>(rows: storage.count / (nt + nk), columns: nt + nk, storage: storage)
        var m = Matrix<Double>.product(rows, transposeA: true, rows)
        m.scale(by: luminosity)
        return FisherInformation(names: sample.parameterNames + (nuisance?.names ?? []), matrix: m)
    }

    /// Adds the information of Gaussian N(0, 1) constraint terms, −log C(ν) = ν_k²/2 + const, on
    /// the named nuisance parameters: I_kk += 1.
    /// - Throws: `SBIError.data` for a name that is not a parameter of this matrix.
    /// [1] K. Cranmer, arXiv:1503.07622 §4 (constraint terms).
    public func addingGaussianConstraints(on nuisance: [String]) throws -> FisherInformation {
        let k = try indices(of: nuisance)
        var m = matrix
        for i in k { m[i, i] += 1 }
        return FisherInformation(names: names, matrix: m)
    }
}
