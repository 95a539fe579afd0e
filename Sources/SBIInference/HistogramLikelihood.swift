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
        }
    }
}

/// Where the expected bin contents at each θ come from.
public enum BinExpectation {
    /// Unweighted events simulated at every θ with the same seed (common random numbers).
    case simulated(any Simulator, eventsPerPoint: Int, seed: UInt64)
    /// One weighted sample (from the simulator's proposal) reweighted to every θ with w(z|θ).
    case reweighted(any WeightedSimulator, sample: EventBatch)
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
        let counts: [Double]
        let events: Int
        switch expectation {
        case .simulated(let simulator, let n, let seed):
            let batch = try simulator.simulate(at: theta, count: n, random: SeededRandom(seed: seed))
            counts = histogram.fill(try checkedFeatures(batch.observables), weights: nil)
            events = n
        case .reweighted(let simulator, let sample):
            let w = try simulator.weights(latent: sample.latent, at: theta)
            counts = histogram.fill(try checkedFeatures(sample.observables), weights: w)
            events = sample.count
        }
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
        var counts = histogram.fill(try checkedFeatures(data.x))
        if data.kind == .asimov {
            let w = data.rowWeight
            for b in counts.indices { counts[b] *= w }
        }
        return counts
    }

    /// log L on every grid point. With `asimovTheta` (Asimov data only) the counts are the exact
    /// Asimov expectation of this model, n_b = N·p_b(θ_true), so that the best fit is θ_true and the
    /// Monte-Carlo noise of the data sample does not enter; otherwise they are filled from `data`.
    public func scan(data: ScanData, grid: ParameterGrid, rate: EventRate? = nil, asimovTheta: [Double]? = nil) throws -> LikelihoodScanResult {
        var n: [Double]
        if let asimovTheta, data.kind == .asimov {
            n = try binProbabilities(at: asimovTheta)
            for b in n.indices { n[b] *= data.eventCount }
        } else {
            n = try observedCounts(data)
        }
        var logL = [Double](repeating: 0, count: grid.count)
        for j in 0..<grid.count {
            let p = try binProbabilities(at: grid.point(j))
            var s = 0.0
            for b in 0..<n.count where n[b] > 0 { s += n[b] * log(p[b]) }
            logL[j] = s
        }
        if let rate { try LikelihoodScan.addRateTerm(&logL, rate: rate, observed: data.eventCount, grid: grid) }
        return try LikelihoodScanResult(grid: grid, logLikelihood: logL)
    }
}
