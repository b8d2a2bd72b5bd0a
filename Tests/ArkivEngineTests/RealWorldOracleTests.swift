@testable import ArkivEngine
import ArkivPostgres
import ArkivTestSupport
import Foundation
import Testing

/// The realworld fixture (fixtures/realworld: Supabase-style auth helpers, owners, grants,
/// default privileges, RLS, rules, a view grouped by a key, materialized views, free-standing
/// sequences, a collation, text search, a foreign table) against the oracle: what
/// `pg_dump -Fc → pg_restore` gives back, arkiv's backup → `restore --scratch` gives back.
@Suite("Real-world schemas against pg_dump")
struct RealWorldOracleTests {
    static let schemas = ["app", "auth", "reporting"]

    /// Loads the fixture (`load`: schema and rows; `schema`: as migrations deploy it, no rows)
    /// into a new database of `server` (dropped afterwards).
    static func withRealWorld<R>(on server: TestServer, _ command: String = "load", _ body: (ConnectionTarget) throws -> R) throws -> R {
        try withScratchDatabase(on: server) { target in
            guard var url = URLComponents(string: try server.url()) else { throw TestSetupError("unparseable URL") }
            url.path = "/" + (try Connection(target).database)
            let outcome = try runProgram(packageRoot.appendingPathComponent("scripts/fixture").path,
                                         [command, "--fixture", "realworld", "--url", url.string ?? ""])
            guard outcome.status == 0 else { throw TestSetupError("fixture load failed: \(outcome.stderr)") }
            return try body(target)
        }
    }

    @Test("a backup of some schemas does not take large objects: an oid column that points at them stops it, naming --large-objects",
          arguments: [TestServer.pg16])
    func someSchemasWithoutLargeObjects(server: TestServer) throws {
        try Self.withRealWorld(on: server) { source in
            let fixture = try BackupFixture()
            var options = fixture.options(source: source)
            options.schemas = Self.schemas
            let refused = try #require(throws: BackupError.self) { try fixture.backup(options) }
            #expect("\(refused)".contains("app.attachments.content") && "\(refused)".contains("--large-objects"), "\(refused)")
            #expect(try fixture.setFolders().isEmpty)
        }
    }

    @Test("backup → restore --scratch gives back what pg_dump -Fc → pg_restore gives back: schema, rows, sequences; a drill passes",
          arguments: TestServer.allCases)
    func oracle(server: TestServer) throws {
        try Self.withRealWorld(on: server) { source in
            // The application's event triggers: PostgREST's hook, and one that freezes all DDL,
            // which a restore that created it before its own last statement would trip over.
            try Connection(source).execute(try String(contentsOf: packageRoot.appendingPathComponent("fixtures/realworld/event_trigger.sql"), encoding: .utf8))
            try Connection(source).execute(
                "CREATE FUNCTION app.freeze_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'DDL is frozen'; END $$")
            let sourceName = try Connection(source).database
            let oracleName = "rw_oracle_\(UInt32.random(in: 0...UInt32.max))"
            try pgDumpRestore(server, from: sourceName, into: oracleName)
            defer { BackupFixture.drop(oracleName, on: server) }
            // pg_restore trips over this one (its last statements are DDL): arkiv must not. Event
            // triggers belong to no schema, so the schemas' dumps compare alike with it.
            try Connection(source).execute("CREATE EVENT TRIGGER freeze_ddl ON ddl_command_start EXECUTE FUNCTION app.freeze_ddl()")

            let fixture = try BackupFixture()
            var options = fixture.options(source: source)
            options.schemas = Self.schemas
            options.largeObjects = true
            let backup = try fixture.backup(options)
            #expect(backup.manifest.largeObjects?.count == 3 && backup.manifest.formatVersion == 2)
            #expect(backup.manifest.excluded.contains { $0.name == "password of user mapping for rw_owner on server legacy_srv" })
            let restored = try fixture.restore(try fixture.restoreOptions(server: server))
            defer { BackupFixture.drop(restored.database, on: server) }

            let expected = try SchemaDump.normalized(server: server, database: oracleName, schemas: Self.schemas)
            let actual = try SchemaDump.normalized(server: server, database: restored.database, schemas: Self.schemas)
            #expect(expected == actual, "\(SchemaDump.difference(expected, actual))")
            #expect(try contents(server, database: restored.database) == contents(server, database: oracleName))
            let triggers = try server.connect(database: restored.database).query("SELECT evtname FROM pg_event_trigger ORDER BY 1").rows.compactMap { $0["evtname"] }
            #expect(triggers == ["freeze_ddl", "pgrst_watch"])

            // The large objects are proved like tables: in the archive, and in the restored database.
            var archive = ArchiveVerifier(repository: fixture.repository, set: "latest", quick: false)
            archive.identities = [fixture.identity]
            let archived = try archive.run()
            #expect(archived.passed && archived.checks.contains { $0.object == "large objects" && $0.check == "content hash" })
            #expect(try fixture.verifyRestored(server.target(database: restored.database)).passed)
            try server.connect(database: restored.database).execute("SELECT lo_put(900003, 0, 'X')")
            let changed = try fixture.verifyRestored(server.target(database: restored.database))
            #expect(changed.differences.map { "\($0.object) \($0.check)" } == ["large objects content hash"], "\(changed.differences)")

            var drill = DrillRunner(repository: fixture.repository, target: try server.target(), reporter: ProgressReporter(mode: .silent))
            drill.identities = [fixture.identity]
            let report = try drill.run()
            #expect(report.passed, "\(report)")
        }
    }

