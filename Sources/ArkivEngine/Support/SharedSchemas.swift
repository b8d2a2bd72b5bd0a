import ArkivCatalog
import ArkivPostgres

/// Schemas that an extension made or fills, holding nothing else: Supabase's `vault` before the
/// application's tables join it. A restore may put the set's objects beside the extension's
/// (the schema itself, its comment, owner and grants stay the platform's); `--clean` may not
/// drop it.
enum SharedSchemas {
    /// Schema → the extensions whose objects are in it, for the given schemas that exist and
    /// hold only extension members.
    static func find(on connection: Connection, among schemas: [String]) throws -> [String: [String]] {
        guard !schemas.isEmpty else { return [:] }
        let rows = try connection.query("""
            SELECT n.nspname,
                   ARRAY(SELECT DISTINCT e.extname::text FROM pg_catalog.pg_extension e
                          WHERE e.extnamespace = n.oid OR EXISTS (
                                SELECT 1 FROM pg_catalog.pg_depend d
                                 WHERE d.refobjid = e.oid AND d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e'
                                   AND ((d.classid = 'pg_catalog.pg_class'::regclass AND d.objid IN (SELECT oid FROM pg_catalog.pg_class WHERE relnamespace = n.oid))
                                     OR (d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid IN (SELECT oid FROM pg_catalog.pg_proc WHERE pronamespace = n.oid))))
                          ORDER BY 1) AS extensions,
                   (SELECT count(*) FROM pg_catalog.pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')
                       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend x
                                        WHERE x.classid = 'pg_catalog.pg_class'::regclass AND x.objid = c.oid AND x.deptype = 'e'))
                 + (SELECT count(*) FROM pg_catalog.pg_proc p WHERE p.pronamespace = n.oid
                       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend x
                                        WHERE x.classid = 'pg_catalog.pg_proc'::regclass AND x.objid = p.oid AND x.deptype = 'e')) AS own_objects
              FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY($1::text[])
            """, [schemas]).rows
        var shared: [String: [String]] = [:]
        for row in rows {
            let extensions = try row.decode([String].self, "extensions")
            guard !extensions.isEmpty, try row.decode(Int.self, "own_objects") == 0 else { continue }
            shared[try row.decode(String.self, "nspname")] = extensions
        }
        return shared
    }

    /// Whether a statement is about the schema object itself (not about what is in it).
    static func isSchemaLevel(_ statement: DDLStatement, schema: String) -> Bool {
        ["schema", "comment", "owner", "acl"].contains(statement.kind) && QualifiedName.schema(ofDottedName: statement.name) == nil
            && QualifiedName.schema(ofDottedName: statement.name + ".x") == schema
    }
}
