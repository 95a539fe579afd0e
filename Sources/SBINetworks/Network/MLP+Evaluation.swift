import SBICore

/// Whole-sample evaluation on `Matrix` inputs: chunked forward passes on one workspace.
extension MLP {
    /// Rows per forward pass in the `Matrix` APIs: large enough for SGEMM to run near its
    /// peak, small enough that a layer's activations stay in L2 cache.
    public static let evaluationChunk = 512

    /// f(x, θ) for every row, `[n, outputSize]`.
    /// Shapes: `x` `[n, nObservables]`, `theta` `[n, nParameters]` (nil if nParameters = 0).
    public func evaluate(x: Matrix<Float>, theta: Matrix<Float>?) -> Matrix<Float> {
        var result = Matrix<Float>(rows: x.rows, columns: architecture.outputSize)
        forEachChunk(x: x, theta: theta, tangents: false) { rows, ws in
            result.withUnsafeMutableBufferPointer { r in
                let out = architecture.outputSize
                (r.baseAddress! + rows.lowerBound * out).update(from: ws.output.baseAddress!, count: rows.count * out)
            }
        }
        return result
    }

    /// ∂f/∂θ (raw θ) for every row by forward-mode tangents, `[n, outputSize·nParameters]`
    /// (element `(i, o·nParameters + k)` = ∂f_o/∂θ_k): the estimated score t̂(x|θ) for log r̂.
    /// - Precondition: nParameters > 0.
    public func thetaGradient(x: Matrix<Float>, theta: Matrix<Float>) -> Matrix<Float> {
        precondition(architecture.nParameters > 0, "MLP.thetaGradient: the network has no parameter inputs")
        let width = architecture.outputSize * architecture.nParameters
        var result = Matrix<Float>(rows: x.rows, columns: width)
        forEachChunk(x: x, theta: theta, tangents: true) { rows, ws in
            result.withUnsafeMutableBufferPointer { r in
                thetaGradient(workspace: ws, into: UnsafeMutableBufferPointer(rebasing: r[(rows.lowerBound * width)..<(rows.upperBound * width)]))
            }
        }
        return result
    }

    /// ∂f_output/∂(x, θ) (raw inputs) for every row by backpropagation, `[n, nObservables + nParameters]`.
    /// - Precondition: `0 ≤ output < outputSize`.
    public func inputGradient(x: Matrix<Float>, theta: Matrix<Float>?, output: Int = 0) -> Matrix<Float> {
        let nOut = architecture.outputSize, nIn = architecture.inputSize
        precondition(output >= 0 && output < nOut, "MLP.inputGradient: output \(output) is not in 0..<\(nOut)")
        var result = Matrix<Float>(rows: x.rows, columns: nIn)
        var seed = [Float](repeating: 0, count: MLP.evaluationChunk * nOut)
        for i in 0..<MLP.evaluationChunk { seed[i * nOut + output] = 1 }
        forEachChunk(x: x, theta: theta, tangents: false, backward: true) { rows, ws in
            seed.withUnsafeBufferPointer { s in
                result.withUnsafeMutableBufferPointer { r in
                    backward(outputGradient: s, scoreGradient: nil, workspace: ws, parameterGradient: nil,
                             inputGradient: UnsafeMutableBufferPointer(rebasing: r[(rows.lowerBound * nIn)..<(rows.upperBound * nIn)]))
                }
            }
        }
        return result
    }

    /// Runs forward passes over `x` in chunks of `evaluationChunk` rows, calling `body` after each.
    private func forEachChunk(x: Matrix<Float>, theta: Matrix<Float>?, tangents: Bool, backward: Bool = false,
                              _ body: (Range<Int>, MLPWorkspace) -> Void) {
        let nObs = architecture.nObservables, nPar = architecture.nParameters
        precondition(x.columns == nObs, "MLP: x has \(x.columns) columns, the network takes \(nObs)")
        if nPar > 0 {
            precondition(theta?.rows == x.rows && theta?.columns == nPar,
                         "MLP: theta is [\(theta?.rows ?? 0), \(theta?.columns ?? 0)], need [\(x.rows), \(nPar)]")
        }
        let ws = MLPWorkspace(architecture: architecture, batchCapacity: MLP.evaluationChunk, thetaTangents: tangents)
        var start = 0
        while start < x.rows {
            let rows = start..<min(x.rows, start + MLP.evaluationChunk)
            x.withUnsafeBufferPointer { xp in
                let xs = UnsafeBufferPointer(rebasing: xp[(rows.lowerBound * nObs)..<(rows.upperBound * nObs)])
                if let theta, nPar > 0 {
                    theta.withUnsafeBufferPointer { tp in
                        let ts = UnsafeBufferPointer(rebasing: tp[(rows.lowerBound * nPar)..<(rows.upperBound * nPar)])
                        forward(x: xs, theta: ts, count: rows.count, thetaTangents: tangents, preparingBackward: backward, workspace: ws)
                    }
                } else {
                    forward(x: xs, theta: nil, count: rows.count, thetaTangents: false, preparingBackward: backward, workspace: ws)
                }
            }
            body(rows, ws)
            start = rows.upperBound
        }
    }
}
