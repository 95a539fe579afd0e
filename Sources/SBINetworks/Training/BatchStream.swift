import SBICore

/// Cuts a `TrainingDataset` into batches, streaming it from disk in chunks with constant memory.
///
/// ## Shuffling scheme
/// The rows are split into fixed chunks of `chunkRows` consecutive rows. In each
/// epoch, with the epoch's generator:
/// ```
/// order  = pseudo-random permutation of the chunk numbers 0..<C, C = ⌈n / chunkRows⌉
///          (`IndexPermutation`, a keyed Feistel network: no table of C indices)
/// window w = chunks order[w·K ..< (w+1)·K]                 (K = chunksPerWindow)
/// for each window: read its K chunks, keep the rows of the subset (training or
///   validation), shuffle those rows (Fisher–Yates), emit them in that order;
///   batches run on across window boundaries, and the last batch of the epoch may be short.
/// ```
/// Every selected row is emitted exactly once per epoch. When the data fit in one window
/// (n ≤ K·chunkRows, 256 × 512 = 131 072 rows by default) this is a full uniform shuffle.
/// Larger files are shuffled in windows of K small chunks drawn from anywhere in the
/// file; the defaults (256-row chunks: ≥ 10 kB contiguous reads per field for 10
/// observables, so a memory-mapped read stays sequential within a chunk) put 512 chunks
/// in a window, so even a file sorted by label (all y = 0 rows, then all y = 1) gives
/// windows whose class fractions differ from the file's by ≈ 1/√512 ≈ 4 % — shuffle such
/// files once beforehand for best results.
/// Memory: one window (K·chunkRows rows of every field), one batch and the row-index
/// list of one window — independent of n.
///
/// Shapes: batches follow `TrainingBatch` (`x` `[B, nObservables]`, ...).
final class BatchStream {
    /// Which rows of the dataset a pass visits.
    enum Subset {
        case all
        case training(ValidationSplit)
        case validation(ValidationSplit)

        @inline(__always) func contains(_ row: Int) -> Bool {
            switch self {
            case .all: return true
            case .training(let split): return !split.isValidation(row)
            case .validation(let split): return split.isValidation(row)
            }
        }
    }

    let dataset: TrainingDataset
    let batchSize: Int
    let chunkRows: Int
    let chunksPerWindow: Int
    /// Number of chunks C.
    let chunkCount: Int
    private let windowRows: Int
    /// Start of each column's region in `window` (column-major blocks of `windowRows × width`).
    private let windowOffsets: [Int]
    private var window: [Float]
    private var indices: [Int]
    private var batch: TrainingBatch

    init(dataset: TrainingDataset, batchSize: Int, chunkRows: Int, chunksPerWindow: Int) {
        precondition(batchSize >= 1 && chunkRows >= 1 && chunksPerWindow >= 1,
                     "BatchStream: batch \(batchSize), chunk \(chunkRows), window \(chunksPerWindow) must be ≥ 1")
        self.dataset = dataset
        self.batchSize = batchSize
        self.chunkRows = min(chunkRows, dataset.count)
        self.chunksPerWindow = chunksPerWindow
        chunkCount = (dataset.count + self.chunkRows - 1) / self.chunkRows
        windowRows = min(self.chunkRows * chunksPerWindow, dataset.count)
        var offsets: [Int] = []
        var total = 0
        for column in dataset.columns {
            offsets.append(total)
            total += windowRows * column.width
        }
        windowOffsets = offsets
        window = [Float](repeating: 0, count: total)
        indices = []
        indices.reserveCapacity(windowRows)
        batch = BatchStream.makeBatch(dataset: dataset, rows: min(batchSize, dataset.count))
    }

    /// Float32 values and indices held in buffers: the stream's memory, independent of the row count
    /// once the data exceed one window. For tests.
    var bufferedElementCount: Int { window.count + indices.capacity + batchSize * dataset.columns.reduce(0) { $0 + $1.width } }

