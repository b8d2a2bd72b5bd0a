import ArkivArchive
import ArkivCatalog
@testable import ArkivEngine
import ArkivPostgres
import ArkivTestSupport
import Foundation
import Testing

/// Restores between the Supabase stand-in and plain PostgreSQL 16, in both directions.
@Suite("Supabase restore", .serialized)
struct SupabaseRestoreTests {
    /// The rows of vault.documents and vault.embeddings an RLS-governed API request sees, as
    /// role authenticated with these JWT claims.
    static func visibleRows(_ target: ConnectionTarget, claims: String) throws -> [String] {
        let connection = try Connection(target, applicationName: "arkiv-tests rls")
        try connection.execute("BEGIN; SET LOCAL ROLE authenticated")
        try connection.execute("SELECT set_config('request.jwt.claims', \(try connection.quoteLiteral(claims)), true)")
        defer { try? connection.rollback() }
        let documents = try connection.query("SELECT id::text AS id FROM vault.documents ORDER BY id").rows.compactMap { $0["id"] }
        let embeddings = try connection.queryRow("SELECT count(*) AS n FROM vault.embeddings").decode(Int.self, "n")
        return documents + ["embeddings: \(embeddings)"]
    }

    /// Claims that make the policies match: one user's own documents, one organization's.
    static func claimSets(_ source: ConnectionTarget) throws -> [String] {
        let connection = try Connection(source, applicationName: "arkiv-tests")
        let creator = try connection.queryRow("SELECT created_by::text AS v FROM vault.documents WHERE created_by IS NOT NULL ORDER BY id LIMIT 1")["v"] ?? ""
        let organization = try connection.queryRow("SELECT organization_id::text AS v FROM vault.documents ORDER BY id DESC LIMIT 1")["v"] ?? ""
        return [
            #"{"sub": "\#(creator)", "role": "authenticated"}"#,
            #"{"sub": "00000000-0000-4000-8000-000000000001", "role": "authenticated", "org_id": "\#(organization)"}"#,
            #"{"sub": "00000000-0000-4000-8000-000000000002", "role": "anon", "org_id": "\#(organization)"}"#,
            "",
        ]
    }

    func supabaseBackup(_ fixture: BackupFixture) throws -> BackupResult {
        var options = fixture.options(source: try SupabaseStandIn.target())
        options.schemas = BackupTests.workspaceSchemas
        return try fixture.backup(options)
    }

    @Test("Supabase → plain PostgreSQL with --supabase-compat: verify restored passes, RLS gives the same rows for the same claims")
    func supabaseToPlainWithCompat() throws {
        let fixture = try BackupFixture()
        let backup = try supabaseBackup(fixture)
        try SupabaseStandIn.withPlainDatabase { target in
            var options = RestoreOptions(repository: fixture.repository, set: backup.id.rawValue, target: target, destination: .existing(clean: false))
            options.identities = [fixture.identity]
            options.includeOwners = true
            options.includePrivileges = true
            options.supabaseCompat = true
            let result = try fixture.restore(options)
            #expect(result.tables == 53)

            var verifier = RestoredVerifier(repository: fixture.repository, set: backup.id.rawValue, target: target)
            verifier.identities = [fixture.identity]
            let report = try verifier.run()
            #expect(report.passed, "\(report.differences.prefix(10))")

            let restored = try Connection(target)
            // Only what was missing was created: the roles as NOLOGIN, auth's three functions.
            let roles = try restored.query("""
                SELECT rolname, rolcanlogin::text AS login FROM pg_roles WHERE rolname IN ('anon', 'authenticated', 'service_role', 'supabase_admin') ORDER BY 1
                """).rows.map { "\($0["rolname"] ?? ""):\($0["login"] ?? "")" }
            #expect(roles.contains("authenticated:false") && roles.contains("service_role:false"), "\(roles)")
            let auth = try restored.query("SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'auth' ORDER BY 1")
                .rows.compactMap { $0["proname"] }
            #expect(auth == ["jwt", "role", "uid"])
            #expect(try restored.queryRow("SELECT to_regclass('vault.secrets') IS NULL AS absent").decode(Bool.self, "absent"))
            #expect(try restored.queryRow("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector'")["nspname"] == "extensions")

            var nonEmpty = 0
            for claims in try Self.claimSets(try SupabaseStandIn.target()) {
                let want = try Self.visibleRows(try SupabaseStandIn.target(), claims: claims)
                let have = try Self.visibleRows(target, claims: claims)
                #expect(want == have, "claims \(claims)")
                if want.count > 1 { nonEmpty += 1 }
            }
            #expect(nonEmpty == 2, "the policies must let some rows through for the test to mean anything")
            // The API's function, which calls auth.uid() from its body, answers the same too.
            for claims in try Self.claimSets(try SupabaseStandIn.target()) {
                func mine(_ side: ConnectionTarget) throws -> [String] {
                    let connection = try Connection(side)
                    try connection.execute("BEGIN; SET LOCAL ROLE authenticated")
                    defer { try? connection.rollback() }
                    try connection.execute("SELECT set_config('request.jwt.claims', \(try connection.quoteLiteral(claims)), true)")
                    return try connection.query("SELECT id::text AS id FROM vault.my_documents() ORDER BY 1").rows.compactMap { $0["id"] }
                }
                #expect(try mine(try SupabaseStandIn.target()) == mine(target), "claims \(claims)")
            }
        }
    }

