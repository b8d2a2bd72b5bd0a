import ArkivArchive
import ArkivCatalog
import ArkivRepository
import Foundation

/// A backup set opened for reading: leased (prune keeps it until `release`), its manifest
/// authenticated, its files checked, its archives open with the data key.
struct OpenedBackupSet {
    let lease: SetLease
    let entry: SetEntry
    let manifest: Manifest
    let dataKey: DataKey?
    /// Schema → its archive reader.
    let readers: [String: ArchiveReader]

    /// Opens and proves a set before anything is done with it: the manifest's MAC (with the
    /// data key unwrapped from an identity or passphrase), then every file's size and SHA-256.
    /// The lease comes first: the manifest is read only once prune can no longer remove the set.
    static func open(repository: String, set: String, identities: [Identity], passphrase: SecureBytes?,
                     command: String, reporter: ProgressReporter) throws -> OpenedBackupSet {
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
        return OpenedBackupSet(lease: lease, entry: entry, manifest: manifest, dataKey: dataKey, readers: readers)
    }

    /// Lets prune have the set again; callers `defer` it, which also keeps the lease alive (and
    /// held) until the end of their run.
    func release() { lease.release() }

    /// A JSON member of a schema's archive (DDL, tables, sequences).
    func json<T: Decodable>(_ type: T.Type, schema: String, member name: String) throws -> T {
        guard let reader = readers[schema], let member = reader.member(named: name) else {
            throw RestoreError.missingMember(schema: schema, member: name)
        }
        return try JSONDecoder().decode(type, from: Data(try reader.contents(of: member.id)))
    }
}
