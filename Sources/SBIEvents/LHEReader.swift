import SBICore

/// Streams the events of a Les Houches Event file (LHEF 1.0 or 3.0, plain or gzip) one at a
/// time into a reused `LHEEvent`, in constant memory.
///
/// ```
/// let reader = try LHEReader(path: "run_01.lhe.gz")
/// var event = LHEEvent()
/// while try reader.next(into: &event) { … event.particles, event.weight, event.weights … }
/// ```
/// The header is read on `init`: `<init>` (beams, PDFs, processes with cross sections) and
/// `<initrwgt>` (weight ids with their `set param_card` text). Each event gives the event
/// line, its NUP particle lines and the named weights of `<rwgt>` (or, without `<rwgt>`, of a
/// `<weights>` block mapped in the order of `<initrwgt>`), ordered as `benchmarkNames`.
/// Other elements (`<mgrwt>`, `<scales>`, comments, `#` lines) are skipped.
///
/// Every benchmark weight must be present in every event; an event carrying both `<rwgt>` and
/// `<weights>` takes the named weights from `<rwgt>` (the MadGraph 2.0.0 test file has a
/// three-value `<weights>` block next to nine `<wgt>` lines).
/// - Complexity: O(bytes); memory: one line buffer plus the event's arrays.
/// - Throws: `SBIError` naming the file, line and event for truncated, non-LHE or
///   inconsistent input (particle count ≠ NUP, missing or extra weight ids, non-finite values).
/// - References: [1] arXiv:hep-ph/0609017 (LHEF); [2] arXiv:1405.1067 (LHEF 3.0 weights);
///   [3] arXiv:1805.00020 (MadMiner's use of reweighting weights).
public final class LHEReader {
    /// The file as the user named it.
    public var path: String { lines.path }
    /// Version, `<init>` and `<initrwgt>` declarations.
    public let header: LHEHeader
    /// Benchmark names in the order of `LHEEvent.weights` (for `.automatic` without
    /// `<initrwgt>`, known after the first event).
    public internal(set) var benchmarkNames: [String]
    /// Events delivered so far.
    public internal(set) var eventsRead = 0
    /// The weight mapping in use.
    public let mapping: LHEWeightMapping

    let lines: GzipLineReader
    /// Weight-id lookup and per-event fill marks; moved into a local while an event is read
    /// (a local needs no dynamic exclusivity checks in the per-weight loop).
    var weightState: WeightState? = WeightState()
    /// For header weight k (`<weights>` order), its benchmark slot or −1.
    var headerSlots: [Int] = []
    var blockValues: [Double] = []
    /// True while the benchmark ids are still being learnt from the first event.
    var learningIDs = false
    var finished = false
    /// NUP of the event being read.
    var expectedParticles = 0
    /// Tag name of the element being skipped (reused).
    var skippedName: [UInt8] = []
    /// Line number of the first event line, for `rewind()`.
    private var afterHeaderLine = 0

    /// Opens `path` and reads its header.
    ///
    /// - Throws: `SBIError` (.io) if the file cannot be opened; (.data) if it is not an LHE
    ///   file, ends before `<init>`, or an explicit table names an id `<initrwgt>` lacks.
    public init(path: String, weights mapping: LHEWeightMapping = .automatic) throws {
        let lineReader = try GzipLineReader(path: path)
        lines = lineReader
        self.mapping = mapping
        header = try LHEReader.readHeader(lineReader)
        benchmarkNames = []
        try setUpMapping()
    }

    /// Bytes held by the reader's reusable buffers (for constant-memory checks).
    var bufferBytes: Int { lines.capacity + blockValues.capacity * 8 + (weightState?.filledInEvent.capacity ?? 0) * 8 }

    /// Reads the file again from its first event (same header, same mapping).
    public func rewind() throws {
        try lines.rewind()
        while lines.lineNumber < afterHeaderLine {
            guard try lines.nextLine() != nil else {
                throw SBIError.data("file changed while reading", file: path)
            }
        }
        eventsRead = 0
        finished = false
        weightState?.resetFills()
    }

    private func setUpMapping() throws {
        var ids = WeightIDTable()
        defer { weightState?.ids = ids }
        switch mapping {
        case .nominalOnly:
            break
        case .automatic:
            for (k, weight) in header.weights.enumerated() {
                ids.insert(weight.id, slot: k)
                benchmarkNames.append(weight.id)
                headerSlots.append(k)
            }
            learningIDs = header.weights.isEmpty
        case .table(let rows):
            for (k, row) in rows.enumerated() {
                guard ids.insert(row.weightID, slot: k) else {
                    throw SBIError.data("weight id '\(row.weightID)' appears twice in the weight table",
                                        file: path, field: "weights")
                }
                benchmarkNames.append(row.benchmark)
            }
            if !header.weights.isEmpty {
                let declared = Set(header.weights.map(\.id))
                for row in rows where !declared.contains(row.weightID) {
                    throw SBIError.data(
                        "weight id '\(row.weightID)' of the weight table is not declared in <initrwgt>; "
                            + "declared: \(LHEReader.list(header.weights.map(\.id)))",
                        file: path, field: "weights")
                }
                for weight in header.weights {
                    ids.insert(weight.id, slot: -1)  // no-op for mapped ids
                }
                for weight in header.weights {
                    headerSlots.append(rows.firstIndex { $0.weightID == weight.id } ?? -1)
                }
            }
        }
        weightState?.filledInEvent = Array(repeating: 0, count: benchmarkNames.count)
        afterHeaderLine = lines.lineNumber
    }

