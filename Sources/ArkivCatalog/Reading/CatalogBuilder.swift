import ArkivPostgres

/// Collects the statements and facts of one catalog read; the readers in this folder each add
/// one kind of object, `finish()` orders everything.
final class CatalogBuilder {
    let session: CatalogSession
    let options: CatalogOptions

    /// Every statement, by key.
    var statements: [ObjectKey: PendingStatement] = [:]
    /// Catalog rows (tables, types, functions, sub-objects such as column defaults, view
    /// rules, array types) → the key of the statement that creates them, for following
    /// `pg_depend`.
    var creators: [ObjectKey: ObjectKey] = [:]
    /// How to name an object in COMMENT/ALTER … OWNER/GRANT.
    var targets: [ObjectKey: ObjectTarget] = [:]
    /// Column names of dumped relations and composite types, by relation OID and attnum.
    var columnNames: [UInt32: [Int: String]] = [:]
    /// Schema name → pg_namespace OID.
    var schemaOIDs: [String: UInt32] = [:]
    /// Extension members: catalog row → extension OID.
    var extensionOf: [ObjectKey: UInt32] = [:]
    var extensionsByOID: [UInt32: ExtensionRow] = [:]
    /// Extension OID → dumped schemas whose objects need it.
    var extensionUsers: [UInt32: Set<String>] = [:]

    /// Array type OID → element type OID; an array depends on whatever creates its element.
    var arrayElements: [UInt32: UInt32] = [:]
    /// Dumped tables, views and materialized views by OID, as read.
    var relations: [UInt32: RelationRow] = [:]
    /// Columns of dumped tables, views and materialized views, by relation OID, in order.
    var columns: [UInt32: [ColumnRow]] = [:]

    /// Identity sequences by the OID of their table.
    var identitySequences: [UInt32: [SequenceInfo]] = [:]

    var tables: [TableInfo] = []
    var sequences: [SequenceInfo] = []
    var unsupported: [UnsupportedObject] = []
    var omissions: [UnsupportedObject] = []
    var externalDependencies: [ExternalDependency] = []
    var extensionMembers: [ExcludedObject] = []
    var largeObjectCount = 0

    init(session: CatalogSession, options: CatalogOptions) {
        self.session = session
        self.options = options
    }

    struct ExtensionRow {
        let oid: UInt32
        let name: String
        let version: String
        let schema: String
    }

    /// Adds a statement; the object's creator entry points at it when `part` is "".
    func add(_ statement: PendingStatement) {
        statements[statement.key] = statement
        if statement.key.part.isEmpty { creators[statement.key] = statement.key }
    }

    func add(
        _ key: ObjectKey, _ phase: Phase, _ rank: Rank, schema: String, kind: String, name: String, sql: String,
        dependsOn dependencies: Set<ObjectKey> = []
    ) {
        add(PendingStatement(key: key, phase: phase, rank: rank, schema: schema, kind: kind, name: name, sql: sql, dependencies: dependencies))
    }

    /// A statement that names roles: its SQL and where each role is.
    func add(
        _ key: ObjectKey, _ phase: Phase, _ rank: Rank, schema: String, kind: String, name: String, sql: RoleNamingSQL,
        dependsOn dependencies: Set<ObjectKey> = []
    ) {
        add(PendingStatement(key: key, phase: phase, rank: rank, schema: schema, kind: kind, name: name, sql: sql.text,
                             dependencies: dependencies, roles: sql.mentions))
    }

    func report(_ kind: String, _ name: String, _ reason: String) {
        let entry = UnsupportedObject(kind: kind, name: name, reason: reason)
        if !unsupported.contains(entry) { unsupported.append(entry) }
    }

    func schemaKey(_ schema: String) -> ObjectKey? {
        schemaOIDs[schema].map { ObjectKey(.pgNamespace, $0) }
    }
}

/// How an object is named in `COMMENT ON`, `ALTER … OWNER TO` and `GRANT … ON`.
struct ObjectTarget {
    /// e.g. "TABLE", "MATERIALIZED VIEW", "FUNCTION", "DOMAIN".
    var keyword: String
    /// Quoted, with arguments for functions.
    var sqlName: String
    /// For GRANT: "TABLE", "SEQUENCE", "FUNCTION", "PROCEDURE", "TYPE", "SCHEMA"; nil when
    /// the object has no privileges of its own.
    var grantKeyword: String?
    var owner: String?
    var schema: String
    var displayName: String
}
