import SBICore

extension LHEReader {
    /// Reads the next event into `event`, reusing its arrays.
    ///
    /// ```
    /// <event …>
    ///  NUP IDPRUP XWGTUP SCALUP AQEDUP AQCDUP
    ///  IDUP ISTUP MOTHUP1 MOTHUP2 ICOLUP1 ICOLUP2 PX PY PZ E M VTIMUP SPINUP   (× NUP)
    ///  [<rwgt> <wgt id='…'> w </wgt> … </rwgt>]  [<weights> w1 w2 … </weights>]  [anything else]
    /// </event>
    /// ```
    /// - Returns: false after the last event (`</LesHouchesEvents>`).
    /// - Throws: `SBIError` with the file, line and `event N` when the file is truncated or an
    ///   event is inconsistent; the reader should not be used after a throw.
    /// - Complexity: O(bytes of the event), no allocation once the arrays have grown to the
    ///   largest event.
    public func next(into event: inout LHEEvent) throws -> Bool {
        if finished { return false }
        while true {
            guard let line = try lines.nextLine() else {
                throw SBIError.data("file ends after event \(eventsRead) without </LesHouchesEvents> (truncated file?)",
                                    file: path, line: lines.lineNumber)
            }
            let i = LHEBytes.firstNonSpace(line)
            if i == line.count { continue }
            if LHEBytes.startsWithTag(line, "<event") { break }
            if LHEBytes.startsWithTag(line, "</LesHouchesEvents") {
                // Read to the end of the file: only there does zlib check a gzip stream's CRC-32 and length.
                while try lines.nextLine() != nil {}
                finished = true
                return false
            }
            if LHEBytes.matches(line, at: i, "<!--") { try LHEReader.skipComment(line, from: i, lines); continue }
            // Anything else between events is a damaged tag or junk; skipping it would drop an event unseen.
            throw SBIError.data("expected <event> or </LesHouchesEvents> after event \(eventsRead), found \(LHEReader.quote(line, from: i)) "
                                + "(a damaged event tag?)", file: path, line: lines.lineNumber)
        }
        eventsRead += 1
        event.number = eventsRead
        try readEventLine(into: &event)
        try readParticles(into: &event)
        try readEventTail(into: &event)
        return true
    }

