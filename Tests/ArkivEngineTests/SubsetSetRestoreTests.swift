@testable import ArkivEngine
import ArkivPostgres
import ArkivTestSupport
import Foundation
import Testing

@Suite("Restoring a set backed up with --schema")
struct SubsetSetRestoreTests {
    @Test("a vault-only set restores to scratch: keys and triggers that need what the set left out are named, the rest verifies")
    func vaultOnly() throws {
        try withScratchDatabase(on: .pg16, template: "workspace") { source in
            let fixture = try BackupFixture()
            var backupOptions = fixture.options(source: source)
            backupOptions.schemas = ["vault"]
            let backup = try fixture.backup(backupOptions)
            let outside = backup.manifest.requires.filter { !$0.needs.contains(" vault.") }
            #expect(outside.contains { $0.needs == "table billy.organizations" }, "\(backup.manifest.requires)")

            let name = "arkiv_subset_\(UInt32.random(in: 0...UInt32.max))"
            let result = try fixture.restore(try fixture.restoreOptions(server: .pg16, destination: .scratch(name: name)))
            defer { BackupFixture.drop(name, on: .pg16) }
            // Every requirement on another schema is a foreign key or trigger left out, and named.
            for requirement in outside {
                #expect(result.skipped.contains { $0.hasSuffix(" \(requirement.object)") }, "\(requirement.object) needs \(requirement.needs): \(result.skipped)")
            }
            #expect(result.skipped.allSatisfy { $0.hasPrefix("fk ") || $0.hasPrefix("trigger ") || $0.hasPrefix("policy ") || $0.hasPrefix("comment ") },
                    "\(result.skipped)")
            let restored = try TestServer.pg16.connect(database: name)
            for table in backup.manifest.tables {
                let count = try restored.queryRow("SELECT count(*) AS n FROM \(try restored.quoteQualified(table.schema, table.name))").decode(Int.self, "n")
                #expect(UInt64(count) == table.rows, "\(table.schema).\(table.name)")
            }
            // Keys inside vault are there; the ones into billy and shared are not.
            let keys = try restored.query("""
                SELECT confrelid::regclass::text AS target FROM pg_constraint WHERE contype = 'f' AND connamespace = 'vault'::regnamespace
                """).rows.compactMap { $0["target"] }
            #expect(!keys.isEmpty && keys.allSatisfy { $0.hasPrefix("vault.") }, "\(keys)")

            var verifier = RestoredVerifier(repository: fixture.repository, set: "latest", target: try TestServer.pg16.target(database: name))
            verifier.identities = [fixture.identity]
            let report = try verifier.run()
            #expect(report.passed, "\(report.differences.prefix(10))")
        }
    }

    @Test("a table whose column type the set left out cannot be restored without it: refused before anything is created, naming both")
    func typeOutsideTheSet() throws {
        try withScratchDatabase(on: .pg16) { source in
            try Connection(source).execute("""
                CREATE SCHEMA a; CREATE TYPE a.mood AS ENUM ('ok', 'sad');
                CREATE SCHEMA b; CREATE TABLE b.t (id int PRIMARY KEY, m a.mood); INSERT INTO b.t VALUES (1, 'ok');
                """)
            let fixture = try BackupFixture()
            var backupOptions = fixture.options(source: source)
            backupOptions.schemas = ["b"]
            _ = try fixture.backup(backupOptions)
            let name = "arkiv_subset_\(UInt32.random(in: 0...UInt32.max))"
            let error = try #require(throws: RestoreError.self) {
                try fixture.restore(try fixture.restoreOptions(server: .pg16, destination: .scratch(name: name)))
            }
            #expect("\(error)".contains("b.t needs type a.mood, which the target lacks"), "\(error)")
            #expect(try TestServer.pg16.connect().query("SELECT 1 FROM pg_database WHERE datname = $1", [name]).rows.isEmpty)
        }
    }
}
