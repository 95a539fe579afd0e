import Foundation
import SBICore
import SBINetworks
import SBIEstimators

/// `sbi evaluate`: a model folder + an x file + a θ grid → log r̂ (and t̂) as .npy files.
enum EvaluateCommand {
    static let command = SubCommand(
        name: "evaluate",
        summary: "Evaluate a trained model: log r(x|theta) on a theta grid, or the score t(x).",
        synopsis: "--model DIR --x FILE --output FILE [--thetas FILE | --grid LO:HI:N[,...]] [options]",
        discussion: """
        Inputs: --x is an .npy file [n, observables] (or [n] for one observable), float32 or
        float64. The theta grid is an .npy file [k, parameters] (or [k]) given with --thetas,
        or --grid LO:HI:N per parameter, comma-separated (their Cartesian product, the last
        parameter varying fastest).
        Outputs (float64):
          ratio models    --output   log r(x_i|theta_j, theta_ref)   [k, n]  (streamed over theta)
                          --score    t(x_i|theta_j)                  [k, n, parameters]
                          --variance ensemble variance of log r      [k, n]  (ensembles)
          doubly models   as ratio models, with theta1 fixed at --reference V[,V...]
          score (SALLY)   --output   t(x_i)                          [n, parameters]
          likelihood      --output   log p(x_i|theta_j)              [k, n]  (nde)
        --model may be an ensemble folder written by 'sbi train --members N'; the output is then
        the members' mean.
        """,
        options: [
            .value("model", "DIR", "Model folder (or ensemble folder) written by 'sbi train'."),
            .value("x", "FILE", "Observables, .npy [n, observables]."),
            .value("thetas", "FILE", "Parameter grid, .npy [k, parameters]."),
            .value("grid", "LO:HI:N[,...]", "Regular grid per parameter instead of --thetas."),
            .value("reference", "V[,V...]", "theta1 for doubly parameterized models."),
            .value("output", "FILE", "Where to write log r (or t for score models)."),
            .value("score", "FILE", "Also write t(x|theta) of a ratio model here."),
            .value("variance", "FILE", "Also write the ensemble variance of log r here."),
        ],
        run: { parsed, console in
            guard parsed.positionals.isEmpty else { throw SBIError.usage("unexpected argument '\(parsed.positionals[0])'") }
            let modelPath = try CommandInput.required(parsed, "model")
            let xPath = try CommandInput.required(parsed, "x")
            let output = try CommandInput.required(parsed, "output")
            if parsed.value("thetas") != nil && parsed.value("grid") != nil {
                throw SBIError.usage("give --thetas or --grid, not both", field: "--grid")
            }
            let start = ProgressReporter.monotonicSeconds()
            let model = try LoadedModel.load(modelPath)
            let xFile = try openX(xPath, observables: model.observableCount)
            switch model {
            case .score(let estimator):
                let x = try readX(xFile, rows: 0..<xFile.rowCount)
                let t = try estimator.score(x: x)
                try NPYFile.write(t, to: output)
                console.print("events \(x.rows) parameters \(estimator.parameterCount)")
            default:
                let thetas = try thetaGrid(parsed, parameters: model.parameterCount)
                let ratio: any LogRatioEstimator
                var evaluate: ((Matrix<Double>, Matrix<Double>) throws -> Matrix<Double>)?
                switch model {
                case .ratio(let e): ratio = e
                case .morphingAware(let e): ratio = e
                case .ratioEnsemble(let e): ratio = e
                case .likelihood(let e):
                    ratio = e
                    evaluate = { try e.logLikelihood(x: $0, thetas: $1) }
                case .doubly(let e):
                    guard let text = parsed.value("reference") else {
                        throw SBIError.usage("a doubly parameterized model needs --reference V[,V...] (theta1)", field: "--reference")
                    }
                    do { ratio = try e.against(reference: try CommandInput.numbers(text, option: "reference")) } catch let error as SBIError {
                        throw SBIError.usage(error.message, field: "--reference")
                    }
                default: preconditionFailure("handled above")
                }
                var isSingleRatio = false, isEnsemble = false
                if case .ratio = model { isSingleRatio = true }
                if case .morphingAware = model { isSingleRatio = true }
                if case .ratioEnsemble = model { isEnsemble = true }
                if parsed.value("score") != nil && !isSingleRatio {
                    throw SBIError.usage("--score needs a single parameterized ratio model", field: "--score")
                }
                if parsed.value("variance") != nil && !isEnsemble {
                    throw SBIError.usage("--variance needs an ensemble model", field: "--variance")
                }
                // Stream: θ outer, chunks of x from the memory map inner; one output row [n] per θ.
                let n = xFile.rowCount
                let writer = try NPYStreamWriter<Double>(path: output, shape: [thetas.rows, n])
                var row = [Double](repeating: 0, count: n)
                for j in 0..<thetas.rows {
                    let theta = thetas.rows(j..<(j + 1))
                    var start = 0
                    while start < n {
                        let rows = start..<min(n, start + streamRows)
                        let chunk = try readX(xFile, rows: rows)
                        let r = try evaluate?(chunk, theta) ?? ratio.logRatio(x: chunk, thetas: theta)
                        for (k, i) in rows.enumerated() { row[i] = r[0, k] }
                        start = rows.upperBound
                    }
                    try row.withUnsafeBufferPointer { try writer.append($0) }
                }
                if let scorePath = parsed.value("score") {
                    let x = try readX(xFile, rows: 0..<n)
                    var t: Matrix<Double>?
                    if case .ratio(let e) = model { t = try e.logRatioAndScore(x: x, thetas: thetas).score }
                    if case .morphingAware(let e) = model { t = try e.logRatioAndScore(x: x, thetas: thetas).score }
                    if let t { try NPYFile.write(NPYArray(shape: [thetas.rows, n, model.parameterCount], data: .float64(t.storage)), to: scorePath) }
                }
                if let variancePath = parsed.value("variance"), case .ratioEnsemble(let e) = model {
                    try NPYFile.write(try e.logRatioMeanAndVariance(x: try readX(xFile, rows: 0..<n), thetas: thetas).variance, to: variancePath)
                }
                try writer.commit()
                console.print("events \(n) thetas \(thetas.rows)")
            }
            console.print("time \(BenchCommand.formatFigure(ProgressReporter.monotonicSeconds() - start)) s")
            console.print("wrote \(output)")
        })

