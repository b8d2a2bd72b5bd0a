import ArkivArchive
import ArkivCatalog
import ArkivRepository
import Foundation

/// A backup set opened for reading: leased (prune keeps it until `release`), its manifest
/// authenticated, its files checked, its archives open with the data key.
struct OpenedBackupSet {
    /// Lets prune have the set again (a lease file on disk, a lease object in a bucket).
    let releaseLease: @Sendable () -> Void
    let manifest: Manifest
    let dataKey: DataKey?
    /// Schema → its archive reader.
    let readers: [String: ArchiveReader]

    /// Opens and proves a set before anything is done with it: the manifest's MAC (with the
    /// data key unwrapped from an identity or passphrase), then every file's size and SHA-256.
    /// The lease comes first: the manifest is read only once prune can no longer remove the set.
    static func open(repository: String, set: String, identities: [Identity], passphrase: SecureBytes?,
                     command: String, reporter: ProgressReporter) throws -> OpenedBackupSet {
        let location = try RepositoryLocation(repository)
        if case .s3 = location {
            return try openStored(try location.open(), set: set, identities: identities, passphrase: passphrase, command: command)
        }
        let lease = try SetReading.lease(repository: repository, set: set, command: command, reporter: reporter)
        let entry = lease.entry
        let sealed = try entry.readManifest()
        let dataKey = try sealed.open(identities: identities, passphrase: passphrase)
        let manifest = sealed.manifest
        let problems = entry.checkFiles(against: manifest)
        guard problems.isEmpty else { throw RestoreError.damagedSet(problems.map(\.description)) }
        var readers: [String: ArchiveReader] = [:]
        for schema in manifest.schemas {
            readers[schema.name] = try ArchiveReader(path: entry.filePath(schema.file), dataKey: dataKey, setID: manifest.setID, fileName: schema.file)
        }
        return OpenedBackupSet(releaseLease: { lease.release() }, manifest: manifest, dataKey: dataKey, readers: readers)
    }

    /// A set in a bucket: the manifest authenticated as on disk, every object present with its
    /// size, and the archives read by range. Their bytes are proven as they are read (every
    /// record is authenticated or checksummed, every member's SHA-256 and the tables' counts
    /// checked by the restore and verify), instead of by a first full read of every object.
    private static func openStored(_ storage: any Storage, set: String, identities: [Identity], passphrase: SecureBytes?,
                                   command: String) throws -> OpenedBackupSet {
        let stored = StoredSets(storage: storage)
        let id = try stored.complete(set)
        // Leased before the manifest is read, and looked up again after: prune either sees the
        // lease and keeps the set, or removed it first and the lookup fails.
        let lease = try StorageLease(storage: storage, set: id, command: command)
        _ = try stored.complete(id.rawValue)
        let (data, _) = try stored.manifest(id)
        let sealed = try ManifestCodec.decode(data, file: storage.location + "/" + id.rawValue + "/" + LocalRepository.manifestName)
        let dataKey = try sealed.open(identities: identities, passphrase: passphrase)
        let manifest = sealed.manifest
        var problems: [String] = []
        for file in manifest.files {
            let name = id.rawValue + "/" + file.name
            let size = try storage.stat(name)?.size
            if size != file.bytes { problems.append("\(storage.location)/\(name): \(size.map { "\($0) bytes stored" } ?? "missing"), the manifest lists \(file.bytes)") }
        }
        guard problems.isEmpty else {
            lease.release()
            throw RestoreError.damagedSet(problems)
        }
        var readers: [String: ArchiveReader] = [:]
        for schema in manifest.schemas {
            let name = id.rawValue + "/" + schema.file
            readers[schema.name] = try ArchiveReader(input: try StorageInput(storage: storage, name: name), path: storage.location + "/" + name,
                                                     dataKey: dataKey, setID: manifest.setID, fileName: schema.file)
        }
        return OpenedBackupSet(releaseLease: { lease.release() }, manifest: manifest, dataKey: dataKey, readers: readers)
    }

    /// Lets prune have the set again; callers `defer` it, which also keeps the lease alive (and
    /// held) until the end of their run.
    func release() { releaseLease() }

    /// A JSON member of a schema's archive (DDL, tables, sequences).
    func json<T: Decodable>(_ type: T.Type, schema: String, member name: String) throws -> T {
        guard let reader = readers[schema], let member = reader.member(named: name) else {
            throw RestoreError.missingMember(schema: schema, member: name)
        }
        return try JSONDecoder().decode(type, from: Data(try reader.contents(of: member.id)))
    }
}
