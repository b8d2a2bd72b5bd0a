import Foundation

/// A reader's hold on one backup set (restore, drill, verify): prune keeps a set while anyone
/// holds it.
///
/// It is an `flock(LOCK_SH)` on `<repository>/leases/<backup-id>`, taken before the manifest is
/// read and kept for the whole run; the kernel drops it when the reader exits or dies, even by
/// kill -9, so no lease outlives its process. Readers never take the repository lock: the nightly
/// pipeline holds that around the verify and drill it starts.
///
/// Prune takes `LOCK_EX|LOCK_NB` on the same file before removing a set and unlinks the file
/// with the set while still holding it. So a reader either holds the set before prune looks
/// (and prune keeps it), or gets its lease once prune is done and then finds the set gone: the set
/// is looked up again after leasing, never only before.
///
/// The file lists the holders, one JSON `LockHolder` a line, each appended by its reader (so
/// several readers at once are all named). A reader that finds itself alone (its `LOCK_EX|LOCK_NB`
/// succeeds) first empties the file, so lines of readers that have gone do not pile up.
public final class SetLease: @unchecked Sendable {
    public static let folderName = "leases"

    /// The set, complete when the lease was taken; prune cannot remove it until `release`.
    public let entry: SetEntry
    /// Why no lease is held (the repository cannot be written: a read-only mount, another
    /// user's folder): the reader goes on, but prune cannot see it. Nil when held.
    public let unheldReason: String?
    private var fd: Int32

    public var isHeld: Bool { fd >= 0 }

    fileprivate init(entry: SetEntry, fd: Int32, unheldReason: String?) {
        self.entry = entry
        self.fd = fd
        self.unheldReason = unheldReason
    }

    /// Lets prune have the set again. Also done on deinit, and by the kernel at exit.
    public func release() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }

    /// Errors that mean "this repository cannot be written by this process": the reader goes
    /// on unleased. `ENOLCK`: a network filesystem without flock.
    static func meansReadOnly(_ code: Int32) -> Bool {
        code == EACCES || code == EROFS || code == EPERM || code == ENOLCK
    }

    /// Takes `operation` on `fd`, retrying when a signal interrupts the wait.
    static func lock(_ fd: Int32, _ operation: Int32) -> Bool {
        while flock(fd, operation) != 0 {
            guard errno == EINTR else { return false }
        }
        return true
    }

    /// Appends this process as a holder; one `write` of a whole line to an `O_APPEND` file, so
    /// concurrent readers never interleave inside a line.
    static func record(_ command: String, in fd: Int32) {
        let holder = LockHolder(pid: getpid(), host: ProcessInfo.processInfo.hostName, startedAt: Date(), command: command)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        guard var line = try? encoder.encode(holder) else { return }
        line.append(UInt8(ascii: "\n"))
        line.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
    }

    /// The holders recorded in a lease file, one per process (its first line: a drill's
    /// restore and verify lease the set again under the drill's own line), without those
    /// known to be gone (same host, no such process).
    static func holders(in fd: Int32) -> [LockHolder] {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let count = pread(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return [] }
        let host = ProcessInfo.processInfo.hostName
        var seen = Set<String>()
        return buffer[0..<count].split(separator: UInt8(ascii: "\n")).compactMap { line -> LockHolder? in
            guard let holder = try? RepositoryRecords.decoder.decode(LockHolder.self, from: Data(line)) else { return nil }
            if holder.host == host, kill(holder.pid, 0) != 0, errno == ESRCH { return nil }
            return seen.insert("\(holder.host)/\(holder.pid)").inserted ? holder : nil
        }
    }
}

extension LocalRepository {
    /// `<repository>/leases/<backup-id>`.
    public func leasePath(_ id: BackupID) -> String {
        path + "/" + SetLease.folderName + "/" + id.rawValue
    }

    /// One complete set by id or `latest`, leased for reading (see `SetLease`). Throws
    /// `setNotFound` / `setIncomplete` also when prune removed the set between the lookup and
    /// the lease. A repository this process cannot write gives an unheld lease, not an error.
    public func leaseSet(_ idOrLatest: String, command: String) throws(RepositoryError) -> SetLease {
        let found = try set(idOrLatest)
        let file = leasePath(found.id)
        let fd: Int32
        do throws(RepositoryError) {
            _ = try RepositoryRecords.folder(SetLease.folderName, in: path)
            fd = open(file, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
            guard fd >= 0 else { throw .io(operation: "open the reader lease", path: file, errno: errno) }
        } catch {
            guard case .io(_, _, let code) = error, SetLease.meansReadOnly(code) else { throw error }
            return SetLease(entry: try set(found.id.rawValue), fd: -1,
                            unheldReason: "could not take a reader lease on \(file) (\(String(cString: strerror(code)))): prune cannot see this reader")
        }
        if SetLease.lock(fd, LOCK_EX | LOCK_NB) {
            // Alone: every line in the file is a reader that has gone. Then shared like anyone;
            // the conversion is not atomic, so prune may slip in here, which the lookup below sees.
            ftruncate(fd, 0)
            SetLease.record(command, in: fd)
            guard SetLease.lock(fd, LOCK_SH) else { return try unheld(fd, found, file, errno) }
        } else if errno == EWOULDBLOCK {
            // Other readers (or prune, removing the set: then this waits until it is gone).
            guard SetLease.lock(fd, LOCK_SH) else { return try unheld(fd, found, file, errno) }
            SetLease.record(command, in: fd)
        } else {
            return try unheld(fd, found, file, errno)
        }
        let entry: SetEntry
        do { entry = try set(found.id.rawValue) } catch {
            // Removed before the lease was taken: the lease file would be left for nothing.
            if !FileSystem.exists(found.path), SetLease.lock(fd, LOCK_EX | LOCK_NB) { unlink(file) }
            close(fd)
            throw error
        }
        return SetLease(entry: entry, fd: fd, unheldReason: nil)
    }

    private func unheld(_ fd: Int32, _ found: SetEntry, _ file: String, _ code: Int32) throws(RepositoryError) -> SetLease {
        close(fd)
        guard SetLease.meansReadOnly(code) else { throw .io(operation: "lock the reader lease", path: file, errno: code) }
        return SetLease(entry: try set(found.id.rawValue), fd: -1,
                        unheldReason: "could not lock the reader lease \(file) (\(String(cString: strerror(code)))): prune cannot see this reader")
    }
}
