import Foundation
import XCTest

/// What the test targets share: fresh temporary folders, the built `sbi` run as a user runs it,
/// and the numpy cross-check. One copy here instead of one per test file.

/// The output of a finished process.
public struct ProcessOutput: Sendable {
    /// Exit status.
    public var status: Int32
    /// Everything written to standard output.
    public var stdout: String
    /// Everything written to standard error.
    public var stderr: String
}

/// Runs `executable` with `arguments` (in `folder`, with `environment` added to this process's),
/// reading standard error on another thread so that neither pipe can fill up and block the child.
public func runProcess(_ executable: URL, _ arguments: [String], in folder: String? = nil,
                       environment: [String: String] = [:]) throws -> ProcessOutput {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let errorReader = PipeReader(err)
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = errorReader.wait()
    process.waitUntilExit()
    return ProcessOutput(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                         stderr: String(decoding: e, as: UTF8.self))
}

/// Reads a pipe to its end on a background thread.
private final class PipeReader: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ pipe: Pipe) {
        Thread.detachNewThread { [self] in
            data = pipe.fileHandleForReading.readDataToEndOfFile()   // written once, read after `done`
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}

/// A fresh temporary folder, removed at the end of `test`.
public func makeTemporaryDirectory(_ test: XCTestCase, prefix: String = "sbi-test-") throws -> String {
    let path = NSTemporaryDirectory() + prefix + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

/// Runs `script` with the cross-check Python (`SBI_PYTHON`, else python3; numpy installed by
/// scripts/test.sh) in `folder` and returns its standard output. Fails the test with Python's
/// error output if Python, numpy or the script fails.
public func runPython(_ script: String, in folder: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let python = ProcessInfo.processInfo.environment["SBI_PYTHON"] ?? "python3"
    let scriptPath = folder + "/check.py"
    try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
    let r = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), [python, scriptPath], in: folder)
    guard r.status == 0 else {
        XCTFail("python cross-check failed (\(python); numpy comes from scripts/test.sh): \(r.stderr)", file: file, line: line)
        throw CocoaError(.executableLoad)
    }
    return r.stdout
}

/// The built `sbi` next to the test bundle (SwiftPM puts products and test bundles in one folder).
public func sbiExecutable(file: StaticString = #filePath, line: UInt = #line) throws -> URL {
    let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    for folder in [bundle, bundle.deletingLastPathComponent(), Bundle.main.bundleURL.deletingLastPathComponent()] {
        let candidate = folder.appendingPathComponent("sbi")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    XCTFail("the sbi executable was not built next to the tests (\(bundle.path)); run swift build first", file: file, line: line)
    throw CocoaError(.fileNoSuchFile)
}

/// Test cases that run the `sbi` command.
public protocol SBICommandTesting: XCTestCase {}

extension SBICommandTesting {
    /// `sbi arguments...` in `folder` (default: the current folder).
    public func run(_ arguments: [String], in folder: String? = nil,
                    environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        let r = try runProcess(try sbiExecutable(), arguments, in: folder, environment: environment)
        return (r.status, r.stdout, r.stderr)
    }

    /// A fresh temporary folder, removed at the end of the test.
    public func temporaryFolder() throws -> String {
        try makeTemporaryDirectory(self, prefix: "sbi-cli-")
    }
}

/// `Tests/Fixtures/NAME`: a real file made by another tool (MadGraph, MadMiner), kept in the repository
/// with its provenance and licence in `Tests/Fixtures/README.md`. A missing fixture fails the test
/// (it is part of the clone; nothing on real input may skip).
public func fixtureFile(_ name: String) throws -> String {
    let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    let path = packageRoot.appendingPathComponent("Tests/Fixtures/\(name)").path
    guard FileManager.default.fileExists(atPath: path) else {
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path,
                         NSLocalizedDescriptionKey: "test fixture \(path) is missing (see Tests/Fixtures/README.md)"])
    }
    return path
}

/// The bytes of a result file for comparisons between runs: `report.html` with the contents of its
/// wall-time cells (`<td class="wall-time">…</td>`, the only part of a fit's results that depends on the
/// clock) replaced by `…`; every other file as it is.
public func resultBytes(_ path: String) -> Data? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    guard path.hasSuffix("report.html") else { return data }
    let text = String(decoding: data, as: UTF8.self)
    let masked = text.replacingOccurrences(of: "<td class=\"wall-time\">[^<]*</td>", with: "<td class=\"wall-time\">…</td>",
                                           options: .regularExpression)
    return Data(masked.utf8)
}

/// Every regular file under `folder` (relative path → `resultBytes`).
public func resultSnapshot(_ folder: String) -> [String: Data] {
    var result: [String: Data] = [:]
    guard let e = FileManager.default.enumerator(atPath: folder) else { return result }
    for case let relative as String in e {
        var isDirectory: ObjCBool = false
        let path = folder + "/" + relative
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            result[relative] = resultBytes(path)
        }
    }
    return result
}
