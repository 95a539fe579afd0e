import CZlib
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs zlib's `gzread` on a second thread, a few chunks ahead of the reader, so that
/// decompression overlaps parsing.
///
/// ```
/// worker:  wait(free slot) → gzread(file, slot) → publish(count | error | end) → next slot
/// reader:  wait(published slot) → copy its bytes out → free the slot
/// ```
/// `slotCount` chunks of `chunkSize` bytes rotate between the two threads; two semaphores
/// carry the hand-over, so each slot is touched by one thread at a time and memory stays
/// constant. Decompression (≈ 560 MB/s with zlib on this machine kind) and LHE parsing take
/// about the same time per event, so overlapping them nearly doubles the events/s of a
/// gzip file on two cores; on one core it costs only the copy.
///
/// The worker owns the `gzFile` while it runs; `stop()` (also called by `deinit`) waits for it
/// to finish before anyone else touches the file.
final class BackgroundInflater: @unchecked Sendable {
    /// What the worker read into one slot.
    enum Outcome {
        case bytes(Int)
        case end
        /// zlib's message; `truncated` when the stream ended early rather than being corrupt.
        case failure(message: String, truncated: Bool)
    }

    private let file: gzFile
    private let chunkSize: Int
    private let slots: [UnsafeMutablePointer<UInt8>]
    /// One per slot: written by the worker before `published.signal()`, read by the reader after
    /// `published.wait()` (a raw buffer, so the two threads never share an array's header).
    private let outcomes: UnsafeMutablePointer<Outcome>
    private let published = DispatchSemaphore(value: 0)
    private let free: DispatchSemaphore
    private let finished = DispatchSemaphore(value: 0)
    private let stopLock = NSLock()
    private var stopRequested = false
    private var running = false

    // Reader-side position.
    private var readSlot = 0
    private var readOffset = 0
    private var readAvailable = 0
    private var holdsSlot = false
    private var atEnd = false

    /// Starts reading `file` from its current position on a new thread.
    init(file: gzFile, chunkSize: Int = 1 << 18, slotCount: Int = 4) {
        self.file = file
        self.chunkSize = chunkSize
        slots = (0..<slotCount).map { _ in .allocate(capacity: chunkSize) }
        outcomes = .allocate(capacity: slotCount)
        outcomes.initialize(repeating: .end, count: slotCount)
        free = DispatchSemaphore(value: slotCount)
        start()
    }

    deinit {
        stop()
        for slot in slots { slot.deallocate() }
        outcomes.deinitialize(count: slots.count)
        outcomes.deallocate()
    }

    private func start() {
        stopLock.lock(); stopRequested = false; stopLock.unlock()
        running = true
        readSlot = 0; readOffset = 0; readAvailable = 0; holdsSlot = false; atEnd = false
        Thread.detachNewThread { [self] in work() }
    }

    private var shouldStop: Bool {
        stopLock.lock(); defer { stopLock.unlock() }
        return stopRequested
    }

    private func work() {
        var slot = 0
        while true {
            free.wait()
            if shouldStop { break }
            let count = gzread(file, slots[slot], UInt32(chunkSize))
            let outcome: Outcome
            if count > 0 {
                outcome = .bytes(Int(count))
            } else {
                // gzread returns 0 at a clean end and at a truncated stream (gzerror then says
                // Z_BUF_ERROR), and −1 on corrupt data.
                var status: Int32 = 0
                let text = gzerror(file, &status).map { String(cString: $0) } ?? "zlib status \(status)"
                if count == 0 && status == Z_OK {
                    outcome = .end
                } else {
                    outcome = .failure(message: text, truncated: count == 0)
                }
            }
            outcomes[slot] = outcome
            published.signal()
            if case .bytes = outcome { slot = (slot + 1) % slots.count } else { break }
        }
        finished.signal()
    }

    /// Stops the worker and waits until it no longer touches the file.
    func stop() {
        guard running else { return }
        stopLock.lock(); stopRequested = true; stopLock.unlock()
        free.signal()            // wake a worker waiting for a free slot
        finished.wait()
        running = false
        // Rebalance the semaphores for a restart: drain what was published, refill the free count.
        while published.wait(timeout: .now()) == .success {}
        while free.wait(timeout: .now()) == .success {}
        for _ in slots { free.signal() }
    }

    /// Stops, lets `body` use the file (e.g. `gzrewind`), and starts reading again.
    func restart(_ body: (gzFile) -> Bool) -> Bool {
        stop()
        let ok = body(file)
        start()
        return ok
    }

    /// Copies up to `maximum` decompressed bytes into `destination`.
    /// - Returns: `.bytes(n)` with n ≥ 1, `.end` at the end of the stream (and ever after), or
    ///   `.failure` once when zlib reported an error (then `.end`).
    func read(into destination: UnsafeMutablePointer<UInt8>, maximum: Int) -> Outcome {
        if atEnd { return .end }
        while readOffset == readAvailable {
            if holdsSlot {
                holdsSlot = false
                free.signal()
                readSlot = (readSlot + 1) % slots.count
            }
            published.wait()
            switch outcomes[readSlot] {
            case .bytes(let n):
                holdsSlot = true
                readOffset = 0
                readAvailable = n
            case .end:
                atEnd = true
                return .end
            case .failure(let message, let truncated):
                atEnd = true
                return .failure(message: message, truncated: truncated)
            }
        }
        let n = min(maximum, readAvailable - readOffset)
        destination.update(from: slots[readSlot] + readOffset, count: n)
        readOffset += n
        return .bytes(n)
    }
}
