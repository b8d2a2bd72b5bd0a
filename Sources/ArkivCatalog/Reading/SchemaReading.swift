extension CatalogBuilder {
    /// `CREATE SCHEMA` for each dumped schema; fails when one does not exist.
    func readSchemas() throws(CatalogError) {
        let rows = try session.rows(
            """
            SELECT n.oid, n.nspname, format('%I', n.nspname) AS display, pg_catalog.pg_get_userbyid(n.nspowner) AS owner
              FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY($1)
            """, reading: "schemas")
        for row in rows {
            let oid = try row.oid("oid"), name = try row.text("nspname"), display = try row.text("display")
            schemaOIDs[name] = oid
            let key = ObjectKey(.pgNamespace, oid)
            // public exists in every new database (until someone drops it).
            let create = name == "public" ? "CREATE SCHEMA IF NOT EXISTS" : "CREATE SCHEMA"
            add(key, .preData, .schema, schema: name, kind: "schema", name: display, sql: "\(create) \(try session.quote(name));")
            targets[key] = ObjectTarget(
                keyword: "SCHEMA", sqlName: try session.quote(name), grantKeyword: "SCHEMA", owner: try row.text("owner"),
                schema: name, displayName: display)
        }
        let missing = session.schemas.filter { schemaOIDs[$0] == nil }
        guard missing.isEmpty else { throw .schemasNotFound(missing) }
    }

    /// Which catalog rows belong to which extension, and the extensions themselves; lists the
    /// members that live in dumped schemas.
    func readExtensions() throws(CatalogError) {
        for row in try session.plainRows(
            """
            SELECT e.oid, e.extname, e.extversion, n.nspname FROM pg_catalog.pg_extension e
              JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
            """, reading: "extensions")
        {
            let oid = try row.oid("oid")
            extensionsByOID[oid] = ExtensionRow(
                oid: oid, name: try row.text("extname"), version: try row.text("extversion"), schema: try row.text("nspname"))
        }
        for row in try session.plainRows(
            "SELECT classid, objid, refobjid FROM pg_catalog.pg_depend WHERE deptype = 'e' AND refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass",
            reading: "extension members")
        {
            extensionOf[ObjectKey(rawCatalog: try row.oid("classid"), oid: try row.oid("objid"))] = try row.oid("refobjid")
        }
        for row in try session.rows(
            """
            SELECT e.extname, o.type, o.schema, o.identity
              FROM pg_catalog.pg_depend d
              JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
             CROSS JOIN LATERAL pg_catalog.pg_identify_object(d.classid, d.objid, d.objsubid) o
             WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.deptype = 'e'
               AND o.schema = ANY($1)
             ORDER BY o.schema, o.type, o.identity
            """, reading: "extension members in the dumped schemas")
        {
            extensionMembers.append(ExcludedObject(
                extensionName: try row.text("extname"), objectType: try row.text("type"),
                schema: try row.text("schema"), identity: try row.text("identity")))
        }
        // An extension installed into a dumped schema is created by that schema's pre-data:
        // nothing else would make its objects exist there before the tables that use them.
        for row in try session.rows(
            """
            SELECT e.oid, e.extname, n.nspname, format('%I', e.extname) AS display
              FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
             WHERE n.nspname = ANY($1)
            """, reading: "extensions in the dumped schemas")
        {
            let oid = try row.oid("oid"), schema = try row.text("nspname")
            let key = ObjectKey(.pgExtension, oid)
            add(key, .preData, .extension, schema: schema, kind: "extension", name: try row.text("display"),
                sql: "CREATE EXTENSION IF NOT EXISTS \(try session.quote(try row.text("extname"))) WITH SCHEMA \(try session.quote(schema));",
                dependsOn: schemaKey(schema).map { [$0] } ?? [])
            extensionUsers[oid, default: []].insert(schema)
        }
    }

    /// The extensions the dumped objects need, for the snapshot.
    func extensionInfos() -> [ExtensionInfo] {
        extensionUsers.compactMap { oid, users -> ExtensionInfo? in
            guard let row = extensionsByOID[oid] else { return nil }
            return ExtensionInfo(
                name: row.name, version: row.version, schema: row.schema,
                neededBy: session.schemas.filter(users.contains),
                isCreatedByPreData: session.schemas.contains(row.schema))
        }.sorted { $0.name < $1.name }
    }
}
