import ArkivPostgres
import ArkivTestSupport
import Foundation
import Testing

/// docs/OPERATIONS.md, "Data-only migration into a schema-deployed database", walked exactly as
/// written, with the commands an operator types: Supabase (the stand-in) → a Docker database
/// whose structure the application's migrations deployed, with the differences such a
/// deployment has.
@Suite("The cutover runbook")
struct CutoverRunbookTests {
    static let schemas = ["vault", "billy", "renos", "crm", "flow", "shared"]

    @Test("pinned snapshot → data-only load → verify restored --data-only and compare --data-only exit 0; nextval() and the materialized view give the source's answers; a changed row, a sequence set back and stale materialized view rows each exit 3, named")
    func runbook() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-runbook-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let repo = base + "/repo", identity = base + "/identity", recipients = base + "/recipient.txt"
        let keygen = try runExecutable("arkiv", ["keygen", "--output", identity])
        #expect(keygen.status == 0, "\(keygen.stderr)")
        try keygen.stdout.write(toFile: recipients, atomically: true, encoding: .utf8)
        let schemaFlags = Self.schemas.flatMap { ["--schema", $0] }

        // The application on Supabase: a project with the workspace in it (restored from a set
        // of the stand-in), a table the app uses outside the six schemas, and an invoice number
        // sequence that no column owns and that stands past the rows.
        let seed = try runExecutable("arkiv-backup", ["--source-env", "SEED_URL", "--repo", base + "/seed", "--no-encryption"] + schemaFlags,
                                     environment: ["SEED_URL": try SupabaseStandIn.url()])
        #expect(seed.status == 0, "\(seed.stderr)")
        try SupabaseStandIn.withEmptyProject { project in
            let supabaseURL = try Self.url(try SupabaseStandIn.url(), database: project.databaseName)
            let deployed = try runExecutable("arkiv-restore", ["latest", "--repo", base + "/seed", "--target-env", "SUPABASE_URL", "--into-existing"],
                                             environment: ["SUPABASE_URL": supabaseURL])
            try #require(deployed.status == 0, "\(deployed.stderr)")
            let supabase = try Connection(try ConnectionTarget(supabaseURL))
            try supabase.execute("""
                CREATE TABLE public.feature_flags (name text PRIMARY KEY, enabled boolean NOT NULL);
                INSERT INTO public.feature_flags VALUES ('new_invoice_flow', true), ('beta_search', false);
                ALTER SEQUENCE renos.invoice_number_seq OWNED BY NONE;
                SELECT setval('renos.invoice_number_seq', 100500);
                """)

            try SupabaseStandIn.withPlainDatabase(template: "workspace") { docker in
                // Deployed by the migrations: the tables empty, no OWNED BY on the invoice
                // number (so the sequence stands at its start), the materialized view populated
                // while the tables were empty; none of Supabase's platform objects or policies.
                let target = try Connection(docker)
                let tables = try target.query("""
                    SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1::text[])
                    """, [Self.schemas]).rows.compactMap { $0["name"] }
                try target.execute("TRUNCATE " + tables.joined(separator: ", ") + " CASCADE")
                try target.execute("""
                    ALTER SEQUENCE renos.invoice_number_seq OWNED BY NONE;
                    ALTER SEQUENCE renos.invoice_number_seq RESTART;
                    REFRESH MATERIALIZED VIEW renos.mv_monthly_revenue;
                    """)
                let environment = ["SUPABASE_URL": supabaseURL, "DOCKER_URL": try Self.url(try SupabaseStandIn.plainURL(), database: docker.databaseName)]

                // 3. Snapshot Supabase, pinned; verify it fully.
                let snapshot = try runExecutable("arkiv-backup", ["--source-env", "SUPABASE_URL", "--repo", repo, "--recipients-file", recipients]
                                                 + schemaFlags + ["--label", "pre-cutover", "--pin"], environment: environment)
                #expect(snapshot.status == 0, "\(snapshot.stderr)")
                #expect(snapshot.stderr.contains("outside the chosen schemas: ") && snapshot.stderr.contains("public.feature_flags"), "\(snapshot.stderr)")
                #expect(snapshot.stdout.contains("in schemas this backup does not take: ") && snapshot.stdout.contains("public.feature_flags"),
                        "\(snapshot.stdout)")
                let archive = try runExecutable("arkiv-verify", ["archive", "latest", "--repo", repo, "--identity", identity])
                #expect(archive.status == 0, "\(archive.stdout)\(archive.stderr)")

                // 4. Load the data only. A migration that declared the wrong dimension is refused
                // first, with a fix in the target's own spelling (pgvector lives in public here).
                let loadArguments = ["latest", "--repo", repo, "--target-env", "DOCKER_URL", "--data-only", "--identity", identity]
                try target.execute("ALTER TABLE vault.embeddings ALTER COLUMN embedding TYPE public.vector(768)")
                let refused = try runExecutable("arkiv-restore", loadArguments, environment: environment)
                #expect(refused.status == 1, "\(refused.stderr)")
                #expect(refused.stderr.contains("vector dimension 1536 in the set, 768 in the target"), "\(refused.stderr)")
                #expect(refused.stderr.contains("public.vector(1536)") && !refused.stderr.contains("extensions.vector"), "\(refused.stderr)")
                try target.execute("ALTER TABLE vault.embeddings ALTER COLUMN embedding TYPE public.vector(1536)")
                let load = try runExecutable("arkiv-restore", loadArguments, environment: environment)
                try #require(load.status == 0, "\(load.stderr)")
                #expect(load.stderr.contains("materialized view renos.mv_monthly_revenue refreshed from the loaded rows"), "\(load.stderr)")

                // 5. Prove it, twice.
                let report = base + "/data-only.json"
                let restored = try runExecutable("arkiv-verify", ["restored", "latest", "--repo", repo, "--target-env", "DOCKER_URL", "--data-only",
                                                                  "--identity", identity, "--report", report], environment: environment)
                #expect(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
                let json = try String(contentsOfFile: report, encoding: .utf8)
                // A function pgvector's schema respells is the same function, not two differences.
                #expect(!restored.stdout.contains("match_documents"), "\(restored.stdout)")
                #expect(json.contains("\"check\" : \"sequence state\"") && json.contains("renos.invoice_number_seq"))
                #expect(json.contains("\"check\" : \"materialized view populated\""))
                let compare = ["compare", "--source-env", "SUPABASE_URL", "--target-env", "DOCKER_URL", "--data-only"] + schemaFlags
                let proof = try runExecutable("arkiv-verify", compare, environment: environment)
                if ProcessInfo.processInfo.environment["ARKIV_SHOW_OUTPUT"] != nil { print(restored.stdout + "\n" + proof.stdout) }
                #expect(proof.status == 0, "\(proof.stdout)\(proof.stderr)")
                #expect(proof.stdout.contains("accepted differences (structure, not judged):"), "\(proof.stdout)")
                // Whole rows: a multi-line statement never spills onto the next line of the table.
                for line in proof.stdout.split(separator: "\n") where line.hasPrefix("CREATE") || line.hasPrefix("  ") {
                    Issue.record("a table cell broke its row: \(line)")
                }

                // The application's next invoice number and its revenue report are the source's.
                let next = "SELECT nextval('renos.invoice_number_seq') AS n"
                #expect(try target.queryRow(next)["n"] == "100501")
                #expect(try supabase.queryRow(next)["n"] == "100501")
                let revenue = "SELECT string_agg(format('%s %s %s', month, invoices, revenue_incl_vat), ';' ORDER BY month) AS r FROM renos.mv_monthly_revenue"
                let sourceRevenue = try supabase.queryRow(revenue)["r"], targetRevenue = try target.queryRow(revenue)["r"]
                #expect(sourceRevenue != nil && sourceRevenue == targetRevenue)

                // One difference at a time: each is named, exit 3, and put back.
                func differences() throws -> (status: Int32, named: [String]) {
                    let outcome = try runExecutable("arkiv-verify", compare + ["--json"], environment: environment)
                    let object = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
                    let checks = object?["checks"] as? [[String: Any]] ?? []
                    return (outcome.status, checks.filter { $0["passed"] as? Bool == false }.map { "\($0["object"] ?? "") \($0["check"] ?? "")" })
                }
                try target.execute(#"UPDATE flow."FlowVariable" SET key = key || '!' WHERE ctid = (SELECT min(ctid) FROM flow."FlowVariable")"#)
                let row = try differences()
                #expect(row.status == 3 && row.named == ["flow.FlowVariable content hash"], "\(row)")
                try target.execute(#"UPDATE flow."FlowVariable" SET key = left(key, -1) WHERE key LIKE '%!'"#)

                try target.execute("SELECT setval('renos.invoice_number_seq', 100001)")
                let sequence = try differences()
                #expect(sequence.status == 3 && sequence.named == ["renos.invoice_number_seq sequence state"], "\(sequence)")
                try target.execute("SELECT setval('renos.invoice_number_seq', 100501)")

                // (Without the updated_at trigger: only the view's rows may differ.)
                try target.execute("""
                    SET session_replication_role = replica;
                    UPDATE renos.invoices SET subtotal = subtotal + 1 WHERE invoice_number = (SELECT min(invoice_number) FROM renos.invoices WHERE status <> 'void');
                    REFRESH MATERIALIZED VIEW renos.mv_monthly_revenue;
                    UPDATE renos.invoices SET subtotal = subtotal - 1 WHERE invoice_number = (SELECT min(invoice_number) FROM renos.invoices WHERE status <> 'void');
                    RESET session_replication_role;
                    """)
                let stale = try differences()
                #expect(stale.status == 3 && stale.named == ["renos.mv_monthly_revenue content hash"], "\(stale)")
                try target.execute("REFRESH MATERIALIZED VIEW renos.mv_monthly_revenue")
                #expect(try differences().status == 0)
            }
        }
    }

    /// `url` with its database replaced.
    static func url(_ url: String, database: String) throws -> String {
        guard var components = URLComponents(string: url) else { throw TestSetupError("unparseable URL") }
        components.path = "/" + database
        return try #require(components.string)
    }
}
