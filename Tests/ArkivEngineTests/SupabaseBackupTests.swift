import ArkivArchive
import ArkivCatalog
@testable import ArkivEngine
import ArkivPostgres
import ArkivTestSupport
import Foundation
import Testing

/// Backups of the Supabase stand-in: extension members left out by ownership, TLS, and the
/// transaction-mode pooler.
@Suite("Supabase backup")
struct SupabaseBackupTests {
    func backup(_ url: String, fixture: BackupFixture, jobs: Int = 2) throws -> BackupResult {
        var options = fixture.options(source: try ConnectionTarget(url))
        options.schemas = BackupTests.workspaceSchemas
        options.jobs = jobs
        return try fixture.backup(options)
    }

    @Test("vault keeps the application's tables and leaves out the extension's, saying why")
    func extensionMembersLeftOutByOwnership() throws {
        let fixture = try BackupFixture()
        let result = try backup(try SupabaseStandIn.url(), fixture: fixture)
        let manifest = result.manifest
        let vaultTables = manifest.tables.filter { $0.schema == "vault" }.map(\.name).sorted()
        #expect(vaultTables == ["documents", "embeddings", "sync_status"])
        #expect(manifest.tables.first { $0.schema == "vault" && $0.name == "documents" }?.rows == 200)
        let excluded = manifest.excluded.filter { $0.name.hasPrefix("vault.") }
        #expect(Set(excluded.map(\.name)).isSuperset(of: ["vault.secrets", "vault.decrypted_secrets"]), "\(excluded)")
        #expect(excluded.allSatisfy { $0.reason.contains("extension supabase_vault") }, "\(excluded)")
        // Nothing of the extension's table is in the DDL either, and its secret is nowhere.
        let set = try fixture.open(result)
        let preData = try set.decode([DDLStatement].self, schema: "vault", member: SetFiles.preDataMember)
        #expect(!preData.contains { $0.kind == "table" && $0.name == "vault.secrets" })
        #expect(preData.contains { $0.kind == "extension" && $0.name == "supabase_vault" })
        for schema in manifest.schemas.map(\.name) {
            let reader = try set.reader(forSchema: schema)
            for member in reader.members {
                let text = String(decoding: try reader.contents(of: member.id, limit: 64 << 20), as: UTF8.self)
                #expect(!text.contains("sk_live_standin"), "the vault extension's secret is in \(schema)/\(member.name)")
            }
        }
    }

    @Test("through the transaction-mode pooler a backup equals the direct one, even when its server sessions carry other clients' settings")
    func transactionPooler() throws {
        let pooler = try SupabaseStandIn.poolerURL()
        // Other clients leave session settings on the pool's server connections (transaction
        // mode never resets them): hold 20 transactions at once so every server connection of
        // the pool gets them.
        let poisoned = try (0..<20).map { _ in try Connection(pooler, applicationName: "arkiv-tests poison") }
        for connection in poisoned {
            try connection.execute("""
                BEGIN; SET search_path = vault, extensions, public; SET extra_float_digits = -15; SET "TimeZone" = 'Pacific/Chatham';
                SET "DateStyle" = 'SQL, DMY'; SET bytea_output = 'escape'; SET "IntervalStyle" = 'sql_standard'; SET row_security = on
                """)
        }
        for connection in poisoned { try connection.commit() }
        defer {
            if let cleaners = try? (0..<20).map({ _ in try Connection(pooler, applicationName: "arkiv-tests reset") }) {
                for connection in cleaners { try? connection.execute("BEGIN; RESET ALL") }
                for connection in cleaners { try? connection.commit() }
            }
        }
        let probe = try Connection(pooler, applicationName: "arkiv-tests probe")
        #expect(try probe.queryRow("SHOW extra_float_digits")["extra_float_digits"] == "-15", "the pool was not poisoned: the test proves nothing")

        let fixture = try BackupFixture()
        let direct = try backup(try SupabaseStandIn.url(), fixture: fixture)
        let pooled = try backup(pooler, fixture: fixture, jobs: 3)
        func facts(_ manifest: Manifest) -> [String] {
            manifest.tables.map { "\($0.schema).\($0.name) \($0.rows) \($0.contentHash) \($0.copyFormat)" }.sorted()
        }
        #expect(facts(direct.manifest) == facts(pooled.manifest))
        #expect(direct.manifest.tables.count == 53)
        let left = try fixture.open(direct), right = try fixture.open(pooled)
        for schema in BackupTests.workspaceSchemas {
            for member in [SetFiles.preDataMember, SetFiles.postDataMember] {
                let want = try left.decode([DDLStatement].self, schema: schema, member: member).map(\.sql)
                let have = try right.decode([DDLStatement].self, schema: schema, member: member).map(\.sql)
                #expect(want == have, "\(schema) \(member) differs through the pooler")
            }
        }
        // And arkiv left nothing of its own settings behind for the pool's other clients.
        #expect(try probe.queryRow("SHOW search_path")["search_path"] == "vault, extensions, public")
    }

    @Test("through the transaction-mode pooler, with a writer busy through the same pool, every table comes from one snapshot")
    func transactionPoolerUnderWrites() throws {
        try SupabaseStandIn.withEmptyProject { direct in
            let setup = try Connection(direct)
            try LedgerWriter.create(on: setup, rows: 30000)
            // The same database through the transaction pooler (its `*` entry: user postgres).
            guard var components = URLComponents(string: try SupabaseStandIn.poolerURL()) else { throw TestSetupError("pooler URL") }
            components.user = "postgres"
            components.path = "/" + direct.databaseName
            let pooled = try ConnectionTarget(try #require(components.string))
            // The writer goes through the same pool as the backup.
            let writer = LedgerWriter()
            writer.start(through: pooled)
            defer { writer.stop() }
            Thread.sleep(forTimeInterval: 0.3)
            let fixture = try BackupFixture()
            var options = fixture.options(source: pooled)
            options.schemas = LedgerWriter.schemas
            options.jobs = 2
            let result = try fixture.backup(options)
            writer.stop()
            try SupabaseStandIn.withPlainDatabase { target in
                var restore = RestoreOptions(repository: fixture.repository, set: result.id.rawValue, target: target, destination: .existing(clean: false))
                restore.identities = [fixture.identity]
                _ = try fixture.restore(restore)
                let copy = try Connection(target)
                #expect(try copy.queryRow("SELECT count(*) AS n FROM left_side.ledger").decode(Int.self, "n") > 25000)
                #expect(try LedgerWriter.brokenRows(in: copy) == 0, "both ledgers come from one snapshot")
            }
            let written = try setup.queryRow("SELECT count(*) AS n FROM left_side.ledger WHERE id > 1000000").decode(Int.self, "n")
            #expect(written > 0, "the writer must have written for the test to mean anything")
        }
    }
}
