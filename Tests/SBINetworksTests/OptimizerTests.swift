import XCTest
@testable import SBINetworks

/// Closed-form checks of the optimisers, the learning-rate schedule and gradient clipping.
final class OptimizerTests: XCTestCase {
    /// Runs one optimiser step on arrays.
    private func step(_ optimizer: Optimizer, _ theta: inout [Float], _ gradient: [Float]) {
        theta.withUnsafeMutableBufferPointer { p in
            gradient.withUnsafeBufferPointer { g in optimizer.step(parameters: p, gradient: g) }
        }
    }

    func testAdam_firstStep_equalsBiasCorrectedClosedForm() {
        // θ1 = θ0 − lr·g/(|g|+ε): bias correction turns m and v into g and g² exactly.
        let theta0: [Float] = [0.5, -1.25, 2.0, 0.0, 1.0]
        let gradient: [Float] = [0.3, -7.0, 1e-8, 1e3, 0]
        let lr: Float = 0.1, eps: Float = 1e-8
        let adam = Adam(parameterCount: 5, learningRate: lr, epsilon: eps)
        var theta = theta0
        step(adam, &theta, gradient)
        for i in 0..<5 {
            let g = Double(gradient[i])
            let expected = Double(theta0[i]) - Double(lr) * g / (abs(g) + Double(eps))
            // Float32 arithmetic on values of size ≤ 2: a few ulps (1.2e-7 each) of rounding.
            XCTAssertEqual(Double(theta[i]), expected, accuracy: 1e-6, "component \(i)")
        }
        XCTAssertEqual(adam.stepCount, 1)
    }

    func testAMSGrad_decreasingSecondMoment_keepsRunningMaximum() {
        // g1 = 10 then g2 = 0.1: v2 = β2·v1 + (1−β2)·0.01 < v1, so AMSGrad divides by √v1, Adam by √v2.
        // The optimiser's β are Float32: use their exact Double values in the closed form
        // (1 − 0.999f differs from 1 − 0.999 by 1.3e-5 relative).
        let b1 = Double(Float(0.9)), b2 = Double(Float(0.999)), lr = 1.0, eps = Double(Float(1e-8))
        let ams = Adam(parameterCount: 1, learningRate: Float(lr), amsgrad: true)
        let adam = Adam(parameterCount: 1, learningRate: Float(lr))
        var thetaAMS: [Float] = [0], thetaAdam: [Float] = [0]
        for g in [Float(10), Float(0.1)] {
            step(ams, &thetaAMS, [g])
            step(adam, &thetaAdam, [g])
        }
        let v1 = (1 - b2) * 100, m1 = (1 - b1) * 10
        let v2 = b2 * v1 + (1 - b2) * 0.01, m2 = b1 * m1 + (1 - b1) * 0.1
        XCTAssertLessThan(v2, v1)
        // Moments are single Float32 roundings of these values (relative 1e-7).
        XCTAssertEqual(Double(ams.secondMomentMaximum[0]), v1, accuracy: 1e-7)
        XCTAssertEqual(Double(ams.secondMoment[0]), v2, accuracy: 1e-7)
        let first = -lr * 1 / (1 + eps)  // first step: −lr·g/(|g|+ε)
        let amsExpected = first - lr * (m2 / (1 - b1 * b1)) / ((v1 / (1 - b2 * b2)).squareRoot() + eps)
        let adamExpected = first - lr * (m2 / (1 - b1 * b1)) / ((v2 / (1 - b2 * b2)).squareRoot() + eps)
        // The two differ by ≈ 3e-4; Float32 rounding of steps of size ≤ 2 is ≤ 1e-6.
        XCTAssertGreaterThan(abs(amsExpected - adamExpected), 1e-4)
        XCTAssertEqual(Double(thetaAMS[0]), amsExpected, accuracy: 1e-6)
        XCTAssertEqual(Double(thetaAdam[0]), adamExpected, accuracy: 1e-6)
    }

    func testSGD_twoStepsWithMomentum_equalsClosedForm() {
        // b1 = g1, θ1 = θ0 − lr·g1; b2 = μ·g1 + g2, θ2 = θ1 − lr·b2.
        let lr: Float = 0.05, mu: Float = 0.9
        let sgd = SGD(parameterCount: 2, learningRate: lr, momentum: mu)
        let g1: [Float] = [1.0, -2.0], g2: [Float] = [0.5, 3.0]
        var theta: [Float] = [1.0, 1.0]
        step(sgd, &theta, g1)
        step(sgd, &theta, g2)
        for i in 0..<2 {
            let expected = 1.0 - Double(lr) * Double(g1[i]) - Double(lr) * (Double(mu) * Double(g1[i]) + Double(g2[i]))
            // Float32 rounding of O(1) values: a few ulps.
            XCTAssertEqual(Double(theta[i]), expected, accuracy: 1e-6)
        }
        sgd.reset()
        var fresh: [Float] = [0, 0]
        step(sgd, &fresh, g2)  // after reset the first step is plain −lr·g again
        XCTAssertEqual(fresh, [-lr * g2[0], -lr * g2[1]])
    }

    func testLearningRateSchedule_endpointsAndMiddle_matchExponentialDecay() {
        let schedule = LearningRateSchedule(initial: 1e-3, final: 1e-4, epochs: 5)
        // The endpoints are returned exactly (no rounding through exp/log).
        XCTAssertEqual(schedule.rate(epoch: 0), 1e-3)
        XCTAssertEqual(schedule.rate(epoch: 4), 1e-4)
        // Middle epoch of an odd count: the geometric mean; Double rounding ≈ 1e-16 relative.
        XCTAssertEqual(schedule.rate(epoch: 2), (1e-3 * 1e-4).squareRoot(), accuracy: 1e-15)
        // lr_e = lr0·(lr1/lr0)^(e/(E−1)) at e = 1.
        XCTAssertEqual(schedule.rate(epoch: 1), 1e-3 * pow(0.1, 0.25), accuracy: 1e-15)
        XCTAssertEqual(LearningRateSchedule(initial: 0.01, final: 0.001, epochs: 1).rate(epoch: 0), 0.01)
    }

    func testGradientClipping_normAboveLimit_scalesToLimit() {
        var g: [Float] = [3, 4, 0, 0]
        let before = g.withUnsafeMutableBufferPointer { GradientClipping.clip($0, maxNorm: 1) }
        XCTAssertEqual(before, 5)  // exact: 9 + 16 = 25
        let after = g.withUnsafeBufferPointer { GradientClipping.norm($0) }
        // One Float32 multiplication per component: relative 1e-7.
        XCTAssertEqual(after, 1, accuracy: 1e-6)
        XCTAssertEqual(Double(g[0]), 0.6, accuracy: 1e-7)
        XCTAssertEqual(Double(g[1]), 0.8, accuracy: 1e-7)
    }

    func testGradientClipping_normBelowLimit_leavesGradientUnchanged() {
        let original: [Float] = [0.1, -0.2, 0.3]
        var g = original
        _ = g.withUnsafeMutableBufferPointer { GradientClipping.clip($0, maxNorm: 10) }
        XCTAssertEqual(g, original)
    }

    func testOptimizerKind_unknownName_throwsListingValidNames() {
        XCTAssertThrowsError(try OptimizerKind.parse("adamw", field: "optimizer")) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("optimizer: unknown optimizer \"adamw\"; expected one of adam, amsgrad, sgd"), text)
        }
        XCTAssertEqual(try OptimizerKind.parse("AMSGrad"), .amsgrad)
    }
}
