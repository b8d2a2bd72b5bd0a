import Foundation

/// What can go wrong with a repository, each naming the path and what to do.
public enum RepositoryError: Error, Sendable, CustomStringConvertible, Equatable {
    /// Another process holds the repository lock.
    case locked(repository: String, holder: LockHolder?)
    case notADirectory(String)
    /// One of the repository's own folders (leases, pins, verifications, drills) is a link or a file.
    case notARealDirectory(String)
    case invalidBackupID(String, reason: String)
    case setNotFound(repository: String, id: String)
    case setIncomplete(repository: String, id: String)
    case alreadyExists(String)
    /// Readers (restore, drill, verify) hold the set's lease: prune keeps it this run.
    case setInUse(repository: String, id: String, holders: [LockHolder])
    /// A reader found prune's removal mark on the set and it stayed past the wait.
    case beingRemoved(repository: String, id: String, mark: String, holder: LockHolder?)
    /// An I/O call failed; `errno` decoded. `ENOSPC` gets its own wording.
    case io(operation: String, path: String, errno: Int32)

    public var description: String {
        switch self {
        case .locked(let repository, let holder):
            let who = holder.map { "\($0)" } ?? "another process"
            return "repository \(repository) is locked by \(who); wait for it to finish, or if that process is gone on another host, remove \(repository)/lock"
        case .notADirectory(let path):
            return "\(path) is not a directory: give --repo a directory (it is created if missing)"
        case .notARealDirectory(let path):
            return "\(path) is not a plain directory (a symbolic link, or a file): arkiv keeps its records there and never follows "
                + "a link inside a repository; look at it, then remove it (arkiv makes the folder again)"
        case .invalidBackupID(let id, let reason):
            return "\(id.debugDescription) is not a backup id (\(reason)); ids look like 20261125T031500Z-4f9a1c, see `arkiv list`"
        case .setNotFound(let repository, let id):
            return "no backup set \(id) in \(repository); see `arkiv list --repo \(repository)`"
        case .setIncomplete(let repository, let id):
            return "backup set \(id) in \(repository) is incomplete (no manifest: the backup did not finish); use another set, prune removes it"
        case .setInUse(let repository, let id, let holders):
            return "backup set \(id) in \(repository) is \(SetReaders.inUse(holders)); it is kept until the reader is done"
        case .beingRemoved(let repository, let id, let mark, let holder):
            return "backup set \(id) in \(repository) is being removed by \(holder.map { "\($0)" } ?? "a prune") (its mark \(mark) stayed "
                + "for minutes); if no prune is running there, the mark is left from one that died: run arkiv-prune on the repository "
                + "again (it clears the mark), or delete \(mark), then read the set again"
        case .alreadyExists(let path):
            return "\(path) already exists; refusing to overwrite it"
        case .io(let operation, let path, let code):
            if code == ENOSPC {
                return "disk full while trying to \(operation) \(path): free space on that filesystem; nothing partial is kept"
            }
            if code == ELOOP || code == EMLINK {
                return "could not \(operation) \(path): it is a symbolic link, and arkiv never follows a link inside a repository "
                    + "(someone may be trying to make it write or delete a file elsewhere); look at it, then remove it"
            }
            if code == EACCES || code == EPERM {
                return "could not \(operation) \(path): permission denied (run as the repository's owner, or give this user access)"
            }
            return "could not \(operation) \(path): \(String(cString: strerror(code)))"
        }
    }

    public var isDiskFull: Bool {
        if case .io(_, _, let code) = self { return code == ENOSPC || code == EDQUOT }
        return false
    }
}
