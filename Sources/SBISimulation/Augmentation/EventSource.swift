import SBICore

/// One batch of events wanted at one θ, with its own random stream.
struct DrawRequest {
    let theta: [Double]
    let count: Int
    let random: SeededRandom
}

/// Events drawn for one `DrawRequest`: observables `[count, nObservables]`, the rows the joint
/// likelihood reads (`[count, nColumns]`), and the effective sample size behind them.
struct DrawnEvents {
    let x: Matrix<Double>
    let events: Matrix<Double>
    let ess: Double
}

/// Where the events of one split come from (plain simulator, or a weighted pool).
protocol EventSource {
    /// The latent-level likelihood of the rows returned as `events`.
    var likelihood: any JointLikelihood { get }
    /// Whether events come from unweighting a weighted pool.
    var isWeighted: Bool { get }
    /// The events of every request, in order; `progress` advances by the events drawn.
    func drawAll(_ requests: [DrawRequest], progress: ProgressReporter?) throws -> [DrawnEvents]
}

/// Events drawn directly from a simulator; gold from its latent likelihood.
struct SimulatorSource: EventSource {
    let simulator: any Simulator
    var likelihood: any JointLikelihood { SimulatorJointLikelihood(simulator: simulator) }
    var isWeighted: Bool { false }

    func drawAll(_ requests: [DrawRequest], progress: ProgressReporter?) throws -> [DrawnEvents] {
        try requests.map { r in
            let batch = try simulator.simulate(at: r.theta, count: r.count, random: r.random)
            progress?.advance(by: r.count)
            return DrawnEvents(x: batch.observables, events: batch.latent, ess: Double(r.count))
        }
    }
}
