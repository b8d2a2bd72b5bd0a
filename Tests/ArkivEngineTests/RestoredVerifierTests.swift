import ArkivArchive
@testable import ArkivEngine
import ArkivPostgres
import ArkivTestSupport
import Foundation
import Testing

@Suite("verify restored")
struct RestoredVerifierTests {
    /// One fault, the SQL that makes it, and the (object, check) the verifier must name.
    struct Fault: Sendable, CustomStringConvertible {
        let description: String
        let sql: String
        let object: String
        let check: String
    }

    static let faults: [Fault] = [
        Fault(description: "a deleted row", sql: "DELETE FROM crm.\"CrmTask\" WHERE ctid = (SELECT min(ctid) FROM crm.\"CrmTask\")",
              object: "crm.CrmTask", check: "rows"),
        Fault(description: "an updated value", sql: "UPDATE billy.organizations SET name = name || ' x' WHERE ctid = (SELECT min(ctid) FROM billy.organizations)",
              object: "billy.organizations", check: "content hash"),
        Fault(description: "a duplicated row", sql: """
              ALTER TABLE renos.labels DROP CONSTRAINT labels_pkey CASCADE, DROP CONSTRAINT labels_name_key;
              INSERT INTO renos.labels SELECT * FROM renos.labels WHERE ctid = (SELECT min(ctid) FROM renos.labels)
              """, object: "renos.labels", check: "rows"),
        Fault(description: "a dropped constraint", sql: "ALTER TABLE renos.invoice_line_items DROP CONSTRAINT invoice_line_items_quantity_check",
              object: "renos.invoice_line_items.invoice_line_items_quantity_check", check: "constraint"),
        Fault(description: "a NOT VALID constraint", sql: "UPDATE pg_constraint SET convalidated = false WHERE conname = 'invoice_line_items_quantity_check'",
              object: "renos.invoice_line_items.invoice_line_items_quantity_check", check: "constraint validated"),
        Fault(description: "an orphaned foreign-key row", sql: """
              SET session_replication_role = replica;
              UPDATE renos.invoice_line_items SET invoice_id = '00000000-0000-0000-0000-000000000001' WHERE ctid = (SELECT min(ctid) FROM renos.invoice_line_items)
              """, object: "renos.invoice_line_items.invoice_line_items_invoice_id_fkey", check: "foreign key holds"),
        Fault(description: "a dropped index", sql: "DROP INDEX vault.embeddings_embedding_hnsw_idx", object: "vault.embeddings_embedding_hnsw_idx", check: "index"),
        Fault(description: "an invalid index", sql: "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'vault.embeddings_embedding_hnsw_idx'::regclass",
              object: "vault.embeddings_embedding_hnsw_idx", check: "index valid"),
        Fault(description: "a column whose declared dimension changed",
              sql: "UPDATE pg_attribute SET atttypmod = 1535 WHERE attrelid = 'vault.embeddings'::regclass AND attname = 'embedding'",
              object: "vault.embeddings.embedding", check: "declared dimension"),
        Fault(description: "a vector of the wrong dimension", sql: """
              DROP INDEX vault.embeddings_embedding_hnsw_idx;
              UPDATE pg_attribute SET atttypmod = -1 WHERE attrelid = 'vault.embeddings'::regclass AND attname = 'embedding';
              UPDATE vault.embeddings SET embedding = '[1,2,3]' WHERE ctid = (SELECT min(ctid) FROM vault.embeddings WHERE embedding IS NOT NULL)
              """, object: "vault.embeddings.embedding", check: "vector facts"),
        Fault(description: "a missing table", sql: "DROP TABLE renos.breaks", object: "renos.breaks", check: "table"),
        Fault(description: "an extra table", sql: "CREATE TABLE renos.extra (id int)", object: "renos.extra", check: "table"),
        Fault(description: "a changed default", sql: "ALTER TABLE renos.leads ALTER COLUMN status SET DEFAULT 'lost'", object: "renos.leads", check: "table"),
        Fault(description: "a sequence set back (the next invoice would repeat a number)",
              sql: "SELECT setval('renos.invoice_number_seq', 100001)", object: "renos.invoice_number_seq", check: "sequence state"),
        Fault(description: "an unpopulated materialized view", sql: "REFRESH MATERIALIZED VIEW renos.mv_monthly_revenue WITH NO DATA",
              object: "renos.mv_monthly_revenue", check: "materialized view populated"),
        Fault(description: "stale materialized view rows", sql: """
              SET session_replication_role = replica;
              UPDATE renos.invoices SET subtotal = subtotal + 1 WHERE invoice_number = (SELECT min(invoice_number) FROM renos.invoices WHERE status <> 'void');
              REFRESH MATERIALIZED VIEW renos.mv_monthly_revenue;
              UPDATE renos.invoices SET subtotal = subtotal - 1 WHERE invoice_number = (SELECT min(invoice_number) FROM renos.invoices WHERE status <> 'void')
              """, object: "renos.mv_monthly_revenue", check: "content hash"),
    ]

    @Test("a restored fixture passes; every injected fault is caught by name", arguments: [TestServer.pg16])
    func faultsAreCaught(server: TestServer) throws {
        try withScratchDatabase(on: server, template: "workspace") { source in
            let fixture = try BackupFixture()
            var backupOptions = fixture.options(source: source)
            backupOptions.schemas = BackupTests.workspaceSchemas
            let backup = try fixture.backup(backupOptions)
            let restored = try fixture.restore(try fixture.restoreOptions(server: server))
            defer { BackupFixture.drop(restored.database, on: server) }
            let admin = try server.connect()

            func verify(_ database: String) throws -> VerifyReport { try fixture.verifyRestored(server.target(database: database)) }
            let clean = try verify(restored.database)
            #expect(clean.passed, "\(clean.differences.prefix(10))")
            #expect(clean.checks.count > 300)

            for fault in Self.faults {
                let copy = "arkiv_fault_\(UInt32.random(in: 0...UInt32.max))"
                try admin.execute("CREATE DATABASE \(copy) TEMPLATE \(try admin.quoteIdentifier(restored.database))")
                defer { try? admin.execute("DROP DATABASE IF EXISTS \(copy) WITH (FORCE)") }
                let faulty = try server.connect(database: copy)
                try RestoreMarker(set: backup.id.rawValue, state: .complete, at: Date()).write(on: faulty)
                try faulty.execute(fault.sql)
                let report = try verify(copy)
                #expect(!report.passed, "\(fault) was not noticed")
                #expect(report.differences.contains { $0.object == fault.object && $0.check == fault.check },
                        "\(fault): \(report.differences.map { "\($0.object) \($0.check)" })")
            }

            // An unfinished restore is refused before anything else is looked at.
            let unfinished = "arkiv_unfinished_\(UInt32.random(in: 0...UInt32.max))"
            try admin.execute("CREATE DATABASE \(unfinished) TEMPLATE \(try admin.quoteIdentifier(restored.database))")
            defer { try? admin.execute("DROP DATABASE IF EXISTS \(unfinished) WITH (FORCE)") }
            try RestoreMarker(set: backup.id.rawValue, state: .incomplete, at: Date()).write(on: try server.connect(database: unfinished))
            let refused = try verify(unfinished)
            #expect(refused.differences.map(\.check) == ["restore finished"])
        }
    }
}
