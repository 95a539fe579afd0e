import Foundation
import SBICore

/// The contents of `contours.json`: everything needed to redraw and report the confidence regions.
///
/// ```
/// { "version", "recipeHash"?, "notes"?, "parameters": [{name, unit, label, range}], "gridShape",
///   "confidenceLevels", "thetaTrue"?, "estimators": [{name, mode, bestFit,
///   "contours": [{confidenceLevel, paths: [{closed, points: [[x, y], …]}]}],
///   "intervals": [{confidenceLevel, intervals: [{lower, upper, lowerClipped, upperClipped}]}],
///   "regions": [{confidenceLevel, size, status, ratioToTruth?, hint?}]}] }
/// ```
/// `regions` is the closure report (`RegionSummary`): area or length per CL, its ratio to truth.
/// Two parameters give `contours`, one gives `intervals` (Recipes/README.md, `outputs`).
public struct ContoursFile: Codable, Sendable, Equatable {
    /// One parameter axis.
    public struct Parameter: Codable, Sendable, Equatable {
        public var name: String
        public var unit: String
        public var label: String
        /// [lower, upper] of the scanned grid.
        public var range: [Double]
        public init(name: String, unit: String = "", label: String? = nil, range: ClosedRange<Double>) {
            self.name = name
            self.unit = unit
            self.label = label ?? name
            self.range = [range.lowerBound, range.upperBound]
        }
    }

    /// Contour paths at one confidence level.
    public struct ContourSet: Codable, Sendable, Equatable {
        public var confidenceLevel: Double
        public var paths: [ContourPath]
        public init(confidenceLevel: Double, paths: [ContourPath]) {
            self.confidenceLevel = confidenceLevel
            self.paths = paths
        }
    }

    /// 1-D intervals at one confidence level.
    public struct IntervalSet: Codable, Sendable, Equatable {
        public var confidenceLevel: Double
        public var intervals: [ConfidenceInterval]
        public init(confidenceLevel: Double, intervals: [ConfidenceInterval]) {
            self.confidenceLevel = confidenceLevel
            self.intervals = intervals
        }
    }

    /// The result of one estimator (or mode).
    public struct Estimator: Codable, Sendable, Equatable {
        public var name: String
        public var mode: String
        public var bestFit: [Double]
        public var contours: [ContourSet]
        public var intervals: [IntervalSet]
        /// Size, status and ratio to truth of the region at each confidence level (absent in files
        /// written before the closure report).
        public var regions: [RegionSummary]?
        /// An ensemble's members, each scanned alone (`<name>_member<k>`): the spread of their regions is
        /// the network uncertainty of this one (absent for single networks).
        public var members: [Estimator]?
        public init(name: String, mode: String, bestFit: [Double], contours: [ContourSet] = [], intervals: [IntervalSet] = [],
                    regions: [RegionSummary]? = nil, members: [Estimator]? = nil) {
            self.name = name
            self.mode = mode
            self.bestFit = bestFit
            self.contours = contours
            self.intervals = intervals
            self.regions = regions
            self.members = members
        }
    }

    /// Program version (`SBIVersion.string`).
    public var version: String
    /// Hash of the recipe that produced the result, if any.
    public var recipeHash: String?
    public var parameters: [Parameter]
    public var gridShape: [Int]
    public var confidenceLevels: [Double]
    /// θ used for Asimov data, if any.
    public var thetaTrue: [Double]?
    public var estimators: [Estimator]
    /// What the result is of, one line each, printed on the plots: process or simulator, luminosity or
    /// event count, and the data ("Asimov data at θ = …" or the observed file). Absent in older files.
    public var notes: [String]?

    public init(parameters: [Parameter], gridShape: [Int], confidenceLevels: [Double], thetaTrue: [Double]?,
                estimators: [Estimator], recipeHash: String? = nil) {
        self.version = SBIVersion.string
        self.recipeHash = recipeHash
        self.parameters = parameters
        self.gridShape = gridShape
        self.confidenceLevels = confidenceLevels
        self.thetaTrue = thetaTrue
        self.estimators = estimators
    }

