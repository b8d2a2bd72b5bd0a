import ArkivArchive
import ArkivCatalog
@testable import ArkivEngine
import ArkivPostgres
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

@Suite("Backup")
struct BackupTests {
    static let workspaceSchemas = ["billy", "crm", "flow", "renos", "shared", "vault"]

    @Test("every table's rows and content hash in the manifest equal a fresh read of the source", arguments: TestServer.allCases)
    func fixtureCountsAndHashes(server: TestServer) throws {
        try withScratchDatabase(on: server, template: "workspace") { source in
            let fixture = try BackupFixture()
            let result = try fixture.backup(fixture.options(source: source))
            let manifest = result.manifest
            #expect(manifest.tables.count == 53, "every table has a data member, the empty renos.breaks too")
            #expect(Set(manifest.schemas.map(\.name)).isSuperset(of: Self.workspaceSchemas))
            let connection = try Connection(source)
            try connection.apply(.dump())
            for table in manifest.tables {
                let name = try connection.quoteQualified(table.schema, table.name)
                let catalogColumns = try connection.query("""
                    SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped
                      AND attgenerated = '' ORDER BY attnum
                    """, [name]).rows.compactMap { $0["attname"] }
                let columns = try catalogColumns.map { try connection.quoteIdentifier($0) }.joined(separator: ", ")
                let format = CopyRowInspector.Format(rawValue: table.copyFormat) ?? .text
                let inspector = try CopyRowInspector(format: format, vectorColumns: [])
                try connection.copyOut("COPY \(name) (\(columns)) TO STDOUT" + (format == .binary ? " (FORMAT binary)" : "")) {
                    try inspector.inspect($0)
                }
                #expect(table.rows == inspector.rows, "\(table.schema).\(table.name) rows")
                #expect(table.contentHash == inspector.contentHash.description, "\(table.schema).\(table.name) content hash")
            }
            let embeddings = try #require(manifest.tables.first { $0.schema == "vault" && $0.name == "embeddings" })
            if server.hasPgvector {
                #expect(embeddings.copyFormat == "binary")
                let vector = try #require(embeddings.vectorColumns.first)
                #expect(vector.declaredDimension == 1536)
                #expect(vector.minDimension == 1536 && vector.maxDimension == 1536)
                let nulls = try connection.queryRow("SELECT count(*) AS n FROM vault.embeddings WHERE embedding IS NULL").decode(Int.self, "n")
                #expect(vector.nullCount == UInt64(nulls))
                #expect(nulls > 0)
            } else {
                #expect(embeddings.vectorColumns.isEmpty, "PG15's fixture stores real[] instead")
            }
            #expect(manifest.encryption.isEncrypted)
            #expect(manifest.encryption.recipientKeyIDs == [fixture.identity.keyID.description])
            // The quick integrity check and a full read of every archive both pass.
            let opened = try fixture.open(result)
            let repository = LocalStorage(root: (opened.entry.path as NSString).deletingLastPathComponent)
            #expect(StoredSets(storage: repository).checkFiles(opened.entry.id, against: manifest).isEmpty)
            for schema in manifest.schemas {
                try opened.reader(forSchema: schema.name).verify()
            }
        }
    }

    @Test("the set's DDL, applied to an empty database, reproduces the schema (pg_dump oracle)", arguments: TestServer.allCases)
    func ddlReproducesSchema(server: TestServer) throws {
        try withScratchDatabase(on: server, template: "workspace") { source in
            let fixture = try BackupFixture()
            let result = try fixture.backup(fixture.options(source: source))
            let opened = try fixture.open(result)
            var preData: [DDLStatement] = [], postData: [DDLStatement] = []
            for schema in opened.manifest.schemas {
                preData += try opened.decode([DDLStatement].self, schema: schema.name, member: SetFiles.preDataMember)
                postData += try opened.decode([DDLStatement].self, schema: schema.name, member: SetFiles.postDataMember)
            }
            try withScratchDatabase(on: server) { target in
                let connection = try Connection(target)
                for ext in opened.manifest.extensions where ext.schema == "public" || !opened.manifest.schemas.contains(where: { $0.name == ext.schema }) {
                    try connection.execute("CREATE EXTENSION IF NOT EXISTS \(try connection.quoteIdentifier(ext.name)) SCHEMA \(try connection.quoteIdentifier(ext.schema))")
                }
                for statement in (preData.sorted { $0.position < $1.position } + postData.sorted { $0.position < $1.position }) {
                    do {
                        try connection.execute(statement.sql)
                    } catch {
                        Issue.record("\(statement.kind) \(statement.name) failed: \(error)")
                        return
                    }
                }
                let schemas = opened.manifest.schemas.map(\.name)
                let expected = try SchemaDump.normalized(server: server, database: source.databaseName, schemas: schemas)
                let actual = try SchemaDump.normalized(server: server, database: target.databaseName, schemas: schemas)
                #expect(expected == actual, "\(SchemaDump.difference(expected, actual))")
            }
        }
    }

