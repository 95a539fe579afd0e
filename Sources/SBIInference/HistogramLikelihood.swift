import CGSL
import SBICore
import SBIEstimators
import SBISimulation

/// What a histogram is filled with: chosen observable columns, or the estimated score t̂(x).
public enum HistogramFeatures {
    /// Columns of x (1 or 2 of them).
    case observables([Int])
    /// t̂(x|θ_ref) from a SALLY-type estimator (1 or 2 parameters).
    case score(any ScoreEstimator)
    /// The first `count` components of t̂(x): the parameters of interest of a score estimated over
    /// (θ, ν), whose ν components a histogram likelihood profiled over ν does not need (its
    /// expectations carry the ν dependence).
    case leadingScore(any ScoreEstimator, count: Int)

    /// Features of `x` `[nEvents, nObservables]` → `[nEvents, nAxes]`.
    /// - Throws: `SBIError.data` naming `observables` or `model` on a count mismatch.
    public func evaluate(_ x: Matrix<Double>) throws -> Matrix<Double> {
        switch self {
        case .observables(let columns):
            for c in columns where c < 0 || c >= x.columns {
                throw SBIError.data("observable index \(c); the data have \(x.columns) observables (0..<\(x.columns))", field: "observables")
            }
            return Matrix(rows: x.rows, columns: columns.count) { i, a in x[i, columns[a]] }
        case .score(let estimator):
            guard estimator.observableCount == x.columns else {
                throw SBIError.data("the model expects \(estimator.observableCount) observables, the data have \(x.columns)", field: "model")
            }
            return try estimator.score(x: x)
        case .leadingScore(let estimator, let count):
            guard (1...estimator.parameterCount).contains(count) else {
                throw SBIError.data("\(count) leading score components of a model with \(estimator.parameterCount)", field: "model")
            }
            let t = try HistogramFeatures.score(estimator).evaluate(x)
            return count == t.columns ? t : Matrix(rows: t.rows, columns: count) { i, a in t[i, a] }
        }
    }
}

/// Where the expected bin contents at each θ come from.
public enum BinExpectation {
    /// Unweighted events simulated at every θ with the same seed (common random numbers). Bin
    /// contents jump as events cross bin edges, so the likelihood carries Monte-Carlo noise between
    /// grid points; prefer `jointReweighted`.
    case simulated(any Simulator, eventsPerPoint: Int, seed: UInt64)
    /// One weighted sample (from the simulator's proposal) reweighted to every θ with w(z|θ).
    case reweighted(any WeightedSimulator, sample: EventBatch)
    /// One unweighted sample drawn at θ_ref, reweighted to every θ by the joint likelihood ratio
    /// ```
    /// w_m(θ) = p(z_m|θ)/p(z_m|θ_ref) = exp(log p(z_m|θ) − log p(z_m|θ_ref))
    /// ```
    /// E_{θ_ref}[w(z|θ) g(x)] = E_θ[g(x)] for any g, so p_b(θ) is estimated from the same events at
    /// every θ: the estimate is smooth in θ and has no independent noise between grid points.
    ///
    /// [1] K. Cranmer, J. Pavez, G. Louppe, arXiv:1506.02169 §3 (reweighting with the joint ratio);
    ///     J. Brehmer et al., arXiv:1805.00020 §III.
    case jointReweighted(any Simulator, sample: EventBatch, reference: [Double])
    /// Weighted real events with nuisance morphing, at every point (θ, ν):
    /// ```
    /// w_e(θ, ν) = Σ_b W[e, b] w_b(θ) · exp[Σ_k a_ek ν_k + b_ek ν_k²]
    /// ```
    /// (`Morpher`, `NuisanceMorphing`; arXiv:1907.10621 §3). Points of the θ parameters alone are at ν = 0.
    case nuisanceMorphed(observables: Matrix<Double>, benchmarkWeights: Matrix<Double>, morpher: Morpher, nuisance: NuisanceMorphing)
}

extension BinExpectation {
    /// Events in the expectation sample by default: the binned Fisher information it implies is biased
    /// upwards by about I_joint/(M·I_binned) (the noise of ∂p̂_b), well below 10⁻³ for our simulators.
    public static let defaultSampleEvents = 200_000

