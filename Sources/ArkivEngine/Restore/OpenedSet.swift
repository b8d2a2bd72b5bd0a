import ArkivArchive
import ArkivCatalog
import ArkivRepository
import Foundation

/// A backup set opened for reading: its manifest authenticated, its files checked, its archives
/// open with the data key.
struct OpenedBackupSet {
    let entry: SetEntry
    let manifest: Manifest
    let dataKey: DataKey?
    /// Schema → its archive reader.
    let readers: [String: ArchiveReader]

    /// Opens and proves a set before anything is done with it: the manifest's MAC (with the
    /// data key unwrapped from an identity or passphrase), then every file's size and SHA-256.
    static func open(repository: String, set: String, identities: [Identity], passphrase: SecureBytes?) throws -> OpenedBackupSet {
        let entry = try LocalRepository(path: repository).set(set)
        let sealed = try entry.readManifest()
        let dataKey = try sealed.open(identities: identities, passphrase: passphrase)
        let manifest = sealed.manifest
        let problems = entry.checkFiles(against: manifest)
        guard problems.isEmpty else { throw RestoreError.damagedSet(problems.map(\.description)) }
        var readers: [String: ArchiveReader] = [:]
        for schema in manifest.schemas {
            readers[schema.name] = try ArchiveReader(path: entry.filePath(schema.file), dataKey: dataKey, setID: manifest.setID, fileName: schema.file)
        }
        return OpenedBackupSet(entry: entry, manifest: manifest, dataKey: dataKey, readers: readers)
    }

    /// A JSON member of a schema's archive (DDL, tables, sequences).
    func json<T: Decodable>(_ type: T.Type, schema: String, member name: String) throws -> T {
        guard let reader = readers[schema], let member = reader.member(named: name) else {
            throw RestoreError.missingMember(schema: schema, member: name)
        }
        return try JSONDecoder().decode(type, from: Data(try reader.contents(of: member.id)))
    }
}
