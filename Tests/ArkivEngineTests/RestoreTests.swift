import ArkivArchive
import ArkivCatalog
@testable import ArkivEngine
import ArkivPostgres
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

@Suite("Restore")
struct RestoreTests {
    /// Content hashes of every table of some schemas, read with text COPY.
    private func contentHashes(_ connection: Connection, schemas: [String]) throws -> [String: String] {
        try connection.apply(.dump())
        var hashes: [String: String] = [:]
        let tables = try connection.query("""
            SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname = ANY($1::text[])
            """, [schemas]).rows
        for row in tables {
            let schema = try row.decode(String.self, "nspname"), table = try row.decode(String.self, "relname")
            let inspector = try CopyRowInspector(format: .text, vectorColumns: [])
            try connection.copyOut("COPY \(try connection.quoteQualified(schema, table)) TO STDOUT") { try inspector.inspect($0) }
            hashes["\(schema).\(table)"] = "\(inspector.rows):\(inspector.contentHash)"
        }
        return hashes
    }

    @Test("the fixture comes back whole: schema (pg_dump oracle), every row, every sequence, marked complete", arguments: TestServer.allCases)
    func roundTrip(server: TestServer) throws {
        try withScratchDatabase(on: server, template: "workspace") { source in
            let fixture = try BackupFixture()
            let backup = try fixture.backup(fixture.options(source: source))
            let result = try fixture.restore(try fixture.restoreOptions(set: backup.id.rawValue, server: server))
            defer { BackupFixture.drop(result.database, on: server) }
            #expect(result.database == RestoreRunner.scratchName(for: backup.id.rawValue))
            #expect(result.tables == 53)
            let schemas = backup.manifest.schemas.map(\.name)
            let expected = try SchemaDump.normalized(server: server, database: source.databaseName, schemas: schemas)
            let actual = try SchemaDump.normalized(server: server, database: result.database, schemas: schemas)
            #expect(expected == actual, "\(SchemaDump.difference(expected, actual))")

            let sourceConnection = try Connection(source)
            let restored = try Connection(try server.target(database: result.database))
            #expect(try contentHashes(sourceConnection, schemas: schemas) == contentHashes(restored, schemas: schemas))
            let sequenceQuery = """
                SELECT format('%I.%I', schemaname, sequencename) AS name, last_value FROM pg_sequences
                WHERE schemaname = ANY($1::text[]) ORDER BY 1
                """
            let before = try sourceConnection.query(sequenceQuery, [schemas]).rows.map { "\($0["name"] ?? ""):\($0["last_value"] ?? "null")" }
            let after = try restored.query(sequenceQuery, [schemas]).rows.map { "\($0["name"] ?? ""):\($0["last_value"] ?? "null")" }
            #expect(before == after)
            #expect(!before.isEmpty)
            #expect(try RestoreMarker.read(on: restored)?.state == .complete)
        }
    }

    @Test("at scale 4 (multi-chunk members, 1536-d vectors in binary COPY) every row comes back and the HNSW index is valid and used",
          arguments: [TestServer.pg16])
    func roundTripAtScale(server: TestServer) throws {
        try withScratchDatabase(on: server) { source in
            let root = packageRoot
            let load = try runProgram(root.appendingPathComponent("scripts/fixture").path,
                                      ["load", "--url", try server.url(database: source.databaseName), "--scale", "4"])
            try #require(load.status == 0, "\(load.stderr)")
            let fixture = try BackupFixture()
            let backup = try fixture.backup(fixture.options(source: source))
            #expect(backup.manifest.tables.contains { $0.name == "embeddings" && $0.plaintextBytes > 4 << 20 })
            let result = try fixture.restore(try fixture.restoreOptions(set: backup.id.rawValue, server: server))
            defer { BackupFixture.drop(result.database, on: server) }
            let schemas = backup.manifest.schemas.map(\.name)
            let restored = try Connection(try server.target(database: result.database))
            #expect(try contentHashes(Connection(source), schemas: schemas) == contentHashes(restored, schemas: schemas))
            let expected = try SchemaDump.normalized(server: server, database: source.databaseName, schemas: schemas)
            let actual = try SchemaDump.normalized(server: server, database: result.database, schemas: schemas)
            #expect(expected == actual, "\(SchemaDump.difference(expected, actual))")
            let invalid = try restored.query("""
                SELECT indexrelid::regclass::text AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
                JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1::text[]) AND NOT (i.indisvalid AND i.indisready)
                """, [schemas]).rows
            #expect(invalid.isEmpty, "\(invalid)")
            // Statistics exist for every restored table with rows (per-table ANALYZE ran).
            let unanalysed = try restored.query("""
                SELECT format('%I.%I', schemaname, relname) AS name FROM pg_stat_user_tables
                WHERE schemaname = ANY($1::text[]) AND n_live_tup > 0 AND last_analyze IS NULL
                """, [schemas]).rows
            #expect(unanalysed.isEmpty, "\(unanalysed)")
            try restored.execute("SET enable_seqscan = off")
            let plan = try restored.query("""
                EXPLAIN SELECT id FROM vault.embeddings ORDER BY embedding OPERATOR(public.<=>) (SELECT embedding FROM vault.embeddings LIMIT 1) LIMIT 5
                """).rows.compactMap { $0["QUERY PLAN"] }.joined(separator: "\n")
            #expect(plan.contains("hnsw"), "\(plan)")
        }
    }

