import ArkivArchive
import ArkivPostgres

/// Everything one backup run needs, from flags or a policy file.
public struct BackupOptions: Sendable {
    public var source: ConnectionTarget
    /// A directory, or `s3://BUCKET/PREFIX`.
    public var repository: String
    /// Schemas to back up; empty means every non-system, non-extension schema.
    public var schemas: [String] = []
    public var excludeSchemas: [String] = []
    /// `schema.table` names whose rows are left out (caches); their DDL is kept.
    public var excludeTableData: [String] = []
    public var recipients: [Recipient] = []
    public var passphrase: SecureBytes?
    /// False only with an explicit --no-encryption; recorded in the manifest.
    public var encrypt = true
    public var codec: Codec = .default
    public var jobs = 2
    public var label: String?
    public var pin = false
    /// How long to wait for each table's ACCESS SHARE lock, e.g. "30s".
    public var lockTimeout = "30s"
    /// Take a set even when the source has no tables (`--allow-empty`): otherwise refused, so a
    /// wrong connection string cannot make an empty set that looks good.
    public var allowEmpty = false
    public var includeOwners = true
    public var includePrivileges = true
    /// Keep option values of foreign servers and user mappings that may be credentials.
    public var includeForeignSecrets = false
    /// Take the database's large objects: nil decides as pg_dump does, yes for a backup of the
    /// whole database (no `--schema`), no for some schemas only.
    public var largeObjects: Bool?

    var takesLargeObjects: Bool { largeObjects ?? schemas.isEmpty }

    public init(source: ConnectionTarget, repository: String) {
        self.source = source
        self.repository = repository
    }
}