    /// Which benchmark slots the current event has filled, and the id table.
    struct WeightState {
        var ids = WeightIDTable()
        /// Event number that last filled each benchmark slot.
        var filledInEvent: [Int] = []
        var filledCount = 0

        mutating func resetFills() {
            for k in filledInEvent.indices { filledInEvent[k] = 0 }
            filledCount = 0
        }
    }

    static func list(_ names: [String]) -> String {
        names.count <= 12 ? names.joined(separator: ", ")
            : names.prefix(12).joined(separator: ", ") + ", … (\(names.count) in all)"
    }

    // MARK: Header

    private static func readHeader(_ lines: GzipLineReader) throws -> LHEHeader {
        let path = lines.path
        var version = ""
        // The opening tag, after blank lines, an XML declaration or comments.
        while true {
            guard let line = try lines.nextLine() else {
                throw SBIError.data("not an LHE file: no <LesHouchesEvents> tag (file is empty)",
                                    file: path, line: max(lines.lineNumber, 1))
            }
            let i = LHEBytes.firstNonSpace(line)
            if i == line.count || LHEBytes.matches(line, at: i, "<?xml") { continue }
            if LHEBytes.matches(line, at: i, "<!--") { try skipComment(line, from: i, lines); continue }
            guard LHEBytes.startsWithTag(line, "<LesHouchesEvents") else {
                throw SBIError.data("not an LHE file: expected <LesHouchesEvents version=\"…\">, found '\(LHEBytes.excerpt(line))'",
                                    file: path, line: lines.lineNumber)
            }
            if let v = LHEBytes.attribute(line, "version", in: i..<line.count) {
                version = LHEBytes.string(line, v)
            }
            break
        }
        var weights: [LHEWeightInfo] = []
        while true {
            guard let line = try lines.nextLine() else {
                throw SBIError.data("file ends before <init> (truncated, or not an LHE file)",
                                    file: path, line: lines.lineNumber)
            }
            let i = LHEBytes.firstNonSpace(line)
            if LHEBytes.matches(line, at: i, "<!--") { try skipComment(line, from: i, lines); continue }
            if LHEBytes.startsWithTag(line, "<initrwgt") {
                weights = try readInitrwgt(lines)
                continue
            }
            if LHEBytes.startsWithTag(line, "<init") {
                let initBlock = try readInit(lines)
                return LHEHeader(version: version, initBlock: initBlock, weights: weights)
            }
            if LHEBytes.startsWithTag(line, "<event") {
                throw SBIError.data("<event> before <init>; an LHE file declares <init> first",
                                    file: path, line: lines.lineNumber)
            }
        }
    }

    /// Skips a `<!-- … -->` comment starting at `line[from]`, across lines.
    static func skipComment(_ line: UnsafeBufferPointer<UInt8>, from: Int, _ lines: GzipLineReader) throws {
        if LHEBytes.find(line, "-->", from: from + 4) != nil { return }
        let opened = lines.lineNumber
        while let next = try lines.nextLine() {
            if LHEBytes.find(next, "-->") != nil { return }
        }
        throw SBIError.data("comment opened at line \(opened) never closes (truncated file?)",
                            file: lines.path, line: lines.lineNumber)
    }

