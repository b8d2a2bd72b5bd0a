import ArkivArchive
import ArkivRepository
import Foundation

extension BackupOptions {
    /// The repository the backup writes into, made when missing (a directory: only its last
    /// folder, so a typo does not scatter folders).
    func openRepository() throws -> any Storage {
        try RepositoryLocation(repository).open(create: true)
    }
}

extension Storage {
    /// The sources of the sets already there (readable manifests only).
    func setSources() throws -> [Manifest.Source] {
        let stored = StoredSets(storage: self)
        return try stored.sets().filter(\.complete).compactMap { try? stored.manifest($0.id).manifest.source }
    }
}