    @Test("Supabase → plain PostgreSQL without --supabase-compat names every policy, role, function and extension, and changes nothing")
    func supabaseToPlainWithoutCompat() throws {
        let fixture = try BackupFixture()
        let backup = try supabaseBackup(fixture)
        let plain = try ConnectionTarget(SupabaseStandIn.plainURL())
        let name = "arkiv_sbx_\(UInt32.random(in: 0...UInt32.max))"
        var options = RestoreOptions(repository: fixture.repository, set: backup.id.rawValue, target: plain, destination: .scratch(name: name))
        options.identities = [fixture.identity]
        // Roles another test made stay on the server: this one must see them missing.
        options.roleMap = ["authenticated": "sb_no_such_role_a", "service_role": "sb_no_such_role_s"]
        let error = #expect(throws: RestoreError.self) { try fixture.restore(options) }
        let text = error.map { "\($0)" } ?? ""
        for needed in [
            "vault.documents.documents_creator_read needs function auth.uid()", "vault.documents.documents_org_read needs function auth.role()",
            "vault.documents.documents_org_read needs function auth.jwt()", "extension supabase_vault", "role sb_no_such_role_a (mapped from authenticated",
            "policy vault.embeddings.embeddings_of_readable_documents", "role sb_no_such_role_s", "policy vault.embeddings.embeddings_service",
            "--supabase-compat", "--create-missing-roles", "function vault.my_documents() calls auth.uid(), which the target lacks",
        ] {
            #expect(text.contains(needed), "missing \(needed.debugDescription) in: \(text)")
        }
        let admin = try Connection(plain)
        #expect(try admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]).rows.isEmpty)
        #expect(try admin.query("SELECT 1 FROM pg_roles WHERE rolname LIKE 'sb_no_such_role_%'").rows.isEmpty)
    }

    @Test("--role-map puts another role in every owner, grant, default privilege and policy; --create-missing-roles makes NOLOGIN placeholders")
    func roleMapAndPlaceholders() throws {
        let fixture = try BackupFixture()
        let backup = try supabaseBackup(fixture)
        let suffix = String(UInt32.random(in: 0...UInt32.max))
        let reader = "Reader \"\(suffix)\"", service = "svc_\(suffix)"
        try SupabaseStandIn.withPlainDatabase { target in
            let admin = try Connection(target)
            try admin.execute("CREATE ROLE \(try admin.quoteIdentifier(reader)) NOLOGIN")
            defer { try? admin.execute("DROP OWNED BY \(try admin.quoteIdentifier(reader)); DROP ROLE IF EXISTS \(try admin.quoteIdentifier(reader))") }
            defer { try? admin.execute("DROP OWNED BY \(try admin.quoteIdentifier(service)); DROP ROLE IF EXISTS \(try admin.quoteIdentifier(service))") }
            var options = RestoreOptions(repository: fixture.repository, set: backup.id.rawValue, target: target, destination: .existing(clean: false))
            options.identities = [fixture.identity]
            options.includeOwners = true
            options.includePrivileges = true
            options.supabaseCompat = true
            options.roleMap = ["authenticated": reader, "service_role": service, "supabase_admin": "postgres"]
            options.createMissingRoles = true
            _ = try fixture.restore(options)
            let restored = try Connection(target)
            let policyRoles = try restored.query("""
                SELECT policyname, array_to_string(roles, ',') AS roles FROM pg_policies WHERE schemaname = 'vault' ORDER BY 1
                """).rows.map { "\($0["policyname"] ?? ""):\($0["roles"] ?? "")" }
            #expect(policyRoles.contains("documents_creator_read:\(reader)"), "\(policyRoles)")
            #expect(policyRoles.contains("embeddings_service:\(service)"), "\(policyRoles)")
            let grantees = Set(try restored.query("""
                SELECT grantee FROM information_schema.role_table_grants WHERE table_schema = 'vault' AND table_name = 'documents'
                """).rows.compactMap { $0["grantee"] })
            #expect(grantees.isSuperset(of: [reader, service]) && !grantees.contains("authenticated"), "\(grantees)")
            let defaults = try restored.query("""
                SELECT pg_get_userbyid(defaclrole) AS owner, defaclacl::text AS acl FROM pg_default_acl d
                JOIN pg_namespace n ON n.oid = d.defaclnamespace WHERE n.nspname = 'vault'
                """).rows.map { "\($0["owner"] ?? "") \($0["acl"] ?? "")" }
            #expect(defaults.count == 1 && defaults[0].contains(service) && defaults[0].contains("Reader"), "\(defaults)")
            #expect(try restored.queryRow("SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = 'vault'")["owner"] == "postgres")
            let created = try restored.queryRow("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", [service]).decode(Bool.self, "rolcanlogin")
            #expect(created == false)
            // verify restored expects the mapped roles, not the source's.
            var verifier = RestoredVerifier(repository: fixture.repository, set: backup.id.rawValue, target: target)
            verifier.identities = [fixture.identity]
            let report = try verifier.run()
            #expect(report.passed, "\(report.differences.prefix(10))")
        }
    }

