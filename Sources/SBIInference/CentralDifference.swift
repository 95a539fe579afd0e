import SBICore

/// Central differences of a per-event function f(x_i, θ) in θ, evaluated in one batch:
/// ```
/// points: rows 2a, 2a+1 = θ ± h_a e_a,   h_a = relativeStep·max(1, |θ_a|)
/// ∂f/∂θ_a (x_i) ≈ [f(x_i, θ + h_a e_a) − f(x_i, θ − h_a e_a)] / (2h_a)     (error O(h²))
/// ```
/// Used for the exact score (`ExactScore`) and the score of a ratio estimator (`FisherInformation.ml`).
struct CentralDifference {
    /// θ, `[nParameters]`.
    let theta: [Double]
    /// h_a per parameter.
    let steps: [Double]

    init(at theta: [Double], relativeStep: Double) {
        self.theta = theta
        steps = theta.map { relativeStep * max(1, abs($0)) }
    }

    /// The 2·nParameters points θ ± h_a e_a, `[2p, p]`.
    var points: Matrix<Double> {
        let p = theta.count
        var m = Matrix<Double>(rows: 2 * p, columns: p)
        for a in 0..<p {
            for q in 0..<p { m[2 * a, q] = theta[q]; m[2 * a + 1, q] = theta[q] }
            m[2 * a, a] += steps[a]
            m[2 * a + 1, a] -= steps[a]
        }
        return m
    }

    /// The gradient `[nEvents, nParameters]` from f at `points`, given as `[2p, nEvents]`.
    func gradient(from values: Matrix<Double>) -> Matrix<Double> {
        let p = theta.count, n = values.columns
        var t = Matrix<Double>(rows: n, columns: p)
        values.withUnsafeBufferPointer { v in
            t.withUnsafeMutableBufferPointer { tp in
                for a in 0..<p {
                    let scale = 1 / (2 * steps[a])
                    for i in 0..<n { tp[i * p + a] = (v[2 * a * n + i] - v[(2 * a + 1) * n + i]) * scale }
                }
            }
        }
        return t
    }
}
