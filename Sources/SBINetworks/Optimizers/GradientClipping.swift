/// Global-norm gradient clipping.
///
/// ```
/// ‖g‖ = √(Σ_i g_i²);   g ← g · min(1, c / ‖g‖)
/// ```
/// One norm over the whole flat gradient (all layers together), as
/// `torch.nn.utils.clip_grad_norm_` does. The sum of squares is accumulated in
/// Double so that a gradient of millions of Float32 components loses no precision.
///
/// Shapes: `gradient` of `[parameterCount]`.
///
/// [1] Pascanu, Mikolov & Bengio, arXiv:1211.5063.
public enum GradientClipping {
    /// The Euclidean norm of `gradient` (∞ or NaN if a component is).
    public static func norm(_ gradient: UnsafeBufferPointer<Float>) -> Double {
        var sum = 0.0
        for g in gradient {
            let d = Double(g)
            sum += d * d
        }
        return sum.squareRoot()
    }

    /// Scales `gradient` so that its norm is at most `maxNorm`; returns the norm before clipping.
    /// A non-finite norm is returned and the gradient left unchanged (the trainer reports it).
    /// - Precondition: `maxNorm > 0`.
    @discardableResult
    public static func clip(_ gradient: UnsafeMutableBufferPointer<Float>, maxNorm: Double) -> Double {
        precondition(maxNorm > 0, "GradientClipping.clip: maxNorm \(maxNorm) must be positive")
        let total = norm(UnsafeBufferPointer(gradient))
        guard total.isFinite, total > maxNorm else { return total }
        let factor = Float(maxNorm / total)
        for i in 0..<gradient.count { gradient[i] *= factor }
        return total
    }
}
