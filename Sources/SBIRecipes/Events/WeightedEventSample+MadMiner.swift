import SBICore
import SBIEvents
import SBISimulation

extension WeightedEventSample {
    /// The weighted event sample of a MadMiner analysis file.
    ///
    /// ```
    /// W[e, b] = f_{s(e)} · weights[e, b],   f_b = n_b / Σ n,   f = 1 for background
    /// ```
    /// The weights are `MadMinerFile.benchmarkWeights()` (MadMiner's sampling factors applied, so
    /// Σ_e W[e, b] = σ_b); parameters, ranges, benchmarks, observables and the morphing components
    /// and matrix are copied; the sampling benchmarks are those that generated events (in MadMiner
    /// every sampling benchmark is one run). Ranges are dropped if one is empty (low = high).
    ///
    /// Shapes: observables `[n, nObservables]`, weights `[n, nBenchmarks]` (physics benchmarks only).
    ///
    /// [1] arXiv:1907.10621 (MadMiner) and its `DataAnalyzer` documentation (sampling factors).
    /// - Throws: `SBIError.data` naming the file if its contents fail this type's checks
    ///   (duplicate or empty names, repeated morphing components).
    public init(madMiner file: MadMinerFile) throws {
        var ranges: [ClosedRange<Double>]? = file.parameters.compactMap(\.range)
        if ranges?.count != file.parameterCount || ranges?.contains(where: { !($0.lowerBound < $0.upperBound) }) == true {
            ranges = nil
        }
        var components: MorphingComponents?
        if let exponents = file.morphingComponents {
            do {
                components = try MorphingComponents(exponents: exponents, parameterCount: file.parameterCount)
            } catch let error as SBIError {
                throw SBIError.data(error.message, file: file.path, field: "/morphing/components")
            }
        }
        var sampling: [Int]?
        if file.samplingBenchmarks != nil, let counts = file.signalEventsPerBenchmark {
            sampling = counts.indices.filter { counts[$0] > 0 }
        }
        do {
            try self.init(
                observables: file.observations, benchmarkWeights: file.benchmarkWeights(),
                parameterNames: file.parameters.map(\.name), parameterRanges: ranges,
                benchmarkNames: file.benchmarkNames, benchmarks: file.benchmarks,
                observableNames: file.observableNames, morphingComponents: components,
                morphingMatrix: components == nil ? nil : file.morphingMatrix,
                samplingBenchmarks: sampling, source: "MadMiner file \(file.path) (\(file.layout.rawValue) layout)")
        } catch let error as SBIError {
            throw error.inFile(file.path)
        }
    }
}
