import Foundation
import XCTest
import SBICore
@testable import SBISimulation

/// A weighted toy whose every quantity is known in closed form, so weighted augmentation can be
/// checked exactly (x = z, no smearing):
/// ```
/// z ~ q = U(0, 1),  w(z|θ) = (1 + θz)²,  σ(θ) = ∫₀¹ w dz = 1 + θ + θ²/3,  p(z|θ) = w(z|θ)/σ(θ)
/// ```
/// θ ∈ [−1, 1]; components 1, θ, θ² (max power 2).
struct QuadraticToyWeightedSimulator: WeightedSimulator, ExactLikelihoodSimulator {
    let name = "quadratic-toy"
    let parameterSpace = ParameterSpace(names: ["theta"], ranges: [-1.0...1.0])
    let observableNames = ["x"]
    let latentNames = ["z"]
    let morphingMaxPowers = [2]
    let morphingMaxOverallPower = 2

    static func sigma(_ t: Double) -> Double { 1 + t + t * t / 3 }

    func simulate(at theta: [Double], count: Int, random: SeededRandom) throws -> EventBatch {
        try parameterSpace.validate(theta)
        guard count > 0 else { throw SBIError.data("count must be positive", field: "count") }
        let t = theta[0], wmax = (1 + abs(t)) * (1 + abs(t))
        var z = Matrix<Double>(rows: count, columns: 1)
        var i = 0
        while i < count {
            let candidate = random.uniform()
            if random.uniform() * wmax < (1 + t * candidate) * (1 + t * candidate) { z[i, 0] = candidate; i += 1 }
        }
        return EventBatch(observables: z, latent: z)
    }

    func jointLogLikelihood(latent: Matrix<Double>, at theta: [Double], gradient: inout Matrix<Double>?) throws -> [Double] {
        let t = theta[0], s = Self.sigma(t)
        if gradient != nil {
            gradient = Matrix(rows: latent.rows, columns: 1) { e, _ in
                let z = latent[e, 0]
                return 2 * z / (1 + t * z) - (1 + 2 * t / 3) / s
            }
        }
        return latent.storage.map { z in 2 * log(1 + t * z) - log(s) }
    }

    func exactLogLikelihood(observables: Matrix<Double>, at theta: [Double]) throws -> [Double] {
        var none: Matrix<Double>? = nil
        return try jointLogLikelihood(latent: observables, at: theta, gradient: &none)
    }

    func simulateWeighted(proposalAt theta: [Double], count: Int, random: SeededRandom) throws -> EventBatch {
        var z = Matrix<Double>(rows: count, columns: 1)
        z.withUnsafeMutableBufferPointer { random.fillUniform($0) }
        return EventBatch(observables: z, latent: z, weights: try weights(latent: z, at: theta))
    }

    func weights(latent: Matrix<Double>, at theta: [Double]) throws -> [Double] {
        try parameterSpace.validate(theta)
        return latent.storage.map { (1 + theta[0] * $0) * (1 + theta[0] * $0) }
    }

    func crossSection(at theta: [Double]) throws -> Double { Self.sigma(theta[0]) }
}

/// A fresh temporary folder path (not created), removed at the end of the test.
func temporaryFolder(_ test: XCTestCase) -> String {
    let path = NSTemporaryDirectory() + "sbi-augment-" + UUID().uuidString
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}


/// A weighted toy whose weights turn negative inside the range, to test the refusal:
/// w(z|θ) = 1 + 3θ(z − ½) on z ~ U(0, 1), θ ∈ [−1, 1]; negative for θ = 1 and z < 1/6.
struct NegativeWeightToySimulator: WeightedSimulator {
    let name = "negative-toy"
    let parameterSpace = ParameterSpace(names: ["theta"], ranges: [-1.0...1.0])
    let observableNames = ["x"]
    let latentNames = ["z"]
    let morphingMaxPowers = [1]
    let morphingMaxOverallPower = 1

    func simulate(at theta: [Double], count: Int, random: SeededRandom) throws -> EventBatch {
        throw SBIError.data("unweighted events are not available", field: "simulator")
    }

    func jointLogLikelihood(latent: Matrix<Double>, at theta: [Double], gradient: inout Matrix<Double>?) throws -> [Double] {
        throw SBIError.data("not available", field: "simulator")
    }

    func simulateWeighted(proposalAt theta: [Double], count: Int, random: SeededRandom) throws -> EventBatch {
        var z = Matrix<Double>(rows: count, columns: 1)
        z.withUnsafeMutableBufferPointer { random.fillUniform($0) }
        return EventBatch(observables: z, latent: z, weights: try weights(latent: z, at: theta))
    }

    func weights(latent: Matrix<Double>, at theta: [Double]) throws -> [Double] {
        latent.storage.map { 1 + 3 * theta[0] * ($0 - 0.5) }
    }

    func crossSection(at theta: [Double]) throws -> Double { 1 }
}
