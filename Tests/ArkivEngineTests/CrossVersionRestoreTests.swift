import ArkivArchive
@testable import ArkivEngine
import ArkivPostgres
import ArkivTestSupport
import Foundation
import Testing

@Suite("Restore across servers")
struct CrossVersionRestoreTests {
    @Test("a set taken from PostgreSQL 15 restores into PostgreSQL 16 with every row intact")
    func fifteenToSixteen() throws {
        try withScratchDatabase(on: .pg15, template: "workspace") { source in
            let fixture = try BackupFixture()
            var backupOptions = fixture.options(source: source)
            // The application schemas; `public` holds uuid-ossp, which the 16 server lacks (below).
            backupOptions.schemas = BackupTests.workspaceSchemas
            let backup = try fixture.backup(backupOptions)
            #expect(backup.manifest.source.serverVersionNumber / 10000 == 15)
            let options = try fixture.restoreOptions(server: TestServer.pg16, destination: .scratch(name: "arkiv_from15_\(UInt32.random(in: 0...UInt32.max))"))
            let result = try fixture.restore(options)
            defer { BackupFixture.drop(result.database, on: TestServer.pg16) }
            #expect(result.tables == 53)
            let restored = try TestServer.pg16.connect(database: result.database)
            let sourceConnection = try Connection(source)
            for table in backup.manifest.tables {
                let name = try restored.quoteQualified(table.schema, table.name)
                let count = try restored.queryRow("SELECT count(*) AS n FROM \(name)").decode(Int.self, "n")
                #expect(UInt64(count) == table.rows, "\(table.schema).\(table.name)")
                // Text COPY output is version-independent for these types: compare exactly.
                let query = "COPY (SELECT * FROM \(name) ORDER BY 1) TO STDOUT"
                var before: [UInt8] = [], after: [UInt8] = []
                try sourceConnection.copyOut(query) { before.append(contentsOf: $0) }
                try restored.copyOut(query) { after.append(contentsOf: $0) }
                #expect(before == after, "\(table.schema).\(table.name) differs after 15 → 16")
            }
        }
    }

    @Test("a set that holds uuid-ossp (PostgreSQL 15's public schema) is refused by a server without it, before anything is created")
    func uuidOssp() throws {
        try withScratchDatabase(on: .pg15, template: "workspace") { source in
            let fixture = try BackupFixture()
            let backup = try fixture.backup(fixture.options(source: source))
            #expect(backup.manifest.extensions.contains { $0.name == "uuid-ossp" })
            let name = "arkiv_nouuid_\(UInt32.random(in: 0...UInt32.max))"
            let options = try fixture.restoreOptions(server: TestServer.pg16, destination: .scratch(name: name))
            let error = try #require(throws: RestoreError.self) {
                try fixture.restore(options)
            }
            #expect("\(error)".contains("extension uuid-ossp"), "\(error)")
            #expect(try TestServer.pg16.connect().query("SELECT 1 FROM pg_database WHERE datname = $1", [name]).rows.isEmpty)
        }
    }

    @Test("a set that needs an extension the target lacks fails before anything is created, naming it")
    func missingExtension() throws {
        try withScratchDatabase(on: .pg16) { source in
            let admin = try Connection(source)
            // pgvector exists on the 16 server only; restoring to 15 must name it.
            try admin.execute("""
                CREATE EXTENSION vector; CREATE SCHEMA docs;
                CREATE TABLE docs.chunks (id int PRIMARY KEY, e vector(3)); INSERT INTO docs.chunks VALUES (1, '[1,2,3]');
                """)
            let fixture = try BackupFixture()
            var backupOptions = fixture.options(source: source)
            backupOptions.schemas = ["docs"]
            _ = try fixture.backup(backupOptions)
            let name = "arkiv_noext_\(UInt32.random(in: 0...UInt32.max))"
            let options = try fixture.restoreOptions(server: TestServer.pg15, destination: .scratch(name: name))
            let error = try #require(throws: RestoreError.self) {
                try fixture.restore(options)
            }
            #expect("\(error)".contains("extension vector"), "\(error)")
            let exists = try TestServer.pg15.connect().query("SELECT 1 FROM pg_database WHERE datname = $1", [name]).rows
            #expect(exists.isEmpty, "nothing was created on the target")
        }
    }

    /// Source → target major versions the workspace moves between: Supabase runs 15 and 17,
    /// Docker's pgvector images 16 to 18.
    static let matrix: [(TestServer, TestServer)] = [(.pg16, .pg18), (.pg18, .pg16), (.pg17, .pg16), (.pg15, .pg16)]

    @Test("the version matrix: a set restores into another major version and verify restored passes; verify compare of the two passes",
          arguments: matrix)
    func versionMatrix(from sourceServer: TestServer, to targetServer: TestServer) throws {
        try withScratchDatabase(on: sourceServer, template: "workspace") { source in
            let fixture = try BackupFixture()
            var backupOptions = fixture.options(source: source)
            backupOptions.schemas = BackupTests.workspaceSchemas
            let backup = try fixture.backup(backupOptions)
            #expect(backup.manifest.source.serverVersionNumber / 10000 == sourceServer.majorVersion)
            let name = "arkiv_\(sourceServer)to\(targetServer)_\(UInt32.random(in: 0...UInt32.max))"
            let result = try fixture.restore(try fixture.restoreOptions(server: targetServer, destination: .scratch(name: name)))
            defer { BackupFixture.drop(result.database, on: targetServer) }
            #expect(result.tables == 53)

            let restoredTarget = try targetServer.target(database: name)
            let report = try fixture.verifyRestored(restoredTarget)
            #expect(report.passed, "\(sourceServer) → \(targetServer): \(report.differences.prefix(20))")

            var compare = CompareVerifier(source: source, target: try targetServer.target(database: name))
            compare.schemas = BackupTests.workspaceSchemas
            let compared = try compare.run()
            #expect(compared.passed, "compare \(sourceServer) vs \(targetServer): \(compared.differences.prefix(20))")

            // A version's spelling is not a difference; a real difference still is.
            try targetServer.connect(database: name).execute("ALTER TABLE renos.leads ALTER COLUMN status DROP NOT NULL")
            let changed = try fixture.verifyRestored(restoredTarget)
            #expect(changed.differences.contains { $0.object == "renos.leads" && $0.check == "table" }, "\(changed.differences)")
            let comparedAgain = try compare.run()
            #expect(comparedAgain.differences.contains { $0.object == "renos.leads" }, "\(comparedAgain.differences)")
        }
    }
}
