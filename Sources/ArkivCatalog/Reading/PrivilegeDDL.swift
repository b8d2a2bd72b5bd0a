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
                UNION ALL
                SELECT 'pg_catalog.pg_foreign_server'::pg_catalog.regclass::pg_catalog.oid, s.oid, 0, s.srvacl, pg_catalog.acldefault('S', s.srvowner)
                  FROM pg_catalog.pg_foreign_server s WHERE s.srvacl IS NOT NULL
                UNION ALL
                SELECT 'pg_catalog.pg_foreign_data_wrapper'::pg_catalog.regclass::pg_catalog.oid, w.oid, 0, w.fdwacl, pg_catalog.acldefault('F', w.fdwowner)
                  FROM pg_catalog.pg_foreign_data_wrapper w WHERE w.fdwacl IS NOT NULL
                UNION ALL
                SELECT 'pg_catalog.pg_largeobject'::pg_catalog.regclass::pg_catalog.oid, l.oid, 0, l.lomacl, pg_catalog.acldefault('L', l.lomowner)
                  FROM pg_catalog.pg_largeobject_metadata l WHERE l.lomacl IS NOT NULL
            ), changes AS (
                SELECT o.classid, o.objid, o.subid, 'REVOKE' AS action, x.grantee, x.privilege_type, false AS grantable, 0::bigint AS n
                  FROM objects o CROSS JOIN LATERAL (
                       SELECT d.grantee, d.privilege_type FROM pg_catalog.aclexplode(o.defaults) d
                       EXCEPT SELECT a.grantee, a.privilege_type FROM pg_catalog.aclexplode(o.acl) a) x
                UNION ALL
                SELECT o.classid, o.objid, o.subid, 'GRANT', a.grantee, a.privilege_type, a.is_grantable, a.n
                  FROM objects o
                 CROSS JOIN LATERAL pg_catalog.aclexplode(o.acl) WITH ORDINALITY AS a(grantor, grantee, privilege_type, is_grantable, n)
                 WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.aclexplode(o.defaults) d
                                    WHERE d.grantee = a.grantee AND d.privilege_type = a.privilege_type AND d.is_grantable = a.is_grantable)
            )
            SELECT classid, objid, subid, action, is_grantable_text, grantee_name,
                   pg_catalog.string_agg(privilege_type, ', ' ORDER BY privilege_type) AS privileges
              FROM (SELECT c.*, c.grantable::text AS is_grantable_text,
                           CASE WHEN c.grantee = 0 THEN '' ELSE pg_catalog.pg_get_userbyid(c.grantee) END AS grantee_name
                      FROM changes c) s
             GROUP BY classid, objid, subid, action, is_grantable_text, grantee_name
             -- Grants in the order of the source's ACL, so the restored ACL lists them alike.
             ORDER BY classid, objid, subid, action DESC, min(n), grantee_name, is_grantable_text
            """, reading: "privileges")
        var counters: [ObjectKey: Int] = [:]
        for row in rows {
            let object = ObjectKey(rawCatalog: try row.oid("classid"), oid: try row.oid("objid"))
            // An identity sequence has no statement of its own: its grants follow its table's.
            guard let target = targets[object], let grantKeyword = target.grantKeyword, let creator = creator(of: object) else { continue }
            let subID = try row.int("subid")
            var privileges = try row.text("privileges"), display = target.displayName
            if subID > 0 {
                guard let column = columnNames[object.oid]?[subID] else { continue }
                // Column privileges name the column after each privilege: SELECT (col), UPDATE (col).
                let quotedColumn = try session.quote(column)
                privileges = privileges.split(separator: ", ").map { "\($0) (\(quotedColumn))" }.joined(separator: ", ")
                display += "." + column
            }
            let action = try row.text("action"), granteeName = try row.text("grantee_name")
            var sql = RoleNamingSQL(action == "GRANT"
                ? "GRANT \(privileges) ON \(grantKeyword) \(target.sqlName) TO "
                : "REVOKE \(privileges) ON \(grantKeyword) \(target.sqlName) FROM ")
            sql.append(role: granteeName, quoted: try session.role(granteeName))
            let grantable = try row.text("is_grantable_text") == "true"
            sql.append(action == "GRANT" && grantable ? " WITH GRANT OPTION;" : ";")
            let count = counters[object, default: 0]
            counters[object] = count + 1
            var dependencies: Set<ObjectKey> = [creator]
            if options.includeOwners { dependencies.insert(creator.with(part: "owner")) }
            // Numbered so the order (revokes first) survives sorting by name.
            let number = String(count)
            add(object.with(part: "acl:" + String(repeating: "0", count: max(0, 6 - number.count)) + number), .postData, .privileges, schema: target.schema,
                kind: "acl", name: display, sql: sql, dependsOn: dependencies)
        }
    }
}

extension CatalogBuilder {
    /// `ALTER DEFAULT PRIVILEGES FOR ROLE … IN SCHEMA … GRANT …` for the dumped schemas (what
    /// a Supabase project sets for anon/authenticated/service_role). Per-schema entries only
    /// ever add to the global defaults, so they are all grants, as pg_dump writes them.
    func buildDefaultPrivileges() throws(CatalogError) {
        guard options.includePrivileges else { return }
        let rows = try session.rows(
            """
            SELECT d.oid, n.nspname, pg_catalog.pg_get_userbyid(d.defaclrole) AS owner, d.defaclobjtype::text AS objtype,
                   CASE WHEN a.grantee = 0 THEN '' ELSE pg_catalog.pg_get_userbyid(a.grantee) END AS grantee,
                   a.is_grantable::text AS grantable,
                   pg_catalog.string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type) AS privileges
              FROM pg_catalog.pg_default_acl d
              JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
             CROSS JOIN LATERAL pg_catalog.aclexplode(d.defaclacl) a
             WHERE n.nspname = ANY($1)
             GROUP BY d.oid, n.nspname, owner, objtype, grantee, grantable
             ORDER BY n.nspname, owner, objtype, grantee, grantable
            """, reading: "default privileges")
        let objectKinds = ["r": "TABLES", "S": "SEQUENCES", "f": "FUNCTIONS", "T": "TYPES", "n": "SCHEMAS"]
        var counters: [UInt32: Int] = [:]
        for row in rows {
            let schema = try row.text("nspname"), owner = try row.text("owner"), grantee = try row.text("grantee")
            guard let objects = objectKinds[try row.text("objtype")], let schemaKey = schemaKey(schema) else { continue }
            var sql = RoleNamingSQL("ALTER DEFAULT PRIVILEGES FOR ROLE ")
            sql.append(role: owner, quoted: try session.quote(owner))
            sql.append(" IN SCHEMA \(try session.quote(schema)) GRANT \(try row.text("privileges")) ON \(objects) TO ")
            sql.append(role: grantee, quoted: try session.role(grantee))
            sql.append(try row.text("grantable") == "true" ? " WITH GRANT OPTION;" : ";")
            let oid = try row.oid("oid")
            let count = counters[oid, default: 0]
            counters[oid] = count + 1
            let display = "\(targets[schemaKey]?.displayName ?? schema).default-privileges.\(owner).\(objects.lowercased()).\(grantee.isEmpty ? "PUBLIC" : grantee)"
            add(ObjectKey(.pgDefaultACL, oid, part: "grant:\(count)"), .postData, .privileges, schema: schema, kind: "default-acl",
                name: display, sql: sql, dependsOn: [schemaKey])
        }
    }
}
