extension CatalogBuilder {
    /// Indexes not made by a constraint (pg_get_indexdef: partial, expression, INCLUDE, GIN,
    /// BRIN, pgvector's HNSW/IVFFlat with their options), partition indexes attached to their
    /// parent's, CLUSTER ON and REPLICA IDENTITY.
    func buildIndexes() throws(CatalogError) {
        let rows = try session.rows(
            """
            SELECT i.indexrelid, i.indrelid, ic.relname, ic.relkind::text AS relkind, i.indisvalid, i.indisclustered,
                   i.indisreplident, pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,
                   pg_catalog.format('%I.%I', n.nspname, ic.relname) AS display, n.nspname,
                   co.oid AS constraint_oid, inh.inhparent AS parent_index,
                   pn.nspname AS parent_schema,
                   pc.relname AS parent_name
              FROM pg_catalog.pg_index i
              JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
              JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
              LEFT JOIN pg_catalog.pg_constraint co
                     ON co.conindid = i.indexrelid AND co.conrelid = i.indrelid AND co.contype IN ('p', 'u', 'x')
              LEFT JOIN pg_catalog.pg_inherits inh ON inh.inhrelid = i.indexrelid
              LEFT JOIN pg_catalog.pg_class pc ON pc.oid = inh.inhparent
              LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
             WHERE n.nspname = ANY($1)
             ORDER BY i.indexrelid
            """, reading: "indexes")
        for row in rows {
            let table = try row.oid("indrelid")
            guard let relation = relations[table], "rpm".contains(relation.kind) else { continue }
            let oid = try row.oid("indexrelid"), display = try row.text("display"), schema = try row.text("nspname")
            let key = ObjectKey(.pgClass, oid)
            let quoted = try session.quote(schema, try row.text("relname"))
            let tableKey = ObjectKey(.pgClass, table), tableName = try session.quote(relation.schema, relation.name)
            let constraint = try row.optionalText("constraint_oid").flatMap { UInt32($0) }
            if let constraint {
                creators[key] = ObjectKey(.pgConstraint, constraint)
            } else {
                // pg_dump leaves out what a failed CREATE INDEX CONCURRENTLY left behind; a
                // partitioned index is invalid until every partition's is attached, so keep it.
                let isValid = try row.bool("indisvalid"), isPartitioned = try row.text("relkind") == "I"
                guard isValid || isPartitioned else { continue }
                targets[key] = ObjectTarget(
                    keyword: "INDEX", sqlName: quoted, grantKeyword: nil, owner: nil, schema: schema, displayName: display)
                add(key, .postData, .index, schema: schema, kind: "index", name: display,
                    sql: try row.text("definition") + ";", dependsOn: [tableKey])
            }
            let creator = constraint.map { ObjectKey(.pgConstraint, $0) } ?? key
            if let parent = try row.optionalText("parent_index").flatMap({ UInt32($0) }) {
                let parentName = try session.quote(try row.text("parent_schema"), try row.text("parent_name"))
                add(key.with(part: "attach"), .postData, .indexAttach, schema: schema, kind: "index-attach", name: display,
                    sql: "ALTER INDEX \(parentName) ATTACH PARTITION \(quoted);",
                    dependsOn: [creator, ObjectKey(.pgClass, parent)])
            }
            if try row.bool("indisclustered") {
                add(key.with(part: "cluster"), .postData, .tableSettings, schema: relation.schema, kind: "cluster",
                    name: relation.display, sql: "ALTER TABLE \(tableName) CLUSTER ON \(try session.quote(try row.text("relname")));",
                    dependsOn: [creator])
            }
            if try row.bool("indisreplident") && relation.replicaIdentity == "i" {
                add(key.with(part: "replica-identity"), .postData, .tableSettings, schema: relation.schema,
                    kind: "replica-identity", name: relation.display,
                    sql: "ALTER TABLE ONLY \(tableName) REPLICA IDENTITY USING INDEX \(try session.quote(try row.text("relname")));",
                    dependsOn: [creator])
            }
        }
        for relation in relations.values.sorted(by: { $0.oid < $1.oid }) where "rpm".contains(relation.kind) {
            let mode: String? = switch relation.replicaIdentity {
            case "f": "FULL"
            case "n": "NOTHING"
            default: nil
            }
            guard let mode else { continue }
            let key = ObjectKey(.pgClass, relation.oid)
            add(key.with(part: "replica-identity"), .postData, .tableSettings, schema: relation.schema, kind: "replica-identity",
                name: relation.display,
                sql: "ALTER TABLE ONLY \(try session.quote(relation.schema, relation.name)) REPLICA IDENTITY \(mode);",
                dependsOn: [key])
        }
    }
}
