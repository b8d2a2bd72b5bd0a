import ArkivArchive
import Foundation

/// A repository in a local directory: one folder per backup set, `manifest.json` written last.
///
/// Layout (see docs/FORMAT.md):
/// ```
/// <repository>/lock                    the flock that backup, prune, pin and unpin take
/// <repository>/leases/<backup-id>      the shared flock of each reader of a set (`SetLease`)
/// <repository>/<backup-id>/            one backup set
///     <schema>.arkiv                   archive files, each renamed into place when complete
///     manifest.json                    written last: a set without it is incomplete
/// <repository>/pins/<backup-id>.json   a pin or unpin given after the backup
/// <repository>/verifications/          a record of every `verify archive`
/// <repository>/drills/                 a report of every drill
/// ```
public struct LocalRepository: Sendable {
    public static let manifestName = "manifest.json"

    public let path: String

    /// Opens a repository, creating its directory (mode 0700) when `create` is set and it is
    /// missing. The parent directory must exist: a typo in --repo must not scatter folders.
    public init(path: String, create: Bool = false) throws(RepositoryError) {
        let standardized = (path as NSString).standardizingPath
        if !FileSystem.exists(standardized) {
            guard create else { throw .io(operation: "open repository", path: standardized, errno: ENOENT) }
            try FileSystem.makeDirectory(standardized)
        }
        guard FileSystem.isDirectory(standardized) else { throw .notADirectory(standardized) }
        self.path = standardized
    }

    /// Takes the repository's exclusive lock, or fails at once naming the holder.
    public func lock(command: String) throws(RepositoryError) -> RepositoryLock {
        try RepositoryLock(repository: path, command: command)
    }

    /// Creates the folder of a new set. It stays incomplete until `SetWriter.finish`.
    public func createSet(_ id: BackupID) throws(RepositoryError) -> SetWriter {
        let directory = path + "/" + id.rawValue
        guard !FileSystem.exists(directory) else { throw .alreadyExists(directory) }
        try FileSystem.makeDirectory(directory)
        try FileSystem.fsyncDirectory(path)
        return SetWriter(id: id, path: directory)
    }

    /// Every set folder, oldest first; incomplete ones only when asked for.
    public func sets(includeIncomplete: Bool = false) throws(RepositoryError) -> [SetEntry] {
        return try FileSystem.list(path).compactMap { name -> SetEntry? in
            // A symbolic link named like a set is not one of ours: never listed, restored or pruned.
            guard let id = try? BackupID(parsing: name), FileSystem.isRealDirectory(path + "/" + name) else { return nil }
            let entry = SetEntry(id: id, path: path + "/" + name)
            return includeIncomplete || entry.isComplete ? entry : nil
        }.sorted { $0.id < $1.id }
    }

    /// One complete set by id, or `latest` for the newest complete set.
    public func set(_ idOrLatest: String) throws(RepositoryError) -> SetEntry {
        if idOrLatest == "latest" {
            guard let newest = try sets().last else { throw .setNotFound(repository: path, id: "latest") }
            return newest
        }
        let id = try BackupID(parsing: idOrLatest)
        let entry = SetEntry(id: id, path: path + "/" + id.rawValue)
        guard FileSystem.isRealDirectory(entry.path) else { throw .setNotFound(repository: path, id: id.rawValue) }
        guard entry.isComplete else { throw .setIncomplete(repository: path, id: id.rawValue) }
        return entry
    }
}

/// A backup set folder as found on disk.
public struct SetEntry: Sendable {
    public let id: BackupID
    public let path: String

    public var manifestPath: String { path + "/" + LocalRepository.manifestName }

    /// Complete means the manifest exists; it was renamed into place after every file.
    public var isComplete: Bool { FileSystem.exists(manifestPath) }

    /// Bytes of every file in the set folder.
    public var totalBytes: Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.reduce(0) { $0 + (FileSystem.size(path + "/" + $1) ?? 0) }
    }

    public func filePath(_ name: String) -> String { path + "/" + name }
}

extension SetEntry {
    /// The set's manifest, parsed but not yet authenticated (that needs the data key).
    public func readManifest() throws -> SealedManifest {
        guard let size = FileSystem.size(manifestPath) else {
            throw RepositoryError.io(operation: "read", path: manifestPath, errno: ENOENT)
        }
        guard size <= ManifestCodec.maximumSize, let data = try FileSystem.readSmall(manifestPath, limit: ManifestCodec.maximumSize) else {
            throw ArchiveError.invalidManifest(file: manifestPath, detail: "unreadable, or larger than \(ManifestCodec.maximumSize) bytes")
        }
        let sealed = try ManifestCodec.decode(data, file: manifestPath)
        // Another set's manifest (or a renamed folder) would describe files that are not these.
        guard sealed.manifest.backupID == id.rawValue else {
            throw ArchiveError.invalidManifest(
                file: manifestPath,
                detail: "it is the manifest of backup set \(sealed.manifest.backupID), not of \(id.rawValue) whose folder holds it; "
                    + "it was replaced, or the folder renamed")
        }
        return sealed
    }
}
