import Foundation

/// Something held on a repository until `release`: its lock, or a reader's lease on a set.
public protocol RepositoryHold: AnyObject, Sendable {
    func release()
    /// A lock taken over from a holder that died (its record named it), for the log.
    var staleHolder: LockHolder? { get }
    /// Why a reader's lease does not hold (a repository this user may not write): the read goes
    /// on, and prune cannot see it.
    var unheldReason: String? { get }
}

extension RepositoryHold {
    public var staleHolder: LockHolder? { nil }
    public var unheldReason: String? { nil }
}

/// A lease the repository refused to record: nothing to release.
final class UnheldLease: RepositoryHold {
    let unheldReason: String?
    init(reason: String) { unheldReason = reason }
    func release() {}
}

extension RepositoryLock: RepositoryHold {}
extension StorageLock: RepositoryHold {}
extension SetLease: RepositoryHold {}
extension StorageLease: RepositoryHold {}

extension Storage {
    /// The repository's exclusive lock, as its storage keeps it: the flock a directory's
    /// commands share (the kernel drops it when the holder dies), or a bucket's lock object.
    public func lock(command: String) throws -> any RepositoryHold {
        if let local = self as? LocalStorage { return try LocalRepository(path: local.root).lock(command: command) }
        return try StorageLock(storage: self, command: command)
    }

    /// A new set being written, complete only once its manifest is saved: files staged in the
    /// set's folder and renamed into place (fsync'd, with disk-full said as such), or streamed
    /// into multipart uploads. The caller holds the lock.
    public func createSet(_ id: BackupID) throws -> any SetDestination {
        if let local = self as? LocalStorage { return try LocalRepository(path: local.root).createSet(id) }
        return try StorageSetWriter(id: id, storage: self)
    }

    /// A reader's lease on one complete set, so prune keeps it until `release`: a directory's
    /// shared flock, or a bucket's lease object. A directory the reader may not write gives an
    /// unheld lease (see `SetLease.unheldReason`), as for every reader.
    public func lease(_ id: BackupID, command: String) throws -> any RepositoryHold {
        if let local = self as? LocalStorage { return try LocalRepository(path: local.root).leaseSet(id.rawValue, command: command) }
        do {
            // Looks the set up again once the lease is written (StorageLease).
            return try StorageLease(storage: self, set: id, command: command)
        } catch StorageError.permission(let name, let detail) {
            // A read-only key still restores and verifies, as a read-only directory does.
            guard try stat(id.rawValue + "/" + LocalRepository.manifestName) != nil else {
                throw RepositoryError.setNotFound(repository: location, id: id.rawValue)
            }
            return UnheldLease(reason: "could not write the reader lease \(name) (\(detail)): prune cannot see this reader")
        }
    }
}
