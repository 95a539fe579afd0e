import Foundation
import SBICore
import SBIInference
import SBIReport
import SBISimulation

/// The plot stage of `sbi fit`: the result files the recipe asks for, the limits stage's diagnostics,
/// the figures (`FitFigures`; the observables, the morphing basis, calibration and coverage), the HEPData
/// submission and the report page.
///
/// ```
/// plot/ outputs.files (3 or more parameters: profiles/<a>/, profiles/<a>_vs_<b>/ each with them), loglikelihood.npy,
///       q.npy, (toys, coverage, calibration), fisher.svg (fisher_<a>_vs_<b>.svg), profiles.svg, q_*.svg, loss_*.svg,
///       observables_*.svg, morphing_*.svg, (calibration.svg, coverage.svg), hepdata/ + hepdata.tar.gz (with
///       hepdata.yaml), recipe.json, report.html
/// ```
extension FitPipeline {
    /// The plot stage (one shard): the recipe's `outputs.files` from the limits stage's results, the
    /// diagnostics, and the figures (`FitFigures`).
    /// With 3 or more parameters the result files are every profile's, in `profiles/<a>/`, `profiles/<a>_vs_<b>/`
    /// (with the index `profiles/profiles.json`), and pvalues.npy and grid.npy are the whole grid's.
    func plotShard(into partial: String) throws -> (items: Int, detail: String) {
        let limits = stageFolder(.limits)
        let results = try LimitsResultSet.read(limits)
        func copy(_ source: String, _ target: String) throws {
            do { try FileManager.default.copyItem(atPath: source, toPath: target) } catch {
                throw SBIError.io("cannot copy the limits result: \(error.localizedDescription)", file: source)
            }
        }
        if results.isProfiled {
            try makeFolder(partial + "/" + ProfileResultWriter.folderName)
            let index = ProfileResultWriter.folderName + "/" + ProfileResultWriter.indexFileName
            try copy(limits + "/" + index, partial + "/" + index)
            for output in recipe.outputs.files where output == .pValues || output == .grid {
                try copy(limits + "/" + output.rawValue, partial + "/" + output.rawValue)
            }
        }
        for entry in results.entries {
            let source = entry.folder.isEmpty ? limits : limits + "/" + entry.folder
            let target = entry.folder.isEmpty ? partial : partial + "/" + entry.folder
            try makeFolder(target)
            for output in recipe.outputs.files {
                let path = target + "/" + output.rawValue
                switch output {
                case .contoursSVG: try ContourPlot.write(entry.file, to: path)
                case .hepdata: try HEPDataWriter.write(entry.file, cmEnergies: recipe.outputs.cmEnergies, to: path)
                case .contoursJSON, .pValues, .grid: try copy(source + "/" + output.rawValue, path)
                }
            }
        }
        // The toys' table and coverage (inference.toys) and the calibration diagnostics go with the results.
        for name in diagnosticFiles {
            do { try FileManager.default.copyItem(atPath: limits + "/" + name, toPath: partial + "/" + name) } catch {
                throw SBIError.io("cannot copy the limits stage's diagnostics: \(error.localizedDescription)", file: limits + "/" + name)
            }
        }
        // The figures: training curves, q along each parameter, linearised Fisher regions, the simulator's
        // observables and morphing basis (the simulator made once: real events read their files), diagnostics.
        let sim = try simulator()
        let figures = try FitFigures.write(limits: limits, train: stageFolder(.train), into: partial)
            + (try observableFigures(sim, into: partial)) + (try morphingFigures(sim, into: partial))
            + (try calibrationFigure(limits: limits, into: partial)) + (try coverageFigure(limits: limits, into: partial))
            + (recipe.outputs.files.contains(.hepdata) ? try hepdataSubmission(results, limits: limits, into: partial) : [])
        // The recipe as read and the report page (without wall times; sbi fit adds them after a local run).
        try AtomicFileWriter.write(FitReportPage.recipeJSON(recipe), to: partial + "/" + FitReportPage.recipeFileName)
        try FitReportPage.write(fit: folder, plotFolder: partial)
        return (0, (resultFileNames(profiled: results.isProfiled) + diagnosticFiles + figures + [FitReportPage.recipeFileName, FitReportPage.fileName])
            .joined(separator: ", "))
    }

    /// The result files the plot stage writes at the top of its folder: the recipe's `outputs.files`, or with
    /// profiles (3 or more parameters) the whole grid's pvalues.npy and grid.npy and the `profiles/` folder.
    func resultFileNames(profiled: Bool) -> [String] {
        let names = recipe.outputs.files.map(\.rawValue)
        return profiled ? names.filter { $0 == RecipeOutputFile.pValues.rawValue || $0 == RecipeOutputFile.grid.rawValue } + [ProfileResultWriter.folderName]
                        : names
    }

