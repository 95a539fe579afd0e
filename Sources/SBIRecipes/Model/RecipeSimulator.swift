/// The simulator of a recipe: a built-in by name, with its options.
///
/// ```
/// gaussian    (no options)
/// drell-yan   sqrt_s [GeV, m_Z], beam_spread [GeV, 1], cos_theta_resolution [0.05], energy_resolution [GeV, 0.5]
/// wbf-higgs   (no options; the rate follows inference.luminosity_inverse_femtobarn)
/// ```
/// External event files (LHE, MadMiner HDF5) are planned (design.md §10).
public struct RecipeSimulator: Codable, Sendable, Equatable {
    /// Which built-in simulator.
    public var name: BuiltInSimulator
    /// Options of `drell-yan` (nil for the others).
    public var drellYan: DrellYanOptions?

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

/// Morphing settings of a weighted simulator (design.md §3).
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
