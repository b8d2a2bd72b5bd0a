extension CatalogBuilder {
    /// View rules belong to their view; every other rule on a dumped relation is created in
    /// post-data (pg_get_ruledef), as pg_dump does, with its enabled state.
    func readRules() throws(CatalogError) {
        let rows = try session.rows(
            """
            SELECT r.oid, r.ev_class, r.rulename, r.ev_enabled::text AS enabled,
                   pg_catalog.format('%I.%I.%I', n.nspname, c.relname, r.rulename) AS display,
                   pg_catalog.pg_get_ruledef(r.oid) AS definition
              FROM pg_catalog.pg_rewrite r
              JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = ANY($1) AND \(CatalogSession.notExtensionMember("pg_class", "c.oid"))
             ORDER BY r.oid
            """, reading: "rules")
        for row in rows {
            let relationOID = try row.oid("ev_class"), oid = try row.oid("oid")
            let isViewQuery = try row.text("rulename") == "_RETURN"
            if isViewQuery, let view = relations[relationOID], view.kind == "v" || view.kind == "m" {
                creators[ObjectKey(.pgRewrite, oid)] = ObjectKey(.pgClass, relationOID)
                continue
            }
            guard let relation = relations[relationOID], !isViewQuery else {
                report("rule", try row.text("display"), "it belongs to a relation arkiv does not dump")
                continue
            }
            let key = ObjectKey(.pgRewrite, oid), display = try row.text("display")
            let name = try session.quote(try row.text("rulename")), tableName = try session.quote(relation.schema, relation.name)
            var definition = try row.text("definition")
            while let last = definition.last, last == ";" || last.isWhitespace { definition.removeLast() }
            targets[key] = ObjectTarget(
                keyword: "RULE", sqlName: "\(name) ON \(tableName)", grantKeyword: nil, owner: nil,
                schema: relation.schema, displayName: display)
            add(key, .postData, .rule, schema: relation.schema, kind: "rule", name: display, sql: definition + ";",
                dependsOn: [ObjectKey(.pgClass, relationOID)])
            if let state = Self.enabledState(try row.text("enabled"), of: "RULE") {
                // ALTER TABLE also takes views here; ALTER VIEW has no rule forms.
                add(key.with(part: "state"), .postData, .triggerState, schema: relation.schema, kind: "rule-state",
                    name: display, sql: "ALTER TABLE \(tableName) \(state) \(name);", dependsOn: [key])
            }
        }
    }

    /// The statement that creates a catalog row, following sub-objects, array types and row
    /// types to their owner.
    func creator(of object: ObjectKey) -> ObjectKey? {
        var current = object
        for _ in 0..<8 {
            if statements[current] != nil { return current }
            if let next = creators[current], next != current {
                current = next
            } else if current.catalog == CatalogClass.pgType.rawValue, let element = arrayElements[current.oid] {
                current = ObjectKey(.pgType, element)
            } else {
                return nil
            }
        }
        return nil
    }

    /// Follows `pg_depend` (normal dependencies) between the dumped objects, notes which
    /// extensions they use, and reports what they need from outside the dumped schemas.
    func readDependencies() throws(CatalogError) {
        let rows = try session.plainRows(
            """
            SELECT classid, objid, refclassid, refobjid FROM pg_catalog.pg_depend
             WHERE deptype = 'n' AND objid >= 16384
            """, reading: "dependencies")
        var external: [ObjectKey: Set<ObjectKey>] = [:]
        for row in rows {
            let object = ObjectKey(rawCatalog: try row.oid("classid"), oid: try row.oid("objid"))
            guard let dependent = creator(of: object), let statement = statements[dependent] else { continue }
            let referenced = ObjectKey(rawCatalog: try row.oid("refclassid"), oid: try row.oid("refobjid"))
            if let extensionOID = extensionOf[referenced] {
                extensionUsers[extensionOID, default: []].insert(statement.schema)
                let extensionKey = ObjectKey(.pgExtension, extensionOID)
                if statements[extensionKey] != nil { statements[dependent]?.dependencies.insert(extensionKey) }
                continue
            }
            if let target = creator(of: referenced) {
                if target != dependent { statements[dependent]?.dependencies.insert(target) }
            } else if referenced.oid >= 16384,
                      referenced.catalog != CatalogClass.pgNamespace.rawValue || !schemaOIDs.values.contains(referenced.oid)
            {
                // Below 16384 are objects made by initdb: every database has them.
                external[referenced, default: []].insert(dependent)
            }
        }
        try reportExternal(external)
    }

    /// Names what the dumped objects need that lives outside the dumped schemas (and is not
    /// an extension's): a restore into a database without it would fail, so it is recorded for
    /// the restore to check (a subset backup, `--schema vault`, is normal; losing the foreign
    /// key silently is not).
    private func reportExternal(_ external: [ObjectKey: Set<ObjectKey>]) throws(CatalogError) {
        guard !external.isEmpty else { return }
        let keys = external.keys.sorted { ($0.catalog, $0.oid) < ($1.catalog, $1.oid) }
        let rows = try session.plainRows(
            """
            SELECT o.type, o.schema, o.identity
              FROM unnest($1::pg_catalog.oid[], $2::pg_catalog.oid[]) WITH ORDINALITY AS k(classid, objid, n)
             CROSS JOIN LATERAL pg_catalog.pg_identify_object(k.classid, k.objid, 0) o
             ORDER BY k.n
            """, reading: "objects outside the dumped schemas",
            [keys.map { String($0.catalog) }, keys.map { String($0.oid) }])
        for (key, row) in zip(keys, rows) {
            // Objects inside a dumped schema that arkiv does not model are reported by kind.
            if let schema = try row.optionalText("schema"), session.schemas.contains(schema) { continue }
            let identity = try row.optionalText("identity") ?? "?"
            let users = (external[key] ?? []).compactMap { statements[$0]?.name }.sorted()
            for user in users {
                let needed = ExternalDependency(object: user, needs: "\(try row.text("type")) \(identity)")
                if !externalDependencies.contains(needed) { externalDependencies.append(needed) }
            }
        }
    }
}
