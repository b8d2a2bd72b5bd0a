extension CatalogBuilder {
    /// User triggers (pg_get_triggerdef), with their enabled state. Internal triggers (foreign
    /// keys, deferred uniques) come with their constraints, and a partition's clone of its
    /// parent's trigger with the parent's.
    func buildTriggers() throws(CatalogError) {
        let parentColumn = session.version >= 130000 ? "t.tgparentid" : "0::pg_catalog.oid"
        let rows = try session.rows(
            """
            SELECT t.oid, t.tgrelid, t.tgname, t.tgenabled::text AS tgenabled, \(parentColumn) AS parent,
                   pg_catalog.pg_get_triggerdef(t.oid) AS definition,
                   pg_catalog.format('%I.%I.%I', n.nspname, c.relname, t.tgname) AS display
              FROM pg_catalog.pg_trigger t
              JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = ANY($1) AND NOT t.tgisinternal
             ORDER BY t.oid
            """, reading: "triggers")
        for row in rows {
            let table = try row.oid("tgrelid")
            guard let relation = relations[table] else { continue }
            guard try row.oid("parent") == 0 else { continue }
            let oid = try row.oid("oid"), display = try row.text("display"), name = try session.quote(try row.text("tgname"))
            let key = ObjectKey(.pgTrigger, oid), tableName = try session.quote(relation.schema, relation.name)
            targets[key] = ObjectTarget(
                keyword: "TRIGGER", sqlName: "\(name) ON \(tableName)", grantKeyword: nil, owner: nil,
                schema: relation.schema, displayName: display)
            add(key, .postData, .trigger, schema: relation.schema, kind: "trigger", name: display,
                sql: try row.text("definition") + ";", dependsOn: [ObjectKey(.pgClass, table)])
            if let state = Self.enabledState(try row.text("tgenabled"), of: "TRIGGER") {
                add(key.with(part: "state"), .postData, .triggerState, schema: relation.schema, kind: "trigger-state",
                    name: display, sql: "ALTER TABLE \(tableName) \(state) \(name);", dependsOn: [key])
            }
        }
    }

    /// The ALTER action that puts a trigger, rule or event trigger back in its state
    /// (`tgenabled`, `ev_enabled`, `evtenabled`), or nil for the default, enabled in origin mode.
    /// ALTER TABLE names the noun (`DISABLE TRIGGER t`); ALTER EVENT TRIGGER does not.
    static func enabledState(_ code: String, of noun: String? = nil) -> String? {
        let action: String? = switch code {
        case "D": "DISABLE"
        case "R": "ENABLE REPLICA"
        case "A": "ENABLE ALWAYS"
        default: nil
        }
        guard let action else { return nil }
        return noun.map { "\(action) \($0)" } ?? action
    }

    /// ENABLE/FORCE ROW LEVEL SECURITY and the policies, rebuilt from pg_policy.
    func buildRowSecurity() throws(CatalogError) {
        for relation in relations.values.sorted(by: { $0.oid < $1.oid }) where relation.rowSecurity || relation.forceRowSecurity {
            let key = ObjectKey(.pgClass, relation.oid), tableName = try session.quote(relation.schema, relation.name)
            var actions: [String] = []
            if relation.rowSecurity { actions.append("ENABLE ROW LEVEL SECURITY") }
            if relation.forceRowSecurity { actions.append("FORCE ROW LEVEL SECURITY") }
            add(key.with(part: "row-security"), .postData, .rowSecurity, schema: relation.schema, kind: "row-security",
                name: relation.display, sql: "ALTER TABLE \(tableName) \(actions.joined(separator: ", "));", dependsOn: [key])
        }
        let rows = try session.rows(
            """
            SELECT p.oid, p.polrelid, p.polname, p.polcmd::text AS polcmd, p.polpermissive,
                   ARRAY(SELECT CASE WHEN r.oid = 0 THEN '' ELSE pg_catalog.pg_get_userbyid(r.oid) END
                           FROM unnest(p.polroles) WITH ORDINALITY AS r(oid, n) ORDER BY r.n) AS roles,
                   pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS qual,
                   pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS with_check,
                   pg_catalog.format('%I.%I.%I', n.nspname, c.relname, p.polname) AS display
              FROM pg_catalog.pg_policy p
              JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = ANY($1)
             ORDER BY p.oid
            """, reading: "policies")
        for row in rows {
            let table = try row.oid("polrelid")
            guard let relation = relations[table] else { continue }
            let oid = try row.oid("oid"), display = try row.text("display"), name = try session.quote(try row.text("polname"))
            let tableName = try session.quote(relation.schema, relation.name)
            let command = switch try row.text("polcmd") {
            case "r": "SELECT"
            case "a": "INSERT"
            case "w": "UPDATE"
            case "d": "DELETE"
            default: "ALL"
            }
            var sql = RoleNamingSQL(
                "CREATE POLICY \(name) ON \(tableName) AS \(try row.bool("polpermissive") ? "PERMISSIVE" : "RESTRICTIVE") FOR \(command) TO ")
            let roles = try row.texts("roles")
            if roles.isEmpty { sql.append("PUBLIC") }
            for (index, role) in roles.enumerated() {
                if index > 0 { sql.append(", ") }
                sql.append(role: role, quoted: try session.role(role))
            }
            if let qual = try row.optionalText("qual") { sql.append(" USING (\(qual))") }
            if let check = try row.optionalText("with_check") { sql.append(" WITH CHECK (\(check))") }
            sql.append(";")
            let key = ObjectKey(.pgPolicy, oid)
            targets[key] = ObjectTarget(
                keyword: "POLICY", sqlName: "\(name) ON \(tableName)", grantKeyword: nil, owner: nil,
                schema: relation.schema, displayName: display)
            add(key, .postData, .policy, schema: relation.schema, kind: "policy", name: display, sql: sql,
                dependsOn: [ObjectKey(.pgClass, table)])
        }
    }

    /// Extended statistics (CREATE STATISTICS) on dumped tables.
    func buildStatistics() throws(CatalogError) {
        let target = session.version >= 130000 ? "s.stxstattarget::integer" : "-1"
        let rows = try session.rows(
            """
            SELECT s.oid, s.stxrelid, n.nspname, s.stxname, pg_catalog.pg_get_statisticsobjdef(s.oid) AS definition,
                   \(target) AS target, pg_catalog.pg_get_userbyid(s.stxowner) AS owner,
                   pg_catalog.format('%I.%I', n.nspname, s.stxname) AS display
              FROM pg_catalog.pg_statistic_ext s JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace
             WHERE n.nspname = ANY($1)
             ORDER BY s.oid
            """, reading: "extended statistics")
        for row in rows {
            let table = try row.oid("stxrelid")
            let oid = try row.oid("oid"), schema = try row.text("nspname"), display = try row.text("display")
            guard relations[table] != nil else {
                report("statistics", display, "it is defined on a table outside the dumped schemas")
                continue
            }
            let key = ObjectKey(.pgStatisticExt, oid), quoted = try session.quote(schema, try row.text("stxname"))
            targets[key] = ObjectTarget(
                keyword: "STATISTICS", sqlName: quoted, grantKeyword: nil, owner: try row.text("owner"),
                schema: schema, displayName: display)
            add(key, .postData, .statistics, schema: schema, kind: "statistics", name: display,
                sql: try row.text("definition") + ";", dependsOn: [ObjectKey(.pgClass, table)])
            if let statisticsTarget = try row.optionalInt("target"), statisticsTarget >= 0 {
                add(key.with(part: "target"), .postData, .statistics, schema: schema, kind: "statistics-target", name: display,
                    sql: "ALTER STATISTICS \(quoted) SET STATISTICS \(statisticsTarget);", dependsOn: [key])
            }
        }
    }
}
