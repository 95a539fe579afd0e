import Foundation
import SBICore
import SBIEstimators
import SBISimulation

/// The exact log-likelihood ratio of a simulator with a tractable p(x|θ), wrapped as a
/// `LogRatioEstimator` so that `truth` mode runs through the same code as `ml` mode.
///
/// ```
/// log r(x|θ, θ_ref) = log p(x|θ) − log p(x|θ_ref)
/// ```
/// For a `WeightedSimulator` the differential cross section is the same polynomial in θ as the
/// event weights, so p(x|θ) on a whole grid follows from p at the morphing benchmarks θ_b:
/// ```
/// p(x|θ) = Σ_b w_b(θ) σ_b p(x|θ_b) / σ(θ),   σ(θ) = Σ_b w_b(θ) σ_b
/// ```
/// (nBenchmarks evaluations of the exact likelihood per event and one GEMM, instead of nTheta
/// evaluations). Should rounding make the morphed density non-positive or non-finite at some
/// θ, that row is computed directly.
/// Shapes: `x` `[nEvents, nObservables]`, `thetas` `[nTheta, nParameters]` → `[nTheta, nEvents]`.
///
/// [1] J. Brehmer et al., arXiv:1805.12244 (validation against the exact likelihood);
/// [2] arXiv:1805.00020 §III (morphing).
public struct ExactLogRatio: LogRatioEstimator {
    /// The simulator providing log p(x|θ).
    public let simulator: any ExactLikelihoodSimulator
    /// The reference point θ_ref.
    public let reference: [Double]

    /// - Throws: `SBIError.data` naming `reference` if it is not a valid parameter point.
    /// The morphing set-up of a weighted simulator (nil: every θ is evaluated directly).
    public let morpher: Morpher?
    /// σ(θ_b) at the morphing benchmarks, pb.
    let benchmarkCrossSections: [Double]

    /// - Parameter morphing: for a `WeightedSimulator`, evaluate the grid through morphing
    ///   (default); false evaluates every θ directly.
    /// - Throws: `SBIError.data` naming `reference` if it is not a valid parameter point; errors of
    ///   the morphing set-up.
    public init(simulator: any ExactLikelihoodSimulator, reference: [Double], morphing: Bool = true) throws {
        try simulator.parameterSpace.validate(reference, field: "reference")
        self.simulator = simulator
        self.reference = reference
        if morphing, let weighted = simulator as? any WeightedSimulator {
            let m = try SampleAugmenter.optimizedMorpher(for: weighted, seed: 0)
            morpher = m
            benchmarkCrossSections = try (0..<m.benchmarkCount).map { try weighted.crossSection(at: m.basis.row($0)) }
        } else {
            morpher = nil
            benchmarkCrossSections = []
        }
    }

    public var parameterCount: Int { simulator.parameterSpace.count }
    public var observableCount: Int { simulator.observableNames.count }

    /// log p(x|θ_j) − log p(x|θ_ref) for every θ_j and event.
    /// - Throws: `SBIError.data` on a shape mismatch or a θ outside the model's range.
    public func logRatio(x: Matrix<Double>, thetas: Matrix<Double>) throws -> Matrix<Double> {
        guard thetas.columns == parameterCount else {
            throw SBIError.data("thetas have \(thetas.columns) columns; the model has \(parameterCount) parameters", field: "thetas")
        }
        let n = x.rows, p = parameterCount
        let morphing = morpher.flatMap { thetas.rows > $0.benchmarkCount ? $0 : nil }
        // One batched call: θ_ref first, then the morphing benchmarks or every θ_j.
        let points = reference + (morphing?.basis.storage ?? thetas.storage)
        let logP = try simulator.exactLogLikelihoods(observables: x, at: Matrix(rows: points.count / p, columns: p, storage: points))
        let base = logP.row(0)
        var out: Matrix<Double>
        if let morphing {
            out = Matrix(rows: thetas.rows, columns: n)
            let direct = morphedLogLikelihoods(benchmarkLogP: logP.rows(1..<logP.rows), thetas: thetas, morpher: morphing, into: &out)
            if !direct.isEmpty {
                let rows = try simulator.exactLogLikelihoods(observables: x, at: Matrix(rows: direct.count, columns: p,
                                                                                         storage: direct.flatMap { thetas.row($0) }))
                for (k, j) in direct.enumerated() { for i in 0..<n { out[j, i] = rows[k, i] } }
            }
            out.withUnsafeMutableBufferPointer { op in
                for j in 0..<thetas.rows { for i in 0..<n { op[j * n + i] -= base[i] } }
            }
        } else {
            out = Matrix(rows: thetas.rows, columns: n)
            logP.withUnsafeBufferPointer { lp in
                out.withUnsafeMutableBufferPointer { op in
                    for j in 0..<thetas.rows { for i in 0..<n { op[j * n + i] = lp[(j + 1) * n + i] - base[i] } }
                }
            }
        }
        return out
    }

