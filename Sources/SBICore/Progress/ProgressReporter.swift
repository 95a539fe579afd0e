#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shows the progress of long work on a terminal: stage, step/total, percentage,
/// rate, ETA and a free-form detail (epoch, loss, ...).
///
/// ```
/// [train] 1200/5000  24%  8.4k samples/s  ETA 0:07  loss 0.3127
/// ```
/// It draws on standard error only when that is a terminal and the reporter is
/// not quiet (`--quiet`); piped or redirected output gets nothing, so logs and
/// test output stay clean. Redraws are throttled to 10 per second.
public final class ProgressReporter {
    /// Where the reporter writes; tests pass their own sink.
    public typealias Sink = (String) -> Void

    /// Whether a reporter created with default settings draws: false after `sbi --quiet`.
    nonisolated(unsafe) public static var globallyQuiet = false

    /// The stage name shown in brackets.
    public let stage: String
    /// Total number of steps, if known.
    public let total: Int?
    /// The unit of a step, for the rate (`samples`, `events`).
    public let unit: String
    /// True when this reporter draws anything at all.
    public let isActive: Bool
    private let sink: Sink
    private let clock: () -> Double
    private let startTime: Double
    private var lastDraw = -Double.infinity
    private var lastLineLength = 0
    private(set) public var step = 0

    /// A reporter for `stage`.
    /// - Parameters:
    ///   - quiet: force silence (default: `ProgressReporter.globallyQuiet`).
    ///   - isTerminal: whether the output is a terminal (default: `isatty(2)`).
    ///   - sink: where text goes (default: standard error).
    ///   - clock: seconds, monotonic (default: `CLOCK_MONOTONIC`).
    public init(stage: String, total: Int?, unit: String = "steps",
                quiet: Bool = ProgressReporter.globallyQuiet,
                isTerminal: Bool = isatty(2) != 0,
                sink: Sink? = nil,
                clock: @escaping () -> Double = ProgressReporter.monotonicSeconds) {
        self.stage = stage
        self.total = total
        self.unit = unit
        self.isActive = isTerminal && !quiet
        self.sink = sink ?? { text in
            var copy = text
            copy.withUTF8 { bytes in
                if let base = bytes.baseAddress { _ = systemWrite(2, base, bytes.count) }
            }
        }
        self.clock = clock
        self.startTime = clock()
    }

    /// Records that `step` steps are done and redraws if due. Cheap when inactive.
    public func update(step: Int, detail: @autoclosure () -> String = "") {
        self.step = step
        guard isActive else { return }
        let now = clock()
        let finished = total.map { step >= $0 } ?? false
        guard now - lastDraw >= 0.1 || finished else { return }
        lastDraw = now
        draw(line(now: now, detail: detail()))
    }

    /// Adds `steps` to the count.
    public func advance(by steps: Int = 1, detail: @autoclosure () -> String = "") {
        update(step: step + steps, detail: detail())
    }

    /// Draws the final state and ends the line.
    public func finish(detail: String = "") {
        guard isActive else { return }
        draw(line(now: clock(), detail: detail))
        sink("\n")
        lastLineLength = 0
    }

    /// The status line for the current state at time `now` (seconds since the same origin as the clock).
    public func line(now: Double, detail: String = "") -> String {
        let elapsed = max(now - startTime, 1e-9)
        let rate = Double(step) / elapsed
        var parts = ["[\(stage)]"]
        if let total {
            parts.append("\(step)/\(total)")
            let percent = total > 0 ? Int((100.0 * Double(step) / Double(total)).rounded(.down)) : 100
            parts.append("\(percent)%")
        } else {
            parts.append("\(step)")
        }
        parts.append("\(ProgressReporter.formatRate(rate)) \(unit)/s")
        if let total, step > 0, step < total {
            parts.append("ETA \(ProgressReporter.formatDuration(Double(total - step) / max(rate, 1e-12)))")
        } else {
            parts.append("\(ProgressReporter.formatDuration(elapsed))")
        }
        if !detail.isEmpty { parts.append(detail) }
        return parts.joined(separator: "  ")
    }

    private func draw(_ text: String) {
        let padding = max(0, lastLineLength - text.count)
        sink("\r" + text + String(repeating: " ", count: padding))
        lastLineLength = text.count
    }

    /// `950`, `8.4k`, `1.25M`.
    public static func formatRate(_ rate: Double) -> String {
        if !rate.isFinite { return "-" }
        if rate >= 1e6 { return String(format3(rate / 1e6)) + "M" }
        if rate >= 1e3 { return String(format3(rate / 1e3)) + "k" }
        return format3(rate)
    }

    /// `m:ss` or `h:mm:ss`.
    public static func formatDuration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "-" }
        let s = Int(seconds.rounded())
        let h = s / 3600, m = (s % 3600) / 60, r = s % 60
        let rs = r < 10 ? "0\(r)" : "\(r)"
        if h > 0 { return "\(h):" + (m < 10 ? "0\(m)" : "\(m)") + ":" + rs }
        return "\(m):" + rs
    }

    /// Three significant figures without Foundation.
    static func format3(_ x: Double) -> String {
        if x >= 100 { return String(Int(x.rounded())) }
        let decimals = x >= 10 ? 1 : 2
        let scale = decimals == 1 ? 10.0 : 100.0
        let v = (x * scale).rounded() / scale
        var text = String(v)
        if let dot = text.firstIndex(of: ".") {
            let after = text.distance(from: dot, to: text.endIndex) - 1
            if after < decimals { text += String(repeating: "0", count: decimals - after) }
        }
        return text
    }

    /// Seconds from `CLOCK_MONOTONIC`.
    public static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
