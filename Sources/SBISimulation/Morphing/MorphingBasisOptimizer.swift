// GSL exports its minimiser types as mutable C globals; `@preconcurrency` lets Swift 6 read
// `gsl_multimin_fminimizer_nmsimplex2`, which GSL initialises statically and never writes.
@preconcurrency import CGSL
import SBICore

/// Chooses morphing benchmarks that keep the morphing weights small over a parameter range.
///
/// Large weights of both signs make morphed event weights the small difference of large
/// numbers, inflating their variance. The objective is the expected squared weight sum
/// ```
/// L(basis) = E_{θ ~ U(range)} [ Σ_b w_b(θ)² ]  ≈  (1/K) Σ_{k=1..K} Σ_b w_b(θ_k)²
/// ```
/// over a fixed set of K test points θ_k drawn uniformly once (stream 0 of the seed), so the
/// objective is a deterministic function of the basis.
///
/// MadMiner's `optimize_basis` keeps the best of N random bases. This optimiser starts from
/// random bases too (streams 1…starts) but then refines each with GSL's Nelder–Mead simplex
/// (`gsl_multimin_fminimizer_nmsimplex2`) on unconstrained coordinates u, mapped into the
/// range by θ = lo + (hi − lo)(1 + sin u)/2 (every u is a valid point; the edges are reachable).
/// A random search only samples the objective; the simplex follows its descent directions,
/// so for the same number of objective evaluations it reaches lower values (tested in
/// `MorphingBasisOptimizerTests`). Singular bases score `singularPenalty`.
///
/// Shapes: bases `[nBenchmarks, nParameters]` with nBenchmarks = nComponents.
///
/// [1] J. Brehmer, K. Cranmer, G. Louppe, J. Pavez, arXiv:1805.00020, §III.B (basis choice);
/// [2] J. A. Nelder, R. Mead, Comput. J. 7 (1965) 308.
public struct MorphingBasisOptimizer {
    /// The components to morph.
    public let components: MorphingComponents
    /// The parameter range the basis must serve (benchmarks are placed inside it).
    public let ranges: [ClosedRange<Double>]
    /// The fixed test points θ_k, `[testPointCount, nParameters]`.
    public let testPoints: Matrix<Double>
    /// Number of Nelder–Mead starts.
    public var starts: Int
    /// Iteration limit per start.
    public var maximumIterations: Int
    /// Objective value of a singular (or too badly conditioned) basis.
    public static let singularPenalty = 1e30

    /// The best basis found, its objective value and the number of objective evaluations spent.
    public struct Result: Sendable {
        /// The benchmarks, `[nComponents, nParameters]`.
        public var basis: Matrix<Double>
        /// L(basis), the mean of Σ_b w_b(θ)² over the test points.
        public var objective: Double
        /// Number of objective evaluations spent finding it.
        public var evaluations: Int
    }

    /// An optimiser with `testPointCount` test points drawn from `SeededRandom(seed).substream(0)`.
    /// - Throws: `SBIError.data` for ranges that do not match the components or are empty.
    public init(components: MorphingComponents, ranges: [ClosedRange<Double>], testPointCount: Int = 200,
                seed: UInt64, starts: Int = 4, maximumIterations: Int = 2000) throws {
        guard ranges.count == components.parameterCount else {
            throw SBIError.data("\(ranges.count) ranges for \(components.parameterCount) parameters", field: "ranges")
        }
        for (i, r) in ranges.enumerated() where !(r.lowerBound.isFinite && r.upperBound.isFinite && r.upperBound > r.lowerBound) {
            throw SBIError.data("range [\(r.lowerBound), \(r.upperBound)] is empty or not finite", field: "ranges[\(i)]")
        }
        guard testPointCount > 0, starts > 0, maximumIterations > 0 else {
            throw SBIError.data("test points, starts and iterations must be positive", field: "optimizer")
        }
        self.components = components
        self.ranges = ranges
        self.starts = starts
        self.maximumIterations = maximumIterations
        let random = SeededRandom(seed: seed).substream(0)
        var points = Matrix<Double>(rows: testPointCount, columns: ranges.count)
        for k in 0..<testPointCount {
            for i in 0..<ranges.count { points[k, i] = random.uniform(ranges[i].lowerBound, ranges[i].upperBound) }
        }
        testPoints = points
        self.seed = seed
    }

    private let seed: UInt64

