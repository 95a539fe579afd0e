import CGSL
import SBICore
import SBISimulation

/// The data a likelihood is evaluated on: observed events, or the Asimov expectation at θ_true.
///
/// ```
/// observed:  Σ_i f(x_i),                         n = count ?? number of rows
/// asimov:    N · (1/M) Σ_{m=1..M} f(x_m),  x_m ~ p(x|θ_true),   n = N = ν(θ_true) or the event count
/// ```
/// Shapes: `x` `[nEvents, nObservables]`.
///
/// [1] G. Cowan, K. Cranmer, E. Gross, O. Vitells, arXiv:1007.1727 (the Asimov data set);
/// [2] J. Brehmer et al., arXiv:1805.00020 §5 (expected limits from Asimov data).
public struct ScanData: Sendable {
    /// How the event sum is formed.
    public enum Kind: Sendable, Equatable {
        /// Every row is one observed event.
        case observed
        /// The rows are a large sample at θ_true; sums become `expectedEvents` × the sample mean.
        case asimov
    }

    /// Observed events or the Asimov sample, `[nEvents, nObservables]`.
    public let x: Matrix<Double>
    /// Observed or Asimov.
    public let kind: Kind
    /// The number of events n entering the Poisson term and (Asimov) scaling the mean.
    public let eventCount: Double
    /// Asimov data from a weighted sample: the weight of every row, summing to `eventCount`; nil when
    /// every row weighs the same (`rowWeight`).
    public let rowWeights: [Double]?
    /// Asimov only: the control variate that removes the sample's first-order noise (see
    /// `withScoreControlVariate`); nil when none was given.
    public private(set) var scoreControlVariate: ScoreControlVariate?

    /// θ_true and the sample mean t̄ = (1/M) Σ_m t(x_m|θ_true) of the exact score over the Asimov sample.
    public struct ScoreControlVariate: Sendable, Equatable {
        /// The point the Asimov sample was drawn at.
        public let thetaTrue: [Double]
        /// t̄, `[nParameters]`.
        public let meanScore: [Double]
    }

    /// Observed events; `count` (default: the number of rows) is the n of the Poisson term.
    /// - Throws: `SBIError.data` naming `x` for no events or a non-finite value.
    public static func observed(_ x: Matrix<Double>, count: Int? = nil) throws -> ScanData {
        try check(x)
        let n = count ?? x.rows
        guard n >= 0 else { throw SBIError.data("event count \(n) is negative", field: "n") }
        return ScanData(x: x, kind: .observed, eventCount: Double(n), rowWeights: nil)
    }

    /// Asimov data: `sample` drawn at θ_true stands for `expectedEvents` events.
    /// - Throws: `SBIError.data` naming `x` or `expectedEvents`.
    public static func asimov(sample: Matrix<Double>, expectedEvents: Double) throws -> ScanData {
        try check(sample)
        guard expectedEvents.isFinite, expectedEvents > 0 else {
            throw SBIError.data("expected number of events \(expectedEvents); expected a positive finite number", field: "expectedEvents")
        }
        return ScanData(x: sample, kind: .asimov, eventCount: expectedEvents, rowWeights: nil)
    }