    /// A zero batch of `rows` rows with the dataset's fields.
    static func makeBatch(dataset: TrainingDataset, rows: Int) -> TrainingBatch {
        func matrix(_ field: TrainingDataset.Field) -> Matrix<Float>? {
            dataset.width(of: field).map { Matrix<Float>(rows: rows, columns: $0) }
        }
        func vector(_ field: TrainingDataset.Field) -> [Float]? {
            dataset.width(of: field).map { _ in [Float](repeating: 0, count: rows) }
        }
        return TrainingBatch(x: matrix(.x)!, theta: matrix(.theta), theta1: matrix(.theta1),
                             y: vector(.y), rXZ: vector(.rXZ), tXZ: matrix(.tXZ))
    }

    /// Calls `body(batch, batchIndex)` for every batch of `subset`; with `random`, chunk order and
    /// in-window order are shuffled (see the type's documentation), otherwise rows come in file order.
    func forEachBatch(subset: Subset, random: SeededRandom?,
                      _ body: (TrainingBatch, Int) throws -> Void) rethrows {
        let order: IndexPermutation? = random.map { IndexPermutation(count: chunkCount, random: $0) }
        var filled = 0
        var batchIndex = 0
        var chunk = 0
        while chunk < chunkCount {
            // Load one window.
            indices.removeAll(keepingCapacity: true)
            var windowRow = 0
            var slot = 0
            while slot < chunksPerWindow && chunk < chunkCount {
                let c = order?(chunk) ?? chunk
                let start = c * chunkRows, end = min(start + chunkRows, dataset.count)
                let rows = end - start
                window.withUnsafeMutableBufferPointer { w in
                    for (k, column) in dataset.columns.enumerated() {
                        let base = windowOffsets[k] + windowRow * column.width
                        dataset.readRows(start..<end, of: column,
                                         into: UnsafeMutableBufferPointer(rebasing: w[base..<(base + rows * column.width)]))
                    }
                }
                for r in start..<end where subset.contains(r) { indices.append(windowRow + r - start) }
                windowRow += rows
                slot += 1
                chunk += 1
            }
            if let random { random.shuffle(&indices) }
            // Emit its rows.
            var position = 0
            while position < indices.count {
                let take = min(batch.count - filled, indices.count - position)
                copyRows(position..<(position + take), toBatchRow: filled)
                filled += take
                position += take
                if filled == batch.count {
                    try body(batch, batchIndex)
                    batchIndex += 1
                    filled = 0
                }
            }
        }
        if filled > 0 {
            // The short last batch: allocated once per pass.
            var last = BatchStream.makeBatch(dataset: dataset, rows: filled)
            for field in dataset.fields {
                let width = dataset.width(of: field)!
                BatchStream.withBuffer(of: field, in: &batch) { source in
                    BatchStream.withBuffer(of: field, in: &last) { target in
                        target.baseAddress!.update(from: source.baseAddress!, count: filled * width)
                    }
                }
            }
            try body(last, batchIndex)
        }
    }

    /// Copies window rows `indices[range]` into batch rows starting at `firstRow`.
    private func copyRows(_ range: Range<Int>, toBatchRow firstRow: Int) {
        window.withUnsafeBufferPointer { w in
            indices.withUnsafeBufferPointer { idx in
                for (k, column) in dataset.columns.enumerated() {
                    let width = column.width
                    let source = w.baseAddress! + windowOffsets[k]
                    BatchStream.withBuffer(of: column.field, in: &batch) { target in
                        var row = firstRow
                        for p in range {
                            (target.baseAddress! + row * width).update(from: source + idx[p] * width, count: width)
                            row += 1
                        }
                    }
                }
            }
        }
    }

    /// The storage of `field` in `batch`, writable.
    @inline(__always)
    static func withBuffer(of field: TrainingDataset.Field, in batch: inout TrainingBatch,
                           _ body: (UnsafeMutableBufferPointer<Float>) -> Void) {
        switch field {
        case .x: batch.x.withUnsafeMutableBufferPointer { body($0) }
        case .theta: batch.theta?.withUnsafeMutableBufferPointer { body($0) }
        case .theta1: batch.theta1?.withUnsafeMutableBufferPointer { body($0) }
        case .y: batch.y?.withUnsafeMutableBufferPointer { body($0) }
        case .rXZ: batch.rXZ?.withUnsafeMutableBufferPointer { body($0) }
        case .tXZ: batch.tXZ?.withUnsafeMutableBufferPointer { body($0) }
        }
    }
}
