import ArkivArchive
@testable import ArkivEngine
import ArkivPostgres
import ArkivTestSupport
import Foundation
import Testing

/// A scratch restore carries owners, grants and default privileges, and `verify restored`
/// judges them: a drill proves the security model comes back, not only the rows.
@Suite("Owners and grants on restore")
struct SecurityModelRestoreTests {
    @Test("a scratch restore keeps owners, grants and default privileges; verify restored catches a lost grant",
          arguments: [TestServer.pg16, .pg15])
    func scratchKeepsSecurityModel(server: TestServer) throws {
        let suffix = String(UInt32.random(in: 0..<UInt32.max), radix: 36)
        let owner = "rw_owner_\(suffix)", app = "rw_app_\(suffix)", reader = "rw_readonly_\(suffix)"
        let admin = try server.connect()
        try admin.execute("CREATE ROLE \(owner) NOLOGIN; CREATE ROLE \(app) NOLOGIN; CREATE ROLE \(reader) NOLOGIN")
        defer {
            try? admin.execute("DROP ROLE IF EXISTS \(owner)")
            try? admin.execute("DROP ROLE IF EXISTS \(app)")
            try? admin.execute("DROP ROLE IF EXISTS \(reader)")
        }
        var restoredDatabases: [String] = []
        defer { for database in restoredDatabases { BackupFixture.drop(database, on: server) } }
        try withScratchDatabase(on: server) { source in
            let c = try Connection(source)
            try c.execute(
                """
                CREATE SCHEMA app AUTHORIZATION \(owner);
                CREATE TABLE app.orders (id integer PRIMARY KEY, secret text, total numeric);
                INSERT INTO app.orders SELECT i, 's' || i, i FROM generate_series(1, 20) i;
                CREATE SEQUENCE app.invoice_number_seq;
                CREATE FUNCTION app.total() RETURNS numeric LANGUAGE sql STABLE AS $$ SELECT sum(total) FROM app.orders $$;
                ALTER TABLE app.orders OWNER TO \(owner);
                ALTER SEQUENCE app.invoice_number_seq OWNER TO \(owner);
                ALTER FUNCTION app.total() OWNER TO \(owner);
                GRANT USAGE ON SCHEMA app TO \(app), \(reader);
                GRANT SELECT, INSERT, UPDATE ON app.orders TO \(app);
                GRANT SELECT (id, total) ON app.orders TO \(reader);
                GRANT USAGE ON SEQUENCE app.invoice_number_seq TO \(app);
                REVOKE EXECUTE ON FUNCTION app.total() FROM PUBLIC;
                GRANT EXECUTE ON FUNCTION app.total() TO \(app);
                ALTER DEFAULT PRIVILEGES FOR ROLE \(owner) IN SCHEMA app GRANT SELECT ON TABLES TO \(reader);
                """)
            let fixture = try BackupFixture()
            var options = fixture.options(source: source)
            options.schemas = ["app"]
            let backup = try fixture.backup(options)
            let restored = try fixture.restore(try fixture.restoreOptions(server: server))
            restoredDatabases.append(restored.database)

            // In a closure of its own, so its connection is closed before the database is copied.
            let facts = try { try server.connect(database: restored.database) }().queryRow(
                """
                SELECT pg_get_userbyid(c.relowner) AS table_owner,
                       (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'app') AS schema_owner,
                       has_table_privilege('\(app)', 'app.orders', 'UPDATE') AS app_updates,
                       has_column_privilege('\(reader)', 'app.orders', 'secret', 'SELECT') AS reader_sees_secret,
                       has_column_privilege('\(reader)', 'app.orders', 'total', 'SELECT') AS reader_sees_total,
                       has_function_privilege('\(reader)', 'app.total()', 'EXECUTE') AS reader_runs_total,
                       (SELECT count(*) FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace WHERE n.nspname = 'app') AS default_acls
                  FROM pg_class c WHERE c.oid = 'app.orders'::regclass
                """)
            #expect(try facts.decode(String.self, "table_owner") == owner)
            #expect(try facts.decode(String.self, "schema_owner") == owner)
            #expect(try facts.decode(Bool.self, "app_updates"))
            #expect(try !facts.decode(Bool.self, "reader_sees_secret"))
            #expect(try facts.decode(Bool.self, "reader_sees_total"))
            #expect(try !facts.decode(Bool.self, "reader_runs_total"))
            #expect(try facts.decode(Int.self, "default_acls") == 1)

            func verify(_ database: String) throws -> VerifyReport { try fixture.verifyRestored(server.target(database: database)) }
            let clean = try verify(restored.database)
            #expect(clean.passed, "\(clean.differences.prefix(10))")
            #expect(clean.checks.contains { $0.check == "owner" } && clean.checks.contains { $0.check == "acl" })

            // A grant or an owner lost after the restore is a difference, by name.
            for (fault, object, check) in [
                ("REVOKE UPDATE ON app.orders FROM \(app)", "app.orders", "acl"),
                ("ALTER TABLE app.orders OWNER TO CURRENT_USER", "app.orders", "owner"),
                ("ALTER DEFAULT PRIVILEGES FOR ROLE \(owner) IN SCHEMA app REVOKE SELECT ON TABLES FROM \(reader)", nil, "default-acl"),
            ] as [(String, String?, String)] {
                let copy = "arkiv_acl_\(UInt32.random(in: 0...UInt32.max))"
                try admin.execute("CREATE DATABASE \(copy) TEMPLATE \(try admin.quoteIdentifier(restored.database))")
                defer { try? admin.execute("DROP DATABASE IF EXISTS \(copy) WITH (FORCE)") }
                let faulty = try server.connect(database: copy)
                try RestoreMarker(set: backup.id.rawValue, state: .complete, at: Date(), owners: true, privileges: true).write(on: faulty)
                try faulty.execute(fault)
                let report = try verify(copy)
                #expect(report.differences.contains { (object == nil || $0.object == object) && $0.check == check },
                        "\(fault): \(report.differences.map { "\($0.object) \($0.check)" })")
            }

            // --no-owner / --no-privileges opt out, and verify then does not judge them.
            var bare = try fixture.restoreOptions(server: server, destination: .scratch(name: "arkiv_bare_\(suffix)"))
            bare.includeOwners = false
            bare.includePrivileges = false
            let plain = try fixture.restore(bare)
            restoredDatabases.append(plain.database)
            let plainOwner = try server.connect(database: plain.database)
                .queryRow("SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = 'app.orders'::regclass").decode(String.self, "owner")
            #expect(plainOwner == "postgres")
            let plainReport = try verify(plain.database)
            #expect(plainReport.passed, "\(plainReport.differences.prefix(10))")
        }
    }
}