    /// The start of `line` from `from` for an error message: at most 40 bytes, control bytes as \u{…}.
    static func quote(_ line: UnsafeBufferPointer<UInt8>, from: Int) -> String {
        let end = min(line.count, from + 40)
        let text = String(decoding: UnsafeBufferPointer(rebasing: line[from..<end]), as: UTF8.self)
        let shown = text.unicodeScalars.map { $0.value < 32 || $0.value == 127 ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
        return "\"" + shown + (end < line.count ? "…" : "") + "\""
    }

    private func eventError(_ message: String, _ number: Int) -> SBIError {
        SBIError.data(message, file: path, line: lines.lineNumber, field: "event \(number)")
    }

    private func truncated(_ number: Int) -> SBIError {
        eventError("file ends inside the event (truncated file?)", number)
    }

    private func readEventLine(into event: inout LHEEvent) throws {
        let number = event.number
        var line: UnsafeBufferPointer<UInt8>
        repeat {
            guard let next = try lines.nextLine() else { throw truncated(number) }
            line = next
        } while LHEBytes.firstNonSpace(line) == line.count
        var s = FieldScanner(line)
        guard let count = s.nextInt(), let process = s.nextInt(), let weight = s.nextDouble(),
              let scale = s.nextDouble(), let aqed = s.nextDouble(), let aqcd = s.nextDouble(), s.atEnd
        else {
            throw eventError("expected the event line 'NUP IDPRUP XWGTUP SCALUP AQEDUP AQCDUP', found '\(LHEBytes.excerpt(line))'", number)
        }
        guard (0...100_000).contains(count) else {
            throw eventError("NUP = \(count) is outside 0…100000", number)
        }
        guard weight.isFinite, scale.isFinite, aqed.isFinite, aqcd.isFinite else {
            throw eventError("non-finite value on the event line '\(LHEBytes.excerpt(line))'", number)
        }
        event.processID = process
        event.weight = weight
        event.scale = scale
        event.alphaQED = aqed
        event.alphaQCD = aqcd
        event.particles.removeAll(keepingCapacity: true)
        event.particles.reserveCapacity(count)
        // NUP is kept in the capacity reservation only; readParticles reads exactly `count` lines.
        expectedParticles = count
    }

    private func readParticles(into event: inout LHEEvent) throws {
        let number = event.number
        let count = expectedParticles
        for k in 0..<count {
            guard let line = try lines.nextLine() else { throw truncated(number) }
            let i = LHEBytes.firstNonSpace(line)
            if i == line.count || line[i] == 60 || line[i] == 35 {  // blank, '<', '#'
                throw eventError("NUP = \(count) but only \(k) particle lines before '\(LHEBytes.excerpt(line))'", number)
            }
            var s = FieldScanner(line, from: i)
            guard let id = s.nextInt(), let status = s.nextInt(), let m1 = s.nextInt(), let m2 = s.nextInt(),
                  let c1 = s.nextInt(), let c2 = s.nextInt(),
                  let px = s.nextDouble(), let py = s.nextDouble(), let pz = s.nextDouble(),
                  let e = s.nextDouble(), let m = s.nextDouble(),
                  let lifetime = s.nextDouble(), let spin = s.nextDouble(), s.atEnd,
                  abs(id) < Int(Int32.max), abs(status) < 1000, (0...count).contains(m1), (0...count).contains(m2),
                  abs(c1) < Int(Int32.max), abs(c2) < Int(Int32.max)
            else {
                throw eventError("particle \(k + 1): expected 'IDUP ISTUP MOTHUP1 MOTHUP2 ICOLUP1 ICOLUP2 PX PY PZ E M VTIMUP SPINUP' (mothers in 0…NUP), found '\(LHEBytes.excerpt(line))'", number)
            }
            guard px.isFinite, py.isFinite, pz.isFinite, e.isFinite, m.isFinite,
                  lifetime.isFinite, spin.isFinite
            else {
                throw eventError("particle \(k + 1): non-finite momentum, mass, lifetime or spin in '\(LHEBytes.excerpt(line))'", number)
            }
            event.particles.append(LHEParticle(
                pdgID: Int32(id), status: Int32(status), mothers: (Int32(m1), Int32(m2)),
                colors: (Int32(c1), Int32(c2)), px: px, py: py, pz: pz, energy: e, mass: m,
                lifetime: lifetime, spin: spin))
        }
    }

    private func readEventTail(into event: inout LHEEvent) throws {
        let number = event.number
        let benchmarkCount = benchmarkNames.count
        if event.weights.count != benchmarkCount {
            event.weights.removeAll(keepingCapacity: true)
            event.weights.append(contentsOf: repeatElement(0, count: benchmarkCount))
        }
        guard var state = weightState else {
            throw SBIError(.internal, file: path, "reader used after an error")
        }
        weightState = nil
        defer { weightState = state }
        state.filledCount = 0
        state.ids.resetHint()
        var sawRwgt = false
        var sawBlock = false
        var inRwgt = false
        var inBlock = false
        blockValues.removeAll(keepingCapacity: true)
        while true {
            guard let line = try lines.nextLine() else { throw truncated(number) }
            var i = LHEBytes.firstNonSpace(line)
            if inRwgt {
                if try readWeightTags(line, from: i, event: &event, state: &state) { inRwgt = false }
                continue
            }
            if inBlock {
                if try readBlockValues(line, from: i, number) { inBlock = false }
                continue
            }
            if i == line.count || line[i] == 35 { continue }  // blank, '#'
            if line[i] == 60 {  // '<'
                if LHEBytes.startsWithTag(line, "</event") { break }
                if LHEBytes.startsWithTag(line, "<rwgt") {
                    sawRwgt = true
                    if mapping == .nominalOnly {
                        try skipElement(line, from: i, number)
                    } else if try !readWeightTags(line, from: i + 5, event: &event, state: &state) {
                        inRwgt = true
                    }
                    continue
                }
                if LHEBytes.startsWithTag(line, "<weights") {
                    sawBlock = true
                    guard let close = LHEBytes.find(line, ">", from: i) else {
                        throw eventError("<weights> tag not closed on its line", number)
                    }
                    i = close + 1
                    if try !readBlockValues(line, from: i, number) { inBlock = true }
                    continue
                }
                if LHEBytes.startsWithTag(line, "<event") {
                    throw eventError("<event> opens inside the event: </event> missing", number)
                }
                if LHEBytes.matches(line, at: i, "<!--") {
                    try LHEReader.skipComment(line, from: i, lines)
                    continue
                }
                try skipElement(line, from: i, number)
                continue
            }
            // A line of 13 numbers here is one particle too many for NUP.
            var s = FieldScanner(line, from: i)
            var fields = 0
            while s.nextField() != nil { fields += 1 }
            var first = FieldScanner(line, from: i)
            if fields == 13, first.nextInt() != nil {
                throw eventError("more particle lines than NUP = \(event.particles.count)", number)
            }
        }
        if mapping == .nominalOnly { return }
        if !sawRwgt, sawBlock {
            try mapBlock(event: &event, number: number, state: &state)
        }
        if learningIDs {
            learningIDs = false
        }
        if state.filledCount != benchmarkNames.count {
            var missing: [String] = []
            for (slot, name) in benchmarkNames.enumerated() where state.filledInEvent[slot] != number {
                missing.append(weightID(ofSlot: slot, state.ids) ?? name)
            }
            throw eventError("weight id(s) \(LHEReader.list(missing.map { "'\($0)'" })) missing; every event must carry all \(benchmarkNames.count) benchmark weights", number)
        }
    }

    func weightID(ofSlot slot: Int, _ ids: WeightIDTable) -> String? {
        for entry in 0..<ids.count where ids.slots[entry] == slot { return ids.id(entry) }
        return nil
    }

    /// Parses `<wgt id='…'> value </wgt>` tags from `line[from...]`; true once `</rwgt>` is seen.
    private func readWeightTags(_ line: UnsafeBufferPointer<UInt8>, from: Int,
                                event: inout LHEEvent, state: inout WeightState) throws -> Bool {
        let number = event.number
        var position = from
        while let open = LHEBytes.find(line, "<", from: position) {
            if LHEBytes.matches(line, at: open, "</rwgt") { return true }
            guard LHEBytes.matches(line, at: open, "<wgt"), open + 4 < line.count,
                  FieldScanner.isSpace(line[open + 4]) || line[open + 4] == 62
            else {
                position = open + 1
                continue
            }
            guard let tagEnd = LHEBytes.find(line, ">", from: open + 4),
                  let valueEnd = LHEBytes.find(line, "</wgt>", from: tagEnd)
            else {
                throw eventError("expected <wgt id='…'> value </wgt> on one line, found '\(LHEBytes.excerpt(line))'", number)
            }
            guard let idRange = LHEReader.quickID(line, open + 4, tagEnd)
                    ?? LHEBytes.attribute(line, "id", in: open..<tagEnd) else {
                throw eventError("<wgt> without an id attribute", number)
            }
            let valueRange = LHEBytes.trimmed(line, (tagEnd + 1)..<valueEnd)
            guard let value = FieldScanner.parseDouble(line, valueRange) else {
                throw eventError("weight '\(LHEBytes.string(line, idRange))': expected a number, found '\(LHEBytes.string(line, valueRange))'", number)
            }
            guard value.isFinite else {
                throw eventError("weight '\(LHEBytes.string(line, idRange))' is not finite (\(value))", number)
            }
            try store(value, id: line, idRange, event: &event, state: &state)
            position = valueEnd + 6
        }
        return false
    }

    /// The common form ` id='…'>` / ` id="…">` right after `<wgt`, without a general attribute scan.
    @inline(__always)
    private static func quickID(_ line: UnsafeBufferPointer<UInt8>, _ at: Int, _ tagEnd: Int) -> Range<Int>? {
        guard at + 5 < tagEnd, LHEBytes.matches(line, at: at, " id=") else { return nil }
        let quote = line[at + 4]
        guard quote == 39 || quote == 34 else { return nil }
        var k = at + 5
        while k < tagEnd, line[k] != quote { k += 1 }
        guard k < tagEnd, k + 1 == tagEnd || line[(k + 1)..<tagEnd].allSatisfy(FieldScanner.isSpace) else { return nil }
        return (at + 5)..<k
    }

    private func store(_ value: Double, id line: UnsafeBufferPointer<UInt8>, _ idRange: Range<Int>,
                       event: inout LHEEvent, state: inout WeightState) throws {
        let number = event.number
        var entry = state.ids.find(line, idRange)
        if entry == nil {
            if learningIDs {
                let name = LHEBytes.string(line, idRange)
                state.ids.insert(name, slot: benchmarkNames.count)
                benchmarkNames.append(name)
                state.filledInEvent.append(0)
                event.weights.append(0)
                entry = state.ids.count - 1
            } else if case .table = mapping, header.weights.isEmpty {
                return  // ids outside the caller's table are ignored
            } else {
                let declared = header.weights.isEmpty ? "the weight ids of event 1" : "<initrwgt>"
                throw eventError("weight id '\(LHEBytes.string(line, idRange))' is not among \(declared) (\(LHEReader.list(benchmarkNames)))", number)
            }
        }
        guard let entry else { return }
        let slot = state.ids.slots[entry]
        if slot < 0 { return }
        if state.filledInEvent[slot] == number {
            throw eventError("weight id '\(LHEBytes.string(line, idRange))' appears twice", number)
        }
        state.filledInEvent[slot] = number
        state.filledCount += 1
        event.weights[slot] = value
    }

    /// Collects `<weights>` values from `line[from...]`; true once `</weights>` is seen.
    private func readBlockValues(_ line: UnsafeBufferPointer<UInt8>, from: Int, _ number: Int) throws -> Bool {
        let end = LHEBytes.find(line, "</weights", from: from)
        let view = UnsafeBufferPointer(rebasing: line[0..<(end ?? line.count)])
        var s = FieldScanner(view, from: from)
        while let field = s.nextField() {
            guard let value = FieldScanner.parseDouble(view, field) else {
                throw eventError("<weights>: expected numbers, found '\(LHEBytes.string(view, field))'", number)
            }
            guard value.isFinite else {
                throw eventError("<weights>: value \(blockValues.count + 1) is not finite (\(value))", number)
            }
            blockValues.append(value)
        }
        return end != nil
    }

    private func mapBlock(event: inout LHEEvent, number: Int, state: inout WeightState) throws {
        guard !header.weights.isEmpty else {
            if benchmarkNames.isEmpty, !learningIDs { return }
            throw eventError("a <weights> block cannot be mapped to weight ids without <initrwgt>", number)
        }
        guard blockValues.count == header.weights.count else {
            throw eventError("<weights> has \(blockValues.count) values but <initrwgt> declares \(header.weights.count) weight ids", number)
        }
        for (k, value) in blockValues.enumerated() {
            let slot = headerSlots[k]
            guard slot >= 0 else { continue }
            state.filledInEvent[slot] = number
            state.filledCount += 1
            event.weights[slot] = value
        }
    }

    /// Skips an element we do not read (`<mgrwt>`, `<scales>`, `<clustering>`, …).
    private func skipElement(_ line: UnsafeBufferPointer<UInt8>, from i: Int, _ number: Int) throws {
        var nameEnd = i + 1
        while nameEnd < line.count, !FieldScanner.isSpace(line[nameEnd]), line[nameEnd] != 62, line[nameEnd] != 47 {
            nameEnd += 1
        }
        if i + 1 >= line.count || line[i + 1] == 47 { return }  // a lone '<' or a stray closing tag
        if line.count >= 2, line[line.count - 1] == 62, line[line.count - 2] == 47 { return }  // <x … />
        // Copied: the line buffer is refilled (and moved) while the element is skipped.
        skippedName.removeAll(keepingCapacity: true)
        skippedName.append(contentsOf: UnsafeBufferPointer(rebasing: line[(i + 1)..<nameEnd]))
        let closedHere = skippedName.withUnsafeBufferPointer { containsClosing(line, $0, from: nameEnd) }
        if closedHere { return }
        while true {
            guard let next = try lines.nextLine() else { throw truncated(number) }
            if skippedName.withUnsafeBufferPointer({ containsClosing(next, $0, from: 0) }) { return }
            if LHEBytes.startsWithTag(next, "</event") {
                throw eventError("<\(String(decoding: skippedName, as: UTF8.self))> not closed before </event>", number)
            }
        }
    }

    private func containsClosing(_ line: UnsafeBufferPointer<UInt8>, _ name: UnsafeBufferPointer<UInt8>,
                                 from: Int) -> Bool {
        var position = from
        while let open = LHEBytes.find(line, "</", from: position) {
            let start = open + 2
            if start + name.count <= line.count {
                var same = true
                for k in 0..<name.count where line[start + k] != name[k] { same = false; break }
                if same { return true }
            }
            position = start
        }
        return false
    }
}
