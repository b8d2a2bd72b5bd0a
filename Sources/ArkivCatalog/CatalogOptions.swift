/// What a catalog read includes besides the object definitions.
public struct CatalogOptions: Sendable {
    /// Tables whose definitions are dumped but whose rows are not. A partitioned table's
    /// exclusion covers its partitions.
    public var excludeTableData: Set<QualifiedName> = []
    /// Emit `ALTER … OWNER TO` statements (kind "owner").
    public var includeOwners = true
    /// Emit `GRANT`/`REVOKE` statements (kind "acl") that turn the default privileges into the
    /// source's.
    public var includePrivileges = true
    /// Emit `COMMENT ON` statements.
    public var includeComments = true
    /// Keep foreign servers' and user mappings' option values that may be credentials
    /// (passwords, API keys). Off unless asked, and only for encrypted sets.
    public var includeForeignSecrets = false
    /// Take the database's large objects (created with their OIDs, owners, grants, comments;
    /// their bytes are copied by the backup as `LargeObjectData`).
    public var includeLargeObjects = false

    public init() {}
}
