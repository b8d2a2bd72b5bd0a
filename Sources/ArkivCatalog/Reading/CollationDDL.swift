extension CatalogBuilder {
    /// CREATE COLLATION for the dumped schemas' own collations (pg_dump's form: provider,
    /// locale or lc_collate/lc_ctype, deterministic, ICU rules). Columns differ between
    /// versions (`colliculocale` in 15–16, `colllocale` from 17), so the row is read as JSON.
    func buildCollations() throws(CatalogError) {
        let rows = try session.rows(
            """
            SELECT c.oid, n.nspname, c.collname, pg_catalog.pg_get_userbyid(c.collowner) AS owner,
                   pg_catalog.format('%I.%I', n.nspname, c.collname) AS display,
                   c.collprovider::text AS provider, c.collisdeterministic AS deterministic,
                   pg_catalog.to_jsonb(c) ->> 'collcollate' AS collate, pg_catalog.to_jsonb(c) ->> 'collctype' AS ctype,
                   coalesce(pg_catalog.to_jsonb(c) ->> 'colllocale', pg_catalog.to_jsonb(c) ->> 'colliculocale') AS locale,
                   pg_catalog.to_jsonb(c) ->> 'collicurules' AS rules
              FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace
             WHERE n.nspname = ANY($1) AND \(CatalogSession.notExtensionMember("pg_collation", "c.oid"))
             ORDER BY c.oid
            """, reading: "collations")
        for row in rows {
            let key = ObjectKey(.pgCollation, try row.oid("oid")), schema = try row.text("nspname")
            let display = try row.text("display"), quoted = try session.quote(schema, try row.text("collname"))
            var options: [String] = []
            switch try row.text("provider") {
            case "i":
                options.append("provider = icu")
                options.append("locale = \(try session.literal(try row.optionalText("locale") ?? ""))")
            case "b":
                options.append("provider = builtin")
                options.append("locale = \(try session.literal(try row.optionalText("locale") ?? ""))")
            case "c":
                options.append("provider = libc")
                let collate = try row.optionalText("collate") ?? "", ctype = try row.optionalText("ctype") ?? ""
                if collate == ctype {
                    options.append("locale = \(try session.literal(collate))")
                } else {
                    options.append("lc_collate = \(try session.literal(collate))")
                    options.append("lc_ctype = \(try session.literal(ctype))")
                }
            default:
                report("collation", display, "its provider '\(try row.text("provider"))' cannot be created by CREATE COLLATION")
                continue
            }
            if !(try row.bool("deterministic")) { options.append("deterministic = false") }
            if let rules = try row.nonEmptyText("rules") { options.append("rules = \(try session.literal(rules))") }
            targets[key] = ObjectTarget(
                keyword: "COLLATION", sqlName: quoted, grantKeyword: nil, owner: try row.text("owner"),
                schema: schema, displayName: display)
            add(key, .preData, .collation, schema: schema, kind: "collation", name: display,
                sql: "CREATE COLLATION \(quoted) (\(options.joined(separator: ", ")));")
        }
    }
}
