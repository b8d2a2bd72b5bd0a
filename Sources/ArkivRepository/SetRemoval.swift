import Foundation

extension LocalRepository {
    /// Removes one set folder, for prune. The caller holds the repository lock.
    ///
    /// Only a real directory directly in the repository, named as a set, is removed; nothing is
    /// followed through a symbolic link (a link inside the set is removed as a link, its target
    /// untouched). The manifest goes first and durably, so a removal cut short leaves an
    /// incomplete set (which the next prune removes), never one that looks complete but is not.
    public func removeSet(_ id: BackupID, holding lock: RepositoryLock) throws(RepositoryError) {
        _ = lock
        let folder = path + "/" + id.rawValue
        guard FileSystem.isRealDirectory(folder) else {
            throw .io(operation: "remove the set folder (it is not a directory in the repository)", path: folder, errno: ENOTDIR)
        }
        let manifest = folder + "/" + Self.manifestName
        if FileSystem.exists(manifest) {
            guard unlink(manifest) == 0 else { throw .io(operation: "remove", path: manifest, errno: errno) }
            try FileSystem.fsyncDirectory(folder)
        }
        try Self.removeContents(of: folder)
        guard rmdir(folder) == 0 else { throw .io(operation: "remove", path: folder, errno: errno) }
        try FileSystem.fsyncDirectory(path)
        forgetRecords(of: id)
    }

    /// Deletes everything below `folder` without following symbolic links.
    private static func removeContents(of folder: String) throws(RepositoryError) {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw .io(operation: "list", path: folder, errno: EIO)
        }
        for name in names {
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

extension LocalRepository {
    /// Every set folder as retention sees it: complete or not, pinned or not (nil when the
    /// manifest cannot be read).
    public func retentionCandidates() throws(RepositoryError) -> [RetentionCandidate] {
        try sets(includeIncomplete: true).map { entry in
            guard entry.isComplete else { return RetentionCandidate(id: entry.id, complete: false, pinned: false) }
            guard let manifest = try? entry.readManifest().manifest else {
                return RetentionCandidate(id: entry.id, complete: true, pinned: nil)
            }
            return RetentionCandidate(id: entry.id, complete: true, pinned: pinState(of: entry.id, pinnedAtBackup: manifest.pinned).isPinned)
        }
    }
}