    private static func readInitrwgt(_ lines: GzipLineReader) throws -> [LHEWeightInfo] {
        let path = lines.path
        var weights: [LHEWeightInfo] = []
        var seen = Set<String>()
        var group: String?
        while true {
            guard let line = try lines.nextLine() else {
                throw SBIError.data("file ends inside <initrwgt> (truncated file?)", file: path, line: lines.lineNumber)
            }
            let i = LHEBytes.firstNonSpace(line)
            if LHEBytes.startsWithTag(line, "</initrwgt") { return weights }
            if LHEBytes.matches(line, at: i, "<!--") { try skipComment(line, from: i, lines); continue }
            if LHEBytes.startsWithTag(line, "<weightgroup") {
                let range = i..<line.count
                if let name = LHEBytes.attribute(line, "name", in: range) ?? LHEBytes.attribute(line, "type", in: range) {
                    group = LHEBytes.string(line, name)
                } else {
                    group = nil
                }
                continue
            }
            if LHEBytes.startsWithTag(line, "</weightgroup") { group = nil; continue }
            guard LHEBytes.startsWithTag(line, "<weight") else { continue }
            let lineNumber = lines.lineNumber
            guard let close = LHEBytes.find(line, ">", from: i) else {
                throw SBIError.data("<weight> tag not closed on its line", file: path, line: lineNumber)
            }
            guard let idRange = LHEBytes.attribute(line, "id", in: i..<close) else {
                throw SBIError.data("<weight> without an id attribute in <initrwgt>", file: path, line: lineNumber)
            }
            let id = LHEBytes.string(line, idRange)
            var text = ""
            if line[close - 1] != 47 {  // not <weight … />
                if let end = LHEBytes.find(line, "</weight>", from: close) {
                    text = LHEBytes.string(line, LHEBytes.trimmed(line, (close + 1)..<end))
                } else {
                    var parts = [LHEBytes.string(line, LHEBytes.trimmed(line, (close + 1)..<line.count))]
                    while true {
                        guard let more = try lines.nextLine() else {
                            throw SBIError.data("<weight id=\"\(id)\"> opened at line \(lineNumber) never closes",
                                                file: path, line: lines.lineNumber)
                        }
                        if let end = LHEBytes.find(more, "</weight>") {
                            parts.append(LHEBytes.string(more, LHEBytes.trimmed(more, 0..<end)))
                            break
                        }
                        parts.append(LHEBytes.string(more, LHEBytes.trimmed(more, 0..<more.count)))
                    }
                    text = parts.filter { !$0.isEmpty }.joined(separator: "\n")
                }
            }
            guard seen.insert(id).inserted else {
                throw SBIError.data("weight id '\(id)' declared twice in <initrwgt>", file: path, line: lineNumber)
            }
            weights.append(LHEWeightInfo(id: id, group: group, text: text))
        }
    }

    private static func readInit(_ lines: GzipLineReader) throws -> LHEInit {
        let path = lines.path
        func nextContentLine() throws -> UnsafeBufferPointer<UInt8> {
            while let line = try lines.nextLine() {
                if LHEBytes.firstNonSpace(line) < line.count { return line }
            }
            throw SBIError.data("file ends inside <init> (truncated file?)", file: path, line: lines.lineNumber)
        }
        let first = try nextContentLine()
        var scanner = FieldScanner(first)
        guard let beam1 = scanner.nextInt(), let beam2 = scanner.nextInt(),
              let energy1 = scanner.nextDouble(), let energy2 = scanner.nextDouble(),
              let group1 = scanner.nextInt(), let group2 = scanner.nextInt(),
              let set1 = scanner.nextInt(), let set2 = scanner.nextInt(),
              let strategy = scanner.nextInt(), let processCount = scanner.nextInt(), scanner.atEnd
        else {
            throw SBIError.data("<init>: expected 'IDBMUP1 IDBMUP2 EBMUP1 EBMUP2 PDFGUP1 PDFGUP2 PDFSUP1 PDFSUP2 IDWTUP NPRUP', found '\(LHEBytes.excerpt(first))'",
                                file: path, line: lines.lineNumber)
        }
        guard energy1.isFinite, energy2.isFinite, (0...100_000).contains(processCount) else {
            throw SBIError.data("<init>: beam energies must be finite and NPRUP in 0…100000, found '\(LHEBytes.excerpt(first))'",
                                file: path, line: lines.lineNumber)
        }
        var processes: [LHEProcess] = []
        for _ in 0..<processCount {
            let line = try nextContentLine()
            var s = FieldScanner(line)
            guard let xs = s.nextDouble(), let error = s.nextDouble(), let maximum = s.nextDouble(),
                  let id = s.nextInt(), s.atEnd, xs.isFinite, error.isFinite, maximum.isFinite
            else {
                throw SBIError.data("<init>: expected NPRUP = \(processCount) process lines 'XSECUP XERRUP XMAXUP LPRUP' with finite numbers, found '\(LHEBytes.excerpt(line))'",
                                    file: path, line: lines.lineNumber)
            }
            processes.append(LHEProcess(crossSectionPicobarn: xs, crossSectionErrorPicobarn: error,
                                        maximumWeight: maximum, id: id))
        }
        while true {
            guard let line = try lines.nextLine() else {
                throw SBIError.data("file ends inside <init> (truncated file?)", file: path, line: lines.lineNumber)
            }
            if LHEBytes.find(line, "</init>") != nil { break }
            if LHEBytes.startsWithTag(line, "<event") {
                throw SBIError.data("<event> before </init>", file: path, line: lines.lineNumber)
            }
        }
        return LHEInit(beamIDs: (beam1, beam2), beamEnergiesGeV: (energy1, energy2),
                       pdfGroupIDs: (group1, group2), pdfSetIDs: (set1, set2),
                       weightingStrategy: strategy, processes: processes)
    }
}
