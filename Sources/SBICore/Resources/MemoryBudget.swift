import Foundation

/// The memory a planned piece of work will hold at its peak, compared with this machine's
/// physical memory before anything is allocated, so that a recipe or a flag set that cannot fit
/// is refused with the estimate and the limit instead of ending in "failed to allocate".
///
/// Estimates count the large arrays only (events × columns × 8 bytes, network weights × copies ×
/// 4 bytes, …); each caller documents its formula. The true peak is somewhat higher, so a plan
/// refused here would not fit in the memory sbi allows itself, and one accepted close to the limit
/// may still not.
public enum MemoryBudget {
    /// Memory sbi plans to use: 80 % of this machine's physical memory (`ProcessInfo.physicalMemory`);
    /// the rest is left to the system and to the smaller buffers an estimate does not count.
    public static var usableBytes: Double { 0.8 * Double(ProcessInfo.processInfo.physicalMemory) }

    /// A byte count for people: "512 MB", "24.0 GB", "1.2 TB" (decimal units).
    public static func describe(_ bytes: Double) -> String {
        if bytes < 1e6 { return String(format: "%.0f kB", bytes / 1e3) }
        if bytes < 1e9 { return String(format: "%.0f MB", bytes / 1e6) }
        if bytes < 1e12 { return String(format: "%.1f GB", bytes / 1e9) }
        return String(format: "%.1f TB", bytes / 1e12)
    }

    /// nil when `bytes` fits in `limit`, else the sentence "needs about X for `what`; sbi may use Y here".
    public static func excess(_ bytes: Double, for what: String, limit: Double = usableBytes) -> String? {
        guard !(bytes <= limit) else { return nil }
        return "needs about \(describe(bytes)) of memory for \(what); sbi may use \(describe(limit)) on this machine (80 % of its memory)"
    }
}
