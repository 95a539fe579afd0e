#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SBICore

/// An observable or cut compiled from a text expression over the event's particle collections.
///
/// ```
/// j[0].pt     deltaphi(j[0], j[1])     (a[0] + a[1]).m     met     l[1].eta
/// j[0].pt > 30 and abs(j[0].eta - j[1].eta) > 3.6 or count(l) >= 2
/// ```
/// Properties `pt eta phi m e px py pz`; arithmetic `+ − * /`, unary minus, numbers,
/// parentheses; functions `deltaphi deltaeta deltar` (two particles), `abs sqrt log exp sin
/// cos tan` (one number), `min max pow atan2` (two numbers), `count(collection)`;
/// comparisons `< <= > >= == !=` joined by `and`/`or`/`not`. Particles add and subtract as
/// four-vectors. `met` is a particle (px, py, 0, |pT|) that reads as its pT where a number is
/// expected. Compiled once into a flat node array; evaluation recurses over indices and never
/// allocates. `and`/`or` short-circuit, so `count(j) >= 3 and j[2].pt > 20` is safe.
/// - References: [1] arXiv:1805.00020 (MadMiner observables and cuts as expressions).
public struct ObservableExpression: Sendable {
    /// The text it was compiled from.
    public let source: String
    /// True for a cut (a comparison), false for a numeric observable.
    public let isCondition: Bool
    let nodes: [ExpressionNode]
    let root: Int

    /// Compiles `source`.
    ///
    /// - Throws: `SBIError` (.data) with the 1-based column, e.g.
    ///   `column 6: unknown property 'ptt'; expected one of pt, eta, phi, m, e, px, py, pz`.
    public init(_ source: String) throws {
        var parser = ExpressionParser(source)
        let (nodes, root, isCondition) = try parser.parseTop()
        self.source = source
        self.nodes = nodes
        self.root = root
        self.isCondition = isCondition
    }

    /// The value for one event, or nil when it needs an object the event lacks (`j[2]` with two
    /// jets). For a cut, 1 when it passes and 0 when not.
    public func value(_ objects: EventObjects) -> Double? {
        var missing = false
        let result = isCondition ? (truth(root, objects, &missing) ? 1 : 0) : scalar(root, objects, &missing)
        return missing ? nil : result
    }

    /// Whether a cut passes; an object the event lacks makes it fail.
    public func passes(_ objects: EventObjects) -> Bool {
        var missing = false
        let result = truth(root, objects, &missing)
        return result && !missing
    }

    func scalar(_ i: Int, _ o: EventObjects, _ missing: inout Bool) -> Double {
        switch nodes[i] {
        case .number(let x):
            return x
        case .property(let v, let property):
            let p = vector(v, o, &missing)
            switch property {
            case .pt: return p.pt
            case .eta: return p.eta
            case .phi: return p.phi
            case .m: return p.m
            case .e: return p.e
            case .px: return p.px
            case .py: return p.py
            case .pz: return p.pz
            }
        case .negate(let a):
            return -scalar(a, o, &missing)
        case .arithmetic(let op, let a, let b):
            let x = scalar(a, o, &missing), y = scalar(b, o, &missing)
            switch op {
            case .add: return x + y
            case .subtract: return x - y
            case .multiply: return x * y
            case .divide: return x / y
            }
        case .unary(let f, let a):
            let x = scalar(a, o, &missing)
            switch f {
            case .abs: return Swift.abs(x)
            case .sqrt: return x.squareRoot()
            case .log: return log(x)
            case .exp: return exp(x)
            case .sin: return sin(x)
            case .cos: return cos(x)
            case .tan: return tan(x)
            }
        case .binary(let f, let a, let b):
            let x = scalar(a, o, &missing), y = scalar(b, o, &missing)
            switch f {
            case .min: return Swift.min(x, y)
            case .max: return Swift.max(x, y)
            case .pow: return pow(x, y)
            case .atan2: return atan2(x, y)
            }
        case .pair(let f, let a, let b):
            let p = vector(a, o, &missing), q = vector(b, o, &missing)
            switch f {
            case .deltaphi: return FourMomentum.deltaPhi(p, q)
            case .deltaeta: return Swift.abs(p.eta - q.eta)
            case .deltar: return FourMomentum.deltaR(p, q)
            }
        case .count(let collection):
            return Double(o.count(collection))
        case .object, .met, .vectorSum, .vectorDifference, .compare, .and, .or, .not:
            preconditionFailure("expression node \(i) is not a number (type checking let it through)")
        }
    }

    func vector(_ i: Int, _ o: EventObjects, _ missing: inout Bool) -> FourMomentum {
        switch nodes[i] {
        case .object(let collection, let index):
            guard let p = o.object(collection, index) else {
                missing = true
                return .zero
            }
            return p
        case .met:
            return o.met
        case .vectorSum(let a, let b):
            return vector(a, o, &missing) + vector(b, o, &missing)
        case .vectorDifference(let a, let b):
            return vector(a, o, &missing) - vector(b, o, &missing)
        default:
            preconditionFailure("expression node \(i) is not a particle (type checking let it through)")
        }
    }

    func truth(_ i: Int, _ o: EventObjects, _ missing: inout Bool) -> Bool {
        switch nodes[i] {
        case .compare(let op, let a, let b):
            let x = scalar(a, o, &missing), y = scalar(b, o, &missing)
            switch op {
            case .less: return x < y
            case .lessEqual: return x <= y
            case .greater: return x > y
            case .greaterEqual: return x >= y
            case .equal: return x == y
            case .notEqual: return x != y
            }
        case .and(let a, let b):
            var missingA = false
            guard truth(a, o, &missingA), !missingA else { missing = missing || missingA; return false }
            return truth(b, o, &missing)
        case .or(let a, let b):
            var missingA = false
            if truth(a, o, &missingA), !missingA { return true }
            var missingB = false
            let result = truth(b, o, &missingB)
            if missingB { missing = missing || missingA || missingB }
            return result && !missingB
        case .not(let a):
            var missingA = false
            let result = truth(a, o, &missingA)
            missing = missing || missingA
            return !result
        default:
            preconditionFailure("expression node \(i) is not a condition (type checking let it through)")
        }
    }
}

/// One node of a compiled expression; children are indices into the node array.
enum ExpressionNode: Sendable {
    case number(Double)
    case object(ParticleCollection, Int)
    case met
    case property(Int, ParticleProperty)
    case vectorSum(Int, Int)
    case vectorDifference(Int, Int)
    case negate(Int)
    case arithmetic(ArithmeticOperator, Int, Int)
    case unary(UnaryFunction, Int)
    case binary(BinaryFunction, Int, Int)
    case pair(PairFunction, Int, Int)
    case count(ParticleCollection)
    case compare(ComparisonOperator, Int, Int)
    case and(Int, Int)
    case or(Int, Int)
    case not(Int)
}

/// Kinematic properties of a particle in an expression.
public enum ParticleProperty: String, CaseIterable, Sendable {
    case pt, eta, phi, m, e, px, py, pz
}

enum ArithmeticOperator: Sendable { case add, subtract, multiply, divide }
enum UnaryFunction: String, CaseIterable, Sendable { case abs, sqrt, log, exp, sin, cos, tan }
enum BinaryFunction: String, CaseIterable, Sendable { case min, max, pow, atan2 }
enum PairFunction: String, CaseIterable, Sendable { case deltaphi, deltaeta, deltar }
enum ComparisonOperator: Sendable { case less, lessEqual, greater, greaterEqual, equal, notEqual }