    /// Asimov data from a weighted sample: row m stands for N·w_m/Σw events,
    /// ```
    /// asimov:  N · Σ_m w_m f(x_m) / Σ_m w_m
    /// ```
    /// For events weighted at θ_true (real events morphed to θ_true) no resampling noise enters: an
    /// estimator that is exact on these events has its best fit at θ_true.
    /// - Throws: `SBIError.data` naming `x`, `weights` (count, a negative or non-finite weight, zero
    ///   total) or `expectedEvents`.
    public static func asimov(weightedSample sample: Matrix<Double>, weights: [Double], expectedEvents: Double) throws -> ScanData {
        _ = try asimov(sample: sample, expectedEvents: expectedEvents)   // checks x and expectedEvents
        guard weights.count == sample.rows else {
            throw SBIError.data("\(weights.count) weights for \(sample.rows) events", field: "weights")
        }
        if let bad = weights.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            throw SBIError.data("weight \(weights[bad]) of event \(bad); expected a finite number ≥ 0", field: "weights")
        }
        let total = weights.reduce(0, +)
        guard total > 0 else { throw SBIError.data("the weights sum to 0", field: "weights") }
        return ScanData(x: sample, kind: .asimov, eventCount: expectedEvents, rowWeights: weights.map { $0 * expectedEvents / total })
    }

    /// Asimov data for `simulator` at θ_true, standing for `expectedEvents`:
    /// - with an exact likelihood: `sampleEvents` events drawn at `thetaTrue` with the score control
    ///   variate (`withScoreControlVariate`), so that the exact likelihood's best fit is θ_true;
    /// - real events (`EventSampleSimulator`): the events it simulates from (the reserved test events),
    ///   weighted at θ_true (`asimov(weightedSample:weights:expectedEvents:)`), free of resampling noise;
    /// - otherwise `sampleEvents` events drawn at `thetaTrue`.
    /// - Throws: errors of the simulator and of the `asimov` constructors.
    public static func asimov(simulator: any Simulator, thetaTrue: [Double], sampleEvents: Int, expectedEvents: Double,
                              random: SeededRandom) throws -> ScanData {
        if let events = simulator as? EventSampleSimulator {
            let sample = try events.simulationEvents(weightedAt: thetaTrue)
            return try asimov(weightedSample: sample.observables, weights: sample.weights ?? [], expectedEvents: expectedEvents)
        }
        let sample = try simulator.simulate(at: thetaTrue, count: sampleEvents, random: random)
        let data = try asimov(sample: sample.observables, expectedEvents: expectedEvents)
        guard let exact = simulator as? any ExactLikelihoodSimulator else { return data }
        let score = try ExactLogRatio(simulator: exact, reference: thetaTrue).meanScore(x: sample.observables)
        return try data.withScoreControlVariate(thetaTrue: thetaTrue, meanScore: score)
    }

    /// These Asimov data with a score control variate: every event sum becomes
    /// ```
    /// N·[(1/M) Σ_m f(x_m|θ) − (θ − θ_true)·t̄],   t̄ = (1/M) Σ_m t(x_m|θ_true),  t = ∇_θ log p(x|θ)
    /// ```
    /// E[t(x|θ_true)] = 0 under θ_true, so the correction leaves the expectation unchanged, and for the
    /// exact likelihood it cancels the sample's noise to first order in θ − θ_true: the gradient of the
    /// corrected truth log L vanishes at θ_true, so its best fit is θ_true (noise-free Asimov data).
    /// Estimated likelihoods get the same correction, since it is a property of the data set.
    ///
    /// [1] A. B. Owen, "Monte Carlo theory, methods and examples" (2013), §8.9 (control variates).
    /// - Throws: `SBIError.data` naming `meanScore` on observed data, a length mismatch or a non-finite entry.
    public func withScoreControlVariate(thetaTrue: [Double], meanScore: [Double]) throws -> ScanData {
        guard kind == .asimov else { throw SBIError.data("a score control variate applies to Asimov data only", field: "meanScore") }
        guard meanScore.count == thetaTrue.count, meanScore.allSatisfy(\.isFinite), thetaTrue.allSatisfy(\.isFinite) else {
            throw SBIError.data("mean score \(meanScore) at θ_true \(thetaTrue); expected finite vectors of equal length", field: "meanScore")
        }
        var copy = self
        copy.scoreControlVariate = ScoreControlVariate(thetaTrue: thetaTrue, meanScore: meanScore)
        return copy
    }

    /// These data for a model of the leading `count` parameters only (the others fixed at their θ_true
    /// values, e.g. nuisance parameters at 0): the control variate keeps its first `count` components.
    /// - Precondition: 1 ≤ `count`.
    public func restrictingControlVariate(toLeading count: Int) -> ScanData {
        precondition(count >= 1, "ScanData.restrictingControlVariate: count \(count)")
        guard let cv = scoreControlVariate, cv.meanScore.count > count else { return self }
        var copy = self
        copy.scoreControlVariate = ScoreControlVariate(thetaTrue: Array(cv.thetaTrue.prefix(count)), meanScore: Array(cv.meanScore.prefix(count)))
        return copy
    }

    /// The control variate's term −N (θ − θ_true)·t̄ at `theta` (0 without a control variate).
    public func controlVariateTerm(at theta: [Double]) -> Double {
        guard let cv = scoreControlVariate, theta.count == cv.meanScore.count else { return 0 }
        var s = 0.0
        for i in theta.indices { s += (theta[i] - cv.thetaTrue[i]) * cv.meanScore[i] }
        return -eventCount * s
    }

    /// The weight each row gets in the event sum: 1 (observed) or N/M (Asimov).
    public var rowWeight: Double { kind == .observed ? 1 : eventCount / Double(x.rows) }

    private static func check(_ x: Matrix<Double>) throws {
        guard x.rows >= 1, x.columns >= 1 else {
            throw SBIError.data("\(x.rows) events with \(x.columns) observables; expected at least one of each", field: "x")
        }
        if let bad = x.storage.firstIndex(where: { !$0.isFinite }) {
            throw SBIError.data("event \(bad / x.columns), observable \(bad % x.columns) is not finite", field: "x")
        }
    }
}

