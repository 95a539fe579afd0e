/// The simulator of a recipe: a built-in by name, with its options.
///
/// ```
/// gaussian    calibration_offset [none]: x → x + s·ν with a nuisance parameter ν (`nu`)
/// drell-yan   sqrt_s [GeV, m_Z], beam_spread [GeV, 1], cos_theta_resolution [0.05], energy_resolution [GeV, 0.5]
/// wbf-higgs   jet_energy_scale [none]: measured p_T,j1 → (1 + s·ν)·p_T,j1 with a nuisance parameter ν (`jes`);
///             the rate follows inference.luminosity_inverse_femtobarn
/// ```
/// or real events instead of a built-in (`events`, see `RecipeEvents`): LHE files or one
/// weighted events folder (`sbi events convert`, `sbi import-madminer`).
public struct RecipeSimulator: Codable, Sendable, Equatable {
    /// Which built-in simulator (nil when the recipe reads `events`).
    public var name: BuiltInSimulator?
    /// Options of `drell-yan` (nil for the others).
    public var drellYan: DrellYanOptions?
    /// `gaussian`'s calibration offset s (nil: none, the one-parameter model).
    public var calibrationOffset: Double? = nil
    /// `wbf-higgs`'s relative jet energy scale s (nil: none, the two-parameter model).
    public var jetEnergyScale: Double? = nil
    /// Real events (nil for a built-in simulator).
    public var events: RecipeEvents?

    /// A built-in simulator, or (`name` nil) real events.
    public init(name: BuiltInSimulator?, drellYan: DrellYanOptions? = nil, events: RecipeEvents? = nil) {
        self.name = name
        self.drellYan = drellYan
        self.events = events
    }

    /// The options of the `drell-yan` simulator, with `DrellYanSimulator`'s defaults.
    public struct DrellYanOptions: Codable, Sendable, Equatable {
        /// Nominal √s in GeV (default m_Z = 91.1876, PDG).
        public var sqrtS: Double = 91.1876
        /// Beam-energy spread of √s in GeV (≥ 0; default 1).
        public var beamSpread: Double = 1.0
        /// Absolute resolution of cosθ_μ (> 0; default 0.05).
        public var cosThetaResolution: Double = 0.05
        /// Absolute resolution of E_μ in GeV (> 0; default 0.5).
        public var energyResolution: Double = 0.5

        /// The defaults.
        public init() {}
    }
}

/// Morphing settings of a weighted simulator (arXiv:1805.00020 §III).
///
/// ```
/// w(z|θ) = Σ_c α_c(θ) W_c(z),  basis = benchmarks whose component matrix is inverted
/// ```
public struct RecipeMorphing: Codable, Sendable, Equatable {
    /// Where the basis points come from.
    public enum Basis: String, RecipeChoice {
        /// Chosen by the morphing-basis optimiser inside the parameter ranges.
        case optimized
        /// The recipe's `benchmarks`, in order (as many as morphing components).
        case benchmarks
    }

    /// Where the basis points come from (default `optimized`).
    public var basis: Basis
    /// Weighted events generated per requested unweighted event (≥ 1; default 4).
    public var poolFactor: Double
    /// θ of the proposal the weighted events are drawn from (nil: centre of the ranges).
    public var proposal: [Double]?
}

/// Real events as a recipe's simulator: LHE files (one per sampling benchmark) with the weight id
/// of each benchmark and the observables as expressions, or one weighted events folder.
///
/// ```
/// W[e, b] = f_i c_i w_{e,b}   (LHEEventSampleBuilder: event_norm c_i, sampling factor f_i = n_i/N)
/// w(θ) = Σ_b w_b(θ) W[e, b]   (morphing over the benchmarks; components up to max_power)
/// ```
/// [1] arXiv:1805.00020 §III; [2] MadMiner documentation, `LHEReader`, `SampleAugmenter`.
public struct RecipeEvents: Codable, Sendable, Equatable {
    /// One benchmark: name, weight id, θ.
    public struct Benchmark: Codable, Sendable, Equatable {
        /// Benchmark name (usable in `{benchmark: NAME}` and `benchmarks` θ specifications).
        public var name: String
        /// The `<wgt id>` of its weight (nil for an events folder, which states its benchmarks).
        public var weightID: String?
        /// The parameter point.
        public var theta: [Double]
    }

    /// One observable: name and expression.
    public struct Observable: Codable, Sendable, Equatable {
        /// Column name.
        public var name: String
        /// Expression over particle collections (`j[0].pt`).
        public var expression: String
        /// Value for events where the expression cannot be computed (nil: such events are dropped).
        public var defaultValue: Double? = nil
    }

    /// The LHE files, or a single weighted events folder (`isFolder`).
    public var files: [RecipeFile]
    /// Whether `files` is one weighted events folder.
    public var isFolder: Bool
    /// Benchmarks (LHE input; for a folder, its own, filled in by the decoder).
    public var benchmarks: [Benchmark]
    /// Observables (LHE input; empty for a folder).
    public var observables: [Observable]
    /// Cuts (LHE input).
    public var cuts: [String]
    /// Per file, the benchmark it was generated at (nil: detected from the nominal weight).
    public var samplingBenchmarks: [String]?
    /// `auto`, `sum` or `average` (MadGraph's event_norm).
    public var weightNormalization: String
    /// Highest power of each parameter in the morphing (nil: the folder's components, else 2).
    public var maxPower: [Int]?
    /// The recipe's parameter names and ranges (copied by the decoder).
    public var parameterNames: [String]
    /// The recipe's parameter ranges.
    public var parameterRanges: [ClosedRange<Double>]
    /// LHE files of θ-independent backgrounds (`simulator.background`; nil: none). Each event's
    /// weight goes to every benchmark (`LHEEventSampleBuilder.backgroundFiles`).
    public var backgroundFiles: [RecipeFile]? = nil
    /// k-factors by file path as written in `events` or `background` (`simulator.k_factors`; nil: all 1).
    public var kFactors: [String: Double]? = nil
    /// true: `files[0]` is a MadMiner HDF5 analysis file (`simulator: {madminer: FILE.h5}`),
    /// read with `MadMinerFile`; nil or false otherwise.
    public var isMadMiner: Bool? = nil
}