    /// The HEPData submission folder and archive of the limits results (with the scans when q.npy is there):
    /// the contours file's tables, or every profile's.
    func hepdataSubmission(_ results: LimitsResultSet, limits: String, into folder: String) throws -> [String] {
        let parts = try results.entries.map { entry -> HEPDataSubmission.Part in
            let base = entry.folder.isEmpty ? limits : limits + "/" + entry.folder
            var scan: (grid: Matrix<Double>, q: Matrix<Double>)?
            if FileManager.default.fileExists(atPath: base + "/q.npy") {
                scan = (try NPYFile.readMatrix(base + "/grid.npy", as: Double.self), try NPYFile.readMatrix(base + "/q.npy", as: Double.self))
            }
            let stem = entry.title == nil ? nil : (entry.folder as NSString).lastPathComponent
            return HEPDataSubmission.Part(file: entry.file, scan: scan, title: entry.title, fileStem: stem)
        }
        return try HEPDataSubmission.write(parts, cmEnergies: recipe.outputs.cmEnergies, into: folder)
    }

    /// `calibration.svg` when the limits stage checked calibration (`inference.calibration`): the reliability
    /// curve of every ratio estimator, the observed fraction of events from θ1 against the mean ŝ = 1/(1 + r̂)
    /// in each bin, over the diagonal of a perfectly calibrated classifier (arXiv:1506.02169 §3).
    func calibrationFigure(limits: String, into folder: String) throws -> [String] {
        let path = limits + "/" + CalibrationFile.fileName
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let file: CalibrationFile
        do { file = try ResultJSON.decoder().decode(CalibrationFile.self, from: data) } catch {
            throw SBIError.data("not a calibration file: \(error)", file: path)
        }
        var chart = LineChart(title: "Calibration of the ratio estimators", xLabel: "mean ŝ = 1/(1 + r̂) in the bin", yLabel: "fraction of events from θ1")
        chart.curves.append(.init(label: "perfect calibration", xs: [0, 1], ys: [0, 1], colour: "#888888", dash: "4,3", width: 1))
        for (k, e) in file.estimators.enumerated() {
            let bins = e.reliability.bins.filter { $0.events > 0 }
            chart.curves.append(.init(label: e.name, xs: bins.map(\.meanS), ys: bins.map(\.observedFraction),
                                      colour: ContourPlot.colours[k % ContourPlot.colours.count]))
            chart.notes.append("\(e.name): reliability p = \(SVGText.significant(e.reliability.pValue, digits: 2)), "
                               + (e.passes ? "passes" : "FLAGGED"))
        }
        (chart.xRange, chart.yRange) = (0...1, 0...1)
        try chart.write(to: folder + "/calibration.svg")
        return ["calibration.svg"]
    }

    /// `coverage.svg` when the limits stage threw toys (`inference.toys`): for every likelihood the fraction of
    /// toys whose region covers θ_true at each CL, with its binomial error, against the diagonal of exact
    /// coverage (points above it over-cover: conservative; below, under-cover: the limit is too tight).
    func coverageFigure(limits: String, into folder: String) throws -> [String] {
        guard let file = ToyCoverageFile.read(limits + "/" + ToyCoverageFile.fileName), !file.coverage.isEmpty else { return [] }
        var chart = LineChart(title: "Coverage over \(file.toys) pseudo-experiments", xLabel: "confidence level", yLabel: "fraction of toys covering θ_true")
        let levels = Array(Set(file.coverage.map(\.confidenceLevel))).sorted()
        let lo = max(0, (levels.first ?? 0) - 0.1), hi = min(1, (levels.last ?? 1) + 0.05)
        chart.curves.append(.init(label: "exact coverage", xs: [lo, hi], ys: [lo, hi], colour: "#888888", dash: "4,3", width: 1))
        var names: [String] = []
        for row in file.coverage where !names.contains(row.name) { names.append(row.name) }
        for (k, name) in names.enumerated() {
            let rows = file.coverage.filter { $0.name == name }.sorted { $0.confidenceLevel < $1.confidenceLevel }
            chart.curves.append(.init(label: name, xs: rows.map(\.confidenceLevel), ys: rows.map(\.fraction),
                                      colour: ContourPlot.colours[k % ContourPlot.colours.count], width: 1, errors: rows.map(\.binomialError)))
        }
        (chart.xRange, chart.yRange) = (lo...hi, lo...hi)
        chart.notes = ["seed \(file.seed), θ_true = (\(file.thetaTrue.map { SVGText.number($0) }.joined(separator: ", ")))"]
        try chart.write(to: folder + "/coverage.svg")
        return ["coverage.svg"]
    }