    /// A model folder of any kind, or an ensemble folder.
    enum LoadedModel {
        case ratio(ParameterizedRatioEstimator)
        case morphingAware(MorphingAwareRatioEstimator)
        case ratioEnsemble(RatioEnsemble)
        case doubly(DoublyParameterizedRatioEstimator)
        case score(any ScoreEstimator)
        case likelihood(NeuralDensityEstimator)

        var observableCount: Int {
            switch self {
            case .ratio(let e): return e.observableCount
            case .morphingAware(let e): return e.observableCount
            case .ratioEnsemble(let e): return e.observableCount
            case .doubly(let e): return e.observableCount
            case .score(let e): return e.observableCount
            case .likelihood(let e): return e.observableCount
            }
        }

        var parameterCount: Int {
            switch self {
            case .ratio(let e): return e.parameterCount
            case .morphingAware(let e): return e.parameterCount
            case .ratioEnsemble(let e): return e.parameterCount
            case .doubly(let e): return e.parameterCount
            case .score(let e): return e.parameterCount
            case .likelihood(let e): return e.parameterCount
            }
        }

        static func load(_ path: String) throws -> LoadedModel {
            if FileManager.default.fileExists(atPath: path + "/" + EnsembleFolder.indexFile) {
                if let ratio = try? RatioEnsemble.load(from: path) { return .ratioEnsemble(ratio) }
                return .score(try ScoreEnsemble.load(from: path))
            }
            let folder = try ModelFolder.load(from: path)
            switch folder.description.kind {
            case .parameterizedRatio: return .ratio(try ParameterizedRatioEstimator(folder: folder, path: path))
            case .morphingAwareRatio: return .morphingAware(try MorphingAwareRatioEstimator(folder: folder, path: path))
            case .doublyParameterizedRatio: return .doubly(try DoublyParameterizedRatioEstimator(folder: folder, path: path))
            case .score: return .score(try SALLYEstimator(folder: folder, path: path))
            case .likelihood: return .likelihood(try NeuralDensityEstimator(folder: folder, path: path))
            }
        }
    }

