import SBICore

/// Where the parameter points of a sample come from: one point, the morphing benchmarks, or
/// a prior (flat or Gaussian per parameter, truncated to the parameter range).
///
/// Text form (command line and recipes):
/// ```
/// point:1.0            point:0.5,-0.2          one point, one value per parameter
/// points:0,0;0.1,-0.1                          several points, separated by ';'
/// benchmarks                                   the morphing basis points (weighted simulators)
/// prior:flat                                   flat over each parameter's range
/// prior:flat(-1;1),gaussian(0;0.5)             per parameter: flat(lo;hi) or gaussian(mean;sd)
/// ```
/// A single prior term applies to every parameter. Gaussian draws outside the range are
/// redrawn (truncation).
///
/// Shapes: `points` returns `[nPoints, nParameters]`.
///
/// [1] MadMiner documentation, `sampling.benchmark`, `sampling.morphing_point`, `sampling.random_morphing_points`.
public enum ThetaSpecification: Sendable, Equatable {
    /// One parameter point.
    case point([Double])
    /// Several explicit points, `[nPoints, nParameters]`.
    case points(Matrix<Double>)
    /// The benchmarks of the morphing basis.
    case benchmarks
    /// Draws from a product prior; one term per parameter, or one term for all.
    case prior([Prior])

    /// A one-dimensional prior.
    public enum Prior: Sendable, Equatable {
        /// Uniform on `range`, or on the parameter's whole range when nil.
        case flat(ClosedRange<Double>?)
        /// Normal with the given mean and standard deviation, truncated to the parameter range.
        case gaussian(mean: Double, standardDeviation: Double)
    }

    static let forms = "point:V[,V...], points:V[,V...][;V[,V...]...], benchmarks, prior:flat, prior:flat(LO;HI), prior:gaussian(MEAN;SD) (one term per parameter, comma-separated)"

    /// Parses the text form.
    /// - Throws: `SBIError.data` naming `field` and listing the accepted forms.
    public static func parse(_ text: String, field: String) throws -> ThetaSpecification {
        func bad(_ why: String) -> SBIError { SBIError.data("\(why) in \"\(text)\"; expected \(forms)", field: field) }
        if text == "benchmarks" { return .benchmarks }
        if text.hasPrefix("point:") {
            let values = text.dropFirst(6).split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingSpaces) }
            guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0!.isFinite }) else { throw bad("not a list of numbers") }
            return .point(values.map { $0! })
        }
        if text.hasPrefix("points:") {
            var storage: [Double] = []
            var width = -1
            for point in text.dropFirst(7).split(separator: ";", omittingEmptySubsequences: false) {
                let values = point.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingSpaces) }
                guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0!.isFinite }) else { throw bad("not a list of points") }
                guard width < 0 || values.count == width else { throw bad("points with different numbers of values") }
                width = values.count
                storage += values.map { $0! }
            }
            return .points(Matrix(rows: storage.count / width, columns: width, storage: storage))
        }
        if text.hasPrefix("prior:") {
            var terms: [Prior] = []
            for raw in text.dropFirst(6).split(separator: ",", omittingEmptySubsequences: false) {
                let term = raw.trimmingSpaces
                if term == "flat" { terms.append(.flat(nil)); continue }
                guard let open = term.firstIndex(of: "("), term.hasSuffix(")") else { throw bad("unknown prior term \"\(term)\"") }
                let name = term[..<open]
                let numbers = term[term.index(after: open) ..< term.index(before: term.endIndex)]
                    .split(separator: ";", omittingEmptySubsequences: false).map { Double($0.trimmingSpaces) }
                guard numbers.count == 2, let a = numbers[0], let b = numbers[1], a.isFinite, b.isFinite else {
                    throw bad("prior term \"\(term)\" needs two numbers separated by ';'")
                }
                switch name {
                case "flat":
                    guard a < b else { throw bad("flat(\(a);\(b)) needs lo < hi") }
                    terms.append(.flat(a...b))
                case "gaussian":
                    guard b > 0 else { throw bad("gaussian(\(a);\(b)) needs a positive standard deviation") }
                    terms.append(.gaussian(mean: a, standardDeviation: b))
                default: throw bad("unknown prior term \"\(term)\"")
                }
            }
            return .prior(terms)
        }
        throw bad("unknown parameter specification")
    }

    /// Checks the specification against `space` (point inside the range, one prior term or one per
    /// parameter, flat bounds inside the range).
    /// - Throws: `SBIError.data` naming `field`.
    public func validate(_ space: ParameterSpace, field: String) throws {
        switch self {
        case .point(let theta): try space.validate(theta, field: field)
        case .points(let list):
            for k in 0..<list.rows { try space.validate(list.row(k), field: field) }
        case .benchmarks: break
        case .prior(let terms):
            guard terms.count == 1 || terms.count == space.count else {
                throw SBIError.data("\(terms.count) prior terms for \(space.count) parameters (\(space.names.joined(separator: ", "))); give one or \(space.count)",
                                    field: field)
            }
            for i in 0..<space.count {
                if case .flat(let r?) = terms[terms.count == 1 ? 0 : i] {
                    guard space.ranges[i].contains(r.lowerBound), space.ranges[i].contains(r.upperBound) else {
                        throw SBIError.data("flat(\(r.lowerBound);\(r.upperBound)) for \(space.names[i]) leaves its range [\(space.ranges[i].lowerBound), \(space.ranges[i].upperBound)]",
                                            field: field)
                    }
                }
            }
        }
    }

    /// The parameter points, `[nPoints, nParameters]`: the point, the benchmarks, or `priorPointCount`
    /// draws from the prior using `random`.
    /// - Throws: `SBIError.data` if benchmarks are asked for but `benchmarks` is nil, or if a
    ///   Gaussian prior has almost no mass inside the range (1000 redraws in a row fail).
    public func points(in space: ParameterSpace, benchmarks: Matrix<Double>?, priorPointCount: Int,
                       random: SeededRandom, field: String) throws -> Matrix<Double> {
        try validate(space, field: field)
        switch self {
        case .point(let theta): return Matrix(rows: 1, columns: theta.count, storage: theta)
        case .points(let list): return list
        case .benchmarks:
            guard let benchmarks else {
                throw SBIError.data("this simulator has no morphing benchmarks (it is not a weighted simulator); use point: or prior:",
                                    field: field)
            }
            return benchmarks
        case .prior(let terms):
            var out = Matrix<Double>(rows: priorPointCount, columns: space.count)
            for k in 0..<priorPointCount {
                for i in 0..<space.count {
                    let range = space.ranges[i]
                    switch terms[terms.count == 1 ? 0 : i] {
                    case .flat(let r): out[k, i] = random.uniform((r ?? range).lowerBound, (r ?? range).upperBound)
                    case .gaussian(let mean, let sd):
                        var attempts = 0
                        var v = random.normal(mean: mean, standardDeviation: sd)
                        while !range.contains(v) {
                            attempts += 1
                            guard attempts < 1000 else {
                                throw SBIError.data("gaussian(\(mean);\(sd)) has almost no probability inside the range of \(space.names[i])",
                                                    field: field)
                            }
                            v = random.normal(mean: mean, standardDeviation: sd)
                        }
                        out[k, i] = v
                    }
                }
            }
            return out
        }
    }
}

extension Substring {
    /// The text without leading and trailing spaces.
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
