import Foundation

extension LocalRepository {
    /// Removes one set folder, for prune. The caller holds the repository lock.
    ///
    /// Only a real directory directly in the repository, named as a set, is removed; nothing is
    /// followed through a symbolic link (a link inside the set is removed as a link, its target
    /// untouched). The manifest goes first and durably, so a removal cut short leaves an
    /// incomplete set (which the next prune removes), never one that looks complete but is not.
    ///
    /// A set a reader holds (`SetLease`) is not touched: `setInUse` names the holders. Otherwise
    /// its lease is held exclusively throughout and unlinked last, so a reader arriving meanwhile
    /// waits, then finds the set gone.
    public func removeSet(_ id: BackupID, holding lock: RepositoryLock) throws(RepositoryError) {
        _ = lock
        let folder = path + "/" + id.rawValue
        guard FileSystem.isRealDirectory(folder) else {
            throw .io(operation: "remove the set folder (it is not a directory in the repository)", path: folder, errno: ENOTDIR)
        }
        let lease = try claimLease(of: id)
        defer { close(lease) }
        let manifest = folder + "/" + Self.manifestName
        if FileSystem.exists(manifest) {
            guard unlink(manifest) == 0 else { throw .io(operation: "remove", path: manifest, errno: errno) }
            try FileSystem.fsyncDirectory(folder)
        }
        try Self.removeContents(of: folder)
        guard rmdir(folder) == 0 else { throw .io(operation: "remove", path: folder, errno: errno) }
        try FileSystem.fsyncDirectory(path)
        forgetRecords(of: id)
        // Left behind it would only be an empty file: no need to fail a finished removal for it.
        unlink(leasePath(id))
    }

    /// The set's lease taken exclusively (created when no reader ever made it, so a reader
    /// arriving now waits on this very file), or `setInUse` naming who holds it.
    private func claimLease(of id: BackupID) throws(RepositoryError) -> Int32 {
        _ = try RepositoryRecords.folder(SetLease.folderName, in: path)
        let file = leasePath(id)
        let fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw .io(operation: "open the reader lease", path: file, errno: errno) }
        guard SetLease.lock(fd, LOCK_EX | LOCK_NB) else {
            let code = errno
            let holders = SetLease.holders(in: fd)
            close(fd)
            if code == EWOULDBLOCK { throw .setInUse(repository: path, id: id.rawValue, holders: holders) }
            throw .io(operation: "lock the reader lease", path: file, errno: code)
        }
        return fd
    }

    /// Who reads the set right now, for prune's plan; changes nothing (a set never read has no
    /// lease file, and none is created here).
    public func readers(of id: BackupID) -> SetReaders {
        let fd = open(leasePath(id), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return .free }
        defer { close(fd) }
        guard SetLease.lock(fd, LOCK_EX | LOCK_NB) else {
            return errno == EWOULDBLOCK ? .inUse(SetLease.holders(in: fd)) : .free
        }
        flock(fd, LOCK_UN)
        return .free
    }

    /// Deletes everything below `folder` without following symbolic links.
    private static func removeContents(of folder: String) throws(RepositoryError) {
        for name in try FileSystem.list(folder) {
            let child = folder + "/" + name
            if FileSystem.isRealDirectory(child) {
                try removeContents(of: child)
                guard rmdir(child) == 0 else { throw .io(operation: "remove", path: child, errno: errno) }
            } else {
                guard unlink(child) == 0 else { throw .io(operation: "remove", path: child, errno: errno) }
            }
        }
    }
}

/// Whether readers hold a set, and who.
public enum SetReaders: Sendable, Equatable, CustomStringConvertible {
    case free
    /// Held; the recorded holders (empty when a reader has not written its line yet).
    case inUse([LockHolder])

    public var description: String {
        switch self {
        case .free: return "not in use"
        case .inUse(let holders) where holders.isEmpty: return "in use by a reader"
        case .inUse(let holders): return "in use by " + holders.map(\.description).joined(separator: " and ")
        }
    }
}

extension LocalRepository {
    /// Every set folder as retention sees it: complete or not, pinned or not (nil when the
    /// manifest cannot be read).
    public func retentionCandidates() throws(RepositoryError) -> [RetentionCandidate] {
        try sets(includeIncomplete: true).map { entry in
            guard entry.isComplete else { return RetentionCandidate(id: entry.id, complete: false, pinned: false) }
            // Readable means: it parses, it is this folder's, and the files it lists are there with
            // their sizes. (Authenticating it needs the data key, which the backup host lacks.)
            guard let manifest = try? entry.readManifest().manifest, entry.filesPresent(as: manifest) else {
                return RetentionCandidate(id: entry.id, complete: true, pinned: nil)
            }
            return RetentionCandidate(id: entry.id, complete: true, pinned: pinState(of: entry.id, pinnedAtBackup: manifest.pinned).isPinned,
                                      source: manifest.source.identity)
        }
    }
}
