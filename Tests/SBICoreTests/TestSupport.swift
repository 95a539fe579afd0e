import Foundation
import XCTest

/// A fresh temporary folder, removed at the end of the test.
func makeTemporaryDirectory(_ test: XCTestCase, file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let path = NSTemporaryDirectory() + "sbi-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

/// Runs `script` with the cross-check Python (numpy installed by scripts/test.sh) and returns its stdout.
/// Fails the test, with the reason, if Python or numpy is missing or the script fails.
func runPython(_ script: String, in folder: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let python = ProcessInfo.processInfo.environment["SBI_PYTHON"] ?? "python3"
    let scriptPath = folder + "/check.py"
    try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [python, scriptPath]
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let stderrText = String(decoding: errData, as: UTF8.self)
    guard process.terminationStatus == 0 else {
        XCTFail("python cross-check failed (\(python); numpy comes from scripts/test.sh): \(stderrText)", file: file, line: line)
        throw CocoaError(.executableLoad)
    }
    return String(decoding: outData, as: UTF8.self)
}

/// Writes raw bytes to a file.
func writeBytes(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}
