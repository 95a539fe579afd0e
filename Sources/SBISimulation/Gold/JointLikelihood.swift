import SBICore

/// The latent-level likelihood log p(z|θ) of a set of events, from which the "gold" follows.
///
/// ```
/// log r(x,z|θ0,θ1) = log p(z|θ0) − log p(z|θ1)
/// t(x,z|θ)         = ∇θ log p(z|θ)
/// E[r(x,z)|x] = r(x|θ0,θ1),   E[t(x,z)|x] = t(x|θ)      (the regression targets are unbiased)
/// ```
/// Each event is one row of an `events` matrix whose meaning the conforming type defines:
/// latent histories z for `SimulatorJointLikelihood`, benchmark weights w_e(θ_b) for
/// `MorphedJointLikelihood`. Terms of log p(z|θ) that do not depend on θ may be dropped:
/// they cancel in r and vanish in t.
///
/// Shapes: `events` `[nEvents, nColumns]`, gradients and scores `[nEvents, nParameters]`.
///
/// [1] J. Brehmer, K. Cranmer, G. Louppe, J. Pavez, arXiv:1805.00020 and arXiv:1805.12244 (§2).
public protocol JointLikelihood {
    /// Number of parameters θ.
    var parameterCount: Int { get }
    /// log p(z_e|θ) per row of `events`; fills `gradient` with ∇θ log p(z_e|θ) `[nEvents, nParameters]`
    /// when it is non-nil on entry.
    func logLikelihood(_ events: Matrix<Double>, at theta: [Double], gradient: inout Matrix<Double>?) throws -> [Double]
}

extension JointLikelihood {
    /// The joint log likelihood ratio log r(x,z|θ0,θ1) = log p(z|θ0) − log p(z|θ1) per event.
    public func logRatio(_ events: Matrix<Double>, theta0: [Double], theta1: [Double]) throws -> [Double] {
        var none: Matrix<Double>? = nil
        var a = try logLikelihood(events, at: theta0, gradient: &none)
        let b = try logLikelihood(events, at: theta1, gradient: &none)
        for i in 0..<a.count { a[i] -= b[i] }
        return a
    }

    /// The joint score t(x,z|θ) = ∇θ log p(z|θ), `[nEvents, nParameters]`.
    public func score(_ events: Matrix<Double>, at theta: [Double]) throws -> Matrix<Double> {
        var gradient: Matrix<Double>? = Matrix(rows: 0, columns: 0)
        _ = try logLikelihood(events, at: theta, gradient: &gradient)
        guard let g = gradient, g.rows == events.rows, g.columns == parameterCount else {
            throw SBIError(.internal, "the joint likelihood returned no gradient of shape [\(events.rows), \(parameterCount)]")
        }
        return g
    }
}

/// The joint likelihood of a `Simulator`: events are its latent histories z, and
/// log p(z|θ) comes from `jointLogLikelihood`.
///
/// ```
/// log p(z|θ) = simulator.jointLogLikelihood(z, θ)
/// ```
/// Shapes: `events` = latent `[nEvents, nLatent]`.
public struct SimulatorJointLikelihood: JointLikelihood {
    /// The simulator whose latent likelihood is used.
    public let simulator: any Simulator

    /// The joint likelihood of `simulator`'s latent histories.
    public init(simulator: any Simulator) { self.simulator = simulator }

    /// Number of parameters of the simulator.
    public var parameterCount: Int { simulator.parameterSpace.count }

    /// log p(z|θ) and ∇θ log p(z|θ) from the simulator.
    /// - Throws: what `jointLogLikelihood` throws (θ outside the range, bad latent columns).
    public func logLikelihood(_ events: Matrix<Double>, at theta: [Double], gradient: inout Matrix<Double>?) throws -> [Double] {
        try simulator.jointLogLikelihood(latent: events, at: theta, gradient: &gradient)
    }
}
