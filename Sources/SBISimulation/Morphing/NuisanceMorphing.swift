import Foundation
import SBICore

/// The weights of every event at the ±1σ variations of one nuisance parameter ν_k (scale or PDF
/// weights of an LHE file, a systematic's benchmark of a MadMiner file).
///
/// `up` holds w_e at ν_k = +1; `down`, when given, w_e at ν_k = −1 (two-sided); without it the
/// variation is one-sided. Shapes: `up`, `down` `[nEvents]`, the same events as the nominal weights.
public struct NuisanceVariation: Sendable, Equatable {
    /// Name of the nuisance parameter (`mu_scale`, `pdf_12`).
    public var name: String
    /// w_e(ν_k = +1), `[nEvents]`.
    public var up: [Double]
    /// w_e(ν_k = −1), `[nEvents]`, or nil for a one-sided variation.
    public var down: [Double]?

    /// A variation from its weights.
    public init(name: String, up: [Double], down: [Double]? = nil) {
        self.name = name
        self.up = up
        self.down = down
    }
}

/// Per-event exponential morphing of the weights in nuisance parameters ν (MadMiner's form).
///
/// ```
/// w_e(θ, ν) = w_e(θ, 0) · exp[Σ_k a_ek ν_k + b_ek ν_k²]
/// one-sided:  a_ek = log(w₊/w₀),       b_ek = 0
/// two-sided:  a_ek = ½ log(w₊/w₋),     b_ek = ½ log(w₊ w₋ / w₀²)
/// ∂ log w_e / ∂ν_k = a_ek + 2 b_ek ν_k
/// ```
/// so w_e(θ, ±1·e_k) reproduces the variation weights exactly, and the factor is the same at every
/// θ (the variation is measured at the nominal point and applied to all benchmarks). An event whose
/// nominal and varied weights are all zero gets a = b = 0.
///
/// Shapes: `linear` (a) and `quadratic` (b) `[nEvents, nNuisance]`.
///
/// [1] J. Brehmer, F. Kling, I. Espejo, K. Cranmer, arXiv:1907.10621 §3 (MadMiner: systematic
///     uncertainties as nuisance parameters, their morphing); [2] K. Cranmer et al.,
///     CERN-OPEN-2012-016 (HistFactory's exponential interpolation of normalisation effects).
public struct NuisanceMorphing: Sendable, Equatable {
    /// Names of the nuisance parameters ν_k, in the order of the columns.
    public let names: [String]
    /// a_ek, `[nEvents, nNuisance]`.
    public let linear: Matrix<Double>
    /// b_ek, `[nEvents, nNuisance]` (zero for one-sided variations).
    public let quadratic: Matrix<Double>

    /// Number of events.
    public var eventCount: Int { linear.rows }
    /// Number of nuisance parameters.
    public var count: Int { names.count }

    /// The coefficients from the nominal weights and each nuisance parameter's variations.
    ///
    /// - Parameters:
    ///   - nominal: w_e(θ_ref, 0), `[nEvents]`.
    ///   - variations: one per nuisance parameter, each with `[nEvents]` weights.
    ///   - source: the file or recipe key named in errors.
    /// - Throws: `SBIError.data` naming `source` for an empty or repeated name, a variation with the
    ///   wrong number of events, or events whose varied-to-nominal ratio is zero, negative or not
    ///   finite: those are counted and the first is shown (they are not clipped).
    public init(nominal: [Double], variations: [NuisanceVariation], source: String) throws {
        let n = nominal.count, k = variations.count
        var seen = Set<String>()
        for v in variations {
            guard !v.name.isEmpty else { throw SBIError.data("a nuisance parameter has an empty name", field: source) }
            guard seen.insert(v.name).inserted else {
                throw SBIError.data("nuisance parameter \"\(v.name)\" is declared twice", field: source)
            }
            for (side, w) in [("+1", v.up), ("-1", v.down)] {
                guard let w else { continue }
                guard w.count == n else {
                    throw SBIError.data("nuisance parameter \"\(v.name)\" has \(w.count) weights at ν = \(side) for \(n) events", field: source)
                }
            }
        }
        if let e = nominal.firstIndex(where: { !$0.isFinite }) {
            throw SBIError.data("event \(e + 1): nominal weight \(nominal[e]) is not finite", field: source)
        }
        var a = Matrix<Double>(rows: n, columns: k), b = Matrix<Double>(rows: n, columns: k)
        for (j, v) in variations.enumerated() {
            var bad = 0, first: (event: Int, side: String, weight: Double)?
            /// log(w/w₀), or nil (counted) when the ratio is not positive and finite.
            func logRatio(_ w: Double, _ e: Int, _ side: String) -> Double? {
                let r = w / nominal[e]
                guard r.isFinite, r > 0 else {
                    bad += 1
                    if first == nil { first = (e, side, w) }
                    return nil
                }
                return log(r)
            }
            for e in 0..<n {
                let down = v.down?[e]
                if nominal[e] == 0, v.up[e] == 0, down ?? 0 == 0 { continue }
                guard let lu = logRatio(v.up[e], e, "+1") else { continue }
                if let down {
                    guard let ld = logRatio(down, e, "-1") else { continue }
                    a[e, j] = 0.5 * (lu - ld)
                    b[e, j] = 0.5 * (lu + ld)
                } else {
                    a[e, j] = lu
                }
            }
            if let first {
                throw SBIError.data("nuisance parameter \"\(v.name)\": \(bad) of \(n) events have a weight at ν = ±1 whose ratio to the nominal "
                                    + "weight is zero, negative or not finite (first: event \(first.event + 1), weight at ν = \(first.side) is "
                                    + "\(first.weight), nominal \(nominal[first.event])); such a variation cannot be morphed exponentially",
                                    field: source)
            }
        }
        names = variations.map(\.name)
        linear = a
        quadratic = b
    }

