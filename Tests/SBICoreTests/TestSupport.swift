// makeTemporaryDirectory and runPython come from the shared test-support target.
@_exported import SBITestSupport
import Foundation

/// Writes raw bytes to a file.
func writeBytes(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}
