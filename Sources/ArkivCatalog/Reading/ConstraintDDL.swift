extension CatalogBuilder {
    /// Primary keys, unique, check and exclusion constraints, and foreign keys of dumped
    /// tables, all in post-data (NOT NULL stays with the columns). Constraints a partition or
    /// child inherits are made by its parent's; partitions' own key constraints are attached
    /// to the parent's index like pg_dump does.
    func buildConstraints() throws(CatalogError) {
        let rows = try session.rows(
            """
            SELECT co.oid, co.conname, co.contype::text AS contype, co.conrelid, co.conindid, co.confrelid,
                   co.conislocal, co.coninhcount, co.conparentid, pg_catalog.pg_get_constraintdef(co.oid) AS definition,
                   pg_catalog.format('%I.%I.%I', n.nspname, c.relname, co.conname) AS display,
                   CASE WHEN f.oid IS NOT NULL THEN pg_catalog.format('%I.%I', fn.nspname, f.relname) END AS referenced
              FROM pg_catalog.pg_constraint co
              JOIN pg_catalog.pg_class c ON c.oid = co.conrelid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              LEFT JOIN pg_catalog.pg_class f ON f.oid = co.confrelid
              LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = f.relnamespace
             WHERE n.nspname = ANY($1) AND co.contypid = 0
             ORDER BY co.oid
            """, reading: "constraints")
        // Local CHECK constraints of children, by (parent table, name): the parent's must come
        // after them, or adding it would create an inherited one first and the child's would clash.
        var childChecks: [String: [ObjectKey]] = [:]
        var pending: [(row: RowFields, key: ObjectKey)] = []
        for row in rows {
            let fields = RowFields(
                oid: try row.oid("oid"), name: try row.text("conname"), type: try row.text("contype"),
                table: try row.oid("conrelid"), index: try row.oid("conindid"), referencedTable: try row.oid("confrelid"),
                isLocal: try row.bool("conislocal"), inheritanceCount: try row.int("coninhcount"),
                parent: try row.oid("conparentid"), definition: try row.text("definition"), display: try row.text("display"),
                referenced: try row.optionalText("referenced"))
            guard let relation = relations[fields.table], relation.kind == "r" || relation.kind == "p" else { continue }
            let key = ObjectKey(.pgConstraint, fields.oid)
            let tableName = try session.quote(relation.schema, relation.name)
            targets[key] = ObjectTarget(
                keyword: "CONSTRAINT", sqlName: "\(try session.quote(fields.name)) ON \(tableName)", grantKeyword: nil,
                owner: nil, schema: relation.schema, displayName: fields.display)
            switch fields.type {
            case "n", "t":
                continue  // NOT NULL: with the column; constraint triggers: with the triggers
            case "c":
                guard fields.isLocal else { continue }
                if fields.inheritanceCount > 0 {
                    for parent in relation.parents { childChecks["\(parent)/\(fields.name)", default: []].append(key) }
                }
                pending.append((fields, key))
            case "p", "u", "x":
                pending.append((fields, key))
                if fields.index != 0 { creators[ObjectKey(.pgClass, fields.index)] = key }
            case "f":
                // Clones of a partitioned table's foreign key are made by the parent's.
                guard fields.parent == 0 else { continue }
                pending.append((fields, key))
            default:
                report("constraint", fields.display, "constraint type '\(fields.type)' is not supported")
            }
        }
        for (fields, key) in pending {
            guard let relation = relations[fields.table] else { continue }
            let tableName = try session.quote(relation.schema, relation.name)
            var dependencies: Set<ObjectKey> = [ObjectKey(.pgClass, fields.table)]
            var only = "ONLY "
            var rank = Rank.constraint, kind = "constraint"
            switch fields.type {
            case "c":
                // A parent's CHECK must reach its children: no ONLY when it has any.
                if relation.hasSubclass { only = "" }
                dependencies.formUnion(childChecks["\(fields.table)/\(fields.name)"] ?? [])
            case "f":
                rank = .foreignKey
                kind = "fk"
                // ONLY is refused for a partitioned table's foreign key; it must recurse.
                if relation.kind == "p" { only = "" }
                if fields.referencedTable != 0 { dependencies.insert(ObjectKey(.pgClass, fields.referencedTable)) }
                if fields.index != 0 { dependencies.insert(ObjectKey(.pgClass, fields.index)) }
                if relations[fields.referencedTable] == nil, let referenced = fields.referenced {
                    // A subset backup keeps the key; the restore checks the target has the table.
                    let needed = ExternalDependency(object: fields.display, needs: "table \(referenced)")
                    if !externalDependencies.contains(needed) { externalDependencies.append(needed) }
                }
            default:
                break
            }
            add(key, .postData, rank, schema: relation.schema, kind: kind, name: fields.display,
                sql: "ALTER TABLE \(only)\(tableName) ADD CONSTRAINT \(try session.quote(fields.name)) \(fields.definition);",
                dependsOn: dependencies)
        }
    }

    private struct RowFields {
        let oid: UInt32
        let name: String
        let type: String
        let table: UInt32
        let index: UInt32
        let referencedTable: UInt32
        let isLocal: Bool
        let inheritanceCount: Int
        let parent: UInt32
        let definition: String
        let display: String
        let referenced: String?
    }
}
