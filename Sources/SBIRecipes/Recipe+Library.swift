import SBICore
import SBIEstimators
import SBIInference
import SBINetworks
import SBISimulation

/// Conversions from the validated recipe to the library's own types, so the pipeline of
/// `sbi fit` consumes a `Recipe` directly:
///
/// ```
/// recipe.simulator.make()                      → any Simulator
/// recipe.parameterSpace                        → ParameterSpace (recipe ranges, units, labels)
/// recipe.samples[i].augmentationRequest(...)   → AugmentationRequest
/// recipe.estimators[j].networkMethod           → EstimatorMethod (sallino trains a SALLY network)
/// recipe.estimators[j].architecture(...)       → MLPArchitecture
/// recipe.estimators[j].training.settings       → TrainingSettings
/// recipe.inference.parameterGrid(names:)       → ParameterGrid
/// recipe.inference.modes[k].inferenceMode      → InferenceMode (nil for ideal_sally)
/// ```
/// Every value was validated by `RecipeLoader`; the throwing conversions only repeat the
/// library's own checks.
extension Recipe {
    /// The parameters with the recipe's ranges, units and LaTeX labels.
    public var parameterSpace: ParameterSpace {
        ParameterSpace(names: parameters.map(\.name), ranges: parameters.map(\.range),
                       units: parameters.map(\.unit), latexLabels: parameters.map(\.latex))
    }

    /// Names of the simulator's nuisance parameters, as declared (`kind: simulator`, in the simulator's order).
    public var simulatorNuisanceNames: [String] { (nuisance ?? []).filter { $0.kind == .simulator }.map(\.name) }

    /// The parameters the simulator and the estimators see: θ followed by the simulator's nuisance parameters.
    public var modelParameterNames: [String] { parameterNames + simulatorNuisanceNames }
}

extension RecipeSimulator {
    /// A new instance of the simulator with the recipe's options; `luminosityInversePicobarn`
    /// sets the rate of `wbf-higgs` (nil: its default, 300 fb⁻¹).
    /// - Throws: `SBIError.data` from the simulator's initialiser.
    public func make(luminosityInversePicobarn: Double? = nil) throws -> any Simulator {
        guard let name else {
            if let events { return try events.makeSimulator() }
            throw SBIError(.internal, "recipe simulator has neither a name nor events")
        }
        switch name {
        case .gaussian: return try calibrationOffset.map { try GaussianSimulator(calibrationOffset: $0) } ?? GaussianSimulator()
        case .gaussian3D: return TrivariateGaussianSimulator()
        case .wbfHiggs:
            let luminosity = luminosityInversePicobarn ?? WBFHiggsSimulator.defaultLuminosityInversePicobarn
            if let jetEnergyScale { return try WBFHiggsJetEnergyScaleSimulator(relativeScale: jetEnergyScale, luminosityInversePicobarn: luminosity) }
            return WBFHiggsSimulator(luminosityInversePicobarn: luminosity)
        case .drellYan:
            let o = drellYan ?? DrellYanOptions()
            return try DrellYanSimulator(nominalSqrtS: o.sqrtS, beamSpread: o.beamSpread,
                                         cosThetaResolution: o.cosThetaResolution, energyResolution: o.energyResolution)
        }
    }
}

extension RecipeTheta {
    /// The augmenter's θ specification.
    /// - Throws: `SBIError.data` for `points` (the augmenter takes one point, the benchmarks or a prior).
    public func thetaSpecification(field: String) throws -> ThetaSpecification {
        switch self {
        case .benchmarks: return .benchmarks
        case .benchmark(_, let theta), .point(let theta): return .point(theta)
        case .points: throw SBIError.data("explicit point lists are not supported by the augmenter yet; use one point, benchmarks or a prior", field: field)
        case .prior(let terms):
            return .prior(terms.map {
                switch $0 {
                case .flat(let lo, let hi): return .flat(lo...hi)
                case .gaussian(let mean, let std): return .gaussian(mean: mean, standardDeviation: std)
                }
            })
        }
    }
}

