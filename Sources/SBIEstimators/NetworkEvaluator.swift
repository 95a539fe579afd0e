import SBICore
import SBINetworks

/// Evaluates one network on chunks of events with θ held fixed across the chunk, into Double.
///
/// ```
/// out[i]        = f(x_i, θ)                      (value)
/// grad[i, o·P+k] = ∂f_o/∂θ_k (x_i, θ)              (θ-gradient, raw θ units)
/// ```
/// Buffers (one workspace, Float copies of a chunk of x and of the broadcast θ) are sized
/// once per call of the public APIs, never per chunk. Not thread-safe; each public
/// evaluation makes its own.
/// Shapes: x chunk `[rows, nObservables]`, θ row `[nParameters]` of the network's inputs.
final class NetworkEvaluator {
    let network: MLP
    let capacity: Int
    let workspace: MLPWorkspace
    let tangents: Bool
    var x: [Float]
    var theta: [Float]
    var gradient: [Float]

    init(network: MLP, capacity: Int, tangents: Bool) {
        let arch = network.architecture
        self.network = network
        self.capacity = max(1, capacity)
        self.tangents = tangents && arch.nParameters > 0
        workspace = MLPWorkspace(architecture: arch, batchCapacity: self.capacity, thetaTangents: self.tangents)
        x = [Float](repeating: 0, count: self.capacity * arch.nObservables)
        theta = [Float](repeating: 0, count: self.capacity * arch.nParameters)
        gradient = [Float](repeating: 0, count: self.tangents ? self.capacity * arch.outputSize * arch.nParameters : 0)
    }

    /// Copies rows `rows` of `source` (Double) into the Float x buffer.
    func loadX(_ source: Matrix<Double>, rows: Range<Int>) {
        let c = network.architecture.nObservables
        precondition(source.columns == c, "NetworkEvaluator: x has \(source.columns) columns, network takes \(c)")
        precondition(rows.count <= capacity, "NetworkEvaluator: \(rows.count) rows exceed capacity \(capacity)")
        source.withUnsafeBufferPointer { s in
            x.withUnsafeMutableBufferPointer { d in
                let base = rows.lowerBound * c
                for k in 0..<(rows.count * c) { d[k] = Float(s[base + k]) }
            }
        }
    }

    /// Fills the θ buffer with one row repeated `count` times.
    func broadcastTheta(_ row: UnsafeBufferPointer<Double>, count: Int) {
        let p = network.architecture.nParameters
        precondition(row.count == p, "NetworkEvaluator: θ has \(row.count) values, network takes \(p)")
        theta.withUnsafeMutableBufferPointer { d in
            for i in 0..<count { for k in 0..<p { d[i * p + k] = Float(row[k]) } }
        }
    }

    /// Copies rows `rows` of a θ matrix into the θ buffer (one θ per event).
    func loadTheta(_ source: Matrix<Double>, rows: Range<Int>) {
        let p = network.architecture.nParameters
        precondition(source.columns == p, "NetworkEvaluator: θ has \(source.columns) columns, network takes \(p)")
        source.withUnsafeBufferPointer { s in
            theta.withUnsafeMutableBufferPointer { d in
                let base = rows.lowerBound * p
                for k in 0..<(rows.count * p) { d[k] = Float(s[base + k]) }
            }
        }
    }

    /// Forward pass over the first `count` rows of the buffers; the output is `workspace.output`,
    /// and with tangents the θ-gradient is in `gradient`.
    func run(count: Int) {
        let net = network
        let ws = workspace
        let withTangents = tangents
        x.withUnsafeBufferPointer { xp in
            theta.withUnsafeBufferPointer { tp in
                net.forward(x: xp, theta: net.architecture.nParameters > 0 ? tp : nil, count: count,
                            thetaTangents: withTangents, preparingBackward: false, workspace: ws)
            }
        }
        if withTangents {
            gradient.withUnsafeMutableBufferPointer { net.thetaGradient(workspace: ws, into: $0) }
        }
    }
}

/// Input checks shared by the estimators' evaluation APIs.
enum EstimatorInput {
    /// Rows evaluated per forward pass.
    static let chunkRows = 4096

    /// - Throws: `SBIError.data` naming `field` for a wrong column count or a non-finite value.
    static func check(_ m: Matrix<Double>, columns: Int, field: String, what: String) throws {
        guard m.columns == columns else {
            throw SBIError.data("expected \(columns) \(what) per row, got shape [\(m.rows), \(m.columns)]", field: field)
        }
        if let bad = m.firstNonFinite() {
            throw SBIError.data("non-finite value \(m[bad.row, bad.column]) at row \(bad.row), column \(bad.column); inputs must be finite",
                                field: field)
        }
    }
}