    @Test("Docker → Supabase: into the platform's vault beside the extension, pgvector where Supabase has it, grants mapped; verify compare passes")
    func plainToSupabase() throws {
        let reader = "app_reader_\(UInt32.random(in: 0...UInt32.max))"
        try SupabaseStandIn.withPlainDatabase(template: "workspace") { source in
            let plain = try Connection(source)
            try plain.execute("""
                CREATE ROLE \(reader) NOLOGIN; GRANT USAGE ON SCHEMA vault, crm TO \(reader);
                GRANT SELECT ON vault.documents, vault.embeddings TO \(reader);
                CREATE POLICY documents_reader ON vault.documents FOR SELECT TO \(reader) USING (true)
                """)
            defer { try? plain.execute("DROP OWNED BY \(reader); DROP ROLE IF EXISTS \(reader)") }
            let fixture = try BackupFixture()
            var backupOptions = fixture.options(source: source)
            backupOptions.schemas = BackupTests.workspaceSchemas
            let backup = try fixture.backup(backupOptions)
            #expect(backup.manifest.extensions.contains { $0.name == "vector" && $0.schema == "public" })

            try SupabaseStandIn.withEmptyProject { target in
                var options = RestoreOptions(repository: fixture.repository, set: backup.id.rawValue, target: target, destination: .existing(clean: false))
                options.identities = [fixture.identity]
                options.includeOwners = true
                options.includePrivileges = true
                options.roleMap = [reader: "authenticated"]

                // --clean would drop the extension's objects with the schema: refused by name.
                var cleaning = options
                cleaning.destination = .existing(clean: true)
                let refused = #expect(throws: RestoreError.self) { try fixture.restore(cleaning) }
                #expect("\(refused.map { "\($0)" } ?? "")".contains("schema vault in database \(target.databaseName) holds the objects of extension supabase_vault"))

                // --rename-schema works under the original name: it would rename the platform's vault.
                var renaming = options
                renaming.renameSchemas = ["vault": "app_vault"]
                let renameRefused = #expect(throws: RestoreError.self) { try fixture.restore(renaming) }
                #expect("\(renameRefused.map { "\($0)" } ?? "")".contains("--rename-schema vault=… works under the original name"))

                let result = try fixture.restore(options)
                #expect(result.tables == 53)
                let restored = try Connection(target)
                #expect(try restored.queryRow("SELECT current_user AS u, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)::text AS s")["s"] == "false")
                #expect(try restored.queryRow("SELECT count(*) AS n FROM vault.documents").decode(Int.self, "n") == 200)
                #expect(try restored.queryRow("SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'vault.embeddings'::regclass AND attname = 'embedding'")["t"]
                        == "extensions.vector(1536)")
                let policy = try restored.queryRow("SELECT array_to_string(roles, ',') AS r FROM pg_policies WHERE policyname = 'documents_reader'")["r"]
                #expect(policy == "authenticated")
                #expect(try restored.queryRow("SELECT has_table_privilege('authenticated', 'vault.embeddings', 'SELECT')::text AS p")["p"] == "true")
                // The platform's own objects are untouched: the extension's table and its secret, vault's owner.
                let admin = try Connection(try ConnectionTarget(SupabaseStandIn.adminURL()).database(target.databaseName))
                #expect(try admin.queryRow("SELECT count(*) AS n FROM vault.secrets").decode(Int.self, "n") == 1)
                #expect(try admin.queryRow("SELECT pg_get_userbyid(nspowner) AS o FROM pg_namespace WHERE nspname = 'vault'")["o"] == "supabase_admin")
                #expect(try admin.queryRow("SELECT count(*) AS n FROM pg_extension WHERE extname = 'vector'").decode(Int.self, "n") == 1)

                var restoredVerifier = RestoredVerifier(repository: fixture.repository, set: backup.id.rawValue, target: target)
                restoredVerifier.identities = [fixture.identity]
                let restoredReport = try restoredVerifier.run()
                #expect(restoredReport.passed, "\(restoredReport.differences.prefix(10))")

                var compare = CompareVerifier(source: source, target: target)
                compare.schemas = BackupTests.workspaceSchemas
                compare.roleMap = options.roleMap
                let report = try compare.run()
                #expect(report.passed, "\(report.differences.prefix(10))")
                #expect(report.checks.count > 300)
            }
        }
    }

    @Test("into a target where postgres is not superuser, every right it lacks is named at once and nothing changes")
    func nonSuperuserRights() throws {
        // A source on the stand-in itself, made by its superuser: an extension only a superuser
        // may create, inside the dumped schema, and a table owned by a role postgres is not in.
        let admin = try ConnectionTarget(SupabaseStandIn.adminURL())
        let source = "t_src_\(UInt32.random(in: 0...UInt32.max))"
        let server = try Connection(admin)
        try server.execute("CREATE DATABASE \(source)")
        defer { try? server.execute("DROP DATABASE IF EXISTS \(source) WITH (FORCE)") }
        let sourceTarget = try admin.database(source)
        try Connection(sourceTarget).execute("""
            CREATE SCHEMA app; CREATE EXTENSION vector WITH SCHEMA app;
            CREATE TABLE app.items (id int PRIMARY KEY, e app.vector(3)); INSERT INTO app.items VALUES (1, '[1,2,3]');
            ALTER TABLE app.items OWNER TO supabase_storage_admin
            """)
        let fixture = try BackupFixture()
        var backupOptions = fixture.options(source: sourceTarget)
        backupOptions.schemas = ["app"]
        let backup = try fixture.backup(backupOptions)

        // A database postgres made itself: no pgvector yet, and only a superuser may create it.
        let project = try Connection(try SupabaseStandIn.url())
        let empty = "t_empty_\(UInt32.random(in: 0...UInt32.max))"
        try project.execute("CREATE DATABASE \(empty) TEMPLATE template0")
        defer { try? server.execute("DROP DATABASE IF EXISTS \(empty) WITH (FORCE)") }
        do {
            let target = try SupabaseStandIn.target().database(empty)
            var options = RestoreOptions(repository: fixture.repository, set: backup.id.rawValue, target: target, destination: .existing(clean: false))
            options.identities = [fixture.identity]
            options.includeOwners = true
            let error = #expect(throws: RestoreError.self) { try fixture.restore(options) }
            let text = error.map { "\($0)" } ?? ""
            #expect(text.contains("extension vector can only be created by a superuser and role postgres is not one"), "\(text)")
            #expect(text.contains("role postgres is not a member of role supabase_storage_admin, so it cannot make supabase_storage_admin the owner of app.items"), "\(text)")
            #expect(text.contains("--no-owner"), "\(text)")
            let restored = try Connection(target)
            #expect(try restored.query("SELECT 1 FROM pg_namespace WHERE nspname = 'app'").rows.isEmpty)
            #expect(try RestoreMarker.read(on: restored) == nil)
        }
    }
}

extension SupabaseRestoreTests {
    @Test("a Supabase set taken with its own auth schema drills into plain PostgreSQL without flags, and with --supabase-compat too",
          arguments: [false, true])
    func drillWithOwnAuth(supabaseCompat: Bool) throws {
        let fixture = try BackupFixture()
        var options = fixture.options(source: try SupabaseStandIn.target())
        options.schemas = BackupTests.workspaceSchemas + ["auth"]
        let backup = try fixture.backup(options)
        #expect(backup.manifest.schemas.contains { $0.name == "auth" })
        var drill = DrillRunner(repository: fixture.repository, target: try ConnectionTarget(SupabaseStandIn.plainURL()),
                                reporter: ProgressReporter(mode: .silent))
        drill.identities = [fixture.identity]
        drill.supabaseCompat = supabaseCompat
        let report = try drill.run()
        #expect(report.passed, "\(report)")
        #expect(report.scratchDropped)
    }
}
