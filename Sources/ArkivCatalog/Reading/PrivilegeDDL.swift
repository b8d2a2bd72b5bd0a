extension CatalogBuilder {
    /// REVOKE and GRANT statements that turn a new object's default privileges into the
    /// source's (both sides from aclexplode, the defaults from acldefault), like pg_dump.
    /// Who granted a privilege is not kept: grants are made by whoever runs the restore.
    func buildPrivileges() throws(CatalogError) {
        guard options.includePrivileges else { return }
        let rows = try session.rows(
            """
            WITH objects(classid, objid, subid, acl, defaults) AS (
                SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid, c.oid, 0, c.relacl,
                       pg_catalog.acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner)
                  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = ANY($1) AND c.relacl IS NOT NULL
                UNION ALL
                SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid, a.attrelid, a.attnum, a.attacl, NULL::pg_catalog.aclitem[]
                  FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
                  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = ANY($1) AND a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped
                UNION ALL
                SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass::pg_catalog.oid, p.oid, 0, p.proacl, pg_catalog.acldefault('f', p.proowner)
                  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                 WHERE n.nspname = ANY($1) AND p.proacl IS NOT NULL
                UNION ALL
                SELECT 'pg_catalog.pg_type'::pg_catalog.regclass::pg_catalog.oid, t.oid, 0, t.typacl, pg_catalog.acldefault('T', t.typowner)
                  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
                 WHERE n.nspname = ANY($1) AND t.typacl IS NOT NULL
                UNION ALL
                SELECT 'pg_catalog.pg_namespace'::pg_catalog.regclass::pg_catalog.oid, n.oid, 0, n.nspacl, pg_catalog.acldefault('n', n.nspowner)
                  FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY($1) AND n.nspacl IS NOT NULL
            ), changes AS (
                SELECT o.classid, o.objid, o.subid, 'REVOKE' AS action, x.grantee, x.privilege_type, false AS grantable
                  FROM objects o CROSS JOIN LATERAL (
                       SELECT d.grantee, d.privilege_type FROM pg_catalog.aclexplode(o.defaults) d
                       EXCEPT SELECT a.grantee, a.privilege_type FROM pg_catalog.aclexplode(o.acl) a) x
                UNION ALL
                SELECT o.classid, o.objid, o.subid, 'GRANT', x.grantee, x.privilege_type, x.is_grantable
                  FROM objects o CROSS JOIN LATERAL (
                       SELECT a.grantee, a.privilege_type, a.is_grantable FROM pg_catalog.aclexplode(o.acl) a
                       EXCEPT SELECT d.grantee, d.privilege_type, d.is_grantable FROM pg_catalog.aclexplode(o.defaults) d) x
            )
            SELECT classid, objid, subid, action, is_grantable_text, grantee_name,
                   pg_catalog.string_agg(privilege_type, ', ' ORDER BY privilege_type) AS privileges
              FROM (SELECT c.*, c.grantable::text AS is_grantable_text,
                           CASE WHEN c.grantee = 0 THEN '' ELSE pg_catalog.pg_get_userbyid(c.grantee) END AS grantee_name
                      FROM changes c) s
             GROUP BY classid, objid, subid, action, is_grantable_text, grantee_name
             ORDER BY classid, objid, subid, action DESC, grantee_name, is_grantable_text
            """, reading: "privileges")
        var counters: [ObjectKey: Int] = [:]
        for row in rows {
            let object = ObjectKey(rawCatalog: try row.oid("classid"), oid: try row.oid("objid"))
            guard let target = targets[object], let grantKeyword = target.grantKeyword, statements[object] != nil else { continue }
            let subID = try row.int("subid")
            var privileges = try row.text("privileges"), display = target.displayName
            if subID > 0 {
                guard let column = columnNames[object.oid]?[subID] else { continue }
                // Column privileges name the column after each privilege: SELECT (col), UPDATE (col).
                let quotedColumn = try session.quote(column)
                privileges = privileges.split(separator: ", ").map { "\($0) (\(quotedColumn))" }.joined(separator: ", ")
                display += "." + column
            }
            let action = try row.text("action"), grantee = try session.role(try row.text("grantee_name"))
            let sql = action == "GRANT"
                ? "GRANT \(privileges) ON \(grantKeyword) \(target.sqlName) TO \(grantee)\(try row.text("is_grantable_text") == "true" ? " WITH GRANT OPTION" : "");"
                : "REVOKE \(privileges) ON \(grantKeyword) \(target.sqlName) FROM \(grantee);"
            let count = counters[object, default: 0]
            counters[object] = count + 1
            var dependencies: Set<ObjectKey> = [object]
            if options.includeOwners { dependencies.insert(object.with(part: "owner")) }
            // Numbered so the order (revokes first) survives sorting by name.
            let number = String(count)
            add(object.with(part: "acl:" + String(repeating: "0", count: max(0, 6 - number.count)) + number), .postData, .privileges, schema: target.schema,
                kind: "acl", name: display, sql: sql, dependsOn: dependencies)
        }
    }
}
