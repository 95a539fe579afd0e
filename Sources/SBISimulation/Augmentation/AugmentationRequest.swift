import SBICore

/// What `SampleAugmenter` should produce: the kind of sample, where θ comes from, how many
/// events, the train/validation/test split and the seed.
///
/// ```
/// n_validation = round(n·validationFraction),  n_test = round(n·testFraction),
/// n_train = n − n_validation − n_test  (≥ 1)
/// ```
/// For `.ratio` and `.moreRatios`, `theta0` gives the numerator θ0 and `theta1` the denominator θ1
/// (required); for the other kinds `theta0` is "the" θ and `theta1` must be nil. `.moreRatios`
/// may reuse every event with `additionalThetas` (A of them): `count` events are drawn and
/// count·(1 + A) rows written. `.local` needs a single
/// point (the reference θ). `.test` writes one split called `test` and takes no fractions.
public struct AugmentationRequest: Sendable, Equatable {
    /// The sample kind.
    public var kind: SampleKind
    /// θ0 for ratio samples; θ for the other kinds.
    public var theta0: ThetaSpecification
    /// θ1 for ratio samples.
    public var theta1: ThetaSpecification?
    /// More-ratios samples: further θ points (each a specification resolved like θ1) at which every
    /// event's joint ratio and score are also evaluated (MadMiner's `additional_thetas`).
    public var additionalThetas: [ThetaSpecification]
    /// Total number of events over all splits (drawn events; more-ratios samples write
    /// count·(1 + additionalThetas.count) rows).
    public var count: Int
    /// Fraction of events in the validation split.
    public var validationFraction: Double
    /// Fraction of events in the test split.
    public var testFraction: Double
    /// The seed of every random draw.
    public var seed: UInt64
    /// Number of θ points drawn from a prior per split (nil: min(n_split, 1000)); events are
    /// spread evenly over them.
    public var priorPointCount: Int?
    /// Weighted simulators: weighted events generated per split, as a multiple of the events
    /// requested from it (at least 1000).
    public var poolFactor: Double
    /// Weighted simulators: θ of the proposal the weighted events are generated from (nil: the
    /// centre of the parameter ranges).
    public var proposal: [Double]?

    /// A request; see the properties for the meaning of each argument.
    public init(kind: SampleKind, theta0: ThetaSpecification, theta1: ThetaSpecification? = nil,
                additionalThetas: [ThetaSpecification] = [], count: Int,
                validationFraction: Double = 0, testFraction: Double = 0, seed: UInt64,
                priorPointCount: Int? = nil, poolFactor: Double = 4, proposal: [Double]? = nil) {
        self.kind = kind
        self.theta0 = theta0
        self.theta1 = theta1
        self.additionalThetas = additionalThetas
        self.count = count
        self.validationFraction = validationFraction
        self.testFraction = testFraction
        self.seed = seed
        self.priorPointCount = priorPointCount
        self.poolFactor = poolFactor
        self.proposal = proposal
    }

    /// The split names and their event counts (splits with no events are left out).
    /// - Throws: `SBIError.data` naming the offending field (`count`, `validationFraction`,
    ///   `testFraction`, `theta1`, `theta`, `priorPointCount`, `poolFactor`).
    public func validatedSplits() throws -> [(name: String, count: Int)] {
        guard count > 0 else { throw SBIError.data("number of events must be at least 1, got \(count)", field: "count") }
        for (name, f) in [("validationFraction", validationFraction), ("testFraction", testFraction)] where !(f >= 0 && f < 1) {
            throw SBIError.data("fraction \(f) must be in [0, 1)", field: name)
        }
        if let k = priorPointCount, k <= 0 {
            throw SBIError.data("number of prior points must be at least 1, got \(k)", field: "priorPointCount")
        }
        guard poolFactor >= 1, poolFactor.isFinite else {
            throw SBIError.data("pool factor \(poolFactor) must be at least 1", field: "poolFactor")
        }
        if kind.hasTheta1 {
            guard theta1 != nil else { throw SBIError.data("\(kind.rawValue) samples need a denominator θ1", field: "theta1") }
        } else {
            guard theta1 == nil else { throw SBIError.data("only ratio and more_ratios samples take a θ1", field: "theta1") }
        }
        if kind != .moreRatios, !additionalThetas.isEmpty {
            throw SBIError.data("only more_ratios samples take additional θ", field: "additionalThetas")
        }
        if kind == .local {
            guard case .point = theta0 else {
                throw SBIError.data("local (SALLY) samples need one reference point (point:...); use density for several θ", field: "theta")
            }
        }
        if kind == .test {
            guard validationFraction == 0, testFraction == 0 else {
                throw SBIError.data("test samples are one split called 'test'; validation and test fractions must be 0", field: "testFraction")
            }
            return [("test", count)]
        }
        let nValidation = Int((Double(count) * validationFraction).rounded())
        let nTest = Int((Double(count) * testFraction).rounded())
        let nTrain = count - nValidation - nTest
        guard nTrain >= 1 else {
            throw SBIError.data("validation (\(nValidation)) and test (\(nTest)) events leave no training events of \(count)",
                                field: "validationFraction")
        }
        return [("train", nTrain), ("validation", nValidation), ("test", nTest)].filter { $0.count > 0 }
    }
}
