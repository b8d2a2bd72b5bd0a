import ArkivArchive
import ArkivPostgres

/// Everything one restore needs, from flags or a policy file.
public struct RestoreOptions: Sendable {
    public enum Destination: Sendable, Equatable {
        /// A new database on the target server (default name `arkiv_scratch_<backup id>`).
        case scratch(name: String?)
        /// The database named in the target URL; the restored schemas must not exist there
        /// (or are dropped first with `clean`).
        case existing(clean: Bool)
    }

    public var repository: String
    /// A backup id or `latest`.
    public var set: String
    /// The server (and, for `.existing`, the database) to restore into.
    public var target: ConnectionTarget
    public var destination: Destination
    /// Schemas to restore; empty means every schema of the set.
    public var schemas: [String] = []
    /// Schemas restored under another name: old → new. The restore runs with the original
    /// names and renames at the end, so every cross-reference stays right.
    public var renameSchemas: [String: String] = [:]
    /// `schema.table` names whose data alone is loaded into the existing structure of the target
    /// (with `.existing`): no DDL, the tables must exist and be empty.
    public var tables: [String] = []
    /// Data only, into the target's existing tables (deployed by another tool): no DDL; a
    /// compatibility check first, then one transaction (see DataOnlyRestore).
    public var dataOnly = false
    /// With `dataOnly` (or `tables`): empty the target tables first, in the same transaction.
    public var truncate = false
    /// With `dataOnly`: columns of the set the target lacks are left out instead of stopping the load.
    public var skipMissingColumns = false
    public var jobs = 2
    /// A scratch database takes the target server's default encoding and locale instead of the
    /// source database's (`--target-locale`): for a server that lacks the source's locale.
    public var targetLocale = false
    /// `maintenance_work_mem` for the restore's own index builds (a PostgreSQL size such as
    /// `2GB`); nil keeps the server's. Not raised by default: pgvector's parallel HNSW build
    /// places its graph in dynamic shared memory of that size, and a Docker container's /dev/shm
    /// (64 MB unless configured) would make a build fail that the server's own setting allows.
    public var maintenanceWorkMemory: String?
    public var identities: [Identity] = []
    public var passphrase: SecureBytes?
    /// Owners, grants and default privileges come back by default, scratch or not: a drill
    /// proves the security model only if it restores it. Roles the target lacks are reported
    /// in the preflight (or mapped, or created as placeholders); `--no-owner` and
    /// `--no-privileges` opt out.
    public var includeOwners = true
    public var includePrivileges = true
    /// Roles named by owners, grants, default privileges and policies, restored as another
    /// role of the target: source role → target role (`--role-map old=new`).
    public var roleMap: [String: String] = [:]
    /// Roles the target lacks are created as NOLOGIN placeholders (`--create-missing-roles`).
    public var createMissingRoles = false
    /// A Supabase set into plain PostgreSQL (`--supabase-compat`): Supabase's roles (NOLOGIN)
    /// and `auth.uid()`/`role()`/`jwt()` are created where missing, and Supabase's own
    /// extensions the target cannot install are left out (see `SupabaseCompat`).
    public var supabaseCompat = false
    /// Supabase's own extensions (supabase_vault, pg_graphql, …) that the target cannot install
    /// are left out, as `--supabase-compat` leaves them out, without its other changes: a
    /// drill's scratch server is plain PostgreSQL, and their objects were never in the set.
    public var leaveOutPlatformExtensions = false
    /// The drill that runs this restore, recorded in the database's marker.
    public var drillOwner: RestoreMarker.DrillOwner?

    public init(repository: String, set: String, target: ConnectionTarget, destination: Destination) {
        self.repository = repository
        self.set = set
        self.target = target
        self.destination = destination
    }

    /// A size `maintenance_work_mem` takes as arkiv passes it on: `512MB`, `2GB`.
    public static func isMemorySize(_ text: String) -> Bool {
        text.range(of: #"^[1-9][0-9]*(kB|MB|GB|TB)$"#, options: .regularExpression) != nil
    }
}
