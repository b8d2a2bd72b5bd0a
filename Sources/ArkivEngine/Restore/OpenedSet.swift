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
        let held = try SetReading.hold(repository: repository, set: set, command: command, reporter: reporter)
        do {
            let dataKey = try held.sealed.open(identities: identities, passphrase: passphrase)
            let manifest = held.sealed.manifest
            // A bucket's objects are not read twice: every record is proven as the restore reads
            // it (authenticated or checksummed, each member's SHA-256, the tables' counts).
            let problems = held.isRemote ? held.checkSizes() : held.checkFiles()
            guard problems.isEmpty else { throw RestoreError.damagedSet(problems.map(\.description)) }
            var readers: [String: ArchiveReader] = [:]
            for schema in manifest.schemas {
                readers[schema.name] = try held.reader(schema.file, dataKey: dataKey)
            }
            return OpenedBackupSet(releaseLease: { held.release() }, manifest: manifest, dataKey: dataKey, readers: readers)
        } catch {
            held.release()
            throw error
        }
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