    @Test("a subset restore takes one schema and names the foreign keys it cannot create", arguments: [TestServer.pg16])
    func subset(server: TestServer) throws {
        try withScratchDatabase(on: server, template: "workspace") { source in
            let fixture = try BackupFixture()
            let backup = try fixture.backup(fixture.options(source: source))
            var options = try fixture.restoreOptions(set: backup.id.rawValue, server: server, destination: .scratch(name: "arkiv_subset_\(UInt32.random(in: 0...UInt32.max))"))
            options.schemas = ["vault"]
            let result = try fixture.restore(options)
            defer { BackupFixture.drop(result.database, on: server) }
            let restored = try Connection(try server.target(database: result.database))
            let schemas = try restored.query("SELECT nspname FROM pg_namespace WHERE nspname IN ('vault','billy','renos','crm','flow','shared') ORDER BY 1").rows.compactMap { $0["nspname"] }
            #expect(schemas == ["vault"])
            #expect(try restored.queryRow("SELECT count(*) AS n FROM vault.embeddings").decode(Int.self, "n") == 200)
            // vault's foreign keys into billy/shared, and its triggers calling shared's function.
            #expect(result.skipped.contains("fk vault.documents.documents_organization_id_fkey"), "\(result.skipped)")
            #expect(result.skipped.allSatisfy { $0.hasPrefix("fk ") || $0.hasPrefix("trigger ") }, "\(result.skipped)")
            #expect(result.skipped.contains { $0.contains("vault.documents") }, "\(result.skipped)")
        }
    }

    @Test("a renamed schema comes back under its new name with its rows, keys and indexes", arguments: [TestServer.pg16])
    func renameSchema(server: TestServer) throws {
        try withScratchDatabase(on: server, template: "workspace") { source in
            let fixture = try BackupFixture()
            var backupOptions = fixture.options(source: source)
            backupOptions.schemas = BackupTests.workspaceSchemas
            let backup = try fixture.backup(backupOptions)
            var options = try fixture.restoreOptions(set: backup.id.rawValue, server: server, destination: .scratch(name: "arkiv_rename_\(UInt32.random(in: 0...UInt32.max))"))
            options.renameSchemas = ["crm": "crm_restored"]
            let result = try fixture.restore(options)
            defer { BackupFixture.drop(result.database, on: server) }
            let restored = try server.connect(database: result.database)
            #expect(try restored.query("SELECT 1 FROM pg_namespace WHERE nspname = 'crm'").rows.isEmpty)
            let deals = try restored.queryRow("SELECT count(*) AS n FROM crm_restored.\"CrmDeal\"").decode(Int.self, "n")
            #expect(UInt64(deals) == backup.manifest.tables.first { $0.schema == "crm" && $0.name == "CrmDeal" }?.rows)
            let keys = try restored.queryRow("""
                SELECT count(*) AS n FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
                WHERE n.nspname = 'crm_restored' AND k.contype IN ('p', 'f')
                """).decode(Int.self, "n")
            #expect(keys > 8)
            var unknown = options
            unknown.renameSchemas = ["nope": "x"]
            #expect(throws: RestoreError.self) { try fixture.restore(unknown) }
        }
    }

