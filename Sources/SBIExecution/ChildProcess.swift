import Foundation
import SBICore

/// Starting other programs: resolving them on `PATH`, running them to completion with their output
/// captured, or in the background with their output in a log file.
public enum ChildProcess {
    /// The absolute path of `program`: itself when it contains a `/`, else the first executable
    /// `<dir>/program` of `PATH` (`path`, default: this process's).
    public static func resolve(_ program: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) ? program : nil }
        for dir in (path ?? "/usr/bin:/bin").split(separator: ":") where !dir.isEmpty {
            let candidate = String(dir) + "/" + program
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// What a finished program returned.
    public struct Result: Sendable {
        /// Its exit status (128 + signal when a signal ended it).
        public var status: Int32
        /// Its standard output, as UTF-8.
        public var output: String
        /// Its standard error, as UTF-8.
        public var error: String
    }

    /// Runs `program` with `arguments` and waits; standard output and error are captured.
    /// - Throws: `SBIError.io` (field = the program) when it is not on `PATH` or cannot start.
    public static func run(_ program: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Result {
        guard let executable = resolve(program) else {
            throw SBIError(.io, field: program, "\(program) is not on PATH (\(ProcessInfo.processInfo.environment["PATH"] ?? "unset"))")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch {
            throw SBIError(.io, field: program, "cannot start \(executable): \(error.localizedDescription)")
        }
        // Read both pipes to the end before waiting, so a chatty program cannot block on a full pipe.
        let errorData = ErrorCollector(err.fileHandleForReading)
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return Result(status: status, output: String(decoding: output, as: UTF8.self), error: String(decoding: errorData.finish(), as: UTF8.self))
    }

    /// Starts `executable` with `arguments` in the background, standard output and error appended
    /// to `log` (created, with its folder).
    /// - Throws: `SBIError.io` naming the log or the executable when either cannot be opened or started.
    public static func start(_ executable: String, _ arguments: [String], log: String, environment: [String: String]? = nil) throws -> Process {
        let folder = (log as NSString).deletingLastPathComponent
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw SBIError.io("cannot create the log folder: \(error.localizedDescription)", file: folder)
        }
        guard FileManager.default.createFile(atPath: log, contents: nil), let handle = FileHandle(forWritingAtPath: log) else {
            throw SBIError.io("cannot write the log file", file: log)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw SBIError.io("cannot start \(executable): \(error.localizedDescription)", file: log)
        }
        try? handle.close()
        return process
    }

    /// The last `count` non-empty lines of a text file (a failed task's log), or [] when unreadable.
    public static func tail(of path: String, lines count: Int = 5) -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
            .map { $0.split(separator: "\r").last.map(String.init) ?? $0 }   // progress redraws: the last state
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        return Array(lines.suffix(count))
    }
}

/// Reads a pipe to its end on a background thread.
private final class ErrorCollector: @unchecked Sendable {
    // @unchecked: `data` is written by the reading thread before `done` is signalled and read only after.
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func finish() -> Data {
        done.wait()
        return data
    }
}
