extension CatalogBuilder {
    /// Event triggers belong to the database, not a schema. One whose function lives in a dumped
    /// schema is the application's (PostgREST's schema-cache hook, an audit of DDL): it is
    /// dumped with that schema, at the very end of post-data as pg_dump places it, so that it
    /// fires on nothing the restore itself does. Others are left to whoever owns them.
    func buildEventTriggers() throws(CatalogError) {
        let rows = try session.rows(
            """
            SELECT e.oid, e.evtname, e.evtevent, e.evtenabled::text AS enabled, e.evttags::text[] AS tags,
                   pg_catalog.pg_get_userbyid(e.evtowner) AS owner, e.evtfoid, n.nspname,
                   pg_catalog.format('%I.%I', n.nspname, p.proname) AS function
              FROM pg_catalog.pg_event_trigger e JOIN pg_catalog.pg_proc p ON p.oid = e.evtfoid
              JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = ANY($1) AND \(CatalogSession.notExtensionMember("pg_event_trigger", "e.oid"))
             ORDER BY e.evtname
            """, reading: "event triggers")
        for row in rows {
            let key = ObjectKey(.pgEventTrigger, try row.oid("oid")), schema = try row.text("nspname")
            let name = try row.text("evtname"), quoted = try session.quote(name)
            var sql = "CREATE EVENT TRIGGER \(quoted) ON \(try session.quote(try row.text("evtevent")))"
            let tags = try row.texts("tags")
            if !tags.isEmpty {
                var literals: [String] = []
                for tag in tags { literals.append(try session.literal(tag)) }
                sql += "\n    WHEN TAG IN (\(literals.joined(separator: ", ")))"
            }
            sql += "\n    EXECUTE FUNCTION \(try row.text("function"))();"
            targets[key] = ObjectTarget(keyword: "EVENT TRIGGER", sqlName: quoted, grantKeyword: nil, owner: try row.text("owner"),
                                        schema: schema, displayName: name)
            add(key, .postData, .eventTrigger, schema: schema, kind: "event-trigger", name: name, sql: sql,
                dependsOn: [ObjectKey(.pgProc, try row.oid("evtfoid"))])
            if let state = Self.enabledState(try row.text("enabled")) {
                add(key.with(part: "state"), .postData, .eventTrigger, schema: schema, kind: "event-trigger-state", name: name,
                    sql: "ALTER EVENT TRIGGER \(quoted) \(state);", dependsOn: [key])
            }
        }
    }
}
