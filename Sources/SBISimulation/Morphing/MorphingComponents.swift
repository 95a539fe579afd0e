import SBICore

/// The monomials ("components") a squared matrix element polynomial in θ is made of.
///
/// ```
/// |M|²(θ) = Σ_c α_c(θ) W_c,     α_c(θ) = Π_i θ_i^{k_ci}
/// ```
/// Component `c` is the exponent vector `k_c`. `init(maxPowers:maxOverallPower:)` lists every
/// `k` with `0 ≤ k_i ≤ maxPowers[i]` and `Σ_i k_i ≤ maxOverallPower`, in MadMiner's order:
/// lexicographic with the last parameter varying fastest (max powers [2, 2] give
/// [0,0] [0,1] [0,2] [1,0] [1,1] [1,2] [2,0] [2,1] [2,2]).
///
/// Shapes: `exponents` row-major `[count, parameterCount]`.
///
/// [1] J. Brehmer, K. Cranmer, G. Louppe, J. Pavez, arXiv:1805.00020, §III (morphing);
/// [2] MadMiner documentation, `PhysicsMorpher.find_components`.
public struct MorphingComponents: Sendable, Equatable {
    /// Number of parameters θ_i.
    public let parameterCount: Int
    /// Exponents `k_ci`, row-major `[count, parameterCount]`.
    public let exponents: [Int]

    /// Components given explicitly (MadMiner's `set_components`).
    /// - Throws: `SBIError.data` (field `components`) if the count is not a whole number of
    ///   rows, an exponent is negative, or a component appears twice.
    public init(exponents: [Int], parameterCount: Int) throws {
        guard parameterCount > 0 else {
            throw SBIError.data("need at least one parameter, got \(parameterCount)", field: "components")
        }
        guard !exponents.isEmpty, exponents.count % parameterCount == 0 else {
            throw SBIError.data("\(exponents.count) exponents are not whole rows of \(parameterCount) parameters",
                                field: "components")
        }
        for (i, k) in exponents.enumerated() where k < 0 {
            throw SBIError.data("exponent \(k) is negative", field: "components[\(i / parameterCount)]")
        }
        let n = exponents.count / parameterCount
        for a in 0..<n {
            for b in 0..<a where exponents[a * parameterCount ..< (a + 1) * parameterCount]
                .elementsEqual(exponents[b * parameterCount ..< (b + 1) * parameterCount]) {
                throw SBIError.data("component \(a) repeats component \(b)", field: "components[\(a)]")
            }
        }
        self.parameterCount = parameterCount
        self.exponents = exponents
    }

    /// Every monomial with `k_i ≤ maxPowers[i]` and `Σ k_i ≤ maxOverallPower` (nil: no overall limit),
    /// in MadMiner's order (see the type's documentation).
    /// - Throws: `SBIError.data` (field `maxPowers`) for an empty list or a negative power.
    public init(maxPowers: [Int], maxOverallPower: Int? = nil) throws {
        guard !maxPowers.isEmpty else { throw SBIError.data("no parameters", field: "maxPowers") }
        for (i, p) in maxPowers.enumerated() where p < 0 {
            throw SBIError.data("maximum power \(p) is negative", field: "maxPowers[\(i)]")
        }
        if let m = maxOverallPower, m < 0 {
            throw SBIError.data("maximum overall power \(m) is negative", field: "maxOverallPower")
        }
        let np = maxPowers.count
        var out: [Int] = []
        var k = [Int](repeating: 0, count: np)
        outer: while true {
            if maxOverallPower == nil || k.reduce(0, +) <= maxOverallPower! { out.append(contentsOf: k) }
            // Odometer increment, last parameter fastest.
            var i = np - 1
            while i >= 0 {
                if k[i] < maxPowers[i] { k[i] += 1; continue outer }
                k[i] = 0
                i -= 1
            }
            break
        }
        try self.init(exponents: out, parameterCount: np)
    }

    /// Number of components.
    public var count: Int { exponents.count / parameterCount }

    /// The exponent vector of component `c`.
    public func exponents(of c: Int) -> [Int] {
        Array(exponents[c * parameterCount ..< (c + 1) * parameterCount])
    }

    /// α_c(θ) = Π_i θ_i^{k_ci} for every component, written into `values` (`count` elements).
    /// - Precondition: `theta.count == parameterCount`, `values.count == count`.
    public func values(at theta: UnsafeBufferPointer<Double>, into values: UnsafeMutableBufferPointer<Double>) {
        precondition(theta.count == parameterCount && values.count == count,
                     "MorphingComponents.values: θ has \(theta.count) entries (need \(parameterCount)), output \(values.count) (need \(count))")
        for c in 0..<count {
            var v = 1.0
            for p in 0..<parameterCount { v *= Self.power(theta[p], exponents[c * parameterCount + p]) }
            values[c] = v
        }
    }

    /// α_c(θ) for every component.
    public func values(at theta: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: count)
        theta.withUnsafeBufferPointer { t in out.withUnsafeMutableBufferPointer { values(at: t, into: $0) } }
        return out
    }

    /// ∂α_c/∂θ_i = k_ci θ_i^{k_ci − 1} Π_{j≠i} θ_j^{k_cj}, row-major `[parameterCount, count]` into `gradients`.
    /// - Precondition: `theta.count == parameterCount`, `gradients.count == parameterCount * count`.
    public func gradients(at theta: UnsafeBufferPointer<Double>, into gradients: UnsafeMutableBufferPointer<Double>) {
        precondition(theta.count == parameterCount && gradients.count == parameterCount * count,
                     "MorphingComponents.gradients: θ has \(theta.count) entries (need \(parameterCount)), output \(gradients.count) (need \(parameterCount * count))")
        let n = count
        for i in 0..<parameterCount {
            for c in 0..<n {
                let ki = exponents[c * parameterCount + i]
                var v = 0.0
                if ki > 0 {
                    v = Double(ki) * Self.power(theta[i], ki - 1)
                    for p in 0..<parameterCount where p != i { v *= Self.power(theta[p], exponents[c * parameterCount + p]) }
                }
                gradients[i * n + c] = v
            }
        }
    }

    /// Integer power by repeated multiplication (exact for the small exponents of morphing; 0⁰ = 1).
    @inline(__always) static func power(_ x: Double, _ k: Int) -> Double {
        var v = 1.0
        var i = 0
        while i < k { v *= x; i += 1 }
        return v
    }
}
