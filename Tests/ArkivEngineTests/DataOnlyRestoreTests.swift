import ArkivArchive
import ArkivCatalog
@testable import ArkivEngine
import ArkivPostgres
import ArkivTestSupport
import Foundation
import Testing

@Suite("Data-only restore")
struct DataOnlyRestoreTests {
    static let schemas = BackupTests.workspaceSchemas

    /// The fixture's structure as another tool would deploy it: every table's columns in reverse
    /// order, no ownership or grants, one index fewer. Extensions first, as the target would have them.
    private func deployVariant(of source: ConnectionTarget, into target: ConnectionTarget) throws -> (droppedIndex: String, reordered: Int) {
        let sourceConnection = try Connection(source)
        try sourceConnection.apply(.dump())
        let catalog = try CatalogReader(connection: sourceConnection).read(schemas: Self.schemas)
        let connection = try Connection(target)
        try connection.execute("SET check_function_bodies = false; SET client_min_messages = warning")
        for ext in catalog.extensions where !ext.isCreatedByPreData && ext.name != "plpgsql" {
            try connection.execute("CREATE EXTENSION IF NOT EXISTS \(try connection.quoteIdentifier(ext.name)) WITH SCHEMA \(try connection.quoteIdentifier(ext.schema))")
        }
        var reordered = 0
        for statement in catalog.preDataInOrder where !statement.isOwnership && !statement.isPrivilege {
            var sql = statement.sql
            if statement.kind == "table", let open = sql.range(of: " (\n    "), let close = sql.range(of: "\n)", options: .backwards),
               open.upperBound < close.lowerBound {
                let columns = sql[open.upperBound..<close.lowerBound].components(separatedBy: ",\n    ")
                if columns.count > 1 {
                    sql = String(sql[..<open.upperBound]) + columns.reversed().joined(separator: ",\n    ") + String(sql[close.lowerBound...])
                    reordered += 1
                }
            }
            try connection.execute(sql)
        }
        let dropped = try #require(catalog.postDataInOrder.first { $0.kind == "index" && $0.sql.hasPrefix("CREATE INDEX") })
        for statement in catalog.postDataInOrder where !statement.isOwnership && !statement.isPrivilege && statement != dropped {
            try connection.execute(statement.sql)
        }
        return (dropped.name, reordered)
    }

    /// Row counts of every table of the workspace schemas, by name.
    private func rowCounts(_ target: ConnectionTarget) throws -> [String: Int] {
        let connection = try Connection(target)
        var counts: [String: Int] = [:]
        for row in try connection.query("""
            SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname = ANY($1::text[])
            """, [Self.schemas]).rows {
            let name = try row.decode(String.self, "name")
            counts[name] = try connection.queryRow("SELECT count(*) AS n FROM \(name)").decode(Int.self, "n")
        }
        return counts
    }

    /// Every table of the workspace schemas emptied (foreign keys among them allow it as one TRUNCATE).
    private func emptyTables(_ connection: Connection, except keep: String? = nil) throws {
        let tables = try connection.query("""
            SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1::text[]) ORDER BY 1
            """, [Self.schemas]).rows.compactMap { $0["name"] }.filter { $0 != keep }
        try connection.execute("TRUNCATE " + tables.joined(separator: ", "))
    }

