import ArkivArchive
@testable import ArkivEngine
import ArkivPostgres
import ArkivRepository
import ArkivTestSupport
import Foundation

/// A repository folder and a key pair for one test.
struct BackupFixture {
    let repository: String
    let identity: Identity

    init() throws {
        repository = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-engine-\(UUID().uuidString)").path
        identity = try Identity.generate()
    }

    func options(source: ConnectionTarget) -> BackupOptions {
        var options = BackupOptions(source: source, repository: repository)
        options.recipients = [identity.recipient]
        options.jobs = 2
        return options
    }

    func backup(_ options: BackupOptions) throws -> BackupResult {
        try BackupRunner(options: options, reporter: ProgressReporter(mode: .silent)).run()
    }

    /// Restoring a set of this fixture with its identity; by default into a new scratch database.
    func restoreOptions(set: String = "latest", server: TestServer,
                        destination: RestoreOptions.Destination = .scratch(name: nil)) throws -> RestoreOptions {
        var options = RestoreOptions(repository: repository, set: set, target: try server.target(), destination: destination)
        options.identities = [identity]
        return options
    }

    func restore(_ options: RestoreOptions) throws -> RestoreResult {
        try RestoreRunner(options: options, reporter: ProgressReporter(mode: .silent)).run()
    }

    /// `verify restored` of a database against a set of this fixture, with its identity.
    func verifyRestored(_ target: ConnectionTarget, set: String = "latest") throws -> VerifyReport {
        var verifier = RestoredVerifier(repository: repository, set: set, target: target)
        verifier.identities = [identity]
        return try verifier.run()
    }

    /// Drops a database a test restored into (ignoring a failure: the test has its verdict).
    static func drop(_ database: String, on server: TestServer) {
        guard let admin = try? server.connect(), let name = try? admin.quoteIdentifier(database) else { return }
        try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    /// Every set folder, complete or not.
    func setFolders() throws -> [String] {
        guard FileManager.default.fileExists(atPath: repository) else { return [] }
        return try LocalRepository(path: repository).sets(includeIncomplete: true).map(\.path)
    }

    /// Opens a set's archives with the test identity.
    func open(_ result: BackupResult) throws -> OpenedSet {
        let entry = try LocalRepository(path: repository).set(result.id.rawValue)
        let sealed = try entry.readManifest()
        let dataKey = try sealed.open(identities: [identity])
        return OpenedSet(entry: entry, manifest: sealed.manifest, dataKey: dataKey)
    }
}

struct OpenedSet {
    let entry: SetEntry
    let manifest: Manifest
    let dataKey: DataKey?

    func reader(forSchema schema: String) throws -> ArchiveReader {
        guard let file = manifest.schemas.first(where: { $0.name == schema })?.file else {
            throw TestSetupError("schema \(schema) not in the set")
        }
        return try ArchiveReader(path: entry.filePath(file), dataKey: dataKey)
    }

    /// A member's whole plaintext.
    func contents(schema: String, member name: String) throws -> [UInt8] {
        let reader = try reader(forSchema: schema)
        guard let member = reader.member(named: name) else { throw TestSetupError("no member \(name) in \(schema)") }
        return try reader.contents(of: member.id, limit: 512 << 20)
    }

    func decode<T: Decodable>(_ type: T.Type, schema: String, member: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(try contents(schema: schema, member: member)))
    }
}