extension RecipeSample {
    /// The request for `SampleAugmenter`. With `nuisanceCount` simulator nuisance parameters ν after θ,
    /// each θ specification is extended: where θ comes from a prior, ν is drawn as `nuisance` says,
    /// by default flat over the simulator's whole ν range, the range the profile likelihood searches
    /// (drawn from the N(0, 1) constraint instead, ALICES rarely sees |ν| > 2.5 and its extrapolation
    /// there produced spurious profile maxima at ν = ±5 on the gaussian model); at a single point (a
    /// ratio sample's reference θ1, SALLY's θ_ref) ν = 0, the nominal simulator.
    /// - Throws: `SBIError.data` for θ forms the augmenter does not take (see `RecipeTheta`), and for
    ///   `benchmarks` with nuisance parameters.
    public func augmentationRequest(morphing: RecipeMorphing?, nuisanceCount: Int = 0) throws -> AugmentationRequest {
        func extended(_ spec: ThetaSpecification, field: String) throws -> ThetaSpecification {
            guard nuisanceCount > 0 else { return spec }
            switch spec {
            case .point(let p): return .point(p + [Double](repeating: 0, count: nuisanceCount))
            case .prior(let terms):
                let draw: ThetaSpecification.Prior
                switch nuisance ?? .flat {
                case .flat: draw = .flat(nil)
                case .constraint: draw = .gaussian(mean: 0, standardDeviation: 1)
                case .nominal: draw = .flat(0...0)
                }
                return .prior(terms + [ThetaSpecification.Prior](repeating: draw, count: nuisanceCount))
            case .points, .benchmarks:
                throw SBIError.data("with simulator nuisance parameters, θ must be one point or a prior", field: field)
            }
        }
        let sampleKind: SampleKind
        switch kind {
        case .ratio: sampleKind = .ratio
        case .moreRatios: sampleKind = .moreRatios
        case .local: sampleKind = .local
        case .density: sampleKind = .density
        case .test: sampleKind = .test
        }
        let field0 = "samples.\(name).theta0", field1 = "samples.\(name).theta1"
        let additional = try (additionalThetas ?? []).enumerated().map { a, theta in
            let field = "samples.\(name).additional_thetas[\(a)]"
            return try extended(try theta.thetaSpecification(field: field), field: field)
        }
        return AugmentationRequest(kind: sampleKind, theta0: try extended(try theta0.thetaSpecification(field: field0), field: field0),
                                   theta1: try theta1.map { try extended(try $0.thetaSpecification(field: field1), field: field1) },
                                   additionalThetas: additional, count: events, validationFraction: validationSplit, testFraction: testSplit, seed: seed,
                                   priorPointCount: priorPoints, poolFactor: morphing?.poolFactor ?? 4, proposal: morphing?.proposal)
    }
}

extension RecipeEstimator {
    /// The network's training method; `sallino` trains a SALLY network (its density comes after).
    public var networkMethod: EstimatorMethod {
        switch method {
        case .carl: return .carl
        case .rolr: return .rolr
        case .alice: return .alice
        case .alices: return .alices
        case .cascal: return .cascal
        case .rascal: return .rascal
        case .carl2: return .carl2
        case .rolr2: return .rolr2
        case .alice2: return .alice2
        case .alices2: return .alices2
        case .cascal2: return .cascal2
        case .rascal2: return .rascal2
        case .nde: return .nde
        case .scandal: return .scandal
        case .sally, .sallino: return .sally
        }
    }

    /// The hidden-layer activation.
    public var networkActivation: Activation {
        switch activation {
        case .tanh: return .tanh
        case .relu: return .relu
        case .sigmoid: return .sigmoid
        case .elu: return .elu
        case .softplus: return .softplus
        case .leakyRelu: return .leakyRelu
        }
    }

