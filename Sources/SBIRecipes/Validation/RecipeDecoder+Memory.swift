import SBICore
import SBINetworks
import SBISimulation

/// The memory each stage of `sbi fit` will hold, estimated from the recipe before anything runs
/// and refused at the field that sets it when it exceeds the machine's memory (`MemoryBudget`).
///
/// ```
/// augment, per sample:   SampleAugmenter.estimatedBytes (the arrays and, weighted, the first pool)
/// train, per estimator:  MLPArchitecture.trainingBytes(batch_size)
/// limits:                k·max(asimov_events, 20 000)·8·(x + z)  +  grid points·8·(2·modes + 4)
///                        k = 2 with fisher_information (its own sample at θ_true), else 1
/// ```
/// (x, z: observables and latent variables per event.)
extension RecipeDecoder {
    func checkMemory(_ recipe: Recipe, top: [String: YAMLNode]) {
        let x = Double(observableNames.count), z = Double(latentCount)
        let sampleNodes = top["samples"]?.elements ?? []
        for (i, sample) in recipe.samples.enumerated() {
            let components = recipe.simulator.events == nil ? morphingComponentCount : nil
            let factor = recipe.morphing?.poolFactor ?? 4
            let bytes = SampleAugmenter.estimatedBytes(events: sample.events * (1 + (sample.additionalThetas?.count ?? 0)), observables: observableNames.count, parameters: recipe.parameters.count,
                                                       latent: latentCount, morphingComponents: components, poolFactor: factor)
            var what = "\(sample.events) events"
            if components != nil { what += " and a weighted pool of \(Int(max(1000, factor * Double(sample.events)))) events" }
            if let problem = MemoryBudget.excess(bytes, for: "sample \(sample.name) (\(what))", limit: memoryLimit) {
                let node = i < sampleNodes.count ? sampleNodes[i]["events"] ?? sampleNodes[i] : nil
                report(node, top["samples"], "samples[\(i)].events", problem + "; reduce events")
            }
        }
        let estimatorNodes = top["estimators"]?.elements ?? []
        for (i, e) in recipe.estimators.enumerated() {
            let architecture = e.architecture(nObservables: observableNames.count, nParameters: recipe.parameters.count)
            // A flow holds `blocks` MADEs of this shape; SCANDAL carries 1 + P tangent rows through them.
            let tangentRows = Double(e.method == .scandal ? 1 + recipe.parameters.count : 1)
            let bytes = architecture.trainingBytes(batchSize: e.training.batchSize) * Double(e.blocks ?? 1) * tangentRows
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
