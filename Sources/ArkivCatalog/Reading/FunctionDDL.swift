extension CatalogBuilder {
    /// Functions and procedures, from pg_get_functiondef. Aggregates are reported.
    func buildFunctions() throws(CatalogError) {
        let rows = try session.rows(
            """
            SELECT p.oid, n.nspname, p.proname, p.prokind::text AS prokind,
                   pg_catalog.pg_get_userbyid(p.proowner) AS owner,
                   pg_catalog.pg_get_function_identity_arguments(p.oid) AS arguments,
                   pg_catalog.format('%I.%I', n.nspname, p.proname) AS display,
                   CASE WHEN p.prokind <> 'a' THEN pg_catalog.pg_get_functiondef(p.oid) END AS definition,
                   (SELECT x.refobjid FROM pg_catalog.pg_depend x
                     WHERE x.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND x.objid = p.oid
                       AND x.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass AND x.deptype = 'i' LIMIT 1) AS made_by_type
              FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = ANY($1) AND \(CatalogSession.notExtensionMember("pg_proc", "p.oid"))
             ORDER BY p.oid
            """, reading: "functions")
        for row in rows {
            let oid = try row.oid("oid"), schema = try row.text("nspname"), kind = try row.text("prokind")
            // A range type's constructors are made by CREATE TYPE … AS RANGE.
            if let type = try row.optionalText("made_by_type").flatMap({ UInt32($0) }) {
                creators[ObjectKey(.pgProc, oid)] = ObjectKey(.pgType, type)
                continue
            }
            let arguments = try row.text("arguments")
            let display = "\(try row.text("display"))(\(arguments))"
            guard kind != "a" else {
                report("aggregate", display, "aggregate functions are not dumped")
                continue
            }
            guard var definition = try row.optionalText("definition") else {
                report("function", display, "its definition could not be read")
                continue
            }
            while let last = definition.last, last.isWhitespace { definition.removeLast() }
            let keyword = kind == "p" ? "PROCEDURE" : "FUNCTION"
            let key = ObjectKey(.pgProc, oid)
            targets[key] = ObjectTarget(
                keyword: keyword, sqlName: "\(try session.quote(schema, try row.text("proname")))(\(arguments))",
                grantKeyword: keyword, owner: try row.text("owner"), schema: schema, displayName: display)
            // pg_get_functiondef says CREATE OR REPLACE; the dump creates, and a clash must fail.
            if definition.hasPrefix("CREATE OR REPLACE ") {
                definition = "CREATE " + definition.dropFirst("CREATE OR REPLACE ".count)
            }
            add(key, .preData, .function, schema: schema, kind: kind == "p" ? "procedure" : "function", name: display,
                sql: definition + (definition.hasSuffix(";") ? "" : ";"))
        }
    }
}
