/// One nuisance parameter of a recipe (`nuisance:` section), with its constraint.
///
/// ```
/// nuisance:
///   - {name: lumi, kind: norm, uncertainty: 0.02}     # log-normal: ν → ν·(1 + 0.02)^η, η ~ N(0, 1)
///   - {name: nu, kind: simulator}                     # a knob of the simulator, constraint N(0, 1)
///   - {name: mu, kind: weights, up: "40", down: "1"}  # LHE weight ids at ν = +1 and −1 (events recipes)
///   - {name: pdf, kind: weights, group: NNPDF23_lo}   # one one-sided ν per weight of the group: pdf_<id>
///   - {name: scale_nuisance_param_0, kind: weights}   # a MadMiner file's nuisance parameter (simulator.madminer)
///   - {name: pdf, kind: weights, group: pdf}          # every nuisance parameter of the file's systematic "pdf"
/// ```
/// `norm`: a relative uncertainty of the expected event count, profiled in every mode's rate term
/// (`ProfiledNormalization` in SBIInference: several combine in quadrature of log(1 + uncertainty)).
/// `simulator`: a nuisance parameter of the simulator itself (`gaussian` with `calibration_offset`,
/// `wbf-higgs` with `jet_energy_scale`);
/// samples draw it flat over its range where θ comes from a prior and fix it at 0 elsewhere, estimators
/// learn it as an extra parameter, and the limits (`truth`, `ml`, `histogram`, `sally`, `ideal_sally`) profile it.
/// `weights`: the ±1σ weights of the signal LHE files (MadGraph's scale and PDF variations) or of a
/// MadMiner file's nuisance benchmarks morph
/// each event's weight as w·exp(aν + bν²) (`NuisanceMorphing`); the limits stage writes the events'
/// full-truth Fisher information over (θ, ν) and its profile over ν to `fisher.json`.
/// [1] K. Cranmer, arXiv:1503.07622 §4 (constraint terms and profiling).
public struct RecipeNuisance: Codable, Sendable, Equatable {
    /// Name, unique among the nuisance parameters and distinct from the parameters θ.
    public var name: String
    /// What the parameter changes.
    public var kind: RecipeNuisanceKind
    /// Relative size of a one-standard-deviation change (0.1 = 10 %; `norm` only, nil otherwise).
    public var uncertainty: Double?
    /// `weights`: the weight id at ν = +1 (nil with `group`).
    public var up: String? = nil
    /// `weights`: the weight id at ν = −1 (nil: one-sided).
    public var down: String? = nil
    /// `weights`: a `<weightgroup>` name; each of its weights is a one-sided nuisance parameter `<name>_<id>`.
    /// For a MadMiner file: a systematic's name; each of its nuisance parameters keeps the file's name.
    public var group: String? = nil
}

/// The kinds of nuisance parameter a recipe can declare.
public enum RecipeNuisanceKind: String, RecipeChoice {
    /// A log-normal uncertainty of the overall normalisation (luminosity, cross section).
    case norm
    /// A nuisance parameter of the simulator (its last parameters), constrained by N(0, 1).
    case simulator
    /// Weight variations of real events (LHE weight ids or a weight group).
    case weights
}