    /// Builds the file from scan results on one regular grid: intervals (1 parameter) or contours (2).
    /// - Throws: `SBIError.data` for CLs outside (0, 1), a grid that is not regular or has more than
    ///   2 parameters, or a result on a different grid.
    public static func make(space: [Parameter], grid: ParameterGrid, results: [(name: String, mode: String, result: LikelihoodScanResult)],
                            confidenceLevels: [Double], thetaTrue: [Double]?, refinement: Int = 1,
                            recipeHash: String? = nil) throws -> ContoursFile {
        try ConfidenceLevels.check(confidenceLevels)
        guard let axes = grid.axes, (1...2).contains(axes.count) else {
            throw SBIError.data("contours need a regular grid of 1 or 2 parameters; have \(grid.parameterCount)\(grid.isRegular ? "" : " (a point list)")",
                                field: "grid")
        }
        var estimators: [Estimator] = []
        for (name, mode, result) in results {
            guard result.grid == grid else { throw SBIError.data("result \(name) is on a different grid", field: "grid") }
            var e = Estimator(name: name, mode: mode, bestFit: result.bestFit, regions: [])
            for cl in confidenceLevels {
                var region: RegionSummary
                if axes.count == 1 {
                    let intervals = try ConfidenceRegion.intervals(scan: result, confidenceLevel: cl)
                    e.intervals.append(IntervalSet(confidenceLevel: cl, intervals: intervals))
                    region = .of(intervals: intervals, confidenceLevel: cl)
                } else {
                    let paths = try ConfidenceRegion.contours(xs: axes[0].values, ys: axes[1].values, pValues: result.pValues,
                                                              confidenceLevel: cl, refinement: refinement)
                    e.contours.append(ContourSet(confidenceLevel: cl, paths: paths))
                    region = .of(contours: paths, pValues: result.pValues, confidenceLevel: cl)
                }
                if region.status != .closed { region.hint = RegionSummary.fisherHint(scan: result, confidenceLevel: cl) }
                e.regions?.append(region)
            }
            estimators.append(e)
        }
        addRatiosToTruth(&estimators)
        return ContoursFile(parameters: space, gridShape: grid.shape, confidenceLevels: confidenceLevels,
                            thetaTrue: thetaTrue, estimators: estimators, recipeHash: recipeHash)
    }

    /// Sets `ratioToTruth` of every closed region when a `truth` result with a closed region at the
    /// same confidence level is present. A result named `<name><suffix>` is compared with the truth
    /// result `truth<suffix>` when there is one (`alices_fixed_nuisance` with `truth_fixed_nuisance`),
    /// else with the first truth result.
    static func addRatiosToTruth(_ estimators: inout [Estimator]) {
        let truths = estimators.filter { $0.mode == "truth" }
        guard let first = truths.first else { return }
        for e in estimators.indices {
            let name = estimators[e].name
            let matching = truths.filter { $0.name.count > 5 && name.hasSuffix(String($0.name.dropFirst(5))) }
                .max { $0.name.count < $1.name.count }
            guard let regions = estimators[e].regions, let truth = (matching ?? first).regions else { continue }
            for r in regions.indices {
                guard regions[r].status == .closed,
                      let reference = truth.first(where: { $0.confidenceLevel == regions[r].confidenceLevel }),
                      reference.status == .closed, reference.size > 0 else { continue }
                estimators[e].regions?[r].ratioToTruth = regions[r].size / reference.size
            }
        }
    }

