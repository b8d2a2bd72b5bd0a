import ArkivPostgres

extension CatalogBuilder {
    /// Enums, domains, composite types and ranges of the dumped schemas. Array and multirange
    /// types come with their element/range type; a table's row type comes with the table.
    func readTypes() throws(CatalogError) {
        let rows = try session.rows(
            """
            SELECT t.oid, n.nspname, t.typname, t.typtype, t.typrelid, t.typelem, t.typcategory,
                   format('%I.%I', n.nspname, t.typname) AS display,
                   pg_catalog.pg_get_userbyid(t.typowner) AS owner,
                   COALESCE(rc.relkind, '') AS relkind,
                   EXISTS (SELECT 1 FROM pg_catalog.pg_type e WHERE e.oid = t.typelem AND e.typarray = t.oid) AS is_array,
                   pg_catalog.format_type(t.typbasetype, t.typtypmod) AS base_type, t.typnotnull, t.typdefault,
                   CASE WHEN t.typtype = 'd' AND t.typcollation <> 0 AND t.typcollation <> bt.typcollation
                        THEN pg_catalog.format('%I.%I', cn.nspname, co.collname) END AS collation
              FROM pg_catalog.pg_type t
              JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
              LEFT JOIN pg_catalog.pg_class rc ON rc.oid = t.typrelid
              LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
              LEFT JOIN pg_catalog.pg_collation co ON co.oid = t.typcollation
              LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
             WHERE n.nspname = ANY($1) AND \(CatalogSession.notExtensionMember("pg_type", "t.oid"))
             ORDER BY t.oid
            """, reading: "types")
        var arrays: [(oid: UInt32, element: UInt32)] = []
        var enums: [UInt32] = [], domains: [UInt32] = [], ranges: [UInt32] = [], composites: [UInt32: UInt32] = [:]
        var typeRows: [UInt32: TypeRow] = [:]
        for row in rows {
            let oid = try row.oid("oid")
            let type = TypeRow(
                oid: oid, schema: try row.text("nspname"), name: try row.text("typname"), display: try row.text("display"),
                owner: try row.text("owner"), baseType: try row.text("base_type"), notNull: try row.bool("typnotnull"),
                defaultExpression: try row.optionalText("typdefault"), collation: try row.optionalText("collation"))
            typeRows[oid] = type
            let typtype = try row.text("typtype")
            if try row.bool("is_array") {
                arrays.append((oid, try row.oid("typelem")))
                continue
            }
            switch typtype {
            case "e": enums.append(oid)
            case "d": domains.append(oid)
            case "r": ranges.append(oid)
            case "m": continue  // made by its range type; resolved below through pg_range
            case "c":
                let relation = try row.oid("typrelid")
                if try row.text("relkind") == "c" {
                    composites[oid] = relation
                } else {
                    // A table's, view's or sequence's row type: it is the relation.
                    creators[ObjectKey(.pgType, oid)] = ObjectKey(.pgClass, relation)
                }
            case "b":
                report("base type", type.display, "types with C input/output functions (CREATE TYPE … (INPUT = …)) are not dumped")
            case "p":
                report("pseudo-type", type.display, "pseudo-types cannot be dumped")
            default:
                report("type", type.display, "type kind '\(typtype)' is not supported")
            }
        }
        for oid in enums { if let type = typeRows[oid] { try addEnum(type) } }
        try addDomains(domains.compactMap { typeRows[$0] })
        for (oid, relation) in composites.sorted(by: { $0.key < $1.key }) {
            if let type = typeRows[oid] { try addComposite(type, relation: relation) }
        }
        try addRanges(ranges.compactMap { typeRows[$0] })
        for (array, element) in arrays {
            // Resolved lazily: the element may be a table's row type, known only later.
            arrayElements[array] = element
        }
    }

    struct TypeRow {
        let oid: UInt32
        let schema: String
        let name: String
        let display: String
        let owner: String
        let baseType: String
        let notNull: Bool
        let defaultExpression: String?
        let collation: String?
    }

    private func register(_ type: TypeRow, keyword: String) throws(CatalogError) -> ObjectKey {
        let key = ObjectKey(.pgType, type.oid)
        targets[key] = ObjectTarget(
            keyword: keyword, sqlName: try session.quote(type.schema, type.name), grantKeyword: "TYPE",
            owner: type.owner, schema: type.schema, displayName: type.display)
        return key
    }