    /// log p(x_i|θ_j) through morphing into `out`; returns the rows that must be computed directly.
    /// ```
    /// D[b, i] = σ_b exp(log p(x_i|θ_b) − m_i),  m_i = max_b log p(x_i|θ_b)
    /// log p(x_i|θ_j) = m_i + log (W D)[j, i] − log σ(θ_j),   W[j, b] = w_b(θ_j)
    /// ```
    private func morphedLogLikelihoods(benchmarkLogP d: Matrix<Double>, thetas: Matrix<Double>, morpher: Morpher,
                                       into out: inout Matrix<Double>) -> [Int] {
        let nb = morpher.benchmarkCount, n = d.columns
        var d = d
        var shift = [Double](repeating: -.infinity, count: n)
        d.withUnsafeBufferPointer { dp in
            for b in 0..<nb { for i in 0..<n { shift[i] = max(shift[i], dp[b * n + i]) } }
        }
        d.withUnsafeMutableBufferPointer { dp in
            for b in 0..<nb {
                for i in 0..<n { dp[b * n + i] = shift[i].isFinite ? benchmarkCrossSections[b] * exp(dp[b * n + i] - shift[i]) : 0 }
            }
        }
        var w = Matrix<Double>(rows: thetas.rows, columns: nb)
        var logSigma = [Double](repeating: 0, count: thetas.rows)
        for j in 0..<thetas.rows {
            let wj = morpher.weights(at: thetas.row(j))
            var sigma = 0.0
            for b in 0..<nb { w[j, b] = wj[b]; sigma += wj[b] * benchmarkCrossSections[b] }
            logSigma[j] = sigma > 0 ? log(sigma) : .nan
        }
        Matrix.gemm(w, d, into: &out)
        var direct: [Int] = []
        out.withUnsafeMutableBufferPointer { op in
            for j in 0..<thetas.rows {
                var ok = logSigma[j].isFinite
                for i in 0..<n where ok {
                    let v = op[j * n + i]
                    if v > 0 && v.isFinite { op[j * n + i] = shift[i] + log(v) - logSigma[j] } else { ok = false }
                }
                if !ok { direct.append(j) }
            }
        }
        return direct
    }
}

extension ExactLogRatio {
    /// The sample mean of the exact score at the reference point, t̄ = (1/M) Σ_m ∇_θ log p(x_m|θ_ref),
    /// `[nParameters]`, by central differences of log p (step h_i = 10⁻⁴·max(1, |θ_i|), one-sided
    /// where θ_ref ± h leaves the parameter range). Used as the Asimov control variate
    /// (`ScanData.withScoreControlVariate`).
    /// - Throws: errors of the exact likelihood; `SBIError.numerical` if the mean is not finite.
    public func meanScore(x: Matrix<Double>) throws -> [Double] {
        let space = simulator.parameterSpace
        let p = parameterCount
        var points = Matrix<Double>(rows: 2 * p, columns: p)
        var steps = [Double](repeating: 0, count: p)
        for i in 0..<p {
            let h = 1e-4 * max(1, abs(reference[i]))
            let range = space.ranges[i]
            let up = min(reference[i] + h, range.upperBound), down = max(reference[i] - h, range.lowerBound)
            steps[i] = up - down
            for q in 0..<p { points[2 * i, q] = reference[q]; points[2 * i + 1, q] = reference[q] }
            points[2 * i, i] = up
            points[2 * i + 1, i] = down
        }
        let r = try logRatio(x: x, thetas: points)
        var mean = [Double](repeating: 0, count: p)
        r.withUnsafeBufferPointer { rp in
            let n = x.rows
            for i in 0..<p {
                var s = 0.0
                for m in 0..<n { s += rp[2 * i * n + m] - rp[(2 * i + 1) * n + m] }
                mean[i] = s / (Double(n) * steps[i])
            }
        }
        guard mean.allSatisfy(\.isFinite) else {
            throw SBIError.numerical("the mean exact score \(mean) at \(reference) is not finite", field: "asimov")
        }
        return mean
    }
}
