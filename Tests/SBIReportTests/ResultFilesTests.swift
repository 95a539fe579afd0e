import Foundation
import XCTest
import SBICore
import SBIInference
@testable import SBIReport

final class ResultFilesTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "sbi-inference-\(getpid())-\(name.filter { $0.isLetter })"
        try? FileManager.default.removeItem(atPath: folder)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    func twoParameterResult() throws -> (ContoursFile, ParameterGrid, [LikelihoodScanResult]) { try GaussianResult.make() }

    func testResultFiles_twoParameters_roundTripAndShapes() throws {
        let (file, grid, scans) = try twoParameterResult()
        try ResultWriter.write(file, grid: grid, scans: scans, to: folder)
        for name in ResultWriter.fileNames { XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/" + name), name) }
        let back = try ContoursFile.read(folder + "/contours.json")
        XCTAssertEqual(back, file)
        XCTAssertEqual(back.version, SBIVersion.string)
        XCTAssertEqual(back.gridShape, [41, 41])
        XCTAssertEqual(back.estimators.map(\.contours.count), [2, 2])
        let p = try NPYFile.readMatrix(folder + "/pvalues.npy", as: Double.self)
        let logL = try NPYFile.readMatrix(folder + "/loglikelihood.npy", as: Double.self)
        let q = try NPYFile.readMatrix(folder + "/q.npy", as: Double.self)
        XCTAssertEqual([p.rows, p.columns, logL.rows, logL.columns, q.rows, q.columns], [2, grid.count, 2, grid.count, 2, grid.count])
        XCTAssertEqual(Array(logL.storage[0..<grid.count]), scans[0].logLikelihood)
        for k in 0..<2 {
            let row = Array(logL.storage[(k * grid.count)..<((k + 1) * grid.count)])
            let peak = row.max()!
            // q is −2 log L shifted by one constant (the refined maximum lies at or above the grid's, by
            // little on a 41×41 grid), and with two parameters the χ²₂ tail is exactly p = exp(−q/2).
            let shift = q.storage[k * grid.count] + 2 * (row[0] - peak)
            XCTAssertGreaterThanOrEqual(shift, 0)
            XCTAssertLessThan(shift, 0.05)
            for j in 0..<grid.count {
                XCTAssertEqual(q.storage[k * grid.count + j], -2 * (row[j] - peak) + shift, accuracy: 1e-9)
                XCTAssertEqual(p.storage[k * grid.count + j], exp(-q.storage[k * grid.count + j] / 2), accuracy: 1e-12)
            }
        }
        XCTAssertEqual(try NPYFile.readMatrix(folder + "/grid.npy", as: Double.self), grid.points)
        // The 68 % contour of a Gaussian log L peaked at (0, 0) is one closed loop around the origin.
        let loop = back.estimators[0].contours[0].paths
        XCTAssertEqual(loop.count, 1)
        XCTAssertTrue(loop[0].closed)
        // No temporary files are left behind.
        let left = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(".") }
        XCTAssertEqual(left, [])
    }

    func testContoursFile_malformed_errorNamesKeyPath() throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/contours.json"
        try AtomicFileWriter.write("{\"version\": \"0.1.0\", \"parameters\": [{\"name\": \"a\", \"unit\": \"\", \"label\": \"a\", \"range\": [0, 1]}], \"gridShape\": [3], \"confidenceLevels\": [0.68], \"estimators\": [{\"name\": \"x\", \"mode\": \"truth\", \"bestFit\": \"zero\", \"contours\": [], \"intervals\": []}]}", to: path)
        XCTAssertThrowsError(try ContoursFile.read(path)) { error in
            let e = error as? SBIError
            XCTAssertEqual(e?.file, path)
            XCTAssertEqual(e?.field, "estimators[0].bestFit")
        }
        XCTAssertThrowsError(try ContoursFile.read(folder + "/missing.json")) { XCTAssertEqual(($0 as? SBIError)?.kind, .io) }
        // Lists indexed by parameter with the wrong length (a hand-edited file) are refused here, naming the
        // field, instead of trapping later in a plot or the HEPData writer.
        let parameter = "\"parameters\": [{\"name\": \"a\", \"unit\": \"\", \"label\": \"a\", \"range\": [0, 1]}]"
        for (fields, expected) in [("\"gridShape\": [3, 3], \"confidenceLevels\": [0.68], \"estimators\": []", "gridShape"),
                                   ("\"gridShape\": [3], \"confidenceLevels\": [0.68], \"thetaTrue\": [], \"estimators\": []", "thetaTrue"),
                                   ("\"gridShape\": [3], \"confidenceLevels\": [0.68], \"estimators\": [{\"name\": \"x\", \"mode\": \"truth\", \"bestFit\": [], \"contours\": [], \"intervals\": []}]",
                                    "estimators[0].bestFit")] {
            try AtomicFileWriter.write("{\"version\": \"0.1.0\", \(parameter), \(fields)}", to: path)
            XCTAssertThrowsError(try ContoursFile.read(path)) { error in
                XCTAssertEqual((error as? SBIError)?.field, expected, "\(error)")
                XCTAssertEqual((error as? SBIError)?.file, path)
            }
        }
    }

    /// Runs `script` with python (SBI_PYTHON or python3) and returns (exit status, output).
    func python(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A venv with hepdata-validator under the package's .build folder (created once, reused).
    func hepdataPython() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let venv = root + "/.build/pyenv-hepdata"
        let python = venv + "/bin/python"
        if FileManager.default.fileExists(atPath: python),
           (try? self.python(python, ["-c", "import hepdata_validator"]))?.0 == 0 { return python }
        let base = ProcessInfo.processInfo.environment["SBI_PYTHON"] ?? "python3"
        let (status, output) = try self.python(base, ["-m", "venv", venv])
        guard status == 0 else { throw XCTSkip("cannot create a venv with \(base): \(output)") }
        let (pip, pipOutput) = try self.python(python, ["-m", "pip", "install", "--quiet", "hepdata-validator"])
        guard pip == 0 else { throw XCTSkip("pip install hepdata-validator failed (offline?): \(pipOutput.suffix(400))") }
        return python
    }

    /// The official validator accepts hepdata.yaml (a single-file submission); 1-D and 2-D results.
    func testHEPData_officialValidator_accepts() throws {
        let python = try hepdataPython()
        let (file, grid, scans) = try twoParameterResult()
        try ResultWriter.write(file, grid: grid, scans: scans, to: folder)
        // And a 1-D file with two disjoint intervals.
        let oneD = ContoursFile(parameters: [.init(name: "theta", range: -2...2)], gridShape: [5], confidenceLevels: [0.68, 0.95],
                                thetaTrue: nil, estimators: [.init(name: "truth", mode: "truth", bestFit: [0.1], intervals: [
                                    .init(confidenceLevel: 0.68, intervals: [.init(lower: -1, upper: -0.5), .init(lower: 0.5, upper: 1)]),
                                    .init(confidenceLevel: 0.95, intervals: [])])])
        try HEPDataWriter.write(oneD, to: folder + "/hepdata-1d.yaml")
        let script = """
        import sys
        from hepdata_validator.full_submission_validator import FullSubmissionValidator
        bad = 0
        for path in sys.argv[1:]:
            v = FullSubmissionValidator()
            ok = v.validate(file=path)
            for f, messages in v.get_messages().items():
                for m in messages:
                    print(f, m.level, m.message)
            print(path, "valid" if ok else "INVALID")
            bad += 0 if ok else 1
        sys.exit(bad)
        """
        let (status, output) = try self.python(python, ["-c", script, folder + "/hepdata.yaml", folder + "/hepdata-1d.yaml"])
        XCTAssertEqual(status, 0, output)
    }

    /// The submission folder (submission.yaml, one data file per contour, the q scan, the best fits) and its
    /// .tar.gz pass the official validator; the archive is reproducible to the byte and Python's tarfile
    /// reads back exactly the folder's files.
    func testHEPDataSubmission_folderAndArchive_passTheOfficialValidator() throws {
        let python = try hepdataPython()
        let (file, grid, scans) = try twoParameterResult()
        let q = Matrix<Double>(rows: scans.count, columns: grid.count, storage: scans.flatMap(\.q))
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let written = try HEPDataSubmission.write(file, scan: (grid.points, q), cmEnergies: 13000, into: folder)
        XCTAssertEqual(written, ["hepdata", "hepdata.tar.gz"])
        let names = try FileManager.default.contentsOfDirectory(atPath: folder + "/hepdata").sorted()
        XCTAssertEqual(names, ["best_fit.yaml", "contour_alices_68.yaml", "contour_alices_95.yaml", "contour_truth_68.yaml",
                               "contour_truth_95.yaml", "likelihood_scan.yaml", "submission.yaml"])
        let first = FileManager.default.contents(atPath: folder + "/hepdata.tar.gz")
        _ = try HEPDataSubmission.write(file, scan: (grid.points, q), cmEnergies: 13000, into: folder)
        XCTAssertEqual(FileManager.default.contents(atPath: folder + "/hepdata.tar.gz"), first, "same files, same archive bytes")
        let submission = try String(contentsOfFile: folder + "/hepdata/submission.yaml", encoding: .utf8)
        XCTAssertTrue(submission.contains("- {name: cmenergies, values: [13000]}"), submission)
        let script = """
        import os, sys, tarfile
        from hepdata_validator.full_submission_validator import FullSubmissionValidator
        folder, archive = sys.argv[1], sys.argv[2]
        with tarfile.open(archive) as t:
            members = sorted(m.name for m in t.getmembers())
            same = all(t.extractfile(m).read() == open(os.path.join(folder, m), "rb").read() for m in members)
        print("archive", members == sorted(os.listdir(folder)), same)
        for kind, path in (("directory", folder), ("archive", archive)):
            v = FullSubmissionValidator()
            ok = v.validate(**{kind: path})
            for f, messages in v.get_messages().items():
                for m in messages:
                    print(f, m.level, m.message)
            print(kind, "valid" if ok else "INVALID")
        """
        let (status, output) = try self.python(python, ["-c", script, folder + "/hepdata", folder + "/hepdata.tar.gz"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("archive True True"), output)
        XCTAssertTrue(output.contains("directory valid") && output.contains("archive valid"), output)
    }

    /// A submission of several profiles (a scan over 3 or more parameters): each part's tables named after its
    /// profile, data files prefixed by its folder name, one submission.yaml; the official validator accepts it.
    func testHEPDataSubmission_profiles_tablesNamedPerProfile_passTheOfficialValidator() throws {
        let python = try hepdataPython()
        let (file, grid, scans) = try twoParameterResult()
        let q = Matrix<Double>(rows: scans.count, columns: grid.count, storage: scans.flatMap(\.q))
        let profile = try ProfileProjection.profile(scans[0], keeping: [0])
        let oneD = try ContoursFile.make(space: [file.parameters[0]], grid: profile.grid, results: [(name: "truth", mode: "truth", result: profile)],
                                         confidenceLevels: [0.68], thetaTrue: nil)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        _ = try HEPDataSubmission.write([.init(file: file, scan: (grid.points, q), title: "a vs b (profiled over c)", fileStem: "a_vs_b"),
                                         .init(file: oneD, scan: nil, title: "a (profiled over b, c)", fileStem: "a")], cmEnergies: nil, into: folder)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder + "/hepdata").sorted()
        XCTAssertEqual(names, ["a_best_fit.yaml", "a_interval_truth_68.yaml", "a_vs_b_best_fit.yaml", "a_vs_b_contour_alices_68.yaml",
                               "a_vs_b_contour_alices_95.yaml", "a_vs_b_contour_truth_68.yaml", "a_vs_b_contour_truth_95.yaml",
                               "a_vs_b_likelihood_scan.yaml", "submission.yaml"])
        let submission = try String(contentsOfFile: folder + "/hepdata/submission.yaml", encoding: .utf8)
        XCTAssertEqual(submission.components(separatedBy: "comment:").count, 2, "one comment")
        XCTAssertTrue(submission.contains("name: \"a (profiled over b, c): truth 68% CL\""), submission)
        let script = """
        import sys
        from hepdata_validator.full_submission_validator import FullSubmissionValidator
        v = FullSubmissionValidator()
        ok = v.validate(directory=sys.argv[1])
        for f, messages in v.get_messages().items():
            for m in messages:
                print(f, m.level, m.message)
        print("valid" if ok else "INVALID")
        """
        let (status, output) = try self.python(python, ["-c", script, folder + "/hepdata"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.hasSuffix("valid\n") && !output.contains("INVALID"), output)
    }

    /// contours.svg parses as XML (python's xml.etree) and has the expected elements.
    func testSVG_parsesAsXMLWithExpectedElements() throws {
        let (file, grid, scans) = try twoParameterResult()
        try ResultWriter.write(file, grid: grid, scans: scans, to: folder)
        let script = """
        import sys, xml.etree.ElementTree as ET
        ns = {"s": "http://www.w3.org/2000/svg"}
        root = ET.parse(sys.argv[1]).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg", root.tag
        contours = [e for e in root.iter("{http://www.w3.org/2000/svg}path") if e.get("class") == "contour"]
        best = [e for e in root.iter("{http://www.w3.org/2000/svg}circle") if e.get("class") == "best-fit"]
        texts = " | ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
        print(len(contours), len(best), len({(c.get("stroke"), c.get("stroke-dasharray")) for c in contours}),
              root.find(".//*[@id='theta-true']") is not None, "a [GeV]" in texts, "68% CL" in texts, "95% CL" in texts,
              "alices (ml)" in texts, root.find("s:title", ns) is not None)
        """
        let base = ProcessInfo.processInfo.environment["SBI_PYTHON"] ?? "python3"
        let (status, output) = try self.python(base, ["-c", script, folder + "/contours.svg"])
        XCTAssertEqual(status, 0, output)
        // 2 estimators × 2 CLs × 1 loop; 2 best fits; 4 colour/dash combinations; θ_true, labels, legend, title.
        XCTAssertEqual(output.trimmingCharacters(in: .whitespacesAndNewlines), "4 2 4 True True True True True True")
    }
}
