import Foundation

/// Something held on a repository until `release`: its lock, or a reader's lease on a set.
public protocol RepositoryHold: AnyObject, Sendable {
    func release()
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

    /// A reader's lease on one complete set, so prune keeps it until `release`: a directory's
    /// shared flock, or a bucket's lease object. A directory the reader may not write gives an
    /// unheld lease (see `SetLease.unheldReason`), as for every reader.
    public func lease(_ id: BackupID, command: String) throws -> any RepositoryHold {
        if let local = self as? LocalStorage { return try LocalRepository(path: local.root).leaseSet(id.rawValue, command: command) }
        let lease = try StorageLease(storage: self, set: id, command: command)
        guard try stat(id.rawValue + "/" + LocalRepository.manifestName) != nil else {
            lease.release()
            throw RepositoryError.setNotFound(repository: location, id: id.rawValue)
        }
        return lease
    }
}
