extension CatalogBuilder {
    /// The database's large objects, when the backup takes them (`includeLargeObjects`): each
    /// is created with its own OID in pre-data (`lo_create`), so the `oid` columns that point at
    /// it stay right; owner, grants and comment follow in post-data like any object's. Their
    /// bytes are data, copied like a table's (`LargeObjectData`). They belong to the database,
    /// not a schema: the statements are filed under the first dumped schema.
    func buildLargeObjects() throws(CatalogError) {
        guard options.includeLargeObjects, let schema = session.schemas.first else { return }
        let rows = try session.plainRows(
            """
            SELECT oid, pg_catalog.pg_get_userbyid(lomowner) AS owner FROM pg_catalog.pg_largeobject_metadata ORDER BY oid
            """, reading: "large objects")
        for row in rows {
            let oid = try row.oid("oid"), key = ObjectKey(.pgLargeObject, oid)
            let display = LargeObjectData.name(of: oid)
            targets[key] = ObjectTarget(keyword: "LARGE OBJECT", sqlName: String(oid), grantKeyword: "LARGE OBJECT",
                                        owner: try row.text("owner"), schema: schema, displayName: display)
            add(key, .preData, .largeObject, schema: schema, kind: "large-object", name: display,
                sql: "SELECT pg_catalog.lo_create('\(oid)');")
        }
        largeObjectCount = rows.count
    }
}

/// How the bytes of every large object are copied: one stream of `(loid, off, data)` rows,
/// 256 KiB a row, in binary COPY format, so that they are counted, hashed, verified and
/// restored with the machinery tables use, in bounded memory. Read with `lo_get`, which any
/// role with SELECT on the objects may call (pg_largeobject itself is for superusers only).
public enum LargeObjectData {
    public static let chunkSize = 256 << 10

    /// How the statements of a set name a large object, and back: `large object 900001`.
    public static func name(of oid: UInt32) -> String { "large object \(oid)" }

    /// The OIDs of the large objects a set's statements create.
    public static func oids(createdBy statements: [DDLStatement]) -> [UInt32] {
        statements.filter { $0.kind == "large-object" }.compactMap { UInt32($0.name.dropFirst("large object ".count)) }
    }

    /// The COPY that reads the stream: every large object, or only these (the set's, in a
    /// database that has others of its own).
    public static func copyOut(only oids: [UInt32]? = nil) -> String {
        let filter = oids.map { " WHERE oid = ANY('{\($0.map(String.init).joined(separator: ","))}'::pg_catalog.oid[])" } ?? ""
        return "COPY (\(query(filter))) TO STDOUT (FORMAT binary)"
    }

    /// The query whose COPY output is the stream, in OID then offset order.
    private static func query(_ filter: String) -> String { """
        SELECT m.oid AS loid, c.off, c.data FROM (SELECT oid FROM pg_catalog.pg_largeobject_metadata\(filter) ORDER BY oid) m
        CROSS JOIN LATERAL (
            WITH RECURSIVE c(off, data) AS (
                SELECT 0::bigint, pg_catalog.lo_get(m.oid, 0, \(chunkSize))
                UNION ALL
                SELECT c.off + \(chunkSize), pg_catalog.lo_get(m.oid, c.off + \(chunkSize), \(chunkSize)) FROM c
                 WHERE pg_catalog.length(c.data) = \(chunkSize))
            SELECT off, data FROM c ORDER BY off) c
        """
    }

    /// A restore loads the stream into a temporary table of this shape, then writes each row
    /// into its object with `lo_put`.
    public static let stagingColumns = "(loid pg_catalog.oid, off bigint, data bytea)"
}