    /// Every table's and materialized view's rows (COPY, in key order) and every sequence's state.
    private func contents(_ server: TestServer, database: String) throws -> [String: String] {
        let connection = try server.connect(database: database)
        var result: [String: String] = [:]
        let relations = try connection.query("""
            SELECT format('%I.%I', n.nspname, c.relname) AS name, c.relkind::text AS kind FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'm', 'S') AND (c.relkind <> 'm' OR c.relispopulated) ORDER BY 1
            """, [Self.schemas]).rows
        // Large objects: owner, grants, comment and bytes.
        for row in try connection.query("""
            SELECT oid::text AS oid, pg_get_userbyid(lomowner) || ' ' || coalesce(lomacl::text, '-') || ' '
                   || coalesce(obj_description(oid, 'pg_largeobject'), '-') || ' ' || md5(lo_get(oid)) AS facts
              FROM pg_largeobject_metadata ORDER BY oid
            """).rows {
            result["large object \(row["oid"] ?? "?")"] = row["facts"]
        }
        for row in relations {
            let name = try row.decode(String.self, "name")
            if try row.decode(String.self, "kind") == "S" {
                let state = try connection.queryRow("SELECT last_value::text || '/' || is_called::text AS s FROM \(name)")
                result[name] = try state.decode(String.self, "s")
            } else {
                var bytes: [UInt8] = []
                try connection.copyOut("COPY (SELECT * FROM \(name) ORDER BY 1) TO STDOUT") { bytes.append(contentsOf: $0) }
                result[name] = String(decoding: bytes, as: UTF8.self)
            }
        }
        return result
    }

    /// `pg_dump -Fc` of one database, `pg_restore` into a new one, with the server's own tools.
    private func pgDumpRestore(_ server: TestServer, from source: String, into target: String) throws {
        guard let url = URLComponents(string: try server.url()) else { throw TestSetupError("unparseable URL") }
        let environment = [
            "PGHOST": url.host ?? "", "PGPORT": url.port.map(String.init) ?? "", "PGUSER": url.user ?? "",
            "PGPASSWORD": url.password?.removingPercentEncoding ?? "",
        ]
        let archive = FileManager.default.temporaryDirectory.appendingPathComponent("rw-\(UUID().uuidString).dump").path
        defer { try? FileManager.default.removeItem(atPath: archive) }
        let bin = try server.binDirectory()
        let dump = try runProgram(bin + "/pg_dump", ["-Fc", "-f", archive, "-d", source], environment: environment)
        guard dump.status == 0 else { throw TestSetupError("pg_dump: \(dump.stderr)") }
        try server.connect().execute("CREATE DATABASE \(target) TEMPLATE template0")
        let restore = try runProgram(bin + "/pg_restore", ["-d", target, "--exit-on-error", archive], environment: environment)
        guard restore.status == 0 else { throw TestSetupError("pg_restore: \(restore.stderr)") }
    }

