// Tutorial 02 (Notebooks-md/02-your-own-simulator.md): your own simulator, from the gold to a limit.
import Foundation
import SBI

/// A particle whose decay width depends on a new-physics coupling θ, measured with a detector
/// that smears the decay time:
///
///     Γ(θ) = Γ_SM (1 + θ)
///     z = t ~ Γ e^(−Γ t)          (true decay time: the latent history)
///     x ~ N(t, σ²)                (measured decay time: the observable)
///     log p(z|θ) = log Γ(θ) − Γ(θ) t,       ∇θ log p(z|θ) = 1/(1 + θ) − Γ_SM t
///     p(x|θ) = (Γ/2) exp(Γ (Γσ²/2 − x)) erfc((Γσ² − x) / (√2 σ))   (exponentially modified Gaussian)
///
/// The estimators only ever see `simulate` and `jointLogLikelihood`; `exactLogLikelihood` is
/// the answer we check them against.
struct DecaySimulator: ExactLikelihoodSimulator {
    let name = "decay"
    let parameterSpace = ParameterSpace(names: ["theta"], ranges: [-0.5...0.5], latexLabels: [#"\theta"#])
    let observableNames = ["x"]
    let latentNames = ["t"]
    let widthSM = 1.0       // Γ_SM, in inverse units of time
    let resolution = 0.3    // σ, in units of time

    func width(_ theta: [Double]) -> Double { widthSM * (1 + theta[0]) }

    func simulate(at theta: [Double], count: Int, random: SeededRandom) throws -> EventBatch {
        try parameterSpace.validate(theta)
        guard count > 0 else { throw SBIError.data("need at least one event, got \(count)", field: "count") }
        let gamma = width(theta)
        var x = Matrix<Double>(rows: count, columns: 1)
        var t = Matrix<Double>(rows: count, columns: 1)
        for i in 0..<count {
            let time = -log(random.uniformPositive()) / gamma
            t[i, 0] = time
            x[i, 0] = time + random.normal(standardDeviation: resolution)
        }
        return EventBatch(observables: x, latent: t)
    }

    func jointLogLikelihood(latent: Matrix<Double>, at theta: [Double], gradient: inout Matrix<Double>?) throws -> [Double] {
        try parameterSpace.validate(theta)
        let gamma = width(theta)
        var logP = [Double](repeating: 0, count: latent.rows)
        var score = Matrix<Double>(rows: latent.rows, columns: 1)
        for i in 0..<latent.rows {
            let time = latent[i, 0]
            logP[i] = log(gamma) - gamma * time
            score[i, 0] = 1 / (1 + theta[0]) - widthSM * time
        }
        if gradient != nil { gradient = score }
        return logP
    }

    func exactLogLikelihood(observables: Matrix<Double>, at theta: [Double]) throws -> [Double] {
        try parameterSpace.validate(theta)
        let gamma = width(theta), s2 = resolution * resolution
        return (0..<observables.rows).map { i in
            let x = observables[i, 0]
            return log(gamma / 2) + gamma * (gamma * s2 / 2 - x) + log(erfc((gamma * s2 - x) / (2 * s2).squareRoot()))
        }
    }
}

let simulator = DecaySimulator()
let request = AugmentationRequest(kind: .ratio, theta0: .prior([.flat(nil)]), theta1: .point([0]),
                                  count: 100_000, seed: 1)
let samples = try SampleAugmenter(simulator: simulator).augment(request)
try samples.write(to: "decay-samples")
print("gold: \(samples.fileNames.joined(separator: " "))")

let data = try TrainingDataset(folder: "decay-samples", fields: [.x, .theta, .y, .rXZ, .tXZ])
let alices = try ParameterizedRatioEstimator.train(
    method: .alices, data: data,
    network: NetworkSettings(hiddenSizes: [32, 32], activation: .tanh, alpha: 1),
    training: TrainingSettings(seed: 2, epochs: 30),
    parameterNames: simulator.parameterSpace.names)
try alices.save(to: "decay-alices")
print("ALICES: \(alices.history?.epochCount ?? 0) epochs on \(data.count) events")

let thetaTrue = [0.2]
let asimov = try simulator.simulate(at: thetaTrue, count: 20_000, random: SeededRandom(seed: 3))
let observed = try ScanData.asimov(sample: asimov.observables, expectedEvents: 200)
let grid = try ParameterGrid(names: ["theta"], ranges: [-0.5...0.5], counts: [101])
let exact = try LikelihoodScan.truth(simulator: simulator, data: observed, grid: grid)
let learned = try LikelihoodScan.ml(estimator: alices, data: observed, grid: grid)

func describe(_ name: String, _ scan: LikelihoodScanResult) throws -> ConfidenceInterval? {
    let interval = try ConfidenceRegion.intervals(scan: scan, confidenceLevel: 0.68).first
    let text = interval.map { String(format: "[%.3f, %.3f]", $0.lower, $0.upper) } ?? "none"
    print(name.padding(toLength: 8, withPad: " ", startingAt: 0) + String(format: "best %.3f", scan.bestFit[0]) + "  68% CL " + text)
    return interval
}
guard let a = try describe("exact", exact), let b = try describe("alices", learned) else {
    print("no 68% interval")
    exit(1)
}
let shift = max(abs(a.lower - b.lower), abs(a.upper - b.upper))
let allowed = 0.15 * (a.upper - a.lower)
print(String(format: "largest shift of an end: %.3f (allowed %.3f)", shift, allowed))
guard shift <= allowed else {
    print("ALICES disagrees with the exact likelihood")
    exit(1)
}

let parameters = [ContoursFile.Parameter(name: "theta", label: #"\theta"#, range: -0.5...0.5)]
let file = try ContoursFile.make(space: parameters, grid: grid,
                                 results: [("exact", "truth", exact), ("alices", "ml", learned)],
                                 confidenceLevels: [0.68, 0.95], thetaTrue: thetaTrue)
try file.write(to: "decay-contours.json")
try ContourPlot.write(file, to: "decay-contours.svg")
print("wrote decay-contours.json, decay-contours.svg")
