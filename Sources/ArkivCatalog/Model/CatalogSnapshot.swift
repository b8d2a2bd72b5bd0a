/// Everything a backup needs to know about the dumped schemas, read inside the backup's
/// snapshot transaction so that the DDL and the data describe the same moment.
public struct CatalogSnapshot: Codable, Sendable {
    /// `server_version_num` of the source, e.g. 160014.
    public var serverVersionNumber: Int
    /// Extensions the dumped objects use. Those installed in a dumped schema are also created
    /// by that schema's pre-data; the others must exist in the target before pre-data runs.
    public var extensions: [ExtensionInfo]
    /// One per dumped schema, in an order where each schema's pre-data needs only the schemas
    /// before it when that is possible (see `preDataInOrder` for the order that always works).
    public var schemas: [SchemaDDL]
    public var tables: [TableInfo]
    /// All sequences of the dumped schemas, identity sequences included (they have no DDL of
    /// their own but their values must be restored).
    public var sequences: [SequenceInfo]
    /// Objects arkiv cannot reproduce. A backup must stop and name them.
    public var unsupported: [UnsupportedObject]
    /// What was left out on purpose and must be named (credentials in foreign-server and
    /// user-mapping options): the backup warns and records them; the objects themselves are dumped.
    public var omissions: [UnsupportedObject] = []
    /// Dumped objects that need something outside the dumped schemas (a foreign key to a
    /// schema that was not selected, a view on another schema's table). The backup records
    /// them; a restore checks the target has what they need, and names them if it does not.
    public var externalDependencies: [ExternalDependency]
    /// Objects in the dumped schemas that belong to an extension: left out of the DDL.
    public var extensionMembers: [ExcludedObject]
    /// Rows in `pg_largeobject_metadata`; large objects are never part of a schema dump.
    public var largeObjectCount: Int

    /// Every schema's pre-data, in the one global dependency order (cross-schema safe).
    public var preDataInOrder: [DDLStatement] {
        schemas.flatMap(\.preData).sorted { $0.position < $1.position }
    }

    /// Every schema's post-data, in the one global order: constraints and indexes of all
    /// schemas before any foreign key, then triggers, policies, refreshes, comments, owners,
    /// grants.
    public var postDataInOrder: [DDLStatement] {
        schemas.flatMap(\.postData).sorted { $0.position < $1.position }
    }

    /// The table with this name, if it is dumped.
    public func table(_ name: QualifiedName) -> TableInfo? {
        tables.first { $0.schema == name.schema && $0.name == name.name }
    }
}

/// The DDL of one schema, split where the data goes in between.
public struct SchemaDDL: Codable, Sendable {
    public var schema: String
    /// Schema, extensions installed in it, types, sequences, tables, functions, views.
    public var preData: [DDLStatement]
    /// Constraints, indexes, foreign keys, triggers, row-level security, refreshes, comments,
    /// owners, privileges.
    public var postData: [DDLStatement]
}

/// One SQL statement of a dump.
public struct DDLStatement: Codable, Sendable, Hashable {
    /// What it creates or changes, e.g. "table", "index", "fk", "comment", "owner", "acl".
    public var kind: String
    /// The object it is about, schema-qualified and quoted where needed (`renos."Crm Deal"`);
    /// sub-objects add their own part (`renos.invoices.invoices_pkey`).
    public var name: String
    /// One complete statement, ending in `;`.
    public var sql: String
    /// Names (as in `name`) of the statements that must run first, across schemas too.
    public var dependsOn: [String]?
    /// Place in the global order of its phase (pre-data or post-data), across all schemas.
    public var position: Int
    /// The roles `sql` names (owners, grantees, policy roles, default privileges' roles) and
    /// where; nil in sets written before arkiv recorded them, and for statements naming none.
    public var roles: [RoleMention]?

    public init(kind: String, name: String, sql: String, dependsOn: [String]? = nil, position: Int = 0, roles: [RoleMention]? = nil) {
        self.kind = kind
        self.name = name
        self.sql = sql
        self.dependsOn = dependsOn
        self.position = position
        self.roles = roles
    }

    /// Whether a restore may skip it to leave ownership to whoever runs the restore.
    public var isOwnership: Bool { kind == "owner" }

    /// Whether a restore may skip it to leave privileges at their defaults (grants on objects,
    /// and the default privileges of schemas).
    public var isPrivilege: Bool { kind == "acl" || kind == "default-acl" }
}
