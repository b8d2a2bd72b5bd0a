import Foundation

/// The repository lock on object storage: an object `lock` created only if absent
/// (`If-None-Match: *`), holding who holds it, rewritten every minute while held, and taken over
/// when it has not been rewritten for `HeldObject.staleAfter` (its holder died: object storage
/// has no kernel to release it). After writing, the lock is read back: on a service that ignores
/// the condition, the second writer sees the first's record and gives up instead of both holding it.
public final class StorageLock: @unchecked Sendable {
    public static let objectName = "lock"

    /// The holder whose stale lock was taken over, if any.
    public let staleHolder: LockHolder?
    private let held: HeldObject

    public init(storage: any Storage, command: String) throws {
        let record = HeldObject.record(command: command)
        let data = try HeldObject.encode(record)
        let holder = { (try? HeldObject.read(Self.objectName, in: storage))?.holder }
        var stale: LockHolder?
        do {
            try storage.save(Self.objectName, data: data, ifAbsent: true)
        } catch StorageError.alreadyExists(_) {
            guard let existing = try? HeldObject.read(Self.objectName, in: storage), HeldObject.isStale(existing) else {
                throw RepositoryError.locked(repository: storage.location, holder: holder())
            }
            stale = existing.holder
            try storage.delete(Self.objectName)
            do { try storage.save(Self.objectName, data: data, ifAbsent: true) } catch StorageError.alreadyExists(_) {
                throw RepositoryError.locked(repository: storage.location, holder: holder())
            }
        }
        // Read back: proof that this writer, and no other, holds it. A read that fails is that
        // failure (the service went away), not someone else's lock.
        let readBack: LockHolder?
        do { readBack = try HeldObject.read(Self.objectName, in: storage).holder } catch StorageError.notFound(_) { readBack = nil }
        guard readBack == record.holder else { throw RepositoryError.locked(repository: storage.location, holder: readBack) }
        staleHolder = stale
        held = HeldObject(storage: storage, name: Self.objectName, record: record)
    }

    /// Stops refreshing and removes the lock, if it is still this holder's.
    public func release() { held.release() }

    /// When this holder took the lock (whole seconds).
    public var takenAt: Date { held.record.holder.startedAt }
}