    /// Hidden layers, activation and α of the estimator's network.
    public var networkSettings: NetworkSettings {
        NetworkSettings(hiddenSizes: hiddenLayers, activation: networkActivation, alpha: alpha)
    }

    /// The network shape for `nObservables` inputs: f(x, θ) → 1 for ratio methods, g(x, θ0, θ1) → 1
    /// (2·nParameters θ inputs) for doubly parameterised ones, g(x) → nParameters for sally and sallino,
    /// g(x) → the entries of the quadratic form's factor for a morphing-aware ratio, and for nde one MADE
    /// of the flow, [x | θ] → (μ, α) per observable.
    public func architecture(nObservables: Int, nParameters: Int) -> MLPArchitecture {
        if isMorphingAware {
            return MLPArchitecture(nObservables: nObservables, nParameters: 0, hiddenSizes: hiddenLayers, activation: networkActivation,
                                   outputSize: QuadraticRatioForm.entryCount(parameterCount: nParameters))
        }
        if method.isLikelihood {
            return MLPArchitecture(nObservables: nObservables, nParameters: nParameters, hiddenSizes: hiddenLayers,
                                   activation: networkActivation, outputSize: 2 * nObservables)
        }
        return method.isRatio
            ? MLPArchitecture(nObservables: nObservables, nParameters: method.isDoubly ? 2 * nParameters : nParameters,
                              hiddenSizes: hiddenLayers, activation: networkActivation, outputSize: 1)
            : MLPArchitecture(nObservables: nObservables, nParameters: 0, hiddenSizes: hiddenLayers, activation: networkActivation, outputSize: nParameters)
    }
}

extension Recipe {
    /// The fixed denominator θ1 at which a doubly parameterised estimator `e` is evaluated as
    /// log r̂(x|θ, θ1) in the limits: its `reference`, else θ_true of the Asimov data, else the
    /// origin. The likelihood-ratio statistic does not depend on θ1 for the exact ratio
    /// (log r(x|θ, θ1) − log r(x|θ̂, θ1) = log p(x|θ) − log p(x|θ̂)).
    public func ratioReference(for e: RecipeEstimator) -> [Double] {
        if let r = e.reference { return r }
        if case .asimov(let theta) = inference.data { return theta }
        return [Double](repeating: 0, count: parameters.count)
    }
}

extension RecipeTraining {
    /// The trainer's settings (the trainer's chunking defaults are kept).
    public var settings: TrainingSettings {
        let kind: OptimizerKind
        switch optimizer {
        case .adam: kind = .adam
        case .amsgrad: kind = .amsgrad
        case .sgd: kind = .sgd
        }
        return TrainingSettings(seed: seed, optimizer: kind, initialLearningRate: initialLearningRate,
                                finalLearningRate: finalLearningRate, batchSize: batchSize, epochs: epochs,
                                validationFraction: validationSplit, earlyStopping: earlyStopping, patience: patience,
                                clipGradientNorm: clipGradientNorm, momentum: momentum)
    }
}

extension RecipeInferenceMode {
    /// The scan's mode; nil for `sallino`, which the pipeline evaluates through the
    /// projected-score density of its estimator, and for `ideal_sally` (a recipe-only mode: the
    /// pipeline bins `ExactScore` at each sally estimator's reference point).
    public var inferenceMode: InferenceMode? {
        switch self {
        case .ml: return .ml
        case .sally: return .sally
        case .histogram: return .histogram
        case .rate: return .rate
        case .truth: return .truth
        case .sallino: return .sallino
        case .idealSally: return nil
        }
    }
}

extension RecipeInference {
    /// The regular θ grid.
    /// - Throws: `SBIError.data` from `ParameterGrid`.
    public func parameterGrid(names: [String]) throws -> ParameterGrid {
        try ParameterGrid(names: names, ranges: grid.ranges, counts: grid.points)
    }
}