    @Test("--table loads one table's rows into its existing, empty table, and refuses a non-empty or missing one",
          arguments: [TestServer.pg16])
    func singleTable(server: TestServer) throws {
        try withScratchDatabase(on: server, template: "workspace") { source in
            let fixture = try BackupFixture()
            var backupOptions = fixture.options(source: source)
            backupOptions.schemas = ["billy", "shared"]
            let backup = try fixture.backup(backupOptions)
            // The target: the same structure, one table emptied.
            try withScratchDatabase(on: server, template: "workspace") { target in
                let connection = try Connection(target)
                try connection.execute("SET session_replication_role = replica; DELETE FROM billy.rate_limits")
                var options = try fixture.restoreOptions(set: backup.id.rawValue, server: server, destination: .existing(clean: false)).withTarget(target)
                options.tables = ["billy.rate_limits"]
                let result = try fixture.restore(options)
                #expect(result.tables == 1)
                let expected = try #require(backup.manifest.tables.first { $0.name == "rate_limits" }).rows
                #expect(try connection.queryRow("SELECT count(*) AS n FROM billy.rate_limits").decode(Int.self, "n") == Int(expected))

                let full = try #require(throws: RestoreError.self) { try fixture.restore(options) }
                #expect("\(full)".contains("not empty"))
                options.tables = ["billy.no_such_table", "shared.users"]
                let missing = try #require(throws: RestoreError.self) { try fixture.restore(options) }
                #expect("\(missing)".contains("billy.no_such_table") && "\(missing)".contains("shared.users"), "every problem at once")
            }
        }
    }

    @Test("wrong identity, existing target, missing file, damaged chunk: clear errors and nothing that looks complete", arguments: [TestServer.pg16])
    func failures(server: TestServer) throws {
        try withScratchDatabase(on: server, template: "workspace") { source in
            let fixture = try BackupFixture()
            var backupOptions = fixture.options(source: source)
            backupOptions.schemas = ["billy", "shared"]
            let backup = try fixture.backup(backupOptions)

            var wrong = try fixture.restoreOptions(set: backup.id.rawValue, server: server)
            wrong.identities = [try Identity.generate()]
            let identityError = try #require(throws: ArchiveError.self) { try fixture.restore(wrong) }
            #expect(identityError.description.contains(fixture.identity.keyID.description))

            // An existing database is refused before anything happens.
            let exists = try #require(throws: RestoreError.self) {
                try fixture.restore(try fixture.restoreOptions(set: backup.id.rawValue, server: server, destination: .scratch(name: source.databaseName)))
            }
            #expect("\(exists)".contains("already exists"))
            let into = try #require(throws: RestoreError.self) {
                try fixture.restore(try fixture.restoreOptions(set: backup.id.rawValue, server: TestServer.pg16, destination: .existing(clean: false)).withTarget(source))
            }
            #expect("\(into)".contains("schema billy already exists"))

            // A flipped byte inside a data chunk: the quick check refuses the whole set.
            let opened = try fixture.open(backup)
            let file = try #require(opened.manifest.schemas.first { $0.name == "shared" }).file
            let path = opened.entry.filePath(file)
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            bytes[bytes.count / 2] ^= 0x40
            try bytes.write(to: URL(fileURLWithPath: path))
            let damaged = try #require(throws: RestoreError.self) {
                try fixture.restore(try fixture.restoreOptions(set: backup.id.rawValue, server: server, destination: .scratch(name: "arkiv_damaged_\(UInt32.random(in: 0...UInt32.max))")))
            }
            #expect("\(damaged)".contains(file))
            try FileManager.default.removeItem(atPath: path)
            let missing = try #require(throws: RestoreError.self) {
                try fixture.restore(try fixture.restoreOptions(set: backup.id.rawValue, server: server, destination: .scratch(name: "arkiv_missing_\(UInt32.random(in: 0...UInt32.max))")))
            }
            #expect("\(missing)".contains("missing file"))
        }
    }
}

extension RestoreOptions {
    func withTarget(_ target: ConnectionTarget) -> RestoreOptions {
        var copy = self
        copy.target = target
        return copy
    }
}