    @Test("data into a structure deployed by another tool: reordered columns, an extra nullable column closing a key cycle, a widened column, a renamed constraint, another index set",
          arguments: [TestServer.pg16])
    func intoVariantStructure(server: TestServer) throws {
        try withScratchDatabase(on: server, template: "workspace") { source in
            // A counter application code takes with nextval() (no column owns it) and one a
            // default names without OWNED BY: both must end where the source's stood.
            try Connection(source).execute("""
                CREATE SEQUENCE renos.docket_number_seq START 1000;
                SELECT setval('renos.docket_number_seq', 1041);
                CREATE SEQUENCE renos.ticket_seq;
                ALTER TABLE renos.labels ADD COLUMN ticket bigint DEFAULT nextval('renos.ticket_seq');
                SELECT setval('renos.ticket_seq', 77);
                """)
            let fixture = try BackupFixture()
            var backupOptions = fixture.options(source: source)
            backupOptions.schemas = Self.schemas
            let backup = try fixture.backup(backupOptions)
            try withScratchDatabase(on: server) { target in
                let variant = try deployVariant(of: source, into: target)
                #expect(variant.reordered > 40)
                let connection = try Connection(target)
                try connection.execute("""
                    ALTER TABLE billy.organizations ADD COLUMN migrated_owner_id uuid
                        CONSTRAINT organizations_migrated_owner_fkey REFERENCES shared.users (id) DEFERRABLE;
                    ALTER TABLE billy.audit_logs ALTER COLUMN duration_ms TYPE bigint, ALTER COLUMN status_code TYPE integer;
                    ALTER TABLE crm."CrmDeal" RENAME CONSTRAINT "CrmDeal_companyId_fkey" TO "CrmDeal_company_fk";
                    CREATE INDEX organizations_migrated_owner_idx ON billy.organizations (migrated_owner_id);
                    """)

                var options = try fixture.restoreOptions(set: backup.id.rawValue, server: server, destination: .existing(clean: false)).withTarget(target)
                options.dataOnly = true
                let result = try fixture.restore(options)
                let dumped = backup.manifest.tables.count
                #expect(result.tables == dumped)
                #expect(UInt64(result.rows) == backup.manifest.tables.reduce(0) { $0 + $1.rows })

                var verifier = DataOnlyVerifier(repository: fixture.repository, set: backup.id.rawValue, target: target)
                verifier.identities = [fixture.identity]
                let report = try verifier.run()
                #expect(report.passed, "\(report.differences)")
                // The tables, and renos.mv_monthly_revenue refreshed by the load.
                #expect(report.checks.filter { $0.check == "content hash" }.count == dumped + 1)
                #expect(report.checks.filter { $0.check == "foreign key holds" }.count > 50)
                let accepted = report.accepted ?? []
                #expect(accepted.contains { $0.object == "billy.organizations.migrated_owner_id" && $0.handling == "filled with NULL" }, "\(accepted)")
                #expect(accepted.contains { $0.object == "billy.audit_logs.duration_ms" && $0.handling.contains("widened") })
                #expect(accepted.contains { $0.object == "billy.audit_logs.status_code" && $0.handling.contains("widened") })
                #expect(accepted.contains { $0.object == "shared.users" && $0.difference == "columns in another order" })
                #expect(accepted.contains { $0.object.contains("CrmDeal_company_fk") })
                #expect(accepted.contains { $0.object.contains("CrmDeal_companyId_fkey") })
                #expect(accepted.contains { $0.object == variant.droppedIndex })
                #expect(accepted.contains { $0.object.contains("organizations_migrated_owner_idx") })

                // Identity ALWAYS kept the set's values and its sequence moved past them (a new
                // row, rolled back: the data stays the set's).
                try connection.execute("BEGIN")
                let next = try connection.queryRow("""
                    WITH n AS (INSERT INTO billy.audit_logs (organization_id, action, resource, status_code, duration_ms)
                               SELECT id, 'a', 'r', 200, 1 FROM billy.organizations LIMIT 1 RETURNING id)
                    SELECT (SELECT id FROM n) > (SELECT max(id) FROM billy.audit_logs) - 1 AS fresh
                    """)
                #expect(try next.decode(Bool.self, "fresh"))
                try connection.execute("ROLLBACK")
                let counters = try connection.queryRow(
                    "SELECT nextval('renos.docket_number_seq') AS invoice, nextval('renos.ticket_seq') AS ticket")
                #expect(try counters.decode(Int64.self, "invoice") == 1042)
                #expect(try counters.decode(Int64.self, "ticket") == 78)
                // A sequence ahead of the source's is never moved back: a second load (truncating)
                // leaves the target's counters where they are.
                try connection.execute("SELECT setval('renos.docket_number_seq', 5000)")
                options.truncate = true
                _ = try fixture.restore(options)
                #expect(try connection.queryRow("SELECT last_value FROM renos.docket_number_seq").decode(Int64.self, "last_value") == 5000)
                let cycleKey = try connection.queryRow("""
                    SELECT count(*) AS n FROM pg_constraint WHERE conname = 'organizations_migrated_owner_fkey' AND convalidated
                    """).decode(Int.self, "n")
                #expect(cycleKey == 1, "the key set aside for the cycle is back")

                // The order came from the target's keys: parents first, the cycle's keys found.
                let tables = Array(try DataOnlyRestore.sqlNames(connection, backup.manifest.tables.map { QualifiedName(schema: $0.schema, name: $0.name) }).values)
                let keys = try LoadOrder.foreignKeys(connection, of: tables)
                let order = LoadOrder(tables: tables, keys: keys)
                #expect(Set(order.cycleKeys.map(\.name)) == ["billy.organizations.organizations_migrated_owner_fkey", "shared.users.users_default_organization_id_fkey"])
                for key in keys where key.child != key.parent && !order.cycleKeys.contains(key) {
                    #expect(try #require(order.tables.firstIndex(of: key.parent)) < #require(order.tables.firstIndex(of: key.child)), "\(key.name)")
                }

                // And the verification can fail: one changed value is one content hash difference.
                try connection.execute(#"UPDATE crm."CrmCompany" SET name = name || '!' WHERE id = (SELECT min(id) FROM crm."CrmCompany")"#)
                let changed = try verifier.run()
                #expect(changed.differences.map(\.object) == [#"crm."CrmCompany""#], "\(changed.differences)")
            }
        }
    }

    @Test("a type mismatch, a missing table, a non-empty table, a NOT NULL column the set cannot fill and a vector dimension: all reported at once, nothing loaded",
          arguments: [TestServer.pg16])
    func everyProblemAtOnce(server: TestServer) throws {
        try withScratchDatabase(on: server, template: "workspace") { source in
            let fixture = try BackupFixture()
            var backupOptions = fixture.options(source: source)
            backupOptions.schemas = Self.schemas
            let backup = try fixture.backup(backupOptions)
            try withScratchDatabase(on: server, template: "workspace") { target in
                let connection = try Connection(target)
                // A table that references nothing keeps its rows while the others are emptied.
                let candidates = try connection.query("""
                    SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relkind = 'r' AND NOT c.relispartition AND NOT c.relhassubclass AND n.nspname = ANY($1::text[])
                      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.contype = 'f' AND k.conrelid = c.oid) ORDER BY 1
                    """, [Self.schemas]).rows.compactMap { $0["name"] }
                let counts = try rowCounts(target)
                let keep = try #require(candidates.first { counts[$0, default: 0] > 0 })
                try emptyTables(connection, except: keep)
                try connection.execute("""
                    ALTER TABLE shared.audit_logs ALTER COLUMN entity_id TYPE integer USING NULL;
                    DROP TABLE crm."CrmEmail";
                    ALTER TABLE shared.users ADD COLUMN tenant_code text NOT NULL;
                    DROP INDEX IF EXISTS vault.embeddings_embedding_idx;
                    ALTER TABLE vault.embeddings ALTER COLUMN embedding TYPE public.vector(768) USING NULL;
                    """)
                let before = try rowCounts(target)
                #expect(before[keep, default: 0] > 0)

                var options = try fixture.restoreOptions(set: backup.id.rawValue, server: server, destination: .existing(clean: false)).withTarget(target)
                options.dataOnly = true
                let error = try #require(throws: RestoreError.self) { try fixture.restore(options) }
                guard case .incompatible(let problems) = error else {
                    Issue.record("expected the compatibility report, got \(error)")
                    return
                }
                let objects = problems.map(\.object)
                #expect(objects.contains("shared.audit_logs.entity_id"), "\(problems)")
                #expect(objects.contains("crm.\"CrmEmail\""), "\(problems)")
                #expect(objects.contains(keep), "\(problems)")
                #expect(objects.contains("shared.users.tenant_code"), "\(problems)")
                #expect(problems.contains { $0.object == "vault.embeddings.embedding" && $0.problem.contains("1536") && $0.problem.contains("768") })
                #expect(problems.allSatisfy { !$0.fix.isEmpty })
                #expect(try rowCounts(target) == before, "the target is unchanged")
            }
        }
    }

    @Test("a load that fails half-way (a row the target refuses) rolls back whole: every table still empty", arguments: [TestServer.pg16])
    func failureRollsBack(server: TestServer) throws {
        try withScratchDatabase(on: server, template: "workspace") { source in
            let fixture = try BackupFixture()
            var backupOptions = fixture.options(source: source)
            backupOptions.schemas = Self.schemas
            let backup = try fixture.backup(backupOptions)
            try withScratchDatabase(on: server, template: "workspace") { target in
                let connection = try Connection(target)
                try emptyTables(connection)
                // A child loaded late (its parents come first) refuses every row.
                try connection.execute(#"ALTER TABLE crm."CrmDealProduct" ADD CONSTRAINT refuse_all CHECK (false) NOT VALID"#)
                let sequences = try connection.query("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'billy' ORDER BY 1").rows
                    .map { "\($0["sequencename"] ?? ""):\($0["last_value"] ?? "null")" }

                var options = try fixture.restoreOptions(set: backup.id.rawValue, server: server, destination: .existing(clean: false)).withTarget(target)
                options.dataOnly = true
                let error = try #require(throws: PostgresError.self) { try fixture.restore(options) }
                #expect(error.constraint == "refuse_all", "\(error)")
                #expect(try rowCounts(target).values.allSatisfy { $0 == 0 }, "nothing of the load is left")
                let after = try connection.query("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'billy' ORDER BY 1").rows
                    .map { "\($0["sequencename"] ?? ""):\($0["last_value"] ?? "null")" }
                #expect(after == sequences, "sequences untouched")
            }
        }
    }

    @Test("partitions load after the tables their root references and before the tables referencing the root; identity on the root moves",
          arguments: [TestServer.pg16])
    func partitions(server: TestServer) throws {
        let ddl = """
            CREATE SCHEMA shop;
            CREATE TABLE shop.customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
            CREATE TABLE shop.orders (id bigint GENERATED ALWAYS AS IDENTITY, placed date NOT NULL,
                customer_id bigint NOT NULL REFERENCES shop.customers, PRIMARY KEY (id, placed)) PARTITION BY RANGE (placed);
            CREATE TABLE shop.orders_2025 PARTITION OF shop.orders FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
            CREATE TABLE shop.orders_2026 PARTITION OF shop.orders FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
            CREATE TABLE shop.order_lines (order_id bigint NOT NULL, placed date NOT NULL, quantity integer NOT NULL,
                FOREIGN KEY (order_id, placed) REFERENCES shop.orders);
            """
        try withScratchDatabase(on: server) { source in
            let connection = try Connection(source)
            try connection.execute(ddl + """
                INSERT INTO shop.customers (name) SELECT 'customer ' || i FROM generate_series(1, 3) i;
                INSERT INTO shop.orders (placed, customer_id) SELECT DATE '2025-06-01' + i * 30, i % 3 + 1 FROM generate_series(1, 12) i;
                INSERT INTO shop.order_lines SELECT id, placed, 2 FROM shop.orders;
                """)
            let fixture = try BackupFixture()
            var backupOptions = fixture.options(source: source)
            backupOptions.schemas = ["shop"]
            let backup = try fixture.backup(backupOptions)
            try withScratchDatabase(on: server) { target in
                let deployed = try Connection(target)
                try deployed.execute(ddl)
                var options = try fixture.restoreOptions(set: backup.id.rawValue, server: server, destination: .existing(clean: false)).withTarget(target)
                options.dataOnly = true
                let result = try fixture.restore(options)
                #expect(result.rows == 3 + 12 + 12)
                var verifier = DataOnlyVerifier(repository: fixture.repository, set: backup.id.rawValue, target: target)
                verifier.identities = [fixture.identity]
                let report = try verifier.run()
                #expect(report.passed, "\(report.differences)")
                #expect(report.checks.contains { $0.object.contains("order_lines") && $0.check == "foreign key holds" })
                let next = try deployed.queryRow("""
                    WITH c AS (INSERT INTO shop.customers (name) VALUES ('new') RETURNING id),
                         o AS (INSERT INTO shop.orders (placed, customer_id) SELECT DATE '2026-12-01', id FROM c RETURNING id)
                    SELECT (SELECT id FROM c) AS customer, (SELECT id FROM o) AS orders
                    """)
                #expect(try next.decode(Int.self, "customer") == 4)
                #expect(try next.decode(Int.self, "orders") == 13)
            }
        }
    }

    /// A column as the catalog reader describes it.
    private func column(_ type: String, oid: UInt32, typmod: Int = -1, vector: Int? = nil) throws -> ColumnInfo {
        let json = """
            {"name":"c","attnum":1,"type":"\(type)","typeOID":\(oid),"typmod":\(typmod),"isNotNull":false,
             "isVector":\(vector != nil),"vectorDimension":\(vector.map(String.init) ?? "null")}
            """
        return try JSONDecoder().decode(ColumnInfo.self, from: Data(json.utf8))
    }

    @Test("only lossless widenings are accepted as conversions")
    func conversions() throws {
        func verdict(_ set: ColumnInfo, _ target: ColumnInfo) -> String {
            switch ColumnCompatibility.compareTypes(set, target, renames: ["crm": "crm_new"], spelled: set.type, alter: "") {
            case .same: "same"
            case .converted: "converted"
            case .mismatch: "refused"
            }
        }
        let numeric = { (p: Int, s: Int) in try column("numeric(\(p),\(s))", oid: 1700, typmod: (p << 16 | s) + 4) }
        #expect(verdict(try column("integer", oid: 23), try column("bigint", oid: 20)) == "converted")
        #expect(verdict(try column("bigint", oid: 20), try column("integer", oid: 23)) == "refused")
        #expect(verdict(try column("character varying(10)", oid: 1043, typmod: 14), try column("text", oid: 25)) == "converted")
        #expect(verdict(try column("character varying(10)", oid: 1043, typmod: 14), try column("character varying(20)", oid: 1043, typmod: 24)) == "converted")
        #expect(verdict(try column("character varying(20)", oid: 1043, typmod: 24), try column("character varying(10)", oid: 1043, typmod: 14)) == "refused")
        #expect(verdict(try numeric(12, 2), try numeric(14, 2)) == "converted")
        #expect(verdict(try numeric(12, 2), try numeric(12, 4)) == "refused", "fewer integer digits")
        #expect(verdict(try numeric(12, 4), try numeric(12, 2)) == "refused", "rounds")
        #expect(verdict(try column("integer", oid: 23), try numeric(10, 0)) == "converted")
        #expect(verdict(try column("bigint", oid: 20), try numeric(10, 0)) == "refused")
        #expect(verdict(try column("json", oid: 114), try column("jsonb", oid: 3802)) == "refused", "jsonb rewrites documents")
        #expect(verdict(try column("timestamp without time zone", oid: 1114), try column("timestamp with time zone", oid: 1184)) == "refused")
        #expect(verdict(try column("text", oid: 25), try column("integer", oid: 23)) == "refused")
        #expect(verdict(try column("crm.deal_stage", oid: 50001), try column("crm_new.deal_stage", oid: 60001)) == "same", "types follow --rename-schema")
        #expect(verdict(try column("extensions.vector(1536)", oid: 50002, vector: 1536), try column("public.vector(1536)", oid: 60002, vector: 1536)) == "same")
        #expect(verdict(try column("public.vector(1536)", oid: 50002, vector: 1536), try column("public.vector(768)", oid: 60002, vector: 768)) == "refused")
        #expect(verdict(try column("public.vector(1536)", oid: 50002, vector: 1536), try column("public.halfvec(1536)", oid: 60003, vector: 1536)) == "refused")
    }

    @Test("a role that owns the tables but is not superuser loads the data (triggers set aside, a key cycle, sequences)", arguments: [TestServer.pg16])
    func nonSuperuser(server: TestServer) throws {
        let role = "arkiv_loader_\(UInt32.random(in: 0...UInt32.max))"
        let password = UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let admin = try server.connect()
        try admin.execute("CREATE ROLE \(role) LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '\(password)'")
        defer { try? admin.execute("DROP ROLE IF EXISTS \(role)") }
        try withScratchDatabase(on: server, template: "workspace") { source in
            let fixture = try BackupFixture()
            var backupOptions = fixture.options(source: source)
            backupOptions.schemas = Self.schemas
            let backup = try fixture.backup(backupOptions)
            try withScratchDatabase(on: server, template: "workspace") { target in
                let connection = try Connection(target)
                try emptyTables(connection)
                try connection.execute("""
                    ALTER TABLE billy.organizations ADD COLUMN migrated_owner_id uuid
                        CONSTRAINT organizations_migrated_owner_fkey REFERENCES shared.users (id);
                    CREATE FUNCTION shared.stamp_name() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.name := 'changed'; RETURN NEW; END $$;
                    CREATE TRIGGER stamp_name BEFORE INSERT ON crm."CrmCompany" FOR EACH ROW EXECUTE FUNCTION shared.stamp_name();
                    ALTER DATABASE \(try connection.quoteIdentifier(target.databaseName)) OWNER TO \(role);
                    """)
                for row in try connection.query("""
                    SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname = ANY($1::text[])
                    """, [Self.schemas]).rows {
                    // The materialized view too: the load refreshes it, which takes its owner.
                    try connection.execute("ALTER TABLE \(try row.decode(String.self, "name")) OWNER TO \(role)")
                }
                for schema in Self.schemas { try connection.execute("GRANT USAGE ON SCHEMA \(schema) TO \(role)") }

                guard var components = URLComponents(string: try server.url(database: target.databaseName)) else {
                    throw TestSetupError("unparseable test server URL")
                }
                components.user = role
                components.password = password
                let loaderTarget = try ConnectionTarget(try #require(components.string))
                let loader = try Connection(loaderTarget)
                #expect(try loader.queryRow("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").decode(Bool.self, "rolsuper") == false)

                var options = try fixture.restoreOptions(set: backup.id.rawValue, server: server, destination: .existing(clean: false)).withTarget(loaderTarget)
                options.dataOnly = true
                let result = try fixture.restore(options)
                #expect(result.tables == backup.manifest.tables.count)

                var verifier = DataOnlyVerifier(repository: fixture.repository, set: backup.id.rawValue, target: loaderTarget)
                verifier.identities = [fixture.identity]
                let report = try verifier.run()
                #expect(report.passed, "\(report.differences)")
                let trigger = try connection.queryRow("SELECT tgenabled::text AS e FROM pg_trigger WHERE tgname = 'stamp_name'")
                #expect(try trigger.decode(String.self, "e") == "O", "the trigger is back on")
            }
        }
    }
}
