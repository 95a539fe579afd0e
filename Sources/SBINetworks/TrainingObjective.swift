import SBICore

/// One batch of training data, Float32, row-major.
///
/// Shapes (B = batch size): `x` `[B, nObservables]`; `theta` `[B, nParameters]`
/// (nil for networks without parameter inputs); `theta1` `[B, nParameters]` for
/// doubly parameterised estimators; `y` B labels (0: x drawn from θ0, 1: from θ1);
/// `rXZ` B joint likelihood ratios r(x,z|θ0,θ1); `tXZ` `[B, nParameters]` joint scores.
/// Names follow MadMiner's sample files (arXiv:1805.12244).
public struct TrainingBatch {
    public var x: Matrix<Float>
    public var theta: Matrix<Float>?
    public var theta1: Matrix<Float>?
    public var y: [Float]?
    public var rXZ: [Float]?
    public var tXZ: Matrix<Float>?

    public init(x: Matrix<Float>, theta: Matrix<Float>? = nil, theta1: Matrix<Float>? = nil,
                y: [Float]? = nil, rXZ: [Float]? = nil, tXZ: Matrix<Float>? = nil) {
        self.x = x
        self.theta = theta
        self.theta1 = theta1
        self.y = y
        self.rXZ = rXZ
        self.tXZ = tXZ
    }

    /// Number of samples.
    public var count: Int { x.rows }
}

/// Something a `Trainer` can minimise: a differentiable loss of a flat Float32 parameter vector.
///
/// The parameters live in one contiguous buffer (for an MLP: each layer's weight
/// matrix `[out, in]` row-major, then its bias `[out]`, layer after layer), so an
/// optimiser is a loop over one array and persistence is one `.npy` file.
public protocol TrainingObjective: AnyObject {
    /// Number of trainable parameters.
    var parameterCount: Int { get }
    /// Reads or writes the parameters in place.
    func withParameters<R>(_ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R
    /// Mean loss over the batch, and its gradient with respect to the parameters written
    /// (not accumulated) into `gradient` (`parameterCount` elements).
    /// The loss is returned in Double for logging; NaN/∞ is returned as is for the trainer to report.
    func lossAndGradient(_ batch: TrainingBatch, gradient: UnsafeMutableBufferPointer<Float>) -> Double
    /// Mean loss over the batch without gradients (validation).
    func loss(_ batch: TrainingBatch) -> Double
    /// Checks that `batch` has every field this objective reads, with the shapes it expects; the
    /// `Trainer` calls it before `lossAndGradient`/`loss`, which may then assume them.
    /// - Throws: `SBIError.data` naming the missing or mis-shaped field (`x`, `theta`, `y`, `r_xz`, `t_xz`).
    func validate(_ batch: TrainingBatch) throws
}
