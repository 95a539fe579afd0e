/// The limit-setting section: modes, θ grid, data (Asimov at θ_true or an observed file),
/// luminosity, confidence levels and Fisher information.
///
/// ```
/// log L(θ) = log Pois(n | ν(θ)) + Σ_i log r̂(x_i|θ, θ_ref),   ν(θ) = σ(θ)·L
/// q(θ) = −2 [log L(θ) − max log L],   p(θ) = Q_χ²(q; k = number of parameters)
/// ```
/// [1] arXiv:1805.00020; Recipes/README.md, `inference`.
public struct RecipeInference: Codable, Sendable, Equatable {
    /// Modes to run, in order, without repeats.
    public var modes: [RecipeInferenceMode]
    /// Estimators the modes evaluate (default: every estimator whose mode is listed).
    public var estimators: [String]
    /// The θ grid.
    public var grid: RecipeGrid
    /// The data the likelihood is evaluated on.
    public var data: RecipeData
    /// Events of the test sample that estimates the Asimov expectation (default 100 000).
    public var asimovEvents: Int
    /// Integrated luminosity in fb⁻¹ (nil: the simulator's default; wbf-higgs 300 fb⁻¹).
    public var luminosityInverseFemtobarn: Double?
    /// Expected events N of the Asimov data for a simulator without a rate (nil: `asimovEvents`).
    /// With a rate, N = σ(θ_true)·L instead.
    public var expectedEvents: Double? = nil
    /// Include the Poisson rate term (default: true when the simulator has a rate).
    public var includeRate: Bool
    /// Confidence levels in (0, 1), increasing (default [0.68, 0.95]).
    public var confidenceLevels: [Double]
    /// Compute Fisher information and linearised contours (default true).
    public var fisherInformation: Bool
    /// Histogram settings of the `histogram` mode (nil when that mode is not run).
    public var histogram: RecipeHistogram?
    /// Pseudo-experiments at θ_true for coverage (nil: none).
    public var toys: RecipeToys? = nil
    /// Calibration diagnostics of the ratio estimators (`inference.calibration`), if asked for.
    public var calibration: RecipeCalibration? = nil
    /// Contours traced on a `refine`-times finer grid, bicubically interpolated from the scan (nil: 1,
    /// none; absent from the canonical form, so recipes without it keep their hash).
    public var refine: Int? = nil

    /// Integrated luminosity in pb⁻¹ (1 fb⁻¹ = 1000 pb⁻¹), if given.
    public var luminosityInversePicobarn: Double? { luminosityInverseFemtobarn.map { $0 * 1000 } }
}

/// A regular grid: `points[i]` equally spaced values on `ranges[i]`, both ends included.
public struct RecipeGrid: Codable, Sendable, Equatable {
    /// Points per parameter (≥ 2; default 41 for one parameter, 21 for more).
    public var points: [Int]
    /// Range per parameter (default: the parameter's range).
    public var ranges: [ClosedRange<Double>]
}

/// The data of the likelihood: the Asimov expectation at θ_true, or observed events.
public enum RecipeData: Codable, Sendable, Equatable {
    /// Expected data at θ_true (default: the origin, θ = 0, e.g. the SM).
    case asimov(thetaTrue: [Double])
    /// Observed events in an `.npy` file `[nEvents, nObservables]`; `path` as written in the
    /// recipe, `resolvedPath` relative to the recipe's folder (not part of the hash).
    case observed(RecipeFile)
}

/// A file named in a recipe.
public struct RecipeFile: Codable, Sendable, Equatable {
    /// As written in the recipe.
    public var path: String
    /// Resolved against the recipe's folder (absolute paths stay as they are).
    public var resolvedPath: String

    enum CodingKeys: String, CodingKey { case path }

    /// A file named `path` in the recipe, found at `resolvedPath`.
    public init(path: String, resolvedPath: String) {
        self.path = path
        self.resolvedPath = resolvedPath
    }

    /// Reads the path as written; `resolvedPath` equals it (the folder is not stored).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decode(String.self, forKey: .path)
        resolvedPath = path
    }
}

/// Pseudo-experiments at θ_true: `count` toys, toy t drawn from sub-stream t of `seed`
/// (`PseudoExperiments`); each is fitted with every mode and its coverage reported.
public struct RecipeToys: Codable, Sendable, Equatable {
    /// Number of toys (1 … 1 000 000).
    public var count: Int
    /// Seed of the toys (default: the recipe's seed).
    public var seed: UInt64
    /// Points per axis of the Neyman construction (toy-based p-values at a regular subset of the grid
    /// points, `count` toys each), nil: none.
    public var neymanPoints: [Int]? = nil

    /// The most toys all Neyman points together may draw.
    public static let maximumNeymanToys = 1_000_000

    public init(count: Int, seed: UInt64, neymanPoints: [Int]? = nil) {
        self.count = count
        self.seed = seed
        self.neymanPoints = neymanPoints
    }
}

/// Calibration diagnostics of every ratio estimator of mode ml (`RatioCalibration`): `points` θ0 drawn
/// flat over the grid's ranges, `events` events per point and class, reliability of ŝ in `bins` bins,
/// closure within `closureTolerance`.
public struct RecipeCalibration: Codable, Sendable, Equatable {
    /// Events per θ0 point and class (2 … 1 000 000; default 5000).
    public var events: Int
    /// θ0 points (1 … 1000; default 10).
    public var points: Int
    /// Bins of ŝ (1 … 1000; default 10).
    public var bins: Int
    /// δ, the tolerated |E_θ1[r̂] − 1| beyond its statistical error (0 … 1; default 0.05).
    public var closureTolerance: Double
}

/// Histogram settings of the `histogram` mode.
public struct RecipeHistogram: Codable, Sendable, Equatable {
    /// Observables to histogram (names of the simulator's observables).
    public var observables: [String]
    /// Bins per observable (≥ 1; default 20).
    public var bins: Int
}

/// The output folder and the result files written into it.
public struct RecipeOutputs: Codable, Sendable, Equatable {
    /// Folder, relative to the working directory of `sbi fit` (default `sbi-output/<name>`).
    public var folder: String
    /// Files to write (default: all).
    public var files: [RecipeOutputFile]
    /// Centre-of-mass energy in GeV for HEPData's `cmenergies` keyword (nil: not stated; absent from the
    /// canonical form, so recipes without it keep their hash).
    public var cmEnergies: Double?

    public init(folder: String, files: [RecipeOutputFile], cmEnergies: Double? = nil) {
        self.folder = folder
        self.files = files
        self.cmEnergies = cmEnergies
    }
}
