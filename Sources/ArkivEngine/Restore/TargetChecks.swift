import ArkivArchive
import ArkivCatalog
import ArkivPostgres

/// The checks of the target that go beyond databases and schemas: the roles the statements
/// name, the objects outside the set they need, and the right to create extensions. Each
/// returns every problem it finds, with the flag that fixes it.
enum TargetChecks {
    /// Who runs the restore, as far as the checks care.
    struct Restorer {
        let name: String
        let isSuperuser: Bool
        let mayCreateRoles: Bool

        init(_ connection: Connection) throws {
            let row = try connection.queryRow(
                "SELECT current_user AS name, rolsuper, rolcreaterole FROM pg_catalog.pg_roles WHERE rolname = current_user")
            name = try row.decode(String.self, "name")
            let isSuperuser = try row.decode(Bool.self, "rolsuper"), createRole = try row.decode(Bool.self, "rolcreaterole")
            self.isSuperuser = isSuperuser
            mayCreateRoles = isSuperuser || createRole
        }
    }

    struct RoleResult {
        /// Roles to create (NOLOGIN) before the first statement.
        var toCreate: [String] = []
        var problems: [String] = []
    }

    /// Every role the statements name must exist, be created (`--create-missing-roles`, or
    /// `--supabase-compat` for Supabase's), or be mapped (`--role-map`); owners must be roles
    /// the restorer may give objects to.
    static func roles(_ connection: Connection, statements: [DDLStatement], options: RestoreOptions, restorer: Restorer) throws -> RoleResult {
        var users: [String: [String]] = [:]
        var owners: [String: [String]] = [:]
        for statement in statements {
            for role in statement.roleNames { users[role, default: []].append("\(statement.kind) \(statement.name)") }
            // The role that will own something: ALTER … OWNER TO r, ALTER DEFAULT PRIVILEGES FOR ROLE r.
            let owner = statement.isOwnership ? statement.roles?.first : statement.kind == "default-acl" ? statement.roles?.first : nil
            if let owner { owners[owner.role, default: []].append(statement.isOwnership ? statement.name : "\(statement.kind) \(statement.name)") }
        }
        guard !users.isEmpty else { return RoleResult() }
        let existing = Set(try connection.query(
            "SELECT rolname FROM pg_catalog.pg_roles WHERE rolname = ANY($1::text[])", [Array(users.keys)]).rows.compactMap { $0["rolname"] })
        let mappedBack = Dictionary(options.roleMap.map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var result = RoleResult()
        for role in users.keys.sorted() where !existing.contains(role) {
            if options.createMissingRoles || (options.supabaseCompat && SupabaseCompat.roles.contains(role)) {
                result.toCreate.append(role)
                continue
            }
            let source = mappedBack[role].map { " (mapped from \($0) by --role-map)" } ?? ""
            var fixes = ["--role-map \(role)=<existing role>", "--create-missing-roles (a NOLOGIN placeholder)"]
            if SupabaseCompat.roles.contains(role) { fixes.append("--supabase-compat") }
            if (users[role] ?? []).allSatisfy({ $0.hasPrefix("owner ") || $0.hasPrefix("acl ") || $0.hasPrefix("default-acl ") }) {
                fixes.append("--no-owner/--no-privileges")
            }
            result.problems.append("role \(role)\(source) does not exist on the target; it is named by \(list(users[role] ?? [])); fix with "
                                   + fixes.joined(separator: ", or "))
        }
        if !result.toCreate.isEmpty && !restorer.mayCreateRoles {
            result.problems.append("role \(restorer.name) may not create roles (needs CREATEROLE), so the placeholders \(result.toCreate.joined(separator: ", ")) "
                                   + "cannot be made; create them first, use a role with CREATEROLE, or --role-map them to existing roles")
        }
        if !restorer.isSuperuser {
            let present = owners.keys.filter(existing.contains).sorted()
            let members = Set(try connection.query(
                "SELECT r AS rolname FROM unnest($1::text[]) r WHERE pg_catalog.pg_has_role(current_user, r, 'MEMBER')", [present])
                .rows.compactMap { $0["rolname"] })
            for role in present where !members.contains(role) {
                result.problems.append("role \(restorer.name) is not a member of role \(role), so it cannot make \(role) the owner of \(list(owners[role] ?? [])); "
                                       + "fix with --no-owner, --role-map \(role)=\(restorer.name), or restore as a member of \(role)")
            }
        }
        return result
    }

    /// What the set's objects need from outside it (`requires` in the manifest), checked where
    /// arkiv can tell: functions, relations, types, schemas. `--supabase-compat` provides
    /// Supabase's auth functions.
    /// What the set's statements need from outside the set (a subset backup's foreign keys into
    /// schemas it left out, triggers calling their functions): present in `connection`'s
    /// database, or a problem. Foreign keys, triggers and policies are left out instead, as a
    /// `--schema` restore leaves out what needs a schema it does not restore, and named; they
    /// are returned as "kind name" → what they need.
    static func requirements(_ connection: Connection?, manifest: Manifest, statements: [DDLStatement], options: RestoreOptions) throws
        -> (problems: [String], leftOut: [String: String])
    {
        let restored = Set(statements.map(\.name))
        let skippable = Dictionary(statements.filter { Self.skippableKinds.contains($0.kind) }.map { ($0.name, $0.kind) },
                                   uniquingKeysWith: { first, _ in first })
        var problems: [String] = [], leftOut: [String: String] = [:]
        for requirement in manifest.requires where restored.contains(requirement.object) {
            guard let (kind, name) = split(requirement.needs), let lookup = lookups[kind] else { continue }
            var present = false
            if let connection {
                present = try connection.queryRow("SELECT \(lookup)($1) IS NOT NULL AS present", [name]).decode(Bool.self, "present")
            }
            if present || (options.supabaseCompat && SupabaseCompat.provides(requirement.needs)) { continue }
            if let kind = skippable[requirement.object], !SupabaseCompat.provides(requirement.needs) {
                leftOut["\(kind) \(requirement.object)"] = requirement.needs
                continue
            }
            let fix = SupabaseCompat.provides(requirement.needs)
                ? "add --supabase-compat (it creates Supabase's auth functions)"
                : "create it in the target first, or restore the set that holds it"
            problems.append("\(requirement.object) needs \(requirement.needs), which the target lacks; \(fix)")
        }
        // Function bodies are text (no pg_depend): look for calls of Supabase's auth functions
        // that neither the set (an application's own `auth` schema) nor the target defines.
        if !options.supabaseCompat {
            var missing: [String: Bool] = [:]
            let defined = SupabaseCompat.authFunctionsDefined(by: statements)
            for statement in statements where statement.kind == "function" || statement.kind == "procedure" {
                for function in SupabaseCompat.authFunctions
                where !defined.contains(function.signature) && statement.sql.contains(function.signature.dropLast()) {
                    if missing[function.signature] == nil {
                        missing[function.signature] = try connection.map {
                            try $0.queryRow("SELECT to_regprocedure($1) IS NULL AS absent", [function.signature]).decode(Bool.self, "absent")
                        } ?? true
                    }
                    guard missing[function.signature] == true else { continue }
                    problems.append("\(statement.kind) \(statement.name) calls \(function.signature), which the target lacks; add --supabase-compat "
                                    + "(it creates Supabase's auth functions)")
                }
            }
        }
        return (problems, leftOut)
    }

    /// The large objects the statements create that the connection's database already has.
    static func existingLargeObjects(_ connection: Connection, of statements: [DDLStatement]) throws -> [String] {
        let oids = LargeObjectData.oids(createdBy: statements).map(String.init)
        guard !oids.isEmpty else { return [] }
        return try connection.query(
            "SELECT oid::text AS oid FROM pg_catalog.pg_largeobject_metadata WHERE oid = ANY($1::pg_catalog.oid[]) ORDER BY oid", [oids])
            .rows.compactMap { $0["oid"] }
    }

    /// Statement kinds only a superuser may run, as the objects they make are named.
    private static let superuserKinds = [
        "event-trigger": "event trigger", "foreign-data-wrapper": "foreign-data wrapper",
        "text-search-parser": "text search parser", "text-search-template": "text search template",
        "operator-family": "operator family", "operator-class": "operator class",
    ]

    /// The objects of the set only a superuser can create, when the restorer is not one: each
    /// named, before anything changes.
    static func superuserObjects(_ statements: [DDLStatement], restorer: Restorer) -> [String] {
        guard !restorer.isSuperuser else { return [] }
        return statements.compactMap { statement in
            superuserKinds[statement.kind].map {
                "\($0) \(statement.name) can only be created by a superuser and role \(restorer.name) is not one; "
                    + "restore as a superuser, or restore --schema without the schema that holds it"
            }
        }
    }

    /// Database-wide objects of the set (foreign-data wrappers, servers, event triggers) that an
    /// existing database already has: creating them would fail half-way, so they are named first.
    static func databaseWideClashes(_ connection: Connection, statements: [DDLStatement]) throws -> [String] {
        let lookups = [
            "foreign-data-wrapper": "SELECT 1 FROM pg_catalog.pg_foreign_data_wrapper WHERE fdwname = $1",
            "foreign-server": "SELECT 1 FROM pg_catalog.pg_foreign_server WHERE srvname = $1",
            "event-trigger": "SELECT 1 FROM pg_catalog.pg_event_trigger WHERE evtname = $1",
        ]
        var problems: [String] = []
        for statement in statements {
            guard let lookup = lookups[statement.kind], try !connection.query(lookup, [statement.name]).rows.isEmpty else { continue }
            problems.append("\(statement.kind.replacingOccurrences(of: "-", with: " ")) \(statement.name) already exists in database "
                            + "\(connection.database); it belongs to the database, not a schema, so --clean does not drop it: drop or rename it first, or restore into a --scratch database")
        }
        // Large objects keep their OIDs (the oid columns point at them): one the target already has is in the way.
        let taken = try existingLargeObjects(connection, of: statements)
        if !taken.isEmpty {
            problems.append("large objects \(list(taken)) of the set already exist in database \(connection.database) (a large object keeps its OID, "
                            + "which the set's oid columns point at); remove them (SELECT lo_unlink(oid)) if the set's should replace them, or restore into a --scratch database")
        }
        return problems
    }

    /// Statements a restore can do without (the data and every other object stay whole).
    private static let skippableKinds: Set<String> = ["fk", "trigger", "policy"]

    /// Extensions the restore will create: the restorer must be allowed to (superuser, or a
    /// trusted extension and CREATE on the database).
    static func extensionRights(_ connection: Connection, manifest: Manifest, skipping: Set<String>, restorer: Restorer,
                                mayCreateInDatabase: Bool, installed: Set<String>) throws -> [String] {
        guard !restorer.isSuperuser else { return [] }
        let wanted = manifest.extensions.map(\.name).filter { $0 != "plpgsql" && !skipping.contains($0) && !installed.contains($0) }
        guard !wanted.isEmpty else { return [] }
        let trusted = Set(try connection.query(
            "SELECT DISTINCT name FROM pg_catalog.pg_available_extension_versions WHERE name = ANY($1::text[]) AND (trusted OR NOT superuser)",
            [wanted]).rows.compactMap { $0["name"] })
        var problems: [String] = []
        for name in wanted.sorted() {
            if !trusted.contains(name) {
                problems.append("extension \(name) can only be created by a superuser and role \(restorer.name) is not one; "
                                + "have an administrator run CREATE EXTENSION \(name) in the target first")
            } else if !mayCreateInDatabase {
                problems.append("role \(restorer.name) may not create extension \(name) (needs CREATE on the database); grant it, or create the extension first")
            }
        }
        return problems
    }

    private static let lookups = [
        "function": "pg_catalog.to_regprocedure", "procedure": "pg_catalog.to_regprocedure",
        "table": "pg_catalog.to_regclass", "view": "pg_catalog.to_regclass", "materialized view": "pg_catalog.to_regclass",
        "sequence": "pg_catalog.to_regclass", "type": "pg_catalog.to_regtype", "schema": "pg_catalog.to_regnamespace",
    ]

    /// "function auth.uid()" → ("function", "auth.uid()"); "materialized view a.b" likewise.
    private static func split(_ needs: String) -> (String, String)? {
        for kind in lookups.keys.sorted(by: { $0.count > $1.count }) where needs.hasPrefix(kind + " ") {
            return (kind, String(needs.dropFirst(kind.count + 1)))
        }
        return nil
    }

    private static func list(_ users: [String]) -> String {
        let shown = users.prefix(5).joined(separator: ", ")
        return users.count > 5 ? "\(shown) and \(users.count - 5) more" : shown
    }

    /// Creates roles as NOLOGIN placeholders; a restorer that is not a superuser joins them,
    /// so it may make them owners.
    static func createRoles(_ roles: [String], on connection: Connection, restorer: Restorer) throws {
        for role in roles {
            // Roles are server-wide: another restore may have made it since the check.
            try connection.execute("""
                DO $arkiv$ BEGIN EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', \(try connection.quoteLiteral(role)));
                EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $arkiv$
                """)
            if !restorer.isSuperuser { try connection.execute("GRANT \(try connection.quoteIdentifier(role)) TO CURRENT_USER") }
        }
    }
}
