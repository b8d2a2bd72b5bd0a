import ArkivArchive
import ArkivPostgres

/// What the target must offer before a byte is loaded; every shortfall is reported at once.
enum RestorePreflight {
    /// A new database: it must not exist, the role must be able to create it, and every
    /// extension the set needs must be installable.
    static func check(_ admin: Connection, manifest: Manifest, plan: RestorePlan, creating database: String) throws {
        var problems: [String] = []
        if try !admin.query("SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1", [database]).rows.isEmpty {
            problems.append("database \(database) already exists on the target; choose another --scratch name or drop it")
        }
        let role = try admin.queryRow("SELECT rolcreatedb OR rolsuper AS can FROM pg_catalog.pg_roles WHERE rolname = current_user")
        if try !role.decode(Bool.self, "can") {
            problems.append("role \(try admin.queryRow("SELECT current_user AS u")["u"] ?? "?") may not create databases (needs CREATEDB); use a role that has it, or restore --into-existing")
        }
        problems += try missingExtensions(admin, manifest: manifest)
        guard problems.isEmpty else { throw RestoreError.preflight(problems) }
    }

    /// An existing database: the schemas being restored must not exist there (unless they are
    /// to be dropped first), and the extensions must be installable.
    static func check(_ connection: Connection, manifest: Manifest, plan: RestorePlan, existingWithClean clean: Bool) throws {
        var problems: [String] = []
        if !clean {
            // Both the names the restore works under and the final ones must be free.
            let present = try connection.query(
                "SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = ANY($1::text[]) ORDER BY 1",
                [Array(Set(plan.schemas + plan.finalNames))]).rows
                .compactMap { $0["nspname"] }
            for schema in present {
                problems.append("schema \(schema) already exists in database \(connection.database); an existing database is never changed by accident: use --clean --yes to drop and replace it, or restore into a --scratch database")
            }
        }
        problems += try missingExtensions(connection, manifest: manifest)
        guard problems.isEmpty else { throw RestoreError.preflight(problems) }
    }

    static func missingExtensions(_ connection: Connection, manifest: Manifest) throws -> [String] {
        let available = try availableVersions(connection)
        return manifest.extensions.filter { available[$0.name] == nil }.map {
            "extension \($0.name) (version \($0.version) on the source) is not available on the target server; install its package there first"
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