    /// The expectation for `simulator` from one sample near `reference` (θ_true for Asimov data):
    /// a weighted simulator's own weighted sample (its proposal tuned for `reference`; real events:
    /// all of them), else `count` events drawn at `reference` and reweighted by the joint ratio.
    /// - Throws: errors of the simulator.
    public static func sample(for simulator: any Simulator, reference: [Double], count: Int = defaultSampleEvents,
                              random: SeededRandom) throws -> BinExpectation {
        if let weighted = simulator as? any WeightedSimulator {
            return .reweighted(weighted, sample: try weighted.simulateWeighted(proposalAt: reference, count: count, random: random))
        }
        return .jointReweighted(simulator, sample: try simulator.simulate(at: reference, count: count, random: random), reference: reference)
    }
}

/// A `BinExpectation` with its sample's bin indices computed once (features such as t̂(x) are costly).
struct BinnedExpectation {
    let expectation: BinExpectation
    let histogram: Histogram
    /// Bin of every event of the sample (empty for `simulated`).
    let bins: [Int]
    /// log p(z_m|θ_ref) (`jointReweighted` only).
    let referenceLogLikelihood: [Double]

    init(_ expectation: BinExpectation, histogram: Histogram, features: (Matrix<Double>) throws -> Matrix<Double>) throws {
        self.expectation = expectation
        self.histogram = histogram
        switch expectation {
        case .simulated:
            bins = []
            referenceLogLikelihood = []
        case .reweighted(_, let sample):
            bins = histogram.binIndices(try features(sample.observables))
            referenceLogLikelihood = []
        case .nuisanceMorphed(let observables, _, _, _):
            bins = histogram.binIndices(try features(observables))
            referenceLogLikelihood = []
        case .jointReweighted(let simulator, let sample, let reference):
            bins = histogram.binIndices(try features(sample.observables))
            var none: Matrix<Double>? = nil
            referenceLogLikelihood = try simulator.jointLogLikelihood(latent: sample.latent, at: reference, gradient: &none)
        }
    }

    /// Bin contents at θ and the number of events they come from.
    func counts(at theta: [Double], features: (Matrix<Double>) throws -> Matrix<Double>) throws -> (counts: [Double], events: Int) {
        switch expectation {
        case .simulated(let simulator, let n, let seed):
            let batch = try simulator.simulate(at: theta, count: n, random: SeededRandom(seed: seed))
            return (histogram.fill(try features(batch.observables), weights: nil), n)
        case .reweighted(let simulator, let sample):
            return (try fill(weights: try simulator.weights(latent: sample.latent, at: theta), theta: theta), sample.count)
        case .nuisanceMorphed(_, let weights, let morpher, let nuisance):
            let np = morpher.parameterCount
            guard theta.count == np || theta.count == np + nuisance.count else {
                throw SBIError(.internal, field: "histogram", "point \(theta) for \(np) parameters and \(nuisance.count) nuisance parameters")
            }
            let w = morpher.eventWeights(benchmarkWeights: weights, at: Array(theta.prefix(np)))
            let full = theta.count == np ? w : try nuisance.weights(w, at: Array(theta.suffix(nuisance.count)))
            return (try fill(weights: full, theta: theta), weights.rows)
        case .jointReweighted(let simulator, let sample, _):
            var none: Matrix<Double>? = nil
            var w = try simulator.jointLogLikelihood(latent: sample.latent, at: theta, gradient: &none)
            for m in w.indices { w[m] = exp(w[m] - referenceLogLikelihood[m]) }
            return (try fill(weights: w, theta: theta), sample.count)
        }
    }

    private func fill(weights: [Double], theta: [Double]) throws -> [Double] {
        guard weights.count == bins.count else {
            throw SBIError(.internal, field: "histogram", "\(weights.count) weights for \(bins.count) events")
        }
        var counts = [Double](repeating: 0, count: histogram.binCount)
        for m in bins.indices { counts[bins[m]] += weights[m] }
        let total = counts.reduce(0, +)
        guard total.isFinite, total > 0 else {
            throw SBIError.numerical("the expectation sample has total weight \(total) at θ = \(theta); the grid reaches too far from the "
                                     + "point the sample was drawn at, narrow the grid", field: "histogram")
        }
        return counts
    }
}

/// `histogram` and `sally` modes: a binned likelihood of features of x.
///
/// ```
/// log L(θ) = log Pois(n|ν(θ)) + Σ_b n_b log p_b(θ),
/// p_b(θ) = (W_b(θ) + ε)/(W(θ) + Bε),  W_b = Σ_{events at θ in b} w,  ε = 10⁻³·W/M
/// ```
/// n_b are the observed counts, or for Asimov data N·(fraction of the θ_true sample in b).
/// ε keeps empty Monte-Carlo bins finite (a thousandth of one average event).
///
/// [1] J. Brehmer, K. Cranmer, G. Louppe, J. Pavez, arXiv:1805.00020 §4.1 (histograms of
///     observables; SALLY: histograms of t̂).
public struct HistogramLikelihood {
    /// The binning.
    public let histogram: Histogram
    /// What is binned.
    public let features: HistogramFeatures
    /// How p_b(θ) is estimated.
    public let expectation: BinExpectation

