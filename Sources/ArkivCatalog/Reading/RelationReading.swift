extension CatalogBuilder {
    /// Tables, views, materialized views and foreign tables of the dumped schemas, with their
    /// columns and parents. Builds nothing yet: sequences are needed for identity columns.
    func readRelations() throws(CatalogError) {
        let rows = try session.rows(
            """
            SELECT c.oid, n.nspname, c.relname, c.relkind, c.relpersistence,
                   pg_catalog.format('%I.%I', n.nspname, c.relname) AS display,
                   pg_catalog.pg_get_userbyid(c.relowner) AS owner, c.reloptions, tc.reloptions AS toast_options,
                   am.amname, c.relispartition,
                   CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
                   CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_key,
                   c.reloftype, c.relrowsecurity, c.relforcerowsecurity, c.relreplident, c.reltuples, c.relpages,
                   pg_catalog.current_setting('block_size')::bigint AS block_size,
                   CASE WHEN c.relkind IN ('r', 'm') THEN pg_catalog.pg_table_size(c.oid) ELSE 0 END AS table_bytes,
                   c.relhassubclass, c.relispopulated,
                   CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid, true) END AS view_definition
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              LEFT JOIN pg_catalog.pg_class tc ON tc.oid = c.reltoastrelid
              LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
             WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
               AND \(CatalogSession.notExtensionMember("pg_class", "c.oid"))
             ORDER BY c.oid
            """, reading: "tables and views")
        for row in rows {
            let oid = try row.oid("oid")
            relations[oid] = RelationRow(
                oid: oid, schema: try row.text("nspname"), name: try row.text("relname"), display: try row.text("display"),
                kind: Character(try row.text("relkind")), isUnlogged: try row.text("relpersistence") == "u",
                owner: try row.text("owner"), options: try row.texts("reloptions"), toastOptions: try row.texts("toast_options"),
                accessMethod: try row.optionalText("amname"), isPartition: try row.bool("relispartition"),
                partitionBound: try row.optionalText("partition_bound"), partitionKey: try row.optionalText("partition_key"),
                ofType: try row.oid("reloftype"), rowSecurity: try row.bool("relrowsecurity"),
                forceRowSecurity: try row.bool("relforcerowsecurity"),
                replicaIdentity: Character(try row.text("relreplident")), tuples: try row.double("reltuples"),
                pages: try row.int64("relpages"), blockSize: try row.int64("block_size"),
                tableBytes: try row.int64("table_bytes"), hasSubclass: try row.bool("relhassubclass"),
                isPopulated: try row.bool("relispopulated"), viewDefinition: try row.optionalText("view_definition"))
        }
        try readParents()
        try readColumns()
    }

    private func readParents() throws(CatalogError) {
        let rows = try session.rows(
            """
            SELECT i.inhrelid, i.inhparent, pg_catalog.format('%I.%I', pn.nspname, p.relname) AS parent
              FROM pg_catalog.pg_inherits i
              JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
              JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
             WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p', 'f')
             ORDER BY i.inhrelid, i.inhseqno
            """, reading: "table inheritance")
        for row in rows {
            let child = try row.oid("inhrelid"), parent = try row.oid("inhparent")
            guard relations[child] != nil else { continue }
            relations[child]?.parents.append(parent)
            if relations[parent] == nil, let display = relations[child]?.display {
                report("table", display, "its parent \(try row.text("parent")) is not in the dumped schemas; dump that schema too")
            }
        }
    }

    private func readColumns() throws(CatalogError) {
        let compression = session.version >= 140000 ? "a.attcompression::text" : "''::text"
        let rows = try session.rows(
            """
            SELECT a.attrelid, a.attnum, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
                   a.atttypid, a.atttypmod, a.attnotnull, a.attidentity::text AS attidentity,
                   a.attgenerated::text AS attgenerated, a.attislocal, a.attstorage::text AS attstorage,
                   t.typstorage::text AS typstorage, a.attstattarget::integer AS stattarget, a.attoptions,
                   \(compression) AS compression,
                   CASE WHEN a.atthasdef THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END AS default_expression,
                   d.oid AS attrdef_oid,
                   CASE WHEN a.attcollation <> t.typcollation
                        THEN pg_catalog.format('%I.%I', cn.nspname, co.collname) END AS collation,
                   t.typname,
                   (SELECT e.extname FROM pg_catalog.pg_depend x JOIN pg_catalog.pg_extension e ON e.oid = x.refobjid
                     WHERE x.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND x.objid = a.atttypid
                       AND x.deptype = 'e' LIMIT 1) AS type_extension,
                   (a.atttypid = 'pg_catalog.oid'::pg_catalog.regtype
                     OR (t.typtype = 'd' AND t.typbasetype = 'pg_catalog.oid'::pg_catalog.regtype)) AS is_oid
              FROM pg_catalog.pg_attribute a
              JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
              LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
              LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
              LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
             WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attrelid, a.attnum
            """, reading: "columns")
        for row in rows {
            let relation = try row.oid("attrelid")
            guard relations[relation] != nil else { continue }
            let identity: ColumnInfo.Identity? = switch try row.text("attidentity") {
            case "a": .always
            case "d": .byDefault
            default: nil
            }
            let generated: ColumnInfo.Generated? = switch try row.text("attgenerated") {
            case "s": .stored
            case "v": .virtual
            default: nil
            }
            let attrdef = try row.optionalText("attrdef_oid").flatMap { UInt32($0) }
            let column = ColumnRow(
                attnum: try row.int("attnum"), name: try row.text("attname"), type: try row.text("type"),
                typeOID: try row.oid("atttypid"), typmod: try row.int("atttypmod"), notNull: try row.bool("attnotnull"),
                notNullName: nil, identity: identity, generated: generated, isLocal: try row.bool("attislocal"),
                defaultExpression: try row.optionalText("default_expression"), attrdefOID: attrdef,
                collation: try row.optionalText("collation"), storage: try row.text("attstorage"),
                typeStorage: try row.text("typstorage"), statisticsTarget: try row.optionalInt("stattarget"),
                options: try row.texts("attoptions"), compression: try row.nonEmptyText("compression"),
                typeName: try row.text("typname"), typeExtension: try row.optionalText("type_extension"),
                isObjectID: try row.bool("is_oid"))
            columns[relation, default: []].append(column)
            columnNames[relation, default: [:]][column.attnum] = column.name
            if let attrdef { creators[ObjectKey(.pgAttrdef, attrdef)] = ObjectKey(.pgClass, relation) }
        }
        // PostgreSQL 18 keeps NOT NULL as named constraints; keep a name someone chose. The
        // name 18 gives by itself (`table_column_not_null`) is its spelling of a plain NOT NULL:
        // kept, it would make every 18 set differ from the same schema on 15–17.
        if session.version >= 180000 {
            for row in try session.rows(
                """
                SELECT c.conrelid, c.conkey[1]::integer AS attnum, c.conname, r.relname FROM pg_catalog.pg_constraint c
                  JOIN pg_catalog.pg_class r ON r.oid = c.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
                 WHERE c.contype = 'n' AND n.nspname = ANY($1) AND c.conislocal
                """, reading: "NOT NULL constraints")
            {
                let relation = try row.oid("conrelid"), attnum = try row.int("attnum"), name = try row.text("conname")
                guard let index = columns[relation]?.firstIndex(where: { $0.attnum == attnum }),
                      let column = columns[relation]?[index] else { continue }
                if name != Self.defaultObjectName(try row.text("relname"), column.name, label: "not_null") {
                    columns[relation]?[index].notNullName = name
                }
            }
        }
    }

    /// The name PostgreSQL makes for a constraint it names itself (makeObjectName in
    /// src/backend/commands/indexcmds.c): `name1_name2_label`, the longer of the two names cut
    /// a character at a time until the whole fits in NAMEDATALEN - 1 bytes.
    static func defaultObjectName(_ name1: String, _ name2: String, label: String) -> String {
        let available = 63 - (label.utf8.count + 2)
        var first = Array(name1), second = Array(name2)
        func bytes(_ characters: [Character]) -> Int { characters.reduce(0) { $0 + $1.utf8.count } }
        while bytes(first) + bytes(second) > available {
            if bytes(first) > bytes(second) { first.removeLast() } else { second.removeLast() }
        }
        return String(first) + "_" + String(second) + "_" + label
    }
}
