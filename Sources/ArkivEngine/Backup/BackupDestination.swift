import ArkivArchive
import ArkivRepository
import Foundation

/// The repository a backup writes into: a local directory (flock, staged files renamed into
/// place) or object storage (a lock object, files uploaded straight from the stream). Both end
/// the same way: the manifest last, nothing complete unless it is there.
enum BackupDestination {
    case local(LocalRepository)
    case storage(any Storage)

    /// The held lock, whatever kind.
    struct Held {
        let staleHolder: LockHolder?
        let release: () -> Void
    }

    static func open(_ options: BackupOptions) throws -> BackupDestination {
        let location = try RepositoryLocation(options.repository)
        if case .local(let path) = location { return .local(try LocalRepository(path: path, create: true)) }
        return .storage(try location.open(create: true))
    }

    var location: String {
        switch self {
        case .local(let repository): repository.path
        case .storage(let storage): storage.location
        }
    }

    func lock(command: String) throws -> Held {
        switch self {
        case .local(let repository):
            let lock = try repository.lock(command: command)
            return Held(staleHolder: lock.staleHolder, release: lock.release)
        case .storage(let storage):
            let lock = try StorageLock(storage: storage, command: command)
            return Held(staleHolder: lock.staleHolder, release: lock.release)
        }
    }

    func createSet(_ id: BackupID) throws -> any SetDestination {
        switch self {
        case .local(let repository): try repository.createSet(id)
        case .storage(let storage): try StorageSetWriter(id: id, storage: storage)
        }
    }

    /// The sources of the sets already there (readable manifests only).
    func sources() throws -> [Manifest.Source] {
        switch self {
        case .local(let repository):
            return try repository.sets().compactMap { try? $0.readManifest().manifest.source }
        case .storage(let storage):
            let stored = StoredSets(storage: storage)
            return try stored.sets().filter(\.complete).compactMap { try? stored.manifest($0.id).manifest.source }
        }
    }
}
