extension CatalogBuilder {
    /// Sequences of the dumped schemas. Identity sequences are listed (their values must be
    /// restored) but created by their column; serial-style ownership becomes `OWNED BY`.
    func readSequences() throws(CatalogError) {
        let rows = try session.rows(
            """
            SELECT c.oid, n.nspname, c.relname, pg_catalog.format('%I.%I', n.nspname, c.relname) AS display,
                   c.relpersistence, pg_catalog.pg_get_userbyid(c.relowner) AS owner,
                   pg_catalog.format_type(s.seqtypid, NULL) AS data_type, s.seqstart, s.seqincrement, s.seqmax, s.seqmin,
                   s.seqcache, s.seqcycle, d.deptype::text AS owner_deptype, d.refobjid AS owner_table,
                   tn.nspname AS owner_schema, t.relname AS owner_table_name, a.attname AS owner_column,
                   CASE WHEN t.oid IS NOT NULL THEN pg_catalog.format('%I.%I', tn.nspname, t.relname) END AS owner_display
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
              LEFT JOIN pg_catalog.pg_depend d
                     ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
                    AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjsubid > 0
                    AND d.deptype IN ('a', 'i')
              LEFT JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
              LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
              LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
             WHERE n.nspname = ANY($1) AND c.relkind = 'S' AND \(CatalogSession.notExtensionMember("pg_class", "c.oid"))
             ORDER BY c.oid
            """, reading: "sequences")
        for row in rows {
            let oid = try row.oid("oid"), schema = try row.text("nspname"), name = try row.text("relname")
            let display = try row.text("display")
            let isIdentity = try row.optionalText("owner_deptype") == "i"
            var ownedBy: ColumnReference?
            if let table = try row.optionalText("owner_table_name"), let column = try row.optionalText("owner_column") {
                ownedBy = ColumnReference(schema: try row.text("owner_schema"), table: table, column: column)
            }
            let sequence = SequenceInfo(
                schema: schema, name: name, oid: oid, ownedBy: ownedBy, isIdentity: isIdentity,
                dataType: try row.text("data_type"), start: try row.int64("seqstart"), increment: try row.int64("seqincrement"),
                minValue: try row.int64("seqmin"), maxValue: try row.int64("seqmax"), cache: try row.int64("seqcache"),
                cycles: try row.bool("seqcycle"))
            sequences.append(sequence)
            let key = ObjectKey(.pgClass, oid)
            let quoted = try session.quote(schema, name)
            targets[key] = ObjectTarget(
                keyword: "SEQUENCE", sqlName: quoted, grantKeyword: "SEQUENCE", owner: try row.text("owner"),
                schema: schema, displayName: display)
            if isIdentity {
                // Part of its table: the column's GENERATED … AS IDENTITY creates it.
                if let table = try row.optionalText("owner_table").flatMap({ UInt32($0) }) {
                    creators[key] = ObjectKey(.pgClass, table)
                    identitySequences[table, default: []].append(sequence)
                }
                continue
            }
            let unlogged = try row.text("relpersistence") == "u" ? "UNLOGGED " : ""
            add(key, .preData, .sequence, schema: schema, kind: "sequence", name: display,
                sql: "CREATE \(unlogged)SEQUENCE \(quoted) AS \(sequence.dataType) \(try sequenceOptions(sequence));")
            if let ownedBy, let table = try row.optionalText("owner_table").flatMap({ UInt32($0) }) {
                guard relations[table] != nil else {
                    report("sequence", display, "it is owned by \(try row.text("owner_display")), which is not in the dumped schemas")
                    continue
                }
                add(key.with(part: "owned-by"), .preData, .sequenceOwner, schema: schema, kind: "sequence-owned-by", name: display,
                    sql: "ALTER SEQUENCE \(quoted) OWNED BY \(try session.quote(ownedBy.schema, ownedBy.table)).\(try session.quote(ownedBy.column));",
                    dependsOn: [key, ObjectKey(.pgClass, table)])
            }
        }
    }

    /// `START WITH … CYCLE`, every option spelled out so the target's defaults do not matter.
    func sequenceOptions(_ sequence: SequenceInfo) throws(CatalogError) -> String {
        "START WITH \(sequence.start) INCREMENT BY \(sequence.increment) MINVALUE \(sequence.minValue) "
            + "MAXVALUE \(sequence.maxValue) CACHE \(sequence.cache)\(sequence.cycles ? " CYCLE" : " NO CYCLE")"
    }
}
