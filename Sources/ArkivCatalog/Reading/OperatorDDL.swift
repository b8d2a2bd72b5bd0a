extension CatalogBuilder {
    /// The dumped schemas' operators, operator families (with their loose members) and operator
    /// classes, as pg_dump writes them. Shell operators (made by a COMMUTATOR or NEGATOR that
    /// names an operator not created yet) are left out: the operator that completes them is
    /// dumped, or they were never more than a name. Families are always created explicitly and
    /// classes name theirs, so a class never makes a family the dump makes too.
    func buildOperators() throws(CatalogError) {
        try buildOperatorDefinitions()
        try buildOperatorFamilies()
        try buildOperatorClasses()
    }

    private func buildOperatorDefinitions() throws(CatalogError) {
        let rows = try session.rows(
            """
            SELECT o.oid, n.nspname, o.oprname, pg_catalog.pg_get_userbyid(o.oprowner) AS owner,
                   pg_catalog.format('%I.%s', n.nspname, o.oprname) AS display,
                   CASE WHEN o.oprleft <> 0 THEN pg_catalog.format_type(o.oprleft, NULL) END AS leftarg,
                   CASE WHEN o.oprright <> 0 THEN pg_catalog.format_type(o.oprright, NULL) END AS rightarg,
                   o.oprcode::pg_catalog.regproc::text AS function,
                   (SELECT pg_catalog.format('OPERATOR(%I.%s)', cn.nspname, c.oprname) FROM pg_catalog.pg_operator c
                      JOIN pg_catalog.pg_namespace cn ON cn.oid = c.oprnamespace WHERE c.oid = o.oprcom) AS commutator,
                   (SELECT pg_catalog.format('OPERATOR(%I.%s)', cn.nspname, c.oprname) FROM pg_catalog.pg_operator c
                      JOIN pg_catalog.pg_namespace cn ON cn.oid = c.oprnamespace WHERE c.oid = o.oprnegate) AS negator,
                   CASE WHEN o.oprrest <> 0 THEN o.oprrest::pg_catalog.regproc::text END AS restrict,
                   CASE WHEN o.oprjoin <> 0 THEN o.oprjoin::pg_catalog.regproc::text END AS "join",
                   o.oprcanhash, o.oprcanmerge
              FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
             WHERE n.nspname = ANY($1) AND o.oprcode <> 0 AND \(CatalogSession.notExtensionMember("pg_operator", "o.oid"))
             ORDER BY o.oid
            """, reading: "operators")
        for row in rows {
            let key = ObjectKey(.pgOperator, try row.oid("oid")), schema = try row.text("nspname")
            let name = "\(try session.quote(schema)).\(try row.text("oprname"))"
            let left = try row.optionalText("leftarg"), right = try row.optionalText("rightarg")
            var parts = ["FUNCTION = \(try row.text("function"))"]
            if let left { parts.append("LEFTARG = \(left)") }
            if let right { parts.append("RIGHTARG = \(right)") }
            if let commutator = try row.optionalText("commutator") { parts.append("COMMUTATOR = \(commutator)") }
            if let negator = try row.optionalText("negator") { parts.append("NEGATOR = \(negator)") }
            if let restrict = try row.optionalText("restrict") { parts.append("RESTRICT = \(restrict)") }
            if let join = try row.optionalText("join") { parts.append("JOIN = \(join)") }
            if try row.bool("oprcanhash") { parts.append("HASHES") }
            if try row.bool("oprcanmerge") { parts.append("MERGES") }
            let display = "\(try row.text("display"))(\(left ?? "NONE"), \(right ?? "NONE"))"
            targets[key] = ObjectTarget(
                keyword: "OPERATOR", sqlName: "\(name) (\(left ?? "NONE"), \(right ?? "NONE"))", grantKeyword: nil,
                owner: try row.text("owner"), schema: schema, displayName: display)
            add(key, .preData, .operatorClass, schema: schema, kind: "operator", name: display,
                sql: "CREATE OPERATOR \(name) (\(parts.joined(separator: ", ")));")
        }
    }

    /// Operator and support-function members of a family or class, in the ADD/AS clause form,
    /// with the operators and functions they name (for the order). `loose`: the family's own
    /// members (ALTER OPERATOR FAMILY … ADD), else the class's.
    private func members(of oid: UInt32, loose: Bool) throws(CatalogError) -> (clauses: [String], needs: Set<ObjectKey>) {
        let owner = loose ? "pg_catalog.pg_opfamily" : "pg_catalog.pg_opclass"
        // Loose members depend on their family, class members on their class (pg_depend).
        let membership = """
            EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = '%@'::pg_catalog.regclass AND d.objid = m.oid
                     AND d.refclassid = '\(owner)'::pg_catalog.regclass AND d.refobjid = $1)
            """
        let rows = try session.plainRows(
            """
            SELECT 0 AS sort, m.amopstrategy::integer AS number, m.amopopr AS member, 'pg_operator' AS catalog,
                   pg_catalog.format('OPERATOR %s %s%s', m.amopstrategy, m.amopopr::pg_catalog.regoperator,
                          CASE WHEN m.amoppurpose = 'o' THEN (SELECT pg_catalog.format(' FOR ORDER BY %I.%I', sn.nspname, sf.opfname)
                                FROM pg_catalog.pg_opfamily sf JOIN pg_catalog.pg_namespace sn ON sn.oid = sf.opfnamespace
                               WHERE sf.oid = m.amopsortfamily) ELSE '' END) AS clause
              FROM pg_catalog.pg_amop m WHERE \(membership.replacingOccurrences(of: "%@", with: "pg_catalog.pg_amop"))
            UNION ALL
            SELECT 1, m.amprocnum::integer, m.amproc, 'pg_proc',
                   pg_catalog.format('FUNCTION %s (%s, %s) %s', m.amprocnum, pg_catalog.format_type(m.amproclefttype, NULL),
                          pg_catalog.format_type(m.amprocrighttype, NULL), m.amproc::pg_catalog.regprocedure)
              FROM pg_catalog.pg_amproc m WHERE \(membership.replacingOccurrences(of: "%@", with: "pg_catalog.pg_amproc"))
             ORDER BY 1, 2, 5
            """, reading: "operator class members", [String(oid)])
        var clauses: [String] = [], needs: Set<ObjectKey> = []
        for row in rows {
            clauses.append(try row.text("clause"))
            let member = try row.oid("member")
            needs.insert(try row.text("catalog") == "pg_operator" ? ObjectKey(.pgOperator, member) : ObjectKey(.pgProc, member))
        }
        return (clauses, needs)
    }

    private func buildOperatorFamilies() throws(CatalogError) {
        let rows = try session.rows(
            """
            SELECT f.oid, n.nspname, f.opfname, am.amname, pg_catalog.pg_get_userbyid(f.opfowner) AS owner,
                   pg_catalog.format('%I.%I', n.nspname, f.opfname) AS display
              FROM pg_catalog.pg_opfamily f JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace
              JOIN pg_catalog.pg_am am ON am.oid = f.opfmethod
             WHERE n.nspname = ANY($1) AND \(CatalogSession.notExtensionMember("pg_opfamily", "f.oid"))
             ORDER BY f.oid
            """, reading: "operator families")
        for row in rows {
            let oid = try row.oid("oid"), key = ObjectKey(.pgOpfamily, oid), schema = try row.text("nspname")
            let method = try session.quote(try row.text("amname"))
            let sqlName = "\(try session.quote(schema, try row.text("opfname"))) USING \(method)"
            let display = try row.text("display")
            targets[key] = ObjectTarget(keyword: "OPERATOR FAMILY", sqlName: sqlName, grantKeyword: nil,
                                        owner: try row.text("owner"), schema: schema, displayName: display)
            add(key, .preData, .operatorClass, schema: schema, kind: "operator-family", name: display,
                sql: "CREATE OPERATOR FAMILY \(sqlName);")
            let loose = try members(of: oid, loose: true)
            guard !loose.clauses.isEmpty else { continue }
            add(key.with(part: "members"), .preData, .operatorClass, schema: schema, kind: "operator-family-members", name: display,
                sql: "ALTER OPERATOR FAMILY \(sqlName) ADD\n    \(loose.clauses.joined(separator: ",\n    "));",
                dependsOn: loose.needs.union([key]))
        }
    }

    private func buildOperatorClasses() throws(CatalogError) {
        let rows = try session.rows(
            """
            SELECT c.oid, n.nspname, c.opcname, c.opcdefault, am.amname, c.opcfamily,
                   pg_catalog.pg_get_userbyid(c.opcowner) AS owner, pg_catalog.format('%I.%I', n.nspname, c.opcname) AS display,
                   pg_catalog.format_type(c.opcintype, NULL) AS input_type,
                   CASE WHEN c.opckeytype <> 0 THEN pg_catalog.format_type(c.opckeytype, NULL) END AS storage,
                   pg_catalog.format('%I.%I', fn.nspname, f.opfname) AS family
              FROM pg_catalog.pg_opclass c JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace
              JOIN pg_catalog.pg_am am ON am.oid = c.opcmethod
              JOIN pg_catalog.pg_opfamily f ON f.oid = c.opcfamily JOIN pg_catalog.pg_namespace fn ON fn.oid = f.opfnamespace
             WHERE n.nspname = ANY($1) AND \(CatalogSession.notExtensionMember("pg_opclass", "c.oid"))
             ORDER BY c.oid
            """, reading: "operator classes")
        for row in rows {
            let oid = try row.oid("oid"), key = ObjectKey(.pgOpclass, oid), schema = try row.text("nspname")
            let method = try session.quote(try row.text("amname"))
            let quoted = try session.quote(schema, try row.text("opcname")), display = try row.text("display")
            var items = try members(of: oid, loose: false)
            if let storage = try row.optionalText("storage") { items.clauses.append("STORAGE \(storage)") }
            let sql = "CREATE OPERATOR CLASS \(quoted)\(try row.bool("opcdefault") ? " DEFAULT" : "") FOR TYPE \(try row.text("input_type"))"
                + " USING \(method) FAMILY \(try row.text("family")) AS\n    \(items.clauses.joined(separator: ",\n    "));"
            targets[key] = ObjectTarget(keyword: "OPERATOR CLASS", sqlName: "\(quoted) USING \(method)", grantKeyword: nil,
                                        owner: try row.text("owner"), schema: schema, displayName: display)
            add(key, .preData, .operatorClass, schema: schema, kind: "operator-class", name: display, sql: sql,
                dependsOn: items.needs.union([ObjectKey(.pgOpfamily, try row.oid("opcfamily"))]))
        }
    }
}