    public init(histogram: Histogram, features: HistogramFeatures, expectation: BinExpectation) {
        self.histogram = histogram
        self.features = features
        self.expectation = expectation
    }

    /// p_b(θ), `[binCount]`, summing to 1.
    public func binProbabilities(at theta: [Double]) throws -> [Double] {
        try binProbabilities(at: theta, model: try prepared())
    }

    func prepared() throws -> BinnedExpectation {
        try BinnedExpectation(expectation, histogram: histogram, features: checkedFeatures)
    }

    func binProbabilities(at theta: [Double], model: BinnedExpectation) throws -> [Double] {
        let (counts, events) = try model.counts(at: theta, features: checkedFeatures)
        return Self.normalise(counts, events: events)
    }

    /// Bin probabilities with the ε pseudo-count.
    static func normalise(_ counts: [Double], events: Int) -> [Double] {
        let total = counts.reduce(0, +)
        let epsilon = 1e-3 * max(total, .leastNormalMagnitude) / Double(max(events, 1))
        let denominator = total + Double(counts.count) * epsilon
        return counts.map { ($0 + epsilon) / denominator }
    }

    func checkedFeatures(_ x: Matrix<Double>) throws -> Matrix<Double> {
        let f = try features.evaluate(x)
        guard f.columns == histogram.axisCount else {
            throw SBIError.data("\(f.columns) features for a \(histogram.axisCount)-D histogram", field: "histogram")
        }
        if let bad = f.storage.firstIndex(where: { !$0.isFinite }) {
            throw SBIError.numerical("feature of event \(bad / f.columns) is not finite", field: "histogram")
        }
        return f
    }

    /// The observed (or Asimov) bin counts n_b of `data`.
    public func observedCounts(_ data: ScanData) throws -> [Double] {
        var counts = histogram.fill(try checkedFeatures(data.x), weights: data.rowWeights)
        if data.kind == .asimov, data.rowWeights == nil {
            let w = data.rowWeight
            for b in counts.indices { counts[b] *= w }
        }
        return counts
    }

    /// log L on every grid point. With `asimovTheta` (Asimov data only) the counts are the exact
    /// Asimov expectation of this model, n_b = N·p_b(θ_true), so that the best fit is θ_true and the
    /// Monte-Carlo noise of the data sample does not enter; otherwise they are filled from `data`
    /// (with its score control variate, if any). The sample's bin indices are computed once.
    public func scan(data: ScanData, grid: ParameterGrid, rate: EventRate? = nil, asimovTheta: [Double]? = nil) throws -> LikelihoodScanResult {
        let logL = try evaluator(data: data, rate: rate, asimovTheta: asimovTheta)(grid)
        return try LikelihoodScanResult(grid: grid, logLikelihood: logL)
    }

    /// log L at the points of any grid, with the binned expectation and the data's counts prepared once
    /// (for callers that evaluate many small batches, as the profile likelihood does).
    /// - Throws: as `scan`, from preparing the expectation and the counts; the closure as `scan`.
    public func evaluator(data: ScanData, rate: EventRate? = nil, asimovTheta: [Double]? = nil) throws -> (ParameterGrid) throws -> [Double] {
        let model = try prepared()
        var n: [Double]
        let exactAsimov = asimovTheta != nil && data.kind == .asimov
        if let asimovTheta, exactAsimov {
            n = try binProbabilities(at: asimovTheta, model: model)
            for b in n.indices { n[b] *= data.eventCount }
        } else {
            n = try observedCounts(data)
        }
        let counts = n
        return { grid in
            var logL = [Double](repeating: 0, count: grid.count)
            for j in 0..<grid.count {
                let p = try self.binProbabilities(at: grid.point(j), model: model)
                var s = 0.0
                for b in 0..<counts.count where counts[b] > 0 { s += counts[b] * log(p[b]) }
                // Counts filled from an Asimov sample carry its noise; the control variate removes it to first order.
                logL[j] = s + (exactAsimov ? 0 : data.controlVariateTerm(at: grid.point(j)))
            }
            if let rate { try LikelihoodScan.addRateTerm(&logL, rate: rate, observed: data.eventCount, grid: grid) }
            return logL
        }
    }
}
