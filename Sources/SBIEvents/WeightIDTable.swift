/// Looks up weight ids given as bytes of a line, without allocating a `String` per lookup.
///
/// Ids are stored back to back in one byte array; an open-addressing table (FNV-1a hash,
/// linear probing) finds an id in O(1). Because MadGraph writes `<wgt>` lines in the order
/// of `<initrwgt>`, the entry after the previous match is tried first.
///
/// ```
/// hash = FNV-1a(bytes)    slot(id) ∈ {benchmark index, −1 = known but not mapped}
/// ```
/// - References: [1] G. Fowler, L. C. Noll, K.-P. Vo, FNV hash.
struct WeightIDTable {
    private var bytes: [UInt8] = []
    private var offsets: [Int] = [0]
    /// Benchmark slot of entry k, or −1 when the id is known but not mapped.
    private(set) var slots: [Int] = []
    private var table: [Int32] = Array(repeating: -1, count: 16)
    private var hint = 0

    var count: Int { slots.count }

    func id(_ entry: Int) -> String {
        String(decoding: bytes[offsets[entry]..<offsets[entry + 1]], as: UTF8.self)
    }

    private static func hash(_ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in range { h = (h ^ UInt64(line[i])) &* 0x0000_0100_0000_01b3 }
        return h
    }

    private func equals(_ entry: Int, _ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        let a = offsets[entry], b = offsets[entry + 1]
        guard b - a == range.count else { return false }
        var i = range.lowerBound
        for k in a..<b {
            if bytes[k] != line[i] { return false }
            i += 1
        }
        return true
    }

    /// The entry index of the id `line[range]`, or nil when unknown.
    mutating func find(_ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        if hint < slots.count, equals(hint, line, range) {
            hint += 1
            return hint - 1
        }
        let mask = table.count - 1
        var position = Int(truncatingIfNeeded: WeightIDTable.hash(line, range)) & mask
        while table[position] >= 0 {
            let entry = Int(table[position])
            if equals(entry, line, range) {
                hint = entry + 1
                return entry
            }
            position = (position + 1) & mask
        }
        return nil
    }

    /// Restarts the in-order guess (call at the start of each event).
    mutating func resetHint() { hint = 0 }

    /// Adds an id with its benchmark slot (−1 for not mapped); returns false if already present.
    @discardableResult
    mutating func insert(_ id: String, slot: Int) -> Bool {
        var utf8 = Array(id.utf8)
        let found = utf8.withUnsafeMutableBufferPointer { buffer -> Bool in
            let view = UnsafeBufferPointer(buffer)
            var copy = self
            copy.hint = Int.max
            return copy.find(view, 0..<view.count) != nil
        }
        if found { return false }
        bytes.append(contentsOf: utf8)
        offsets.append(bytes.count)
        slots.append(slot)
        utf8.removeAll()
        if 2 * slots.count > table.count { rebuild(capacity: 4 * table.count) } else { place(slots.count - 1) }
        return true
    }

    private mutating func place(_ entry: Int) {
        let mask = table.count - 1
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for k in offsets[entry]..<offsets[entry + 1] { h = (h ^ UInt64(bytes[k])) &* 0x0000_0100_0000_01b3 }
        var position = Int(truncatingIfNeeded: h) & mask
        while table[position] >= 0 { position = (position + 1) & mask }
        table[position] = Int32(entry)
    }

    private mutating func rebuild(capacity: Int) {
        table = Array(repeating: -1, count: capacity)
        for entry in 0..<slots.count { place(entry) }
    }
}
