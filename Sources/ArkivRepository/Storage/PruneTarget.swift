import Foundation

/// What prune needs of a repository, whichever storage holds it: its sets and their retention
/// facts, who reads them, their removal under the lock, and what dead writers left. A directory
/// answers with flocks and folders (`LocalRepository`), a bucket with objects (`StoredSets`);
/// the plan, the doubt rules and the report are prune's own, written once.
public protocol PruneTarget {
    var location: String { get }
    /// The repository's lock (`Storage.lock`).
    func takeLock(command: String) throws -> any RepositoryHold
    /// Bytes of every set, incomplete ones too.
    func setBytes() throws -> [BackupID: Int]
    func retentionCandidates() throws -> [RetentionCandidate]
    func pinState(of id: BackupID, pinnedAtBackup: Bool) -> PinState
    /// Who reads the set now (for the plan); changes nothing.
    func readingHolders(of id: BackupID) -> [LockHolder]
    /// Removes a set, manifest first, unless a reader holds it: then nothing is removed and the
    /// readers are returned.
    func removeUnlessRead(_ id: BackupID, holding lock: any RepositoryHold) throws -> [LockHolder]
    /// What writers that died left beside the sets (open uploads, removal marks), found under the lock.
    func leftovers(holding lock: any RepositoryHold) -> [Leftover]
}

/// Something a dead writer left, and how to clear it.
public struct Leftover {
    /// `an abandoned upload of <name>`.
    public let description: String
    /// `aborted an abandoned upload of <name>`.
    public let cleared: String
    public let clear: () throws -> Void
}

extension Storage {
    /// This repository as prune sees it.
    public func pruneTarget() throws -> any PruneTarget {
        if let local = self as? LocalStorage { return try LocalRepository(path: local.root) }
        return StoredSets(storage: self)
    }
}

extension LocalRepository: PruneTarget {
    public var location: String { path }

    public func takeLock(command: String) throws -> any RepositoryHold {
        let lock: RepositoryLock = try lock(command: command)
        return lock
    }

    public func setBytes() throws -> [BackupID: Int] {
        Dictionary(try sets(includeIncomplete: true).map { ($0.id, $0.totalBytes) }, uniquingKeysWith: { first, _ in first })
    }

    public func readingHolders(of id: BackupID) -> [LockHolder] {
        if case .inUse(let holders) = readers(of: id) { return holders }
        return []
    }

    public func removeUnlessRead(_ id: BackupID, holding lock: any RepositoryHold) throws -> [LockHolder] {
        guard let lock = lock as? RepositoryLock else { throw RepositoryError.locked(repository: path, holder: nil) }
        do {
            try removeSet(id, holding: lock)
            return []
        } catch RepositoryError.setInUse(_, _, let holders) {
            return holders
        }
    }

    /// A directory's writers stage files in their set folder, which prune removes with the set.
    public func leftovers(holding lock: any RepositoryHold) -> [Leftover] { [] }
}

extension StoredSets: PruneTarget {
    public var location: String { storage.location }

    public func takeLock(command: String) throws -> any RepositoryHold { try storage.lock(command: command) }

    public func setBytes() throws -> [BackupID: Int] {
        Dictionary(try sets().map { ($0.id, Int($0.bytes)) }, uniquingKeysWith: { first, _ in first })
    }

    public func readingHolders(of id: BackupID) -> [LockHolder] { StorageLease.readers(of: id, in: storage) }

    /// Removal marks (a prune that died between marking and removing: this one holds the lock,
    /// so no running prune wrote them), and multipart uploads begun before the lock was taken:
    /// every writer of a bucket uploads under its lock, so such an upload has no writer left.
    public func leftovers(holding lock: any RepositoryHold) -> [Leftover] {
        var found: [Leftover] = []
        for object in (try? storage.list(prefix: "removals/")) ?? [] {
            found.append(Leftover(description: "the removal mark \(object.name) of a prune that died",
                                  cleared: "removed the removal mark \(object.name) of a prune that died",
                                  clear: { try storage.delete(object.name) }))
        }
        if let s3 = storage as? S3Storage, let takenAt = (lock as? StorageLock)?.takenAt {
            for upload in ((try? s3.abandonedUploads()) ?? []) where (upload.initiated ?? .distantPast) < takenAt {
                found.append(Leftover(description: "an abandoned upload of \(upload.key)", cleared: "aborted an abandoned upload of \(upload.key)",
                                      clear: { try s3.abortUpload(key: upload.key, uploadID: upload.uploadID) }))
            }
        }
        return found
    }
}
