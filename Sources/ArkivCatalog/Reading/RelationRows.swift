/// A table, view, materialized view or foreign table as read from pg_class.
struct RelationRow {
    let oid: UInt32
    let schema: String
    let name: String
    /// `format('%I.%I')`: quoted only where needed, for names in reports and `dependsOn`.
    let display: String
    let kind: Character
    let isUnlogged: Bool
    let owner: String
    let options: [String]
    let toastOptions: [String]
    let accessMethod: String?
    let isPartition: Bool
    let partitionBound: String?
    let partitionKey: String?
    let ofType: UInt32
    let rowSecurity: Bool
    let forceRowSecurity: Bool
    let replicaIdentity: Character
    let tuples: Double
    let pages: Int64
    let blockSize: Int64
    let tableBytes: Int64
    let hasSubclass: Bool
    let isPopulated: Bool
    let viewDefinition: String?
    /// Parents (inheritance or the partitioned table), in `inhseqno` order.
    var parents: [UInt32] = []
}

/// A column of a dumped relation.
struct ColumnRow {
    let attnum: Int
    let name: String
    let type: String
    let typeOID: UInt32
    let typmod: Int
    let notNull: Bool
    /// PostgreSQL 18 names NOT NULL constraints.
    var notNullName: String?
    let identity: ColumnInfo.Identity?
    let generated: ColumnInfo.Generated?
    let isLocal: Bool
    let defaultExpression: String?
    let attrdefOID: UInt32?
    let collation: String?
    let storage: String
    let typeStorage: String
    let statisticsTarget: Int?
    let options: [String]
    let compression: String?
    let typeName: String
    let typeExtension: String?
    let isObjectID: Bool

    var isVector: Bool { typeExtension == "vector" && (typeName == "vector" || typeName == "halfvec") }
}
