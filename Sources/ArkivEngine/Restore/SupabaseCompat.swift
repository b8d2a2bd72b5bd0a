import ArkivCatalog
import ArkivPostgres

/// What a Supabase project provides that its application schemas lean on, and that a plain
/// PostgreSQL lacks: the API roles, and `auth.uid()`, `auth.role()`, `auth.jwt()`, which read
/// the JWT claims PostgREST puts in `request.jwt.claims` for each request. `--supabase-compat`
/// creates those that are missing (and only those), so RLS policies restore and behave the
/// same for the same claims.
enum SupabaseCompat {
    /// Supabase's roles; created NOLOGIN: they exist for grants and policies, nobody logs in.
    static let roles: Set<String> = [
        "anon", "authenticated", "service_role", "authenticator", "supabase_admin",
        "supabase_auth_admin", "supabase_storage_admin", "dashboard_user",
    ]

    /// Roles the API connects as; they need USAGE on `auth` to evaluate policies.
    static let apiRoles = ["anon", "authenticated", "service_role"]

    /// Extensions that are part of the Supabase platform, not of the application: where the
    /// target cannot install them they are left out (their objects never were in the set).
    static let platformExtensions: Set<String> = [
        "supabase_vault", "pgsodium", "pg_graphql", "pg_net", "pg_cron", "pgjwt", "supautils", "pg_stat_monitor",
    ]

    /// The `auth` functions, with their bodies as Supabase's auth migrations define them.
    static let authFunctions: [(signature: String, sql: String)] = [
        ("auth.uid()", """
            CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$
              select coalesce(
                nullif(current_setting('request.jwt.claim.sub', true), ''),
                (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
              )::uuid
            $$
            """),
        ("auth.role()", """
            CREATE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $$
              select coalesce(
                nullif(current_setting('request.jwt.claim.role', true), ''),
                (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
              )::text
            $$
            """),
        ("auth.jwt()", """
            CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $$
              select coalesce(
                nullif(current_setting('request.jwt.claim', true), ''),
                nullif(current_setting('request.jwt.claims', true), '')
              )::jsonb
            $$
            """),
    ]

    /// Whether `--supabase-compat` provides what a requirement names (`function auth.uid()`).
    static func provides(_ needs: String) -> Bool {
        authFunctions.contains { "function \($0.signature)" == needs }
    }

    /// The auth functions (by signature) that the set itself creates: a self-hosted Supabase,
    /// a PostgREST-style application or a backup that included `auth` brings its own.
    static func authFunctionsDefined(by statements: [DDLStatement]) -> Set<String> {
        let signatures = Set(authFunctions.map(\.signature))
        return Set(statements.filter { $0.kind == "function" && signatures.contains($0.name) }.map(\.name))
    }

    /// Creates the `auth` schema and the functions that neither the target nor the set has
    /// (`definedBySet`); returns what it created. When the set brings its own `auth` schema this
    /// runs after pre-data, so it never collides with the set's objects.
    static func createAuth(on connection: Connection, definedBySet: Set<String> = []) throws -> [String] {
        var created: [String] = []
        for function in authFunctions where !definedBySet.contains(function.signature) {
            let present = try connection.queryRow("SELECT to_regprocedure($1) IS NOT NULL AS present", [function.signature])
                .decode(Bool.self, "present")
            guard !present else { continue }
            if created.isEmpty { try connection.execute("CREATE SCHEMA IF NOT EXISTS auth") }
            try connection.execute(function.sql)
            created.append("function \(function.signature)")
        }
        guard !created.isEmpty else { return [] }
        // Policies are evaluated as the API roles: they must reach the functions.
        let present = try connection.query("SELECT rolname FROM pg_catalog.pg_roles WHERE rolname = ANY($1::text[]) ORDER BY 1", [apiRoles])
            .rows.compactMap { $0["rolname"] }
        for role in present {
            try connection.execute("GRANT USAGE ON SCHEMA auth TO \(try connection.quoteIdentifier(role))")
        }
        return created
    }
}