    private func addEnum(_ type: TypeRow) throws(CatalogError) {
        let labels = try session.plainRows(
            "SELECT enumlabel FROM pg_catalog.pg_enum WHERE enumtypid = $1 ORDER BY enumsortorder",
            reading: "labels of \(type.display)", [type.oid])
        var quoted: [String] = []
        for label in labels { quoted.append(try session.literal(try label.text("enumlabel"))) }
        let key = try register(type, keyword: "TYPE")
        add(key, .preData, .type, schema: type.schema, kind: "type", name: type.display,
            sql: "CREATE TYPE \(try session.quote(type.schema, type.name)) AS ENUM (\(quoted.joined(separator: ", ")));")
    }

    private func addDomains(_ domains: [TypeRow]) throws(CatalogError) {
        guard !domains.isEmpty else { return }
        let constraints = try session.plainRows(
            """
            SELECT c.oid, c.contypid, c.conname, c.contype, c.convalidated, pg_catalog.pg_get_constraintdef(c.oid) AS definition,
                   format('%I', c.conname) AS display
              FROM pg_catalog.pg_constraint c WHERE c.contypid = ANY($1::pg_catalog.oid[])
             ORDER BY c.contypid, c.conname
            """, reading: "domain constraints", [domains.map { String($0.oid) }])
        var byDomain: [UInt32: [QueryResult.Row]] = [:]
        for row in constraints { byDomain[try row.oid("contypid"), default: []].append(row) }
        for domain in domains {
            let name = try session.quote(domain.schema, domain.name)
            var sql = "CREATE DOMAIN \(name) AS \(domain.baseType)"
            if let collation = domain.collation { sql += " COLLATE \(collation)" }
            if let expression = domain.defaultExpression { sql += " DEFAULT \(expression)" }
            let key = try register(domain, keyword: "DOMAIN")
            var hasNotNullConstraint = false
            for row in byDomain[domain.oid] ?? [] {
                let oid = try row.oid("oid"), constraintName = try session.quote(try row.text("conname"))
                let definition = try row.text("definition")
                creators[ObjectKey(.pgConstraint, oid)] = key
                let constraintKey = ObjectKey(.pgConstraint, oid)
                let display = "\(domain.display).\(try row.text("display"))"
                targets[constraintKey] = ObjectTarget(
                    keyword: "CONSTRAINT", sqlName: "\(constraintName) ON DOMAIN \(name)", grantKeyword: nil, owner: nil,
                    schema: domain.schema, displayName: display)
                if try row.text("contype") == "n" { hasNotNullConstraint = true }
                if try row.bool("convalidated") {
                    sql += " CONSTRAINT \(constraintName) \(definition)"
                } else {
                    // CREATE DOMAIN takes no NOT VALID constraints: add them afterwards, unvalidated.
                    add(constraintKey.with(part: "not-valid"), .preData, .domainConstraint, schema: domain.schema,
                        kind: "domain-constraint", name: display,
                        sql: "ALTER DOMAIN \(name) ADD CONSTRAINT \(constraintName) \(definition);", dependsOn: [key])
                    creators[constraintKey] = constraintKey.with(part: "not-valid")
                }
            }
            // Before PostgreSQL 17 a domain's NOT NULL is a flag, not a constraint row.
            if domain.notNull && !hasNotNullConstraint { sql += " NOT NULL" }
            add(key, .preData, .type, schema: domain.schema, kind: "domain", name: domain.display, sql: sql + ";")
        }
    }

