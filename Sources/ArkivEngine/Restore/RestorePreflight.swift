import ArkivArchive
import ArkivCatalog
import ArkivPostgres

/// What the target must offer before a byte is loaded; every shortfall is reported at once.
enum RestorePreflight {
    /// What the checks found to do before the first statement.
    struct Outcome {
        /// Roles to create as NOLOGIN placeholders.
        var rolesToCreate: [String] = []
        var restorer: TargetChecks.Restorer
        /// Statements left out because what they need is neither in the set nor on the target:
        /// "kind name" → what it needs.
        var unmetRequirements: [String: String] = [:]
    }

    /// A new database: it must not exist, the role must be able to create it, and every
    /// extension the set needs must be installable.
    static func check(_ admin: Connection, manifest: Manifest, plan: RestorePlan, creating database: String,
                      options: RestoreOptions, leftOutExtensions: Set<String> = []) throws -> Outcome {
        var problems: [String] = []
        if try !admin.query("SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1", [database]).rows.isEmpty {
            problems.append("database \(database) already exists on the target; choose another --scratch name or drop it")
        }
        let role = try admin.queryRow("SELECT rolcreatedb OR rolsuper AS can FROM pg_catalog.pg_roles WHERE rolname = current_user")
        if try !role.decode(Bool.self, "can") {
            problems.append("role \(try admin.queryRow("SELECT current_user AS u")["u"] ?? "?") may not create databases (needs CREATEDB); use a role that has it, or restore --into-existing")
        }
        if let locale = manifest.source.locale, !options.targetLocale {
            problems += try ScratchDatabase.problems(locale, on: admin)
        }
        // A new database (from template0) already has schema public.
        problems += renameProblems(options, plan: plan, existing: ["public"], database: "every new database")
        problems += try missingExtensions(admin, manifest: manifest, skipping: leftOutExtensions)
        // The new database is the restorer's: it may create trusted extensions in it.
        let restorer = try TargetChecks.Restorer(admin)
        problems += try TargetChecks.extensionRights(admin, manifest: manifest, skipping: leftOutExtensions, restorer: restorer,
                                                     mayCreateInDatabase: true, installed: [])
        // A database about to be created holds nothing the set could require.
        return try rolesAndRequirements(problems, on: admin, database: nil, manifest: manifest, plan: plan, options: options, restorer: restorer)
    }

    /// An existing database: the schemas being restored must not exist there (unless they are
    /// to be dropped first), and the extensions must be installable.
    static func check(_ connection: Connection, manifest: Manifest, plan: RestorePlan, existingWithClean clean: Bool,
                      options: RestoreOptions, leftOutExtensions: Set<String> = [], sharedSchemas: [String: [String]] = [:]) throws -> Outcome {
        var problems: [String] = []
        for (schema, extensions) in sharedSchemas.sorted(by: { $0.key < $1.key }) where clean {
            problems.append("schema \(schema) in database \(connection.database) holds the objects of extension \(extensions.joined(separator: ", ")); "
                            + "--clean would drop them: restore without --clean (the set's objects go beside them), or --rename-schema")
        }
        for schema in sharedSchemas.keys.sorted() where options.renameSchemas[schema] != nil {
            // The restore works under the original names and renames last: that would rename the platform's schema.
            problems.append("schema \(schema) already exists in database \(connection.database) with extension \(sharedSchemas[schema, default: []].joined(separator: ", ")); "
                            + "--rename-schema \(schema)=… works under the original name and would rename it: restore into \(schema) beside the extension instead")
        }
        problems += try clashes(connection, plan: plan, in: Set(sharedSchemas.keys))
        problems += try TargetChecks.databaseWideClashes(connection, statements: plan.preData + plan.postData)
        if !clean {
            // Both the names the restore works under and the final ones must be free.
            let present = try connection.query(
                "SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = ANY($1::text[]) ORDER BY 1",
                [Array(Set(plan.schemas + plan.finalNames))]).rows
                .compactMap { $0["nspname"] }
            for schema in present where sharedSchemas[schema] == nil {
                problems.append("schema \(schema) already exists in database \(connection.database); an existing database is never changed by accident: use --clean --yes to drop and replace it, or restore into a --scratch database")
            }
        }
        problems += renameProblems(options, plan: plan, existing: [], database: connection.database)
        problems += try missingExtensions(connection, manifest: manifest, skipping: leftOutExtensions)
        let restorer = try TargetChecks.Restorer(connection)
        let installed = Set(try connection.query("SELECT extname FROM pg_catalog.pg_extension").rows.compactMap { $0["extname"] })
        let mayCreate = try connection.queryRow("SELECT pg_catalog.has_database_privilege(current_database(), 'CREATE') AS can").decode(Bool.self, "can")
        problems += try TargetChecks.extensionRights(connection, manifest: manifest, skipping: leftOutExtensions, restorer: restorer,
                                                     mayCreateInDatabase: mayCreate, installed: installed)
        return try rolesAndRequirements(problems, on: connection, database: connection, manifest: manifest, plan: plan, options: options,
                                        restorer: restorer)
    }

