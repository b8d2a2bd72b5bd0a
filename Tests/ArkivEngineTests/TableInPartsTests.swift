import ArkivArchive
@testable import ArkivEngine
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

@Suite("Tables stored in parts")
struct TableInPartsTests {
    /// The format lets a table be stored in parts (docs/FORMAT.md); this restore loads one part per
    /// table, so such a set must be refused before the target is touched, not fail on its row count.
    @Test("a set whose table is in two parts is refused by name before any database is created")
    func refusedUpFront() throws {
        try withScratchDatabase(on: .pg16, template: "workspace") { source in
            let fixture = try BackupFixture()
            var backupOptions = fixture.options(source: source)
            backupOptions.schemas = ["crm"]
            let result = try fixture.backup(backupOptions)
            // A forger holding the key (or a newer arkiv): the first table's part listed twice, counts
            // doubled, the manifest sealed again.
            let entry = try LocalRepository(path: fixture.repository).set(result.id.rawValue)
            let sealed = try entry.readManifest()
            var edited = sealed.manifest
            let index = try #require(edited.tables.firstIndex { !$0.parts.isEmpty })
            edited.tables[index].parts.append(edited.tables[index].parts[0])
            edited.tables[index].rows *= 2
            let table = "\(edited.tables[index].schema).\(edited.tables[index].name)"
            try ManifestCodec.encode(edited, dataKey: try sealed.open(identities: [fixture.identity]))
                .write(to: URL(fileURLWithPath: entry.manifestPath))
            let name = "arkiv_parts_\(UInt32.random(in: 0...UInt32.max))"
            defer { BackupFixture.drop(name, on: .pg16) }
            let error = #expect(throws: RestoreError.self) {
                try fixture.restore(try fixture.restoreOptions(server: .pg16, destination: .scratch(name: name)))
            }
            #expect(error?.description.contains("table \(table) is stored in 2 parts") == true, "\(String(describing: error))")
            #expect(try TestServer.pg16.connect().query("SELECT 1 FROM pg_database WHERE datname = $1", [name]).rows.isEmpty,
                    "nothing was created")
        }
    }
}