/// The expected number of events ν(θ) = σ(θ)·L of a rate (Poisson) term.
///
/// ```
/// log Pois(n|ν) = n log ν − ν − log Γ(n+1)
/// ∂_i ν = L ∂_i σ  (central differences, step h_i = 1e-4·max(1, |θ_i|))
/// ```
/// [1] J. Brehmer et al., arXiv:1805.00020 eq. (8) (extended likelihood).
public struct EventRate {
    /// σ(θ) in pb.
    public let crossSection: ([Double]) throws -> Double
    /// Integrated luminosity in pb⁻¹.
    public let luminosityInversePicobarn: Double
    /// κ of a log-normal normalisation uncertainty profiled in `logPoisson` (0: none; see
    /// `ProfiledNormalization`).
    public var normalizationLogWidth: Double = 0

    /// - Precondition: the luminosity is positive (checked by callers against user input).
    public init(luminosityInversePicobarn: Double, crossSection: @escaping ([Double]) throws -> Double) {
        precondition(luminosityInversePicobarn > 0, "EventRate: luminosity \(luminosityInversePicobarn) must be positive")
        self.crossSection = crossSection
        self.luminosityInversePicobarn = luminosityInversePicobarn
    }

    /// ν(θ) = σ(θ)·L.
    /// - Throws: `SBIError.numerical` if σ(θ) is not positive and finite.
    public func expectedEvents(at theta: [Double]) throws -> Double {
        let nu = try crossSection(theta) * luminosityInversePicobarn
        guard nu.isFinite, nu > 0 else {
            throw SBIError.numerical("expected events \(nu) at θ = \(theta); expected a positive finite number", field: "rate")
        }
        return nu
    }

    /// ∇_θ ν by central differences, `[nParameters]`.
    public func gradient(at theta: [Double]) throws -> [Double] {
        var g = [Double](repeating: 0, count: theta.count)
        for i in 0..<theta.count {
            let h = 1e-4 * max(1, abs(theta[i]))
            var up = theta, down = theta
            up[i] += h
            down[i] -= h
            g[i] = (try expectedEvents(at: up) - expectedEvents(at: down)) / (2 * h)
        }
        return g
    }

    /// log Pois(n|ν(θ)) with a real-valued n (Asimov counts need not be integers); with a
    /// normalisation uncertainty, its profile over the constrained η (`ProfiledNormalization`).
    public func logPoisson(observed n: Double, at theta: [Double]) throws -> Double {
        let nu = try expectedEvents(at: theta)
        guard normalizationLogWidth > 0 else { return Self.logPoisson(n, nu) }
        return ProfiledNormalization.profile(observed: n, expected: nu, logWidth: normalizationLogWidth).logLikelihood
    }

    /// n log ν − ν − log Γ(n+1).
    public static func logPoisson(_ n: Double, _ nu: Double) -> Double {
        (n > 0 ? n * log(nu) : 0) - nu - gsl_sf_lngamma(n + 1)
    }
}