    /// The coefficients as given, `[nEvents, nNuisance]` each.
    init(names: [String], linear: Matrix<Double>, quadratic: Matrix<Double>) {
        self.names = names
        self.linear = linear
        self.quadratic = quadratic
    }

    /// The morphing of the events `rows`, in that order (a split's pool).
    public func selecting(events rows: [Int]) -> NuisanceMorphing {
        NuisanceMorphing(names: names, linear: Matrix(rows: rows.count, columns: count) { i, k in linear[rows[i], k] },
                         quadratic: Matrix(rows: rows.count, columns: count) { i, k in quadratic[rows[i], k] })
    }

    /// Checks that `nu` has one finite value per nuisance parameter.
    func check(_ nu: [Double]) throws {
        guard nu.count == count else {
            throw SBIError.data("expected \(count) nuisance values (\(names.joined(separator: ", "))), got \(nu.count)", field: "nu")
        }
        if let k = nu.firstIndex(where: { !$0.isFinite }) {
            throw SBIError.data("\(names[k]) = \(nu[k]) is not a finite number", field: "nu")
        }
    }

    /// log w_e(θ, ν)/w_e(θ, 0) = Σ_k a_ek ν_k + b_ek ν_k², `[nEvents]`.
    /// - Throws: `SBIError.data` if `nu` has the wrong length or a non-finite value.
    public func logFactors(at nu: [Double]) throws -> [Double] {
        try check(nu)
        var out = [Double](repeating: 0, count: eventCount)
        guard count > 0 else { return out }
        Matrix.gemv(linear, transpose: false, nu, into: &out)
        var squared = [Double](repeating: 0, count: eventCount)
        Matrix.gemv(quadratic, transpose: false, nu.map { $0 * $0 }, into: &squared)
        for e in 0..<eventCount { out[e] += squared[e] }
        return out
    }

    /// w_e(θ, ν) = w_e(θ, 0) · exp(logFactors), `[nEvents]`.
    /// - Throws: `SBIError.data` for a `weights` array of the wrong length or a bad `nu`.
    public func weights(_ weights: [Double], at nu: [Double]) throws -> [Double] {
        guard weights.count == eventCount else {
            throw SBIError.data("\(weights.count) weights for \(eventCount) events", field: "weights")
        }
        let f = try logFactors(at: nu)
        return (0..<eventCount).map { weights[$0] * exp(f[$0]) }
    }

    /// ∂ log w_e / ∂ν_k = a_ek + 2 b_ek ν_k, `[nEvents, nNuisance]`.
    /// - Throws: `SBIError.data` for a bad `nu`.
    public func logFactorGradients(at nu: [Double]) throws -> Matrix<Double> {
        try check(nu)
        return Matrix(rows: eventCount, columns: count) { e, k in linear[e, k] + 2 * quadratic[e, k] * nu[k] }
    }
}