    /// Pretty-printed, key-sorted JSON.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do { return try encoder.encode(self) } catch {
            throw SBIError.numerical("cannot encode contours.json: \(error)", field: "contours.json")
        }
    }

    /// Writes `jsonData()` to `path` atomically (a temporary file renamed into place), like
    /// `ContourPlot.write` and `HEPDataWriter.write`.
    /// - Throws: `SBIError.io` naming the file if it cannot be written.
    public func write(to path: String) throws {
        try AtomicFileWriter.write(Array(try jsonData()), to: path)
    }

    /// Reads and checks a `contours.json`.
    /// - Throws: `SBIError.io` if unreadable, `SBIError.data` naming the file and the key path if malformed.
    public static func read(_ path: String) throws -> ContoursFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw SBIError.io("cannot read the file", file: path) }
        let file: ContoursFile
        do { file = try JSONDecoder().decode(ContoursFile.self, from: data) } catch let DecodingError.keyNotFound(key, context) {
            throw SBIError.data("missing key \"\(key.stringValue)\"", file: path, field: Self.keyPath(context.codingPath))
        } catch let DecodingError.typeMismatch(_, context) {
            throw SBIError.data(context.debugDescription, file: path, field: Self.keyPath(context.codingPath))
        } catch let DecodingError.valueNotFound(_, context) {
            throw SBIError.data(context.debugDescription, file: path, field: Self.keyPath(context.codingPath))
        } catch let DecodingError.dataCorrupted(context) {
            throw SBIError.data("not valid JSON: \(context.debugDescription)", file: path, field: Self.keyPath(context.codingPath))
        } catch {
            throw SBIError.data("not a contours file: \(error)", file: path)
        }
        guard (1...2).contains(file.parameters.count) else {
            throw SBIError.data("\(file.parameters.count) parameters; expected 1 or 2", file: path, field: "parameters")
        }
        for (i, p) in file.parameters.enumerated() where p.range.count != 2 || !(p.range[0] < p.range[1]) {
            throw SBIError.data("range must be [lower, upper] with lower < upper", file: path, field: "parameters[\(i)].range")
        }
        // Every per-parameter list has one entry per parameter (plots and HEPData index them by parameter).
        let k = file.parameters.count
        guard file.gridShape.count == k, file.gridShape.allSatisfy({ $0 >= 2 }) else {
            throw SBIError.data("\(file.gridShape) has to give ≥ 2 points for each of the \(k) parameters", file: path, field: "gridShape")
        }
        if let t = file.thetaTrue, t.count != k || !t.allSatisfy(\.isFinite) {
            throw SBIError.data("\(t.count) values; expected \(k) finite numbers, one per parameter", file: path, field: "thetaTrue")
        }
        for (i, e) in file.estimators.enumerated() {
            for (m, member) in ([e] + (e.members ?? [])).enumerated() where member.bestFit.count != k || !member.bestFit.allSatisfy(\.isFinite) {
                let field = m == 0 ? "estimators[\(i)].bestFit" : "estimators[\(i)].members[\(m - 1)].bestFit"
                throw SBIError.data("\(member.bestFit.count) values; expected \(k) finite numbers, one per parameter", file: path, field: field)
            }
        }
        return file
    }

    static func keyPath(_ path: [any CodingKey]) -> String {
        var out = ""
        for key in path {
            if let i = key.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + key.stringValue }
        }
        return out.isEmpty ? "(top level)" : out
    }
}

extension ContourPath {
    private enum Keys: String, CodingKey { case closed, points }

    /// `{"closed": Bool, "points": [[x, y], …]}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(closed, forKey: .closed)
        var points = c.nestedUnkeyedContainer(forKey: .points)
        for k in 0..<count {
            var p = points.nestedUnkeyedContainer()
            try p.encode(xs[k])
            try p.encode(ys[k])
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let closed = try c.decode(Bool.self, forKey: .closed)
        var points = try c.nestedUnkeyedContainer(forKey: .points)
        var xs: [Double] = [], ys: [Double] = []
        while !points.isAtEnd {
            var p = try points.nestedUnkeyedContainer()
            xs.append(try p.decode(Double.self))
            ys.append(try p.decode(Double.self))
            guard p.isAtEnd else {
                throw DecodingError.dataCorruptedError(in: p, debugDescription: "a point has more than two coordinates")
            }
        }
        self.init(xs: xs, ys: ys, closed: closed)
    }
}