    /// `morphing_<sample>.svg` for every sample the augment stage weighted with morphing (its folder holds
    /// `morphing_basis.npy`): the benchmarks over the parameter ranges and log₁₀ Σ_b w_b(θ)² (`MorphingBasisPlot`);
    /// a basis equal to an earlier sample's is drawn once. Samples of an older sbi have no basis file and no figure.
    func morphingFigures(_ sim: any Simulator, into folder: String) throws -> [String] {
        let components: MorphingComponents
        if let events = sim as? EventSampleSimulator {
            components = events.morpher.components
        } else if let weighted = sim as? any WeightedSimulator {
            components = try MorphingComponents(maxPowers: weighted.morphingMaxPowers, maxOverallPower: weighted.morphingMaxOverallPower)
        } else {
            return []
        }
        let parameters = (0..<recipe.parameters.count).map { i in
            ContoursFile.Parameter(name: recipe.parameterSpace.names[i], unit: recipe.parameterSpace.units[i], label: recipe.parameterSpace.latexLabels[i],
                                   range: recipe.parameterSpace.ranges[i])
        }
        guard (1...2).contains(parameters.count), components.parameterCount == parameters.count else { return [] }
        var drawn: [Matrix<Double>] = [], written: [String] = []
        for sample in recipe.samples {
            let path = stageFolder(.augment) + "/" + sample.name + "/" + AugmentedSamples.morphingBasisFileName
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let basis = try NPYFile.readMatrix(path, as: Double.self)
            guard !drawn.contains(basis) else { continue }
            drawn.append(basis)
            let morpher: Morpher
            do { morpher = try Morpher(components: components, basis: basis) } catch let e as SBIError { throw e.inFile(path) }
            let name = "morphing_\(FitFigures.fileSafe(sample.name)).svg"
            let svg = MorphingBasisPlot.svg(parameters: parameters, basis: basis, title: "Morphing basis of sample \(sample.name)",
                                            notes: ["\(basis.rows) benchmarks, condition number \(SVGText.significant(morpher.conditionNumber, digits: 3))"]) {
                morpher.weights(at: $0).reduce(0) { $0 + $1 * $1 }
            }
            try AtomicFileWriter.write(svg, to: folder + "/" + name)
            written.append(name)
        }
        return written
    }

    /// The events simulated per parameter point for the observables' distributions.
    static let observableFigureEvents = 20_000
    /// At most this many observables get a figure (the first ones of the simulator).
    static let observableFigureLimit = 8

    /// `observables_<name>.svg` for the simulator's observables: their distribution at θ_true (or the observed
    /// events) and at every benchmark inside the parameter ranges, from `observableFigureEvents` simulated events each (seeded from the recipe).
    func observableFigures(_ sim: any Simulator, into folder: String) throws -> [String] {
        let nominal = [Double](repeating: 0, count: sim.parameterSpace.count - recipe.parameters.count)
        var points: [(label: String, theta: [Double])] = []
        var observed: Matrix<Double>?
        switch recipe.inference.data {
        case .asimov(let theta): points.append(("θ_true = (\(theta.map { SVGText.number($0) }.joined(separator: ", ")))", theta))
        case .observed(let file): observed = try readObserved(file.resolvedPath, observables: sim.observableNames.count)
        }
        // Benchmarks may lie outside the parameter ranges (morphing bases spread them out); those are not simulated.
        for b in recipe.benchmarks where !points.contains(where: { $0.theta == b.theta }) && (try? sim.parameterSpace.validate(b.theta + nominal)) != nil {
            points.append((b.name, b.theta))
        }
        var samples: [(label: String, x: Matrix<Double>)] = observed.map { [("observed", $0)] } ?? []
        let random = SeededRandom(seed: SeededRandom.splitmix64(recipe.seed &+ 11))
        for (k, point) in points.prefix(ContourPlot.colours.count - samples.count).enumerated() {
            let batch = try sim.simulate(at: point.theta + nominal, count: Self.observableFigureEvents, random: random.substream(UInt64(k)))
            samples.append((point.label, batch.observables))
        }
        var written: [String] = []
        for (j, name) in sim.observableNames.prefix(Self.observableFigureLimit).enumerated() {
            let columns = samples.map { s in (label: s.label, values: (0..<s.x.rows).map { s.x[$0, j] }, weights: [Double]?.none) }
            let file = "observables_\(FitFigures.fileSafe(name)).svg"
            try ObservablePlot.chart(name: name, label: SVGText.escape(name), samples: columns,
                                     notes: ["\(Self.observableFigureEvents) simulated events per point"]).write(to: folder + "/" + file)
            written.append(file)
        }
        return written
    }
}
