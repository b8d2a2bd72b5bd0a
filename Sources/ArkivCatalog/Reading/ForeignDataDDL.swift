extension CatalogBuilder {
    /// Foreign tables of the dumped schemas, with the servers they use, those servers' wrappers
    /// and user mappings (Supabase's Wrappers, postgres_fdw). Wrappers and servers belong to the
    /// database, not a schema: they are dumped when a dumped foreign table uses them, in the
    /// schema of the first such table. Foreign tables have no rows of their own to copy.
    ///
    /// Option values can be credentials (a user mapping's password, a server's API key): those
    /// are left out and named (`omissions`) unless `includeForeignSecrets` is set.
    func buildForeignData() throws(CatalogError) {
        let tables = try session.rows(
            """
            SELECT ft.ftrelid, ft.ftserver, s.srvname, ft.ftoptions::text[] AS options,
                   ARRAY(SELECT pg_catalog.format('CONSTRAINT %I %s', co.conname, pg_catalog.pg_get_constraintdef(co.oid))
                           FROM pg_catalog.pg_constraint co WHERE co.conrelid = ft.ftrelid AND co.contype = 'c' AND co.conislocal
                          ORDER BY co.conname) AS checks
              FROM pg_catalog.pg_foreign_table ft JOIN pg_catalog.pg_class c ON c.oid = ft.ftrelid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver
             WHERE n.nspname = ANY($1) AND \(CatalogSession.notExtensionMember("pg_class", "c.oid"))
             ORDER BY n.nspname, c.relname
            """, reading: "foreign tables")
        var columnOptions: [UInt32: [Int: [String]]] = [:]
        for row in try session.rows(
            """
            SELECT a.attrelid, a.attnum, a.attfdwoptions::text[] AS options FROM pg_catalog.pg_attribute a
              JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = ANY($1) AND c.relkind = 'f' AND a.attnum > 0 AND a.attfdwoptions IS NOT NULL
            """, reading: "foreign table column options")
        {
            columnOptions[try row.oid("attrelid"), default: [:]][try row.int("attnum")] = try row.texts("options")
        }
        var serverSchemas: [UInt32: String] = [:]
        for row in tables {
            let oid = try row.oid("ftrelid"), server = try row.oid("ftserver")
            guard let relation = relations[oid] else { continue }
            if relation.isPartition || !relation.parents.isEmpty {
                report("foreign table", relation.display, "a foreign table that is a partition or an inheritance child is not supported")
                continue
            }
            if serverSchemas[server] == nil { serverSchemas[server] = relation.schema }
            let key = ObjectKey(.pgClass, oid), quoted = try session.quote(relation.schema, relation.name)
            var parts: [String] = []
            for column in columns[oid] ?? [] where column.isLocal {
                let options = try optionClause(columnOptions[oid]?[column.attnum] ?? [], of: relation.display)
                parts.append(try columnDefinition(column, table: oid, fdwOptions: options))
            }
            parts += try row.texts("checks")
            targets[key] = ObjectTarget(
                keyword: "FOREIGN TABLE", sqlName: quoted, grantKeyword: "TABLE", owner: relation.owner,
                schema: relation.schema, displayName: relation.display)
            let sql = "CREATE FOREIGN TABLE \(quoted) (\n    \(parts.joined(separator: ",\n    "))\n)"
                + " SERVER \(try session.quote(try row.text("srvname")))\(try optionClause(try row.texts("options"), of: relation.display));"
            add(key, .preData, .table, schema: relation.schema, kind: "foreign-table", name: relation.display, sql: sql,
                dependsOn: [ObjectKey(.pgForeignServer, server)])
            try addColumnSettings(relation, columns: columns[oid] ?? [], keyword: "FOREIGN TABLE ONLY")
        }
        try buildServers(serverSchemas)
    }

    private func buildServers(_ serverSchemas: [UInt32: String]) throws(CatalogError) {
        guard !serverSchemas.isEmpty else { return }
        let servers = try session.plainRows(
            """
            SELECT s.oid, s.srvname, s.srvfdw, s.srvtype, s.srvversion, pg_catalog.pg_get_userbyid(s.srvowner) AS owner,
                   s.srvoptions::text[] AS options,
                   w.fdwname, pg_catalog.pg_get_userbyid(w.fdwowner) AS fdw_owner,
                   CASE WHEN w.fdwhandler <> 0 THEN w.fdwhandler::pg_catalog.regproc::text END AS handler,
                   CASE WHEN w.fdwvalidator <> 0 THEN w.fdwvalidator::pg_catalog.regproc::text END AS validator,
                   w.fdwoptions::text[] AS fdw_options,
                   EXISTS (SELECT 1 FROM pg_catalog.pg_depend x WHERE x.classid = 'pg_catalog.pg_foreign_data_wrapper'::pg_catalog.regclass
                            AND x.objid = w.oid AND x.deptype = 'e') AS fdw_from_extension
              FROM pg_catalog.pg_foreign_server s JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
             WHERE s.oid = ANY($1::pg_catalog.oid[])
             ORDER BY s.srvname
            """, reading: "foreign servers", [serverSchemas.keys.sorted().map { String($0) }])
        for row in servers {
            let oid = try row.oid("oid"), wrapper = try row.oid("srvfdw")
            guard let schema = serverSchemas[oid] else { continue }
            let wrapperKey = ObjectKey(.pgForeignDataWrapper, wrapper)
            let wrapperName = try row.text("fdwname"), quotedWrapper = try session.quote(wrapperName)
            // A wrapper made by an extension (postgres_fdw, Supabase's wrappers) comes with it.
            if !(try row.bool("fdw_from_extension")) && statements[wrapperKey] == nil {
                var sql = "CREATE FOREIGN DATA WRAPPER \(quotedWrapper)"
                if let handler = try row.optionalText("handler") { sql += " HANDLER \(handler)" }
                if let validator = try row.optionalText("validator") { sql += " VALIDATOR \(validator)" }
                sql += try optionClause(try row.texts("fdw_options"), of: "foreign-data wrapper \(wrapperName)")
                targets[wrapperKey] = ObjectTarget(
                    keyword: "FOREIGN DATA WRAPPER", sqlName: quotedWrapper, grantKeyword: "FOREIGN DATA WRAPPER",
                    owner: try row.text("fdw_owner"), schema: schema, displayName: wrapperName)
                add(wrapperKey, .preData, .foreignData, schema: schema, kind: "foreign-data-wrapper", name: wrapperName, sql: sql + ";")
            }
            let name = try row.text("srvname"), quoted = try session.quote(name), key = ObjectKey(.pgForeignServer, oid)
            var sql = "CREATE SERVER \(quoted)"
            if let type = try row.optionalText("srvtype") { sql += " TYPE \(try session.literal(type))" }
            if let version = try row.optionalText("srvversion") { sql += " VERSION \(try session.literal(version))" }
            sql += " FOREIGN DATA WRAPPER \(quotedWrapper)"
            sql += try optionClause(try row.texts("options"), of: "server \(name)", secretsByName: true)
            targets[key] = ObjectTarget(
                keyword: "SERVER", sqlName: quoted, grantKeyword: "FOREIGN SERVER", owner: try row.text("owner"),
                schema: schema, displayName: name)
            add(key, .preData, .foreignData, schema: schema, kind: "foreign-server", name: name, sql: sql + ";", dependsOn: [wrapperKey])
            try buildUserMappings(server: oid, serverName: quoted, display: name, schema: schema)
        }
    }

    private func buildUserMappings(server: UInt32, serverName: String, display: String, schema: String) throws(CatalogError) {
        // pg_user_mappings shows the options only to whoever may see them (a superuser, the
        // server's owner for PUBLIC, the mapped user): NULL options are read as "none readable".
        let rows = try session.plainRows(
            """
            SELECT umid, umuser, usename, umoptions::text[] AS options
              FROM pg_catalog.pg_user_mappings WHERE srvid = $1 ORDER BY usename
            """, reading: "user mappings", [String(server)])
        for row in rows {
            let user = try row.oid("umuser") == 0 ? "" : try row.text("usename")
            let label = "user mapping for \(user.isEmpty ? "PUBLIC" : user) on server \(display)"
            var sql = RoleNamingSQL("CREATE USER MAPPING FOR ")
            sql.append(role: user, quoted: try session.role(user))
            sql.append(" SERVER \(serverName)")
            sql.append(try optionClause(try row.texts("options"), of: label, userMapping: true))
            sql.append(";")
            add(ObjectKey(.pgUserMapping, try row.oid("umid")), .preData, .foreignData, schema: schema, kind: "user-mapping",
                name: label, sql: sql, dependsOn: [ObjectKey(.pgForeignServer, server)])
        }
    }

    /// ` OPTIONS (name 'value', …)` from the catalog's `name=value` strings, or "". Values
    /// that may be credentials are left out and named, unless asked for.
    private func optionClause(
        _ stored: [String], of object: String, secretsByName: Bool = false, userMapping: Bool = false
    ) throws(CatalogError) -> String {
        var clauses: [String] = []
        for option in Self.optionList(stored) {
            let name = option.name.lowercased()
            let secret = userMapping
                ? !["user", "username", "password_required"].contains(name)
                : secretsByName && Self.secretOptionWords.contains { name.contains($0) }
            if secret && !options.includeForeignSecrets {
                omissions.append(UnsupportedObject(
                    kind: "option", name: "\(option.name) of \(object)",
                    reason: "it may hold a credential and is left out (back up with --include-foreign-secrets to an encrypted set to keep it); set it again after a restore"))
                continue
            }
            clauses.append("\(try session.quote(option.name)) \(try session.literal(option.value))")
        }
        return clauses.isEmpty ? "" : " OPTIONS (\(clauses.joined(separator: ", ")))"
    }

    static let secretOptionWords = ["password", "secret", "token", "api_key", "apikey", "private", "credential"]

    /// `["a=b", "c=d=e"]` → (a, b), (c, d=e); the catalogs store options as `name=value`.
    static func optionList(_ items: [String]) -> [(name: String, value: String)] {
        items.map { item in
            guard let equals = item.firstIndex(of: "=") else { return (item, "") }
            return (String(item[..<equals]), String(item[item.index(after: equals)...]))
        }
    }
}
