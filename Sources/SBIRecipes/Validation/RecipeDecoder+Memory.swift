import SBICore
import SBINetworks
import SBISimulation

/// The memory each stage of `sbi fit` will hold, estimated from the recipe before anything runs
/// and refused at the field that sets it when it exceeds the machine's memory (`MemoryBudget`).
///
/// ```
/// augment, per sample:   events·8·(x + 4θ + 2)  +  pool·8·(x + z + components + 2)
///                        pool = max(1000, pool_factor·events) for weighted simulators
/// train, per estimator:  MLPArchitecture.trainingBytes(batch_size)
/// limits:                k·max(asimov_events, 20 000)·8·(x + z)  +  grid points·8·(2·modes + 4)
///                        k = 2 with fisher_information (its own sample at θ_true), else 1
/// ```
/// (x, z: observables and latent variables per event; θ the parameters; the sample arrays are
/// x, θ0, θ1, y, r_xz, t_xz. A weighted pool that turns out too small for some θ is regenerated
/// larger, up to `SampleAugmenter.maximumPoolFactor` times the events; that growth depends on the
/// morphing weights and is not counted.)
extension RecipeDecoder {
    func checkMemory(_ recipe: Recipe, top: [String: YAMLNode]) {
        let x = Double(observableNames.count), z = Double(latentCount), p = Double(recipe.parameters.count)
        let sampleNodes = top["samples"]?.elements ?? []
        for (i, sample) in recipe.samples.enumerated() {
            let n = Double(sample.events)
            var bytes = n * 8 * (x + 4 * p + 2)
            var what = "\(sample.events) events × \(Int(8 * (x + 4 * p + 2))) bytes"
            if let components = morphingComponentCount, recipe.simulator.events == nil {
                let factor = recipe.morphing?.poolFactor ?? 4
                let pool = max(1000, factor * n)
                bytes += pool * 8 * (x + z + Double(components) + 2)
                what += " and a weighted pool of \(Int(pool)) events"
            }
            if let problem = MemoryBudget.excess(bytes, for: "sample \(sample.name) (\(what))", limit: memoryLimit) {
                let node = i < sampleNodes.count ? sampleNodes[i]["events"] ?? sampleNodes[i] : nil
                report(node, top["samples"], "samples[\(i)].events", problem + "; reduce events")
            }
        }
        let estimatorNodes = top["estimators"]?.elements ?? []
        for (i, e) in recipe.estimators.enumerated() {
            let architecture = MLPArchitecture(nObservables: observableNames.count, nParameters: e.method.isRatio ? recipe.parameters.count : 0,
                                               hiddenSizes: e.hiddenLayers, activation: .tanh,
                                               outputSize: e.method.isRatio ? 1 : recipe.parameters.count)
            let bytes = architecture.trainingBytes(batchSize: e.training.batchSize)
            let what = "training \(e.name) (hidden_layers \(e.hiddenLayers), batch_size \(e.training.batchSize))"
            if let problem = MemoryBudget.excess(bytes, for: what, limit: memoryLimit) {
                let node = i < estimatorNodes.count ? estimatorNodes[i]["hidden_layers"] ?? estimatorNodes[i] : nil
                report(node, top["estimators"], "estimators[\(i)].hidden_layers", problem + "; use narrower layers")
            }
        }
        let inference = recipe.inference
        let asimov = Double(max(inference.asimovEvents, 20_000))
        let points = inference.grid.points.reduce(1.0) { $0 * Double($1) }
        let samples = inference.fisherInformation ? 2.0 : 1.0
        let bytes = samples * asimov * 8 * (x + z) + points * 8 * (2 * Double(inference.modes.count) + 4)
        let what = "the limits (\(inference.asimovEvents) Asimov events, \(Int(points)) grid points)"
        if let problem = MemoryBudget.excess(bytes, for: what, limit: memoryLimit) {
            let node = top["inference"]?["asimov_events"] ?? top["inference"]?["grid"]
            report(node, top["inference"], "inference.asimov_events", problem + "; reduce asimov_events or the grid")
        }
    }

    /// Reports at `node`, else at `fallback`, else at the top of the file.
    private func report(_ node: YAMLNode?, _ fallback: YAMLNode?, _ path: String, _ message: String) {
        if let at = node ?? fallback { reader.report(at, path, message) } else { reader.report(line: 1, column: 1, path, message) }
    }
}