    private func addComposite(_ type: TypeRow, relation: UInt32) throws(CatalogError) {
        let key = try register(type, keyword: "TYPE")
        creators[ObjectKey(.pgClass, relation)] = key
        // Column comments of a composite type are filed under its pg_class row.
        targets[ObjectKey(.pgClass, relation)] = ObjectTarget(
            keyword: "TYPE", sqlName: try session.quote(type.schema, type.name), grantKeyword: nil, owner: nil,
            schema: type.schema, displayName: type.display)
        let attributes = try session.plainRows(
            """
            SELECT a.attnum, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
                   CASE WHEN a.attcollation <> t.typcollation
                        THEN pg_catalog.format('%I.%I', cn.nspname, co.collname) END AS collation
              FROM pg_catalog.pg_attribute a
              JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
              LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
              LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
             WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
            """, reading: "attributes of \(type.display)", [relation])
        var parts: [String] = []
        var names: [Int: String] = [:]
        for row in attributes {
            let name = try row.text("attname")
            names[try row.int("attnum")] = name
            var part = "\(try session.quote(name)) \(try row.text("type"))"
            if let collation = try row.optionalText("collation") { part += " COLLATE \(collation)" }
            parts.append(part)
        }
        columnNames[relation] = names
        add(key, .preData, .type, schema: type.schema, kind: "type", name: type.display,
            sql: "CREATE TYPE \(try session.quote(type.schema, type.name)) AS (\(parts.joined(separator: ", ")));")
    }

    private func addRanges(_ ranges: [TypeRow]) throws(CatalogError) {
        guard !ranges.isEmpty else { return }
        let multirange = session.version >= 140000
            ? "pg_catalog.format('%I.%I', mn.nspname, mt.typname)" : "NULL::text"
        let multirangeJoin = session.version >= 140000
            ? """
              LEFT JOIN pg_catalog.pg_type mt ON mt.oid = r.rngmultitypid
              LEFT JOIN pg_catalog.pg_namespace mn ON mn.oid = mt.typnamespace
              """ : ""
        let multirangeOID = session.version >= 140000 ? "r.rngmultitypid" : "0::pg_catalog.oid"
        let rows = try session.plainRows(
            """
            SELECT r.rngtypid, pg_catalog.format_type(r.rngsubtype, NULL) AS subtype,
                   pg_catalog.format('%I.%I', opn.nspname, opc.opcname) AS opclass,
                   CASE WHEN r.rngcollation <> 0 THEN pg_catalog.format('%I.%I', cn.nspname, co.collname) END AS collation,
                   r.rngcanonical::pg_catalog.oid AS canonical,
                   CASE WHEN r.rngsubdiff <> 0 THEN pg_catalog.format('%I.%I', pn.nspname, p.proname) END AS subdiff,
                   \(multirange) AS multirange, \(multirangeOID) AS multirange_oid
              FROM pg_catalog.pg_range r
              JOIN pg_catalog.pg_opclass opc ON opc.oid = r.rngsubopc
              JOIN pg_catalog.pg_namespace opn ON opn.oid = opc.opcnamespace
              LEFT JOIN pg_catalog.pg_collation co ON co.oid = r.rngcollation
              LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
              LEFT JOIN pg_catalog.pg_proc p ON p.oid = r.rngsubdiff
              LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
              \(multirangeJoin)
             WHERE r.rngtypid = ANY($1::pg_catalog.oid[])
            """, reading: "range types", [ranges.map { String($0.oid) }])
        let byOID = Dictionary(ranges.map { ($0.oid, $0) }, uniquingKeysWith: { first, _ in first })
        for row in rows {
            guard let range = byOID[try row.oid("rngtypid")] else { continue }
            if try row.oid("canonical") != 0 {
                report("range type", range.display, "range types with a canonical function need a shell type and a C function; not supported")
                continue
            }
            var options = ["SUBTYPE = \(try row.text("subtype"))", "SUBTYPE_OPCLASS = \(try row.text("opclass"))"]
            if let collation = try row.optionalText("collation") { options.append("COLLATION = \(collation)") }
            if let subdiff = try row.optionalText("subdiff") { options.append("SUBTYPE_DIFF = \(subdiff)") }
            if let multirange = try row.optionalText("multirange") { options.append("MULTIRANGE_TYPE_NAME = \(multirange)") }
            let key = try register(range, keyword: "TYPE")
            let multirangeOID = try row.oid("multirange_oid")
            if multirangeOID != 0 { creators[ObjectKey(.pgType, multirangeOID)] = key }
            add(key, .preData, .type, schema: range.schema, kind: "type", name: range.display,
                sql: "CREATE TYPE \(try session.quote(range.schema, range.name)) AS RANGE (\(options.joined(separator: ", ")));")
        }
    }
}
