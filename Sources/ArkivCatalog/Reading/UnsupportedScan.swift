extension CatalogBuilder {
    /// Everything in (or attached to) the dumped schemas that no reader handles: conversions,
    /// large objects and columns that point at them.
    func scanUnsupported() throws(CatalogError) {
        let rows = try session.rows(
            """
            SELECT 'conversion' AS kind, pg_catalog.format('%I.%I', n.nspname, c.conname) AS name FROM pg_catalog.pg_conversion c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace
             WHERE n.nspname = ANY($1) AND \(CatalogSession.notExtensionMember("pg_conversion", "c.oid"))
            ORDER BY 1, 2
            """, reading: "objects arkiv does not dump")
        for row in rows {
            let kind = try row.text("kind")
            report(kind, try row.text("name"), "\(kind) objects are not dumped")
        }
        // Large objects belong to the database, not to a schema. Taken, they come back with the
        // set; left out (a backup of some schemas only), their count is reported by the backup,
        // loudly and in the manifest, and a dumped column that can point at them stops it,
        // because that table's rows would dangle.
        guard !options.includeLargeObjects else { return }
        for relation in relations.values.sorted(by: { $0.oid < $1.oid }) where relation.kind == "r" || relation.kind == "p" {
            for column in columns[relation.oid] ?? [] where column.isObjectID {
                report("large-object column", "\(relation.display).\(column.name)",
                       "a column of type \(column.type) may hold large-object references, and this backup does not take large objects; "
                           + "add --large-objects (a backup of the whole database takes them by default)")
            }
        }
        largeObjectCount = try session.plainRows(
            "SELECT count(*) AS n FROM pg_catalog.pg_largeobject_metadata", reading: "large objects")
            .first?.int("n") ?? 0
    }
}