    /// L(basis), the mean over the test points of Σ_b w_b(θ)²; `singularPenalty` when the basis is refused.
    public func objective(basis: Matrix<Double>) -> Double {
        guard let morpher = try? Morpher(components: components, basis: basis) else { return Self.singularPenalty }
        let nc = components.count, nb = morpher.benchmarkCount, np = ranges.count
        var alpha = [Double](repeating: 0, count: nc)
        var total = 0.0
        testPoints.withUnsafeBufferPointer { tp in
            morpher.matrix.withUnsafeBufferPointer { mp in
                alpha.withUnsafeMutableBufferPointer { ap in
                    for k in 0..<testPoints.rows {
                        components.values(at: UnsafeBufferPointer(rebasing: tp[k * np ..< (k + 1) * np]), into: ap)
                        for b in 0..<nb {
                            var w = 0.0
                            for c in 0..<nc { w += mp[c * nb + b] * ap[c] }
                            total += w * w
                        }
                    }
                }
            }
        }
        return total / Double(testPoints.rows)
    }

    /// A basis with every coordinate uniform in its range.
    func randomBasis(_ random: SeededRandom) -> Matrix<Double> {
        var basis = Matrix<Double>(rows: components.count, columns: ranges.count)
        for b in 0..<components.count {
            for i in 0..<ranges.count { basis[b, i] = random.uniform(ranges[i].lowerBound, ranges[i].upperBound) }
        }
        return basis
    }

    /// MadMiner's method: the best of `trials` random bases (stream `1000 + k` for trial k).
    public func randomSearch(trials: Int) -> Result {
        let root = SeededRandom(seed: seed)
        var best = Result(basis: randomBasis(root.substream(1000)), objective: .infinity, evaluations: 0)
        for k in 0..<max(trials, 1) {
            let basis = randomBasis(root.substream(1000 + UInt64(k)))
            let value = objective(basis: basis)
            best.evaluations += 1
            if value < best.objective { best.basis = basis; best.objective = value }
        }
        return best
    }

    /// The best basis over `starts` Nelder–Mead runs from random bases (stream 1 + k for start k).
    /// - Throws: `SBIError.numerical` if no start reaches a non-singular basis.
    public func optimize() throws -> Result {
        GSL.prepare()
        let root = SeededRandom(seed: seed)
        let nb = components.count, np = ranges.count, dimension = nb * np
        final class Context {
            let optimizer: MorphingBasisOptimizer
            var evaluations = 0
            var basis: Matrix<Double>
            init(_ o: MorphingBasisOptimizer) { optimizer = o; basis = Matrix(rows: o.components.count, columns: o.ranges.count) }
            func value(_ u: UnsafePointer<gsl_vector>) -> Double {
                let np = optimizer.ranges.count
                for b in 0..<basis.rows {
                    for i in 0..<np {
                        let r = optimizer.ranges[i]
                        basis[b, i] = r.lowerBound + (r.upperBound - r.lowerBound) * 0.5 * (1 + sin(gsl_vector_get(u, b * np + i)))
                    }
                }
                evaluations += 1
                return optimizer.objective(basis: basis)
            }
        }
        let context = Context(self)
        var best = Result(basis: Matrix(rows: nb, columns: np), objective: .infinity, evaluations: 0)
        guard let minimizer = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, dimension),
              let start = gsl_vector_alloc(dimension), let step = gsl_vector_alloc(dimension) else {
            throw SBIError.numerical("cannot allocate the Nelder–Mead minimiser", field: "gsl_multimin_fminimizer_alloc")
        }
        defer { gsl_multimin_fminimizer_free(minimizer); gsl_vector_free(start); gsl_vector_free(step) }
        let unmanaged = Unmanaged.passUnretained(context)
        var function = gsl_multimin_function(
            f: { u, params in
                Unmanaged<Context>.fromOpaque(params!).takeUnretainedValue().value(u!)
            },
            n: dimension, params: unmanaged.toOpaque())
        for s in 0..<starts {
            let initial = randomBasis(root.substream(1 + UInt64(s)))
            for b in 0..<nb {
                for i in 0..<np {
                    let r = ranges[i]
                    let unit = 2 * (initial[b, i] - r.lowerBound) / (r.upperBound - r.lowerBound) - 1
                    gsl_vector_set(start, b * np + i, asin(min(max(unit, -1), 1)))
                }
            }
            gsl_vector_set_all(step, 0.3)
            try GSL.check(gsl_multimin_fminimizer_set(minimizer, &function, start, step), "gsl_multimin_fminimizer_set")
            var iteration = 0
            while iteration < maximumIterations {
                iteration += 1
                if gsl_multimin_fminimizer_iterate(minimizer) != GSL_SUCCESS { break }
                if gsl_multimin_test_size(gsl_multimin_fminimizer_size(minimizer), 1e-6) == GSL_SUCCESS { break }
            }
            let value = context.value(gsl_multimin_fminimizer_x(minimizer))
            if value < best.objective { best.basis = context.basis; best.objective = value }
        }
        best.evaluations = context.evaluations
        guard best.objective < Self.singularPenalty else {
            throw SBIError.numerical("no start reached a non-singular basis", field: "basis")
        }
        return best
    }
}
