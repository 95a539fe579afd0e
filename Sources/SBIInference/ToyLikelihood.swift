import Foundation
import SBICore
import SBIEstimators

/// A likelihood evaluated on many pseudo-experiments at once: every toy's log L at every grid point.
///
/// ```
/// ratio (truth, ml):   log L_t(θ_j) = log Pois(n_t|ν(θ_j)) + Σ_{i ∈ toy t} log r̂(x_i|θ_j, θ_ref)
/// histogram (sally):   log L_t(θ_j) = log Pois(n_t|ν(θ_j)) + Σ_b n_tb log p_b(θ_j)   = (C · log Pᵀ)_tj
/// rate only:           log L_t(θ_j) = log Pois(n_t|ν(θ_j))
/// ```
/// The toys' events go through the estimator together, one evaluation per block of grid points and
/// chunk of events of a fixed group of toys (as `LikelihoodScan.eventSums`); each toy's sum runs over its
/// events in order, so a toy's log L does not depend on how the toy set is cut (at multiples of `toyGroup`). The Poisson term is left out without a rate.
///
/// [1] J. Brehmer, K. Cranmer, G. Louppe, J. Pavez, arXiv:1805.00020 eq. (8) and §4.1.
public enum ToyLikelihood {
    /// Per-event log ratios: the exact `ExactLogRatio` (truth) or an estimator (ml).
    case ratio(any LogRatioEstimator)
    /// A binned likelihood of observables or of the estimated score.
    case histogram(HistogramLikelihood)
    /// Counts only.
    case rateOnly

    /// log L_t(θ_j), `[toys.count, grid.count]`, for points of `grid` (a block of a larger grid gives
    /// the same values at its points).
    /// - Throws: `SBIError.data` naming `model` for a parameter or observable count that does not match,
    ///   `rate` for `rateOnly` without a rate; errors of the estimator, the histogram and the rate.
    public func logLikelihoods(toys: ToyEvents, grid: ParameterGrid, rate: EventRate?) throws -> Matrix<Double> {
        var logL: Matrix<Double>
        switch self {
        case .ratio(let estimator):
            guard estimator.parameterCount == grid.parameterCount, estimator.observableCount == toys.x.columns else {
                throw SBIError.data("the model takes \(estimator.observableCount) observables and \(estimator.parameterCount) parameters; "
                                    + "the toys have \(toys.x.columns) observables and the grid \(grid.parameterCount) parameters", field: "model")
            }
            logL = try Self.eventSums(estimator: estimator, toys: toys, grid: grid)
        case .histogram(let likelihood):
            let model = try likelihood.prepared()
            let bins = likelihood.histogram.binCount
            var counts = Matrix<Double>(rows: toys.count, columns: bins)
            if toys.x.rows > 0 {
                let index = likelihood.histogram.binIndices(try likelihood.checkedFeatures(toys.x))
                for t in 0..<toys.count {
                    for i in toys.offsets[t]..<toys.offsets[t + 1] { counts[t, index[i]] += 1 }
                }
            }
            var logP = Matrix<Double>(rows: grid.count, columns: bins)
            for j in 0..<grid.count {
                let p = try likelihood.binProbabilities(at: grid.point(j), model: model)
                for b in 0..<bins { logP[j, b] = log(p[b]) }
            }
            logL = Matrix.product(counts, logP, transposeB: true)
        case .rateOnly:
            guard rate != nil else { throw SBIError.data("a rate-only likelihood needs an event rate", field: "rate") }
            logL = Matrix(rows: toys.count, columns: grid.count)
        }
        if let rate { try Self.addRateTerms(&logL, rate: rate, toys: toys, grid: grid) }
        return logL
    }

    /// Σ_{i ∈ toy t} log r̂(x_i|θ_j) for every toy and point. The estimator sees the events of fixed
    /// groups of `toyGroup` toys (by global toy index) in chunks of at most `LikelihoodScan.eventChunk`
    /// events counted from the group's first event, so a toy's log ratios and their sum are the same bits
    /// whichever toys it is drawn with, provided the toy sets start at multiples of `toyGroup`.
    static func eventSums(estimator: any LogRatioEstimator, toys: ToyEvents, grid: ParameterGrid) throws -> Matrix<Double> {
        var sums = Matrix<Double>(rows: toys.count, columns: grid.count)
        let chunks = eventChunks(toys)
        var blockStart = 0
        while blockStart < grid.count {
            let blockEnd = min(grid.count, blockStart + LikelihoodScan.thetaBlock)
            let thetas = blockStart == 0 && blockEnd == grid.count ? grid.points : grid.points.rows(blockStart..<blockEnd)
            for chunk in chunks {
                let (start, end) = (chunk.events.lowerBound, chunk.events.upperBound)
                let r = try estimator.logRatio(x: toys.x.rows(start..<end), thetas: thetas)
                guard r.rows == thetas.rows, r.columns == end - start else {
                    throw SBIError(.internal, field: "logRatio", "estimator returned [\(r.rows), \(r.columns)]; expected [\(thetas.rows), \(end - start)]")
                }
                let m = end - start
                r.withUnsafeBufferPointer { rp in
                    sums.withUnsafeMutableBufferPointer { sp in
                        for t in chunk.toys {
                            let lo = max(start, toys.offsets[t]) - start, hi = min(end, toys.offsets[t + 1]) - start
                            guard lo < hi else { continue }
                            for j in 0..<thetas.rows {
                                var s = 0.0
                                for i in lo..<hi { s += rp[j * m + i] }
                                sp[t * grid.count + blockStart + j] += s
                            }
                        }
                    }
                }
            }
            blockStart = blockEnd
        }
        return sums
    }

    /// Toys per group of `eventSums`: toy sets cut at multiples of it give the same bits as one set.
    public static let toyGroup = 64

    /// The event chunks of `toys` with the toys they may touch: each group of toys (global indices
    /// `[g·toyGroup, (g + 1)·toyGroup)`) in pieces of `LikelihoodScan.eventChunk` events from its first event.
    static func eventChunks(_ toys: ToyEvents) -> [(events: Range<Int>, toys: Range<Int>)] {
        let limit = LikelihoodScan.eventChunk
        var chunks: [(events: Range<Int>, toys: Range<Int>)] = []
        var t = 0
        while t < toys.count {
            let groupEnd = min(toys.count, t + toyGroup - (toys.firstToy + t) % toyGroup)
            var start = toys.offsets[t]
            let end = toys.offsets[groupEnd]
            while start < end {
                chunks.append((start..<min(start + limit, end), t..<groupEnd))
                start += limit
            }
            t = groupEnd
        }
        return chunks
    }

    /// Adds log Pois(n_t|ν(θ_j)) (with the rate's profiled normalisation, if any); ν(θ_j) once per point.
    static func addRateTerms(_ logL: inout Matrix<Double>, rate: EventRate, toys: ToyEvents, grid: ParameterGrid) throws {
        for j in 0..<grid.count {
            let theta = grid.point(j)
            let nu = try rate.expectedEvents(at: theta)
            for t in 0..<toys.count {
                let n = Double(toys.eventCount(ofToy: t))
                logL[t, j] += rate.normalizationLogWidth > 0 ? try rate.logPoisson(observed: n, at: theta) : EventRate.logPoisson(n, nu)
            }
        }
    }
}
