import ArkivArchive
@testable import ArkivEngine
import ArkivPostgres
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

/// Names and values a careless tool gets wrong, through a whole backup → restore, compared
/// exactly by `verify compare`; and no name becomes a path outside the repository.
@Suite("Hostile names and values round-trip")
struct HostileRoundTripTests {
    /// Schema names: path tricks, quotes, dots, spaces, unicode, reserved words, 63 bytes.
    static let schemas = [
        "../evil", "../../etc", "/abs/path", "sch\"ema", "it's", "dot.ted", "with space", "select", "æøå 名前 🙂",
        String(repeating: "s", count: 62) + "z",
    ]

    /// Every escape text COPY knows (\b \f \n \r \t \v \\ and \N for NULL), strings that look like
    /// them, the end-of-data marker `\.`, and control characters. NUL cannot be stored in text
    /// (PostgreSQL refuses it), so it only appears in the bytea column.
    static let values = [
        "", "\t", "\n", "\r", "\r\n", "\\", "\\\\", "\\N", "N", "\\.", ".", "end\\.", "\\.\n", "a\tb\nc\rd\\e",
        "\u{08}\u{0C}\u{0B}\u{07}\u{1B}", "\\x41\\101\\u0041", "\"quoted\" 'single'", "{\"a\":\"b\\\"c\"}", "NULL", "null",
        "🙂 æøå 名前", String(repeating: "\\", count: 100),
    ]

    @Test("hostile schema, table, column, index, policy and role names and every COPY escape come back exactly", arguments: TestServer.allCases)
    func hostileRoundTrip(server: TestServer) throws {
        let role = "ro\"le ../ ø.\(UInt32.random(in: 0...UInt32.max))"
        let admin = try server.connect()
        try admin.execute("CREATE ROLE \(try admin.quoteIdentifier(role))")
        defer { try? admin.execute("DROP ROLE IF EXISTS \(try admin.quoteIdentifier(role))") }
        try withScratchDatabase(on: server) { source in
            let c = try Connection(source)
            func q(_ name: String) throws -> String { try c.quoteIdentifier(name) }
            func l(_ value: String) throws -> String { try c.quoteLiteral(value) }
            let r = try q(role)
            for (index, schema) in Self.schemas.enumerated() {
                let s = try q(schema), table = "\(s).\(try q("ta\"ble " + schema))"
                try c.execute("CREATE SCHEMA \(s)")
                try c.execute("GRANT USAGE ON SCHEMA \(s) TO \(r)")
                try c.execute("CREATE DOMAIN \(s).\(try q("do main")) AS text")
                // Built-in types only (copied in binary) and one with a domain (copied as text).
                try c.execute("""
                    CREATE TABLE \(table) (
                        \(try q("id")) int PRIMARY KEY,
                        \(try q("select")) text,
                        \(try q("co\"l.umn ../x")) bytea,
                        \(try q("ar ray")) text[],
                        \(try q("js on")) jsonb
                    )
                    """)
                try c.execute("CREATE TABLE \(s).\(try q("text copy")) (id int PRIMARY KEY, v \(s).\(try q("do main")))")
                for (row, value) in Self.values.enumerated() {
                    try c.execute("""
                        INSERT INTO \(table) VALUES (\(row), \(try l(value)), convert_to(\(try l(value)), 'UTF8') || '\\x00ff00'::bytea,
                            ARRAY[\(try l(value)), NULL, \(try l(value + "\""))], jsonb_build_object(\(try l(value)), \(try l(value))))
                        """)
                    try c.execute("INSERT INTO \(s).\(try q("text copy")) VALUES (\(row), \(try l(value)))")
                }
                try c.execute("INSERT INTO \(table) VALUES (1000, NULL, (SELECT string_agg(set_byte('\\x00'::bytea, 0, b), ''::bytea) FROM generate_series(0, 255) b), NULL, NULL)")
                try c.execute("CREATE INDEX \(try q("in.dex \"\(index)\" ../")) ON \(table) (\(try q("select"))) WHERE \(try q("select")) <> \(try l("\\N"))")
                try c.execute("ALTER TABLE \(table) ENABLE ROW LEVEL SECURITY")
                try c.execute("CREATE POLICY \(try q("po\"licy ../ \(index)")) ON \(table) TO \(r) USING (\(try q("select")) <> \(try l("it's")))")
                try c.execute("GRANT SELECT (\(try q("select"))), INSERT ON \(table) TO \(r)")
                try c.execute("ALTER TABLE \(s).\(try q("text copy")) OWNER TO \(r)")
            }

            let work = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-hostile-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: work) }
            let fixture = try BackupFixture()
            var options = fixture.options(source: source)
            options.repository = work + "/repo"
            options.schemas = Self.schemas
            let backup = try fixture.backup(options)
            #expect(backup.manifest.tables.count == 2 * Self.schemas.count)
            #expect(Set(backup.manifest.tables.map(\.copyFormat)) == ["binary", "text"], "both COPY formats are exercised")

            // Nothing outside the set folder: the work folder holds only the repository, the
            // repository only its lock and the set, the set plain names only.
            #expect(Fault.names(work) == ["repo"])
            #expect(Set(Fault.names(work + "/repo")) == ["lock", backup.id.rawValue])
            for name in Fault.names(backup.path) {
                #expect(!name.contains("/") && !name.hasPrefix(".") && name.utf8.count < 64, "\(name)")
                #expect(name == LocalRepository.manifestName || name.range(of: #"^[0-9]{2}-[a-z0-9_-]+\.arkiv$"#, options: .regularExpression) != nil, "\(name)")
            }

            try withScratchDatabase(on: server) { target in
                var restore = RestoreOptions(repository: options.repository, set: backup.id.rawValue, target: target, destination: .existing(clean: false))
                restore.identities = [fixture.identity]
                restore.includeOwners = true  // what --into-existing does
                restore.includePrivileges = true
                _ = try fixture.restore(restore)
                var compare = CompareVerifier(source: source, target: target)
                compare.schemas = Self.schemas
                let report = try compare.run()
                #expect(report.passed, "\(report.differences.prefix(10))")
                #expect(report.checks.filter { $0.check == "content hash" && $0.passed }.count == 2 * Self.schemas.count)
                // Grants, policies and ownership name the role, and come back naming it.
                let restored = try Connection(target)
                let privileges = try restored.queryRow("""
                    WITH r AS (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1)
                    SELECT (SELECT count(*) FROM pg_catalog.pg_class c, r WHERE c.relname LIKE 'ta"ble %' AND c.relkind = 'r'
                                AND has_column_privilege(r.oid, c.oid, 'select', 'SELECT')) AS selects,
                           (SELECT count(*) FROM pg_catalog.pg_class c, r WHERE c.relname = 'text copy' AND c.relowner = r.oid) AS owned,
                           (SELECT count(*) FROM pg_catalog.pg_policy p, r WHERE r.oid = ANY(p.polroles)) AS policies
                    """, [role])
                #expect(try privileges.decode(Int.self, "selects") == Self.schemas.count)
                #expect(try privileges.decode(Int.self, "owned") == Self.schemas.count)
                #expect(try privileges.decode(Int.self, "policies") == Self.schemas.count)
            }
        }
    }
}

private enum Fault {
    static func names(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }
}