    @Test("a set with event triggers, restored by a role that is not a superuser, is refused naming them before anything is created",
          arguments: [TestServer.pg16])
    func eventTriggersNeedSuperuser(server: TestServer) throws {
        try Self.withRealWorld(on: server) { source in
            try Connection(source).execute(try String(contentsOf: packageRoot.appendingPathComponent("fixtures/realworld/event_trigger.sql"), encoding: .utf8))
            try Connection(source).execute("""
                DROP INDEX app.customers_email_ci_idx; DROP OPERATOR CLASS app.ci_hash_ops USING hash; DROP OPERATOR FAMILY app.ci_ops USING hash;
                ALTER TABLE app.attachments ALTER COLUMN content TYPE bigint; DROP SERVER legacy_srv CASCADE; DROP FOREIGN DATA WRAPPER legacy_fdw;
                """)
            let fixture = try BackupFixture()
            var options = fixture.options(source: source)
            options.schemas = Self.schemas
            _ = try fixture.backup(options)

            let role = "arkiv_nosu_\(UInt32.random(in: 0...UInt32.max))", password = UUID().uuidString
            let admin = try server.connect()
            try admin.execute("CREATE ROLE \(role) LOGIN CREATEDB PASSWORD '\(password)'")
            try admin.execute("GRANT rw_owner, rw_app, rw_readonly, authenticated, anon TO \(role)")
            defer { try? admin.execute("DROP ROLE IF EXISTS \(role)") }
            guard var url = URLComponents(string: try server.url()) else { throw TestSetupError("unparseable URL") }
            url.user = role
            url.password = password
            let name = "arkiv_nosu_\(UInt32.random(in: 0...UInt32.max))"
            var restore = try fixture.restoreOptions(server: server, destination: .scratch(name: name))
            restore.target = try ConnectionTarget(url.string ?? "")
            let refused = try #require(throws: RestoreError.self) { try fixture.restore(restore) }
            #expect("\(refused)".contains("event trigger pgrst_watch can only be created by a superuser"), "\(refused)")
            #expect(try admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]).rows.isEmpty)
        }
    }

    @Test("data-only: the set's large objects are created with their OIDs and bytes in the load's one transaction and verified; one the target already has is named before anything is loaded",
          arguments: [TestServer.pg16])
    func dataOnlyLargeObjects(server: TestServer) throws {
        try Self.withRealWorld(on: server) { source in
            let fixture = try BackupFixture()
            var options = fixture.options(source: source)
            options.schemas = Self.schemas
            options.largeObjects = true
            let backup = try fixture.backup(options)
            let bytes = { (target: ConnectionTarget) in
                try Connection(target).query("SELECT oid::text || ' ' || md5(lo_get(oid)) AS o FROM pg_largeobject_metadata ORDER BY oid")
                    .rows.compactMap { $0["o"] }
            }
            try Self.withRealWorld(on: server, "schema") { target in
                try Connection(target).execute("SELECT lo_from_bytea(900002, 'the target''s own')")
                var restore = try fixture.restoreOptions(set: backup.id.rawValue, server: server, destination: .existing(clean: false)).withTarget(target)
                restore.dataOnly = true
                let refused = try #require(throws: RestoreError.self) { try fixture.restore(restore) }
                #expect("\(refused)".contains("large object 900002") && "\(refused)".contains("lo_unlink(900002)"), "\(refused)")
                #expect(try Connection(target).queryRow("SELECT count(*) AS n FROM app.customers").decode(Int.self, "n") == 0)

                try Connection(target).execute("SELECT lo_unlink(900002); SELECT lo_from_bytea(777, 'unrelated')")
                _ = try fixture.restore(restore)
                let loaded = try bytes(target)
                // The set's three, byte for byte, beside the target's own.
                #expect(Set(try bytes(source)).isSubset(of: Set(loaded)) && loaded.count == 4, "\(loaded)")
                var verifier = DataOnlyVerifier(repository: fixture.repository, set: backup.id.rawValue, target: target)
                verifier.identities = [fixture.identity]
                let report = try verifier.run()
                #expect(report.passed, "\(report.differences)")
                #expect(report.checks.contains { $0.object == "large objects" && $0.check == "content hash" && $0.passed })
            }
        }
    }

    @Test("--into-existing: a large object of the set that the target already has is named in the preflight; nothing changes",
          arguments: [TestServer.pg16])
    func intoExistingLargeObjectClash(server: TestServer) throws {
        try Self.withRealWorld(on: server) { source in
            let fixture = try BackupFixture()
            var options = fixture.options(source: source)
            options.schemas = Self.schemas
            options.largeObjects = true
            let backup = try fixture.backup(options)
            try withScratchDatabase(on: server) { target in
                try Connection(target).execute("SELECT lo_from_bytea(900003, 'mine')")
                let restore = try fixture.restoreOptions(set: backup.id.rawValue, server: server, destination: .existing(clean: false)).withTarget(target)
                let refused = try #require(throws: RestoreError.self) { try fixture.restore(restore) }
                #expect("\(refused)".contains("large objects 900003 of the set already exist"), "\(refused)")
                #expect(try Connection(target).queryRow("SELECT count(*) AS n FROM pg_namespace WHERE nspname = 'app'").decode(Int.self, "n") == 0)
            }
        }
    }
}
