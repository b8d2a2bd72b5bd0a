extension CatalogBuilder {
    /// A view whose query needs something only post-data creates (a view grouped by a primary
    /// key depends on that key's constraint, because its other columns are functionally
    /// dependent on it) cannot be created before the data. pg_dump's answer, taken here: pre-data
    /// creates a placeholder view with the same columns (`SELECT NULL::type AS column`), so
    /// everything that names the view still can, and post-data replaces it with the real query
    /// once the constraint exists. A materialized view has no placeholder form: it is created
    /// whole in post-data, and whatever needs it there follows it.
    func postponeViewsNeedingPostData() throws(CatalogError) {
        var changed = true
        while changed {
            changed = false
            for key in statements.keys.sorted(by: { ($0.catalog, $0.oid, $0.part) < ($1.catalog, $1.oid, $1.part) }) {
                guard let statement = statements[key], statement.phase == .preData, key.part.isEmpty,
                      statement.kind == "view" || statement.kind == "materialized-view"
                else { continue }
                let late = statement.dependencies.filter { raw in
                    guard let target = creator(of: raw), target != key, let needed = statements[target] else { return false }
                    return needed.phase == .postData
                }
                guard !late.isEmpty, let relation = relations[key.oid] else { continue }
                if statement.kind == "view" {
                    try splitView(relation, key: key, late: late)
                } else {
                    statements[key]?.phase = .postData
                    statements[key]?.rank = .postponedView
                    for (other, settings) in statements where other.main == key && other.part.hasPrefix("column") && settings.phase == .preData {
                        statements[other]?.phase = .postData
                        statements[other]?.rank = .postponedView
                    }
                }
                changed = true
            }
        }
    }

    private func splitView(_ relation: RelationRow, key: ObjectKey, late: Set<ObjectKey>) throws(CatalogError) {
        guard let statement = statements[key] else { return }
        let quoted = try session.quote(relation.schema, relation.name)
        var placeholders: [String] = []
        for column in columns[relation.oid] ?? [] {
            var item = "NULL::\(column.type)"
            if let collation = column.collation { item += " COLLATE \(collation)" }
            placeholders.append("\(item) AS \(try session.quote(column.name))")
        }
        statements[key]?.sql = "CREATE VIEW \(quoted) AS\n SELECT \(placeholders.joined(separator: ",\n    "));"
        statements[key]?.dependencies.subtract(late)
        // The real definition: the view's own statement with CREATE OR REPLACE.
        let replacing = statement.sql.hasPrefix("CREATE VIEW ")
            ? "CREATE OR REPLACE VIEW " + statement.sql.dropFirst("CREATE VIEW ".count)
            : statement.sql
        add(key.with(part: "definition"), .postData, .postponedView, schema: statement.schema, kind: "view-definition",
            name: statement.name, sql: String(replacing), dependsOn: statement.dependencies.union([key]))
    }
}