    /// `--rename-schema` onto a name that cannot be had: a system schema, another schema of the
    /// set, or one the new database already has. Refused before anything is created, not by the
    /// final ALTER SCHEMA … RENAME after the whole load.
    static func renameProblems(_ options: RestoreOptions, plan: RestorePlan, existing: Set<String>, database: String) -> [String] {
        var problems: [String] = []
        for (old, new) in options.renameSchemas.sorted(by: { $0.key < $1.key }) {
            if new.hasPrefix("pg_") || new == "information_schema" {
                problems.append("--rename-schema \(old)=\(new): \(new) is a system schema name; choose another")
            } else if existing.contains(new) {
                problems.append("--rename-schema \(old)=\(new): schema \(new) already exists in \(database); choose another name")
            } else if plan.schemas.contains(new) && options.renameSchemas[new] == nil {
                problems.append("--rename-schema \(old)=\(new): the set has a schema \(new) too; rename that one as well, or choose another name")
            } else if options.renameSchemas.filter({ $0.value == new }).count > 1 {
                problems.append("--rename-schema \(old)=\(new): two schemas renamed onto \(new)")
            }
        }
        return problems
    }

    /// The checks both destinations end with: roles the statements name, and what they need from
    /// outside the set (looked up in `database`, when it exists); then every problem at once.
    private static func rolesAndRequirements(
        _ problems: [String], on server: Connection, database: Connection?, manifest: Manifest, plan: RestorePlan,
        options: RestoreOptions, restorer: TargetChecks.Restorer
    ) throws -> Outcome {
        let statements = plan.preData + plan.postData
        let roles = try TargetChecks.roles(server, statements: statements, options: options, restorer: restorer)
        let requirements = try TargetChecks.requirements(database, manifest: manifest, statements: statements, options: options)
        let all = problems + TargetChecks.superuserObjects(statements, restorer: restorer) + roles.problems + requirements.problems
        guard all.isEmpty else { throw RestoreError.preflight(all) }
        return Outcome(rolesToCreate: roles.toCreate, restorer: restorer, unmetRequirements: requirements.leftOut)
    }

    /// Relations of the set that already exist in a shared schema (beside the extension's).
    static func clashes(_ connection: Connection, plan: RestorePlan, in schemas: Set<String>) throws -> [String] {
        guard !schemas.isEmpty else { return [] }
        let relations = plan.preData.filter {
            ["table", "view", "materialized view", "sequence"].contains($0.kind) && QualifiedName.schema(ofDottedName: $0.name).map(schemas.contains) == true
        }.map(\.name)
        guard !relations.isEmpty else { return [] }
        return try connection.query("SELECT r FROM unnest($1::text[]) r WHERE to_regclass(r) IS NOT NULL ORDER BY 1", [relations]).rows
            .compactMap { $0["r"] }
            .map { "\($0) already exists in database \(connection.database) (beside an extension's objects); an existing object is never replaced: rename or drop it first" }
    }

    static func missingExtensions(_ connection: Connection, manifest: Manifest, skipping: Set<String> = []) throws -> [String] {
        let available = try availableVersions(connection)
        return manifest.extensions.filter { available[$0.name] == nil && !skipping.contains($0.name) }.map {
            var problem = "extension \($0.name) (version \($0.version) on the source) is not available on the target server; install its package there first"
            if SupabaseCompat.platformExtensions.contains($0.name) {
                problem += ", or add --supabase-compat to leave out Supabase's own extension (its objects are not in the set)"
            }
            return problem
        }
    }

    /// Extension name → versions the server can install.
    static func availableVersions(_ connection: Connection) throws -> [String: Set<String>] {
        var versions: [String: Set<String>] = [:]
        for row in try connection.query("SELECT name, version FROM pg_catalog.pg_available_extension_versions").rows {
            guard let name = row["name"], let version = row["version"] else { continue }
            versions[name, default: []].insert(version)
        }
        return versions
    }
}
