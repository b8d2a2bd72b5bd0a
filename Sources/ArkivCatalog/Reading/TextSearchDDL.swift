extension CatalogBuilder {
    /// The dumped schemas' text search parsers, templates, dictionaries and configurations
    /// (with their token mappings), as pg_dump writes them. Parsers and templates name C
    /// functions and need a superuser to create; dictionaries and configurations do not.
    func buildTextSearch() throws(CatalogError) {
        try buildTextSearchParsers()
        try buildTextSearchTemplates()
        try buildTextSearchDictionaries()
        try buildTextSearchConfigurations()
    }

    private func buildTextSearchParsers() throws(CatalogError) {
        let rows = try session.rows(
            """
            SELECT p.oid, n.nspname, p.prsname, pg_catalog.format('%I.%I', n.nspname, p.prsname) AS display,
                   p.prsstart::pg_catalog.regproc::text AS start, p.prstoken::pg_catalog.regproc::text AS gettoken,
                   p.prsend::pg_catalog.regproc::text AS "end", p.prslextype::pg_catalog.regproc::text AS lextypes,
                   CASE WHEN p.prsheadline <> 0 THEN p.prsheadline::pg_catalog.regproc::text END AS headline
              FROM pg_catalog.pg_ts_parser p JOIN pg_catalog.pg_namespace n ON n.oid = p.prsnamespace
             WHERE n.nspname = ANY($1) AND \(CatalogSession.notExtensionMember("pg_ts_parser", "p.oid"))
             ORDER BY p.oid
            """, reading: "text search parsers")
        for row in rows {
            let key = ObjectKey(.pgTSParser, try row.oid("oid")), schema = try row.text("nspname")
            let quoted = try session.quote(schema, try row.text("prsname")), display = try row.text("display")
            var parts = ["START = \(try row.text("start"))", "GETTOKEN = \(try row.text("gettoken"))",
                         "END = \(try row.text("end"))", "LEXTYPES = \(try row.text("lextypes"))"]
            if let headline = try row.optionalText("headline") { parts.append("HEADLINE = \(headline)") }
            targets[key] = ObjectTarget(keyword: "TEXT SEARCH PARSER", sqlName: quoted, grantKeyword: nil, owner: nil,
                                        schema: schema, displayName: display)
            add(key, .preData, .textSearch, schema: schema, kind: "text-search-parser", name: display,
                sql: "CREATE TEXT SEARCH PARSER \(quoted) (\(parts.joined(separator: ", ")));")
        }
    }

    private func buildTextSearchTemplates() throws(CatalogError) {
        let rows = try session.rows(
            """
            SELECT t.oid, n.nspname, t.tmplname, pg_catalog.format('%I.%I', n.nspname, t.tmplname) AS display,
                   CASE WHEN t.tmplinit <> 0 THEN t.tmplinit::pg_catalog.regproc::text END AS init,
                   t.tmpllexize::pg_catalog.regproc::text AS lexize
              FROM pg_catalog.pg_ts_template t JOIN pg_catalog.pg_namespace n ON n.oid = t.tmplnamespace
             WHERE n.nspname = ANY($1) AND \(CatalogSession.notExtensionMember("pg_ts_template", "t.oid"))
             ORDER BY t.oid
            """, reading: "text search templates")
        for row in rows {
            let key = ObjectKey(.pgTSTemplate, try row.oid("oid")), schema = try row.text("nspname")
            let quoted = try session.quote(schema, try row.text("tmplname")), display = try row.text("display")
            var parts: [String] = []
            if let initFunction = try row.optionalText("init") { parts.append("INIT = \(initFunction)") }
            parts.append("LEXIZE = \(try row.text("lexize"))")
            targets[key] = ObjectTarget(keyword: "TEXT SEARCH TEMPLATE", sqlName: quoted, grantKeyword: nil, owner: nil,
                                        schema: schema, displayName: display)
            add(key, .preData, .textSearch, schema: schema, kind: "text-search-template", name: display,
                sql: "CREATE TEXT SEARCH TEMPLATE \(quoted) (\(parts.joined(separator: ", ")));")
        }
    }

    private func buildTextSearchDictionaries() throws(CatalogError) {
        let rows = try session.rows(
            """
            SELECT d.oid, n.nspname, d.dictname, pg_catalog.pg_get_userbyid(d.dictowner) AS owner,
                   pg_catalog.format('%I.%I', n.nspname, d.dictname) AS display,
                   pg_catalog.format('%I.%I', tn.nspname, t.tmplname) AS template, d.dictinitoption
              FROM pg_catalog.pg_ts_dict d JOIN pg_catalog.pg_namespace n ON n.oid = d.dictnamespace
              JOIN pg_catalog.pg_ts_template t ON t.oid = d.dicttemplate
              JOIN pg_catalog.pg_namespace tn ON tn.oid = t.tmplnamespace
             WHERE n.nspname = ANY($1) AND \(CatalogSession.notExtensionMember("pg_ts_dict", "d.oid"))
             ORDER BY d.oid
            """, reading: "text search dictionaries")
        for row in rows {
            let key = ObjectKey(.pgTSDict, try row.oid("oid")), schema = try row.text("nspname")
            let quoted = try session.quote(schema, try row.text("dictname")), display = try row.text("display")
            var parts = ["TEMPLATE = \(try row.text("template"))"]
            // dictinitoption is already in CREATE's option syntax (`language = 'english'`).
            if let options = try row.nonEmptyText("dictinitoption") { parts.append(options) }
            targets[key] = ObjectTarget(keyword: "TEXT SEARCH DICTIONARY", sqlName: quoted, grantKeyword: nil,
                                        owner: try row.text("owner"), schema: schema, displayName: display)
            add(key, .preData, .textSearch, schema: schema, kind: "text-search-dictionary", name: display,
                sql: "CREATE TEXT SEARCH DICTIONARY \(quoted) (\(parts.joined(separator: ", ")));")
        }
    }

    private func buildTextSearchConfigurations() throws(CatalogError) {
        // With the dump's empty search_path, regdictionary prints every dictionary qualified.
        let rows = try session.rows(
            """
            SELECT c.oid, n.nspname, c.cfgname, pg_catalog.pg_get_userbyid(c.cfgowner) AS owner,
                   pg_catalog.format('%I.%I', n.nspname, c.cfgname) AS display,
                   pg_catalog.format('%I.%I', pn.nspname, p.prsname) AS parser,
                   ARRAY(SELECT pg_catalog.format('%s WITH %s',
                                  (SELECT t.alias FROM pg_catalog.ts_token_type(c.cfgparser) t WHERE t.tokid = m.maptokentype),
                                  pg_catalog.string_agg(m.mapdict::pg_catalog.regdictionary::text, ', ' ORDER BY m.mapseqno))
                           FROM pg_catalog.pg_ts_config_map m WHERE m.mapcfg = c.oid
                          GROUP BY m.maptokentype ORDER BY m.maptokentype) AS mappings
              FROM pg_catalog.pg_ts_config c JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace
              JOIN pg_catalog.pg_ts_parser p ON p.oid = c.cfgparser
              JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace
             WHERE n.nspname = ANY($1) AND \(CatalogSession.notExtensionMember("pg_ts_config", "c.oid"))
             ORDER BY c.oid
            """, reading: "text search configurations")
        for row in rows {
            let oid = try row.oid("oid")
            let key = ObjectKey(.pgTSConfig, oid), schema = try row.text("nspname")
            let quoted = try session.quote(schema, try row.text("cfgname")), display = try row.text("display")
            var sql = "CREATE TEXT SEARCH CONFIGURATION \(quoted) (PARSER = \(try row.text("parser")));"
            for mapping in try row.texts("mappings") {
                sql += "\nALTER TEXT SEARCH CONFIGURATION \(quoted) ADD MAPPING FOR \(mapping);"
            }
            targets[key] = ObjectTarget(keyword: "TEXT SEARCH CONFIGURATION", sqlName: quoted, grantKeyword: nil,
                                        owner: try row.text("owner"), schema: schema, displayName: display)
            add(key, .preData, .textSearch, schema: schema, kind: "text-search-configuration", name: display, sql: sql)
        }
    }
}
