extension CatalogBuilder {
    /// CREATE VIEW and CREATE MATERIALIZED VIEW … WITH NO DATA; a populated materialized view
    /// also gets a REFRESH in post-data.
    func buildViews() throws(CatalogError) {
        for relation in relations.values.sorted(by: { $0.oid < $1.oid }) where relation.kind == "v" || relation.kind == "m" {
            guard var query = relation.viewDefinition else {
                report("view", relation.display, "its definition could not be read")
                continue
            }
            // pg_get_viewdef ends the query with a semicolon.
            while let last = query.last, last == ";" || last.isWhitespace { query.removeLast() }
            let key = ObjectKey(.pgClass, relation.oid)
            let quoted = try session.quote(relation.schema, relation.name)
            let options = try storageParameters(relation.options, prefix: "")
            let with = options.isEmpty ? "" : " WITH (\(options.joined(separator: ", ")))"
            let columns = self.columns[relation.oid] ?? []
            if relation.kind == "v" {
                targets[key] = ObjectTarget(
                    keyword: "VIEW", sqlName: quoted, grantKeyword: "TABLE", owner: relation.owner,
                    schema: relation.schema, displayName: relation.display)
                add(key, .preData, .view, schema: relation.schema, kind: "view", name: relation.display,
                    sql: "CREATE VIEW \(quoted)\(with) AS\n\(query);")
                try addColumnSettings(relation, columns: columns, keyword: "VIEW")
            } else {
                targets[key] = ObjectTarget(
                    keyword: "MATERIALIZED VIEW", sqlName: quoted, grantKeyword: "TABLE", owner: relation.owner,
                    schema: relation.schema, displayName: relation.display)
                var method = ""
                if let accessMethod = relation.accessMethod { method = " USING \(try session.quote(accessMethod))" }
                add(key, .preData, .view, schema: relation.schema, kind: "materialized-view", name: relation.display,
                    sql: "CREATE MATERIALIZED VIEW \(quoted)\(method)\(with) AS\n\(query)\nWITH NO DATA;")
                try addColumnSettings(relation, columns: columns, keyword: "MATERIALIZED VIEW")
                if relation.isPopulated {
                    add(key.with(part: "refresh"), .postData, .refresh, schema: relation.schema, kind: "refresh",
                        name: relation.display, sql: "REFRESH MATERIALIZED VIEW \(quoted);", dependsOn: [key])
                }
            }
        }
    }
}
