import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory lock (a POSIX record lock, `fcntl(F_SETLK)`) on `folder/.sbi-lock`, held until
/// `release()` or the process ends, so that two sbi processes never write into one folder at once.
/// The refused process names the holder's pid (`F_GETLK`); the lock file stays empty, so equal runs
/// leave equal bytes.
public final class FolderLock {
    private var descriptor: Int32

    /// Takes the lock without waiting.
    /// - Throws: `SBIError.io` naming the folder (and the holder's pid) when another process holds it.
    public init(folder: String) throws {
        let path = folder + "/.sbi-lock"
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw SBIError.io("cannot open the lock file: \(String(cString: strerror(errno)))", file: path) }
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        guard fcntl(descriptor, F_SETLK, &lock) == 0 else {
            var probe = flock()
            probe.l_type = Int16(F_WRLCK)
            probe.l_whence = Int16(SEEK_SET)
            let holder = fcntl(descriptor, F_GETLK, &probe) == 0 && probe.l_type != Int16(F_UNLCK) ? "pid \(probe.l_pid)" : "another process"
            close(descriptor)
            descriptor = -1
            throw SBIError.io("another sbi process (\(holder)) is writing into this folder; wait for it or choose another folder", file: folder)
        }
    }

    /// Releases the lock.
    public func release() {
        if descriptor >= 0 { close(descriptor); descriptor = -1 }
    }

    deinit { release() }
}
