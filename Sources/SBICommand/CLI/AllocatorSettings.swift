#if canImport(Glibc)
import Glibc
#endif

/// glibc's allocator settings for the `sbi` program: likelihood scans and training hand the estimators
/// blocks of 1–32 MiB (`[grid points, events]` log r̂, network activations) and free them a moment later.
/// By default glibc serves such a block with a fresh mapping or returns it to the kernel at the next free
/// (its dynamic mmap and trim thresholds), so every block's pages are faulted in and zeroed again: a
/// 25³-point truth scan of 20 000 events spent 2.8 of its 6.4 s in the kernel. Fixed thresholds keep
/// blocks up to 32 MiB (the largest mmap threshold glibc allows) in the heap and the heap's free top
/// mapped up to 1 GiB, so the next block reuses the same pages (0.04 s in the kernel, 3.1 s in all).
/// Larger arrays (samples, grids) are still mapped and unmapped on their own. The library leaves the
/// allocator alone; only the command-line program sets this. [1] mallopt(3), M_MMAP_THRESHOLD, M_TRIM_THRESHOLD.
enum AllocatorSettings {
    /// Blocks up to this size come from the heap.
    static let mmapThreshold: Int32 = 32 << 20
    /// Free memory at the top of the heap up to this size stays mapped.
    static let trimThreshold: Int32 = 1 << 30

    /// `M_TRIM_THRESHOLD` and `M_MMAP_THRESHOLD` of glibc's malloc.h (not in Swift's Glibc module).
    static let trimThresholdOption: Int32 = -1, mmapThresholdOption: Int32 = -3

    /// Applies the thresholds (glibc only: `mallopt` looked up in the running C library; elsewhere nothing).
    static func apply() {
        #if canImport(Glibc)
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
        _ = mallopt(mmapThresholdOption, mmapThreshold)
        _ = mallopt(trimThresholdOption, trimThreshold)
        #endif
    }
}
