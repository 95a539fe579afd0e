/// What an LHE file declares before its events: version, `<init>` block and the
/// `<initrwgt>` weight declarations.
///
/// ```
/// <LesHouchesEvents version="3.0">
///   <header> … <initrwgt> <weightgroup …> <weight id="…"> text </weight> … </initrwgt> </header>
///   <init> IDBMUP(2) EBMUP(2) PDFGUP(2) PDFSUP(2) IDWTUP NPRUP
///          XSECUP XERRUP XMAXUP LPRUP      (NPRUP lines) </init>
/// ```
///
/// - References: [1] arXiv:hep-ph/0609017 (LHEF 1.0); [2] arXiv:1405.1067 (LHEF 3.0, weights).
public struct LHEHeader: Sendable, Equatable {
    /// The `version` attribute of `<LesHouchesEvents>` ("1.0", "3.0"; empty when absent).
    public var version: String
    /// The `<init>` block.
    public var initBlock: LHEInit
    /// The `<weight>` declarations of `<initrwgt>`, in file order (empty when there is none).
    public var weights: [LHEWeightInfo]

    /// A header from its parts.
    public init(version: String, initBlock: LHEInit, weights: [LHEWeightInfo]) {
        self.version = version
        self.initBlock = initBlock
        self.weights = weights
    }
}

/// The `<init>` block: beams, PDFs, weighting strategy and one line per process.
///
/// ```
/// IDBMUP(1) IDBMUP(2) EBMUP(1) EBMUP(2) PDFGUP(1) PDFGUP(2) PDFSUP(1) PDFSUP(2) IDWTUP NPRUP
/// ```
/// - References: [1] arXiv:hep-ph/0609017 (Les Houches accord, HEPRUP common block).
public struct LHEInit: Sendable, Equatable {
    /// PDG ids of the two beams (2212 for protons).
    public var beamIDs: (Int, Int)
    /// Beam energies in GeV.
    public var beamEnergiesGeV: (Double, Double)
    /// PDF author groups (PDFGUP), often -1 or 0.
    public var pdfGroupIDs: (Int, Int)
    /// PDF set ids (PDFSUP, LHAPDF numbers).
    public var pdfSetIDs: (Int, Int)
    /// Weighting strategy IDWTUP (±1…±4; MadGraph writes -4 or 3).
    public var weightingStrategy: Int
    /// The processes, one per NPRUP line.
    public var processes: [LHEProcess]

    /// Sum of the processes' cross sections in pb.
    public var totalCrossSectionPicobarn: Double {
        processes.reduce(0) { $0 + $1.crossSectionPicobarn }
    }

    /// An `<init>` block from its fields.
    public init(beamIDs: (Int, Int), beamEnergiesGeV: (Double, Double), pdfGroupIDs: (Int, Int),
                pdfSetIDs: (Int, Int), weightingStrategy: Int, processes: [LHEProcess]) {
        self.beamIDs = beamIDs
        self.beamEnergiesGeV = beamEnergiesGeV
        self.pdfGroupIDs = pdfGroupIDs
        self.pdfSetIDs = pdfSetIDs
        self.weightingStrategy = weightingStrategy
        self.processes = processes
    }

    /// Field-by-field equality (tuples are not `Equatable`).
    public static func == (a: LHEInit, b: LHEInit) -> Bool {
        a.beamIDs == b.beamIDs && a.beamEnergiesGeV == b.beamEnergiesGeV
            && a.pdfGroupIDs == b.pdfGroupIDs && a.pdfSetIDs == b.pdfSetIDs
            && a.weightingStrategy == b.weightingStrategy && a.processes == b.processes
    }
}

/// One process line of `<init>`: XSECUP XERRUP XMAXUP LPRUP.
public struct LHEProcess: Sendable, Equatable {
    /// Cross section in pb (XSECUP).
    public var crossSectionPicobarn: Double
    /// Its statistical error in pb (XERRUP).
    public var crossSectionErrorPicobarn: Double
    /// Maximum event weight (XMAXUP).
    public var maximumWeight: Double
    /// Process id (LPRUP), matched by the events' IDPRUP.
    public var id: Int

    /// A process line from its fields.
    public init(crossSectionPicobarn: Double, crossSectionErrorPicobarn: Double,
                maximumWeight: Double, id: Int) {
        self.crossSectionPicobarn = crossSectionPicobarn
        self.crossSectionErrorPicobarn = crossSectionErrorPicobarn
        self.maximumWeight = maximumWeight
        self.id = id
    }
}

/// One `<weight id="…">text</weight>` declaration of `<initrwgt>`.
///
/// MadGraph's reweighting module writes the parameter-card changes of a benchmark as the
/// text (`set param_card dim6 2 1.0 # orig: 0.0`); they are parsed into `parameterSettings`.
/// - References: [1] arXiv:1607.00763 (MadGraph reweighting); [2] arXiv:1805.00020 (MadMiner).
public struct LHEWeightInfo: Sendable, Equatable {
    /// The weight id, as referenced by `<wgt id="…">` in the events.
    public var id: String
    /// The enclosing `<weightgroup>`'s `name` (or `type`) attribute, if any.
    public var group: String?
    /// The text between the tags, trimmed, lines joined with "\n".
    public var text: String
    /// The `set param_card BLOCK INDEX… VALUE` lines of `text`.
    public var parameterSettings: [LHEParameterSetting]

    /// A declaration; `parameterSettings` are parsed from `text`.
    public init(id: String, group: String?, text: String) {
        self.id = id
        self.group = group
        self.text = text
        self.parameterSettings = LHEParameterSetting.parse(text)
    }
}

/// One `set param_card BLOCK INDEX… VALUE` line (`# …` comments dropped).
public struct LHEParameterSetting: Sendable, Equatable {
    /// The param_card block, lower-cased (`dim6`, `mass`), or the parameter name for
    /// `set param_card NAME VALUE`.
    public var block: String
    /// The integer indices within the block (empty for a named parameter).
    public var indices: [Int]
    /// The value set.
    public var value: Double

    /// A setting from its parts.
    public init(block: String, indices: [Int], value: Double) {
        self.block = block
        self.indices = indices
        self.value = value
    }

    /// Extracts every `set param_card …` line of a weight's text (malformed lines are skipped).
    public static func parse(_ text: String) -> [LHEParameterSetting] {
        var settings: [LHEParameterSetting] = []
        for rawLine in text.split(whereSeparator: { $0 == "\n" || $0 == ";" }) {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
                .first ?? ""
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard words.count >= 4, words[0].lowercased() == "set",
                  words[1].lowercased() == "param_card",
                  let value = Double(words[words.count - 1]) else { continue }
            let indexWords = words[3..<(words.count - 1)]
            let indices = indexWords.compactMap { Int($0) }
            guard indices.count == indexWords.count else { continue }
            settings.append(LHEParameterSetting(block: words[2].lowercased(), indices: indices, value: value))
        }
        return settings
    }
}