    @Test("all schemas are one snapshot even while a writer changes them", arguments: [TestServer.pg16])
    func consistencyUnderWriteLoad(server: TestServer) throws {
        try withScratchDatabase(on: server) { source in
            let setup = try Connection(source)
            try LedgerWriter.create(on: setup, rows: 50000)
            let writer = LedgerWriter()
            writer.start(through: source)
            defer { writer.stop() }
            Thread.sleep(forTimeInterval: 0.3)
            let fixture = try BackupFixture()
            var options = fixture.options(source: source)
            options.schemas = LedgerWriter.schemas
            options.jobs = 2
            let result = try fixture.backup(options)
            writer.stop()
            // Restore the set and check the writer's invariant where it matters: in the data.
            let restored = try fixture.restore(try fixture.restoreOptions(set: result.id.rawValue, server: server))
            defer { BackupFixture.drop(restored.database, on: server) }
            let copy = try server.connect(database: restored.database)
            let rows = try copy.queryRow("SELECT count(*) AS n FROM left_side.ledger").decode(Int.self, "n")
            #expect(rows > 40000)
            #expect(try LedgerWriter.brokenRows(in: copy) == 0, "both ledgers come from one snapshot")
            let live = try setup.queryRow("SELECT count(*) AS n FROM left_side.ledger").decode(Int.self, "n")
            #expect(live > 0)
        }
    }