    /// Events read per chunk when streaming log r̂ over x.
    static let streamRows = 65_536

    /// Opens an .npy of observables and checks its shape: [n] or [n, observables].
    static func openX(_ path: String, observables: Int) throws -> NPYMappedFile {
        let file = try NPYMappedFile(path: path)
        let shape = file.header.shape
        let width = shape.count == 1 ? 1 : (shape.count == 2 ? shape[1] : -1)
        guard width == observables else {
            throw SBIError.data("shape \(shape); the model takes \(observables) observable\(observables == 1 ? "" : "s"), expected [n, \(observables)]",
                                file: path, field: "shape")
        }
        guard file.rowCount > 0 else {
            throw SBIError.data("shape \(shape) holds no events; expected at least one row", file: path, field: "shape")
        }
        return file
    }

    /// Rows of the observables as Double; a non-finite value is a data error naming file, row and column.
    static func readX(_ file: NPYMappedFile, rows: Range<Int>) throws -> Matrix<Double> {
        let width = file.rowElementCount
        let x = file.readRows(rows, as: Double.self).reshaped(rows: rows.count, columns: width)
        if let bad = x.firstNonFinite() {
            throw SBIError.data("non-finite value \(x[bad.row, bad.column]); observables must be finite", file: file.path,
                                field: "row \(rows.lowerBound + bad.row), column \(bad.column)")
        }
        return x
    }

    /// The θ grid from --thetas FILE or --grid LO:HI:N,...
    static func thetaGrid(_ parsed: ParsedOptions, parameters: Int) throws -> Matrix<Double> {
        if let path = parsed.value("thetas") {
            let file = try NPYMappedFile(path: path)
            let shape = file.header.shape
            let width = shape.count == 1 ? 1 : (shape.count == 2 ? shape[1] : -1)
            guard width == parameters else {
                throw SBIError.data("shape \(shape); the model has \(parameters) parameter\(parameters == 1 ? "" : "s"), expected [k, \(parameters)]",
                                    file: path, field: "shape")
            }
            let m = file.readRows(0..<file.rowCount, as: Double.self).reshaped(rows: file.rowCount, columns: parameters)
            if let bad = m.firstNonFinite() {
                throw SBIError.data("non-finite value \(m[bad.row, bad.column]); parameter points must be finite", file: path,
                                    field: "row \(bad.row), column \(bad.column)")
            }
            return m
        }
        guard let text = parsed.value("grid") else {
            throw SBIError.usage("missing option --thetas FILE or --grid LO:HI:N")
        }
        let axes = text.split(separator: ",").map(String.init)
        guard axes.count == parameters else {
            throw SBIError.usage("option '--grid' has \(axes.count) axes; the model has \(parameters) parameters", field: "--grid")
        }
        var values: [[Double]] = []
        for axis in axes {
            let parts = axis.split(separator: ":").map { Double($0) }
            guard parts.count == 3, let lo = parts[0], let hi = parts[1], let nd = parts[2], lo.isFinite, hi.isFinite,
                  let n = Int(exactly: nd), n >= 1, n <= 1_000_000, n == 1 || hi > lo else {
                throw SBIError.usage("option '--grid' expects LO:HI:N with LO < HI and N >= 1 per parameter, got '\(axis)'", field: "--grid")
            }
            values.append((0..<n).map { n == 1 ? lo : lo + (hi - lo) * Double($0) / Double(n - 1) })
        }
        let total = values.reduce(1) { $0 * $1.count }
        var grid = Matrix<Double>(rows: total, columns: parameters)
        for r in 0..<total {
            var rest = r
            for k in stride(from: parameters - 1, through: 0, by: -1) {
                grid[r, k] = values[k][rest % values[k].count]
                rest /= values[k].count
            }
        }
        return grid
    }
}
