import SBICore

/// Observables and cuts applied event by event, with optional smearing; dropped events counted.
///
/// ```
/// objects = collections(smear(status-1 particles))
/// keep the event  ⇔  every cut passes  ∧  every observable is available and finite (or has a default)
/// x = (observable_1(objects), …, observable_n(objects))
/// ```
/// Shapes: `process` writes `[observableNames.count]` values. The first failing cut (an
/// object it needs that is missing fails it) and, after the cuts, the first unavailable or
/// non-finite observable are counted in `droppedByCut` / `droppedByObservable`. An observable
/// with a default (MadMiner's `required=False, default=…`) takes it instead of dropping the
/// event, counted in `defaultedByObservable`.
/// - Complexity: O(particles + expression nodes) per event; no allocation once the
///   collections have grown.
/// - References: [1] arXiv:1805.00020 (MadMiner: observables, cuts, smearing, efficiencies).
public final class EventAnalysis {
    /// Observable names, in the order of the values `process` writes.
    public let observableNames: [String]
    /// The compiled observables.
    public let observables: [ObservableExpression]
    /// The compiled cuts.
    public let cuts: [ObservableExpression]
    /// Smearing and efficiencies (nil: generator-level momenta).
    public let smearing: EventSmearing?
    /// Events given to `process`.
    public private(set) var eventsSeen = 0
    /// Events kept.
    public private(set) var eventsAccepted = 0
    /// Events dropped by each cut, `[cuts.count]`.
    public private(set) var droppedByCut: [Int]
    /// Events dropped because an observable was unavailable or not finite, `[observables.count]`.
    public private(set) var droppedByObservable: [Int]
    /// Per observable, the value used when it is unavailable or not finite (nil: drop the event).
    public let defaults: [Double?]
    /// Events in which an observable took its default, `[observables.count]`.
    public private(set) var defaultedByObservable: [Int]
    /// Which observables of the event being processed took their default (reused, no allocation).
    private var usedDefault: [Bool]
    /// The objects of the last processed event.
    public private(set) var objects = EventObjects()

    /// Compiles the observables (name, expression) and cuts; `defaults` by observable name.
    ///
    /// - Throws: `SBIError` (.data) naming the observable or cut and the column of the problem;
    ///   a cut must be a comparison and an observable a number; a default must be finite and
    ///   belong to an observable.
    public init(observables: [(name: String, expression: String)], cuts: [String] = [],
                smearing: EventSmearing? = nil, defaults: [String: Double] = [:]) throws {
        for (name, value) in defaults.sorted(by: { $0.key < $1.key }) {
            guard observables.contains(where: { $0.name == name }) else {
                throw SBIError.data("a default for \(name), which is not an observable", field: "defaults")
            }
            guard value.isFinite else { throw SBIError.data("the default \(value) of \(name) is not finite", field: "defaults") }
        }
        var compiled: [ObservableExpression] = []
        for (k, observable) in observables.enumerated() {
            do {
                let expression = try ObservableExpression(observable.expression)
                guard !expression.isCondition else {
                    throw SBIError.data("a comparison is a cut, not an observable", field: "expression '\(observable.expression)'")
                }
                compiled.append(expression)
            } catch let error as SBIError {
                var e = error
                e.field = "observables[\(k)] '\(observable.name)': " + (error.field ?? "")
                throw e
            }
        }
        var compiledCuts: [ObservableExpression] = []
        for (k, cut) in cuts.enumerated() {
            do {
                let expression = try ObservableExpression(cut)
                guard expression.isCondition else {
                    throw SBIError.data("a cut must be a comparison such as j[0].pt > 30", field: "expression '\(cut)'")
                }
                compiledCuts.append(expression)
            } catch let error as SBIError {
                var e = error
                e.field = "cuts[\(k)]: " + (error.field ?? "")
                throw e
            }
        }
        try smearing?.validate()
        observableNames = observables.map(\.name)
        self.observables = compiled
        self.cuts = compiledCuts
        self.smearing = smearing
        droppedByCut = Array(repeating: 0, count: compiledCuts.count)
        droppedByObservable = Array(repeating: 0, count: compiled.count)
        self.defaults = observables.map { defaults[$0.name] }
        defaultedByObservable = Array(repeating: 0, count: compiled.count)
        usedDefault = Array(repeating: false, count: compiled.count)
    }

    /// Builds the event's objects, applies the cuts and writes the observables into `values`.
    ///
    /// - Parameters:
    ///   - random: required when `smearing` is set (same seed → same smeared values).
    ///   - values: `[observableNames.count]`; left unspecified when the event is dropped.
    /// - Returns: true when the event is kept.
    public func process(_ event: LHEEvent, random: SeededRandom? = nil,
                        into values: UnsafeMutableBufferPointer<Double>) -> Bool {
        precondition(values.count == observables.count,
                     "values has \(values.count) entries for \(observables.count) observables")
        precondition(smearing == nil || random != nil, "smearing needs a SeededRandom")
        eventsSeen += 1
        objects.fill(from: event, smearing: smearing, random: random)
        for k in cuts.indices where !cuts[k].passes(objects) {
            droppedByCut[k] += 1
            return false
        }
        for k in observables.indices {
            if let value = observables[k].value(objects), value.isFinite {
                values[k] = value
                usedDefault[k] = false
            } else if let value = defaults[k] {
                values[k] = value
                usedDefault[k] = true
            } else {
                droppedByObservable[k] += 1
                return false
            }
        }
        for k in observables.indices where usedDefault[k] { defaultedByObservable[k] += 1 }
        eventsAccepted += 1
        return true
    }

    /// A one-line summary of kept and dropped events, e.g. for a log.
    public var summary: String {
        var parts = ["\(eventsAccepted) of \(eventsSeen) events kept"]
        for (k, n) in droppedByCut.enumerated() where n > 0 { parts.append("\(n) failed '\(cuts[k].source)'") }
        for (k, n) in droppedByObservable.enumerated() where n > 0 {
            parts.append("\(n) lacked \(observableNames[k]) (\(observables[k].source))")
        }
        for (k, n) in defaultedByObservable.enumerated() where n > 0 {
            parts.append("\(n) took the default \(observableNames[k]) = \(defaults[k] ?? 0)")
        }
        return parts.joined(separator: "; ")
    }
}