    @Test("unknown schema, unknown table, wrong password, unreachable host: clear errors, no set", arguments: [TestServer.pg16])
    func badInput(server: TestServer) throws {
        try withScratchDatabase(on: server, template: "workspace") { source in
            let fixture = try BackupFixture()
            var options = fixture.options(source: source)
            options.schemas = ["vault", "no_such_schema"]
            let unknown = try #require(throws: BackupError.self) { try fixture.backup(options) }
            #expect("\(unknown)".contains("no_such_schema"))

            options = fixture.options(source: source)
            options.excludeTableData = ["vault.no_such_table"]
            let table = try #require(throws: BackupError.self) { try fixture.backup(options) }
            #expect("\(table)".contains("vault.no_such_table"))

            var components = try #require(URLComponents(string: try server.url(database: source.databaseName)))
            components.password = "wrong-password-xyz"
            options = fixture.options(source: try ConnectionTarget(try #require(components.string)))
            let password = try #require(throws: PostgresError.self) { try fixture.backup(options) }
            #expect(!"\(password)".contains("wrong-password-xyz"))

            options = fixture.options(source: try ConnectionTarget("postgresql://u:secret@127.0.0.1:1/db?connect_timeout=2"))
            #expect(throws: PostgresError.self) { try fixture.backup(options) }

            #expect(try fixture.setFolders().isEmpty, "no set, complete or not, after failures")
        }
    }

    @Test("a table the role cannot read, and a lock that cannot be had, fail before any set is kept", arguments: [TestServer.pg16])
    func privilegesAndLocks(server: TestServer) throws {
        try withScratchDatabase(on: server) { source in
            let admin = try Connection(source)
            let role = "arkiv_reader_\(UInt32.random(in: 0...UInt32.max))"
            let password = "pw-\(UUID().uuidString)"
            try admin.execute("""
                CREATE SCHEMA app;
                CREATE TABLE app.visible (id int); INSERT INTO app.visible VALUES (1);
                CREATE TABLE app.secret (id int); INSERT INTO app.secret VALUES (1);
                CREATE ROLE \(role) LOGIN PASSWORD '\(password)';
                GRANT USAGE ON SCHEMA app TO \(role); GRANT SELECT ON app.visible TO \(role);
                """)
            defer { try? admin.execute("DROP OWNED BY \(role); DROP ROLE \(role)") }
            var components = try #require(URLComponents(string: try server.url(database: source.databaseName)))
            components.user = role
            components.password = password
            let fixture = try BackupFixture()
            var options = fixture.options(source: try ConnectionTarget(try #require(components.string)))
            options.schemas = ["app"]
            let denied = try #require(throws: PostgresError.self) { try fixture.backup(options) }
            #expect(denied.sqlState == "42501")
            #expect(denied.description.contains("secret"))
            #expect(try fixture.setFolders().isEmpty)

            // Another session holds ACCESS EXCLUSIVE: the backup gives up after lock_timeout.
            let blocker = try Connection(source)
            try blocker.execute("BEGIN; LOCK TABLE app.secret IN ACCESS EXCLUSIVE MODE")
            var locked = fixture.options(source: source)
            locked.schemas = ["app"]
            locked.lockTimeout = "300ms"
            let timeout = try #require(throws: BackupError.self) { try fixture.backup(locked) }
            #expect("\(timeout)".contains("app.secret"))
            #expect("\(timeout)".contains("lock_timeout"))
            try blocker.rollback()
            #expect(try fixture.setFolders().isEmpty)
        }
    }

    @Test("excluded table data and --no-encryption are recorded in the manifest", arguments: [TestServer.pg16])
    func exclusionsAndNoEncryption(server: TestServer) throws {
        try withScratchDatabase(on: server, template: "workspace") { source in
            let fixture = try BackupFixture()
            var options = fixture.options(source: source)
            options.schemas = ["billy"]
            options.excludeTableData = ["billy.cached_invoices"]
            options.encrypt = false
            options.recipients = []
            let result = try fixture.backup(options)
            #expect(!result.manifest.encryption.isEncrypted)
            #expect(!result.manifest.tables.contains { $0.name == "cached_invoices" })
            #expect(result.manifest.excluded.contains { $0.kind == "table data" && $0.name == "billy.cached_invoices" })
            // Unencrypted archives still open, and still check out.
            let opened = try fixture.open(result)
            try opened.reader(forSchema: "billy").verify()
        }
    }
}

extension BackupTests {
    @Test("partitions are copied once, unlogged tables are copied, large objects are counted loudly, an aggregate stops the backup by name",
          arguments: [TestServer.pg16])
    func tableKinds(server: TestServer) throws {
        try withScratchDatabase(on: server) { source in
            let admin = try Connection(source)
            try admin.execute("""
                CREATE SCHEMA shop;
                CREATE TABLE shop.orders (id int, placed date NOT NULL) PARTITION BY RANGE (placed);
                CREATE TABLE shop.orders_2025 PARTITION OF shop.orders FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
                CREATE TABLE shop.orders_2026 PARTITION OF shop.orders FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
                INSERT INTO shop.orders SELECT i, date '2025-06-01' + i FROM generate_series(1, 300) i;
                CREATE UNLOGGED TABLE shop.cache (k text PRIMARY KEY, v text);
                INSERT INTO shop.cache SELECT 'k' || i, 'v' FROM generate_series(1, 25) i;
                SELECT lo_from_bytea(0, '\\x00');
                """)
            let fixture = try BackupFixture()
            var options = fixture.options(source: source)
            options.schemas = ["shop"]
            let result = try fixture.backup(options)
            let rows = Dictionary(uniqueKeysWithValues: result.manifest.tables.map { ($0.name, $0.rows) })
            #expect(rows["orders"] == nil, "the partitioned parent has no data of its own")
            #expect((rows["orders_2025"] ?? 0) + (rows["orders_2026"] ?? 0) == 300)
            #expect(rows["cache"] == 25)
            #expect(result.manifest.excluded.contains { $0.kind == "large objects" })

            try admin.execute("CREATE AGGREGATE shop.total(integer) (SFUNC = int4pl, STYPE = integer)")
            let refused = try #require(throws: BackupError.self) { try fixture.backup(options) }
            #expect("\(refused)".contains("shop.total"), "\(refused)")
            #expect(try fixture.setFolders().count == 1, "the refused backup added nothing")
        }
    }
}
