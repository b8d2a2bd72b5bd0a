import Foundation

/// Who holds a repository lock: enough for a person to find the process.
public struct LockHolder: Codable, Sendable, Equatable, CustomStringConvertible {
    public let pid: Int32
    public let host: String
    public let startedAt: Date
    public let command: String

    public var description: String {
        "\(command) (pid \(pid) on \(host), since \(ISO8601DateFormatter().string(from: startedAt)))"
    }
}

/// The repository's exclusive lock: backup and prune take it, so they never overlap.
///
/// It is an `flock` on `<repository>/lock`, so the kernel releases it when the holder dies,
/// even by kill -9: a lock left by a dead process is stale by construction and simply taken.
/// The file also records the holder, so the process that is refused can say who is in the way.
public final class RepositoryLock: @unchecked Sendable {
    public let path: String
    private var fd: Int32
    /// Set when the previous holder's record was still there: it died without releasing.
    public let staleHolder: LockHolder?

    /// Takes the lock or throws `RepositoryError.locked` at once (no waiting: a second nightly
    /// run must fail fast, exit 4, not queue up behind the first).
    init(repository: String, command: String) throws(RepositoryError) {
        let path = repository + "/lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw .io(operation: "open the lock file", path: path, errno: errno) }
        let previous = Self.readHolder(fd)
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { throw .locked(repository: repository, holder: previous) }
            throw .io(operation: "lock", path: path, errno: code)
        }
        self.path = path
        self.fd = fd
        self.staleHolder = previous
        let holder = LockHolder(
            pid: getpid(), host: ProcessInfo.processInfo.hostName, startedAt: Date(), command: command)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        if let data = try? encoder.encode(holder) {
            ftruncate(fd, 0)
            data.withUnsafeBytes { _ = pwrite(fd, $0.baseAddress, $0.count, 0) }
            Glibc.fsync(fd)
        }
    }

    /// Releases the lock and clears the holder record. Also done on deinit.
    public func release() {
        guard fd >= 0 else { return }
        ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }

    private static func readHolder(_ fd: Int32) -> LockHolder? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = pread(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(LockHolder.self, from: Data(buffer[0..<count]))
    }
}
