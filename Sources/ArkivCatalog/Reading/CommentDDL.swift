extension CatalogBuilder {
    /// COMMENT ON every dumped object that has one: schemas, tables, columns, views, types,
    /// domains, functions, sequences, constraints, indexes, triggers, policies, statistics.
    func buildComments() throws(CatalogError) {
        guard options.includeComments else { return }
        let rows = try session.plainRows(
            """
            SELECT d.classoid, d.objoid, d.objsubid, d.description FROM pg_catalog.pg_description d
             WHERE (d.objoid >= 16384 OR d.classoid IN ('pg_catalog.pg_namespace'::pg_catalog.regclass, 'pg_catalog.pg_largeobject'::pg_catalog.regclass)) AND d.classoid = ANY($1::pg_catalog.oid[])
             ORDER BY d.classoid, d.objoid, d.objsubid
            """, reading: "comments",
            [[CatalogClass.pgNamespace, .pgClass, .pgType, .pgProc, .pgConstraint, .pgTrigger, .pgPolicy, .pgStatisticExt, .pgRewrite, .pgCollation,
              .pgTSParser, .pgTSTemplate, .pgTSDict, .pgTSConfig, .pgForeignDataWrapper, .pgForeignServer,
              .pgOperator, .pgOpclass, .pgOpfamily, .pgEventTrigger, .pgLargeObject].map { String($0.rawValue) }])
        for row in rows {
            let object = ObjectKey(rawCatalog: try row.oid("classoid"), oid: try row.oid("objoid"))
            let subID = try row.int("objsubid"), text = try row.text("description")
            guard let target = targets[object] else { continue }
            var keyword = target.keyword, sqlName = target.sqlName, display = target.displayName
            var part = "comment"
            if subID > 0 {
                // A column of a table, view or composite type.
                guard let column = columnNames[object.oid]?[subID] else { continue }
                keyword = "COLUMN"
                sqlName += "." + (try session.quote(column))
                display += "." + column
                part = "comment:\(subID)"
            }
            add(object.with(part: part), .postData, .comment, schema: target.schema, kind: "comment", name: display,
                sql: "COMMENT ON \(keyword) \(sqlName) IS \(try session.literal(text));", dependsOn: [object])
        }
        // `public` is the one schema a target already has (with initdb's 'standard public
        // schema' comment): its comment, or its absence, must come back exactly.
        if let publicKey = schemaKey("public"), statements[publicKey.with(part: "comment")] == nil, let target = targets[publicKey] {
            add(publicKey.with(part: "comment"), .postData, .comment, schema: target.schema, kind: "comment", name: target.displayName,
                sql: "COMMENT ON SCHEMA \(target.sqlName) IS NULL;", dependsOn: [publicKey])
        }
    }

    /// ALTER … OWNER TO for every object that has an owner, when asked for.
    func buildOwners() throws(CatalogError) {
        guard options.includeOwners else { return }
        for (key, target) in targets {
            // Identity sequences follow their table's owner and have no statement of their own.
            guard let owner = target.owner, statements[key] != nil else { continue }
            var sql = RoleNamingSQL("ALTER \(target.keyword) \(target.sqlName) OWNER TO ")
            sql.append(role: owner, quoted: try session.role(owner))
            sql.append(";")
            add(key.with(part: "owner"), .postData, .owner, schema: target.schema, kind: "owner", name: target.displayName,
                sql: sql, dependsOn: [key])
        }
    }
}
