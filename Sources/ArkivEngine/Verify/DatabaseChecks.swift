import ArkivArchive
import ArkivCatalog
import ArkivPostgres

/// Checks that read a live database: its DDL against expected DDL, its rows against expected
/// counts and hashes, and whether its constraints and indexes really hold. Shared by
/// `verify restored` (expectations from the manifest) and `verify compare` (from a second
/// database).
enum DatabaseChecks {
    /// The database's DDL of some schemas, read the way a backup reads it (with the large
    /// objects' statements when the set holds them).
    static func catalog(_ connection: Connection, schemas: [String], largeObjects: Bool = false) throws -> CatalogSnapshot {
        var options = CatalogOptions()
        options.includeLargeObjects = largeObjects
        return try CatalogReader(connection: connection).read(schemas: schemas, options: options)
    }

    /// The large objects' bytes, read back as the backup read them, compared with the set's:
    /// every object of the database, or `only` the set's (a data-only target has its own too).
    static func largeObjects(_ connection: Connection, expected: Manifest.LargeObjects, only oids: [UInt32]? = nil) throws -> [VerifyReport.Check] {
        let inspector = try CopyRowInspector(format: .binary, vectorColumns: [])
        try connection.copyOut(LargeObjectData.copyOut(only: oids)) { try inspector.inspect($0) }
        let count = try connection.queryRow(
            "SELECT count(*) AS n FROM pg_catalog.pg_largeobject_metadata WHERE $1::pg_catalog.oid[] IS NULL OR oid = ANY($1::pg_catalog.oid[])",
            [oids.map { "{\($0.map(String.init).joined(separator: ","))}" }]).decode(Int.self, "n")
        return [.init(object: "large objects", check: "count", expected: String(expected.count), actual: String(count))]
            + TableDataChecks.compare("large objects", with: expected.data, inspector: inspector)
    }

    /// Statement by statement: missing, extra and changed objects. Ownership and privileges are
    /// judged when the restore carried them (`verify restored` reads that from the marker);
    /// `verify compare` of two homes leaves them out, each home has its own roles.
    static func compareDDL(expected: [DDLStatement], actual: [DDLStatement], owners: Bool = false, privileges: Bool = false)
        -> [VerifyReport.Check]
    {
        func keyed(_ statements: [DDLStatement]) -> [String: String] {
            // A grant to the object's own owner adds nothing (an owner holds every privilege):
            // a role map that makes the grantee the owner leaves no trace of it in the target.
            let ownerOf = Dictionary(statements.filter(\.isOwnership).compactMap { s in s.roles?.first.map { (s.name, $0.role) } },
                                     uniquingKeysWith: { first, _ in first })
            var pieces: [String: [String]] = [:], grantKeys: Set<String> = []
            for statement in statements where (owners || !statement.isOwnership) && (privileges || !statement.isPrivilege) {
                if statement.kind == "acl", statement.sql.hasPrefix("GRANT "), let owner = ownerOf[statement.name],
                   statement.roleNames == [owner], !statement.sql.hasSuffix("WITH GRANT OPTION;") { continue }
                // A default privilege's name carries its roles, which --role-map changes: the
                // schema's default privileges are judged together, as a set.
                var name = statement.name
                if statement.kind == "default-acl", let range = name.range(of: ".default-privileges.") {
                    name = String(name[..<range.lowerBound]) + ".default-privileges"
                }
                let key = "\(statement.kind) \(name)"
                pieces[key, default: []].append(statement.sql)
                if statement.isPrivilege { grantKeys.insert(key) }
            }
            // Grants are a set: their order follows role names, which a role map changes.
            return Dictionary(uniqueKeysWithValues: pieces.map { key, sqls in
                (key, (grantKeys.contains(key) ? sqls.sorted() : sqls).joined())
            })
        }
        let want = keyed(expected), have = keyed(actual)
        var checks: [VerifyReport.Check] = []
        for key in Set(want.keys).union(have.keys).sorted() {
            let object = String(key.split(separator: " ", maxSplits: 1).last ?? "")
            let kind = String(key.split(separator: " ", maxSplits: 1).first ?? "")
            checks.append(.init(object: object, check: kind, expected: want[key] ?? "absent", actual: have[key] ?? "absent"))
        }
        return checks
    }

    /// Names of the constraints whose expected DDL says NOT VALID.
    static func notValidConstraints(_ statements: [DDLStatement]) -> Set<String> {
        Set(statements.filter { ($0.kind == "constraint" || $0.kind == "fk") && $0.sql.contains(" NOT VALID") }.map(\.name))
    }

    /// Rows, content hash and vector facts of one table, read back with COPY.
    static func tableData(_ connection: Connection, schema: String, table: String, columns: String, format: CopyRowInspector.Format,
                          vectorColumns: [VectorColumnPlan]) throws -> CopyRowInspector {
        let inspector = try CopyRowInspector(format: format, vectorColumns: vectorColumns)
        let name = try connection.quoteQualified(schema, table)
        try connection.copyOut("COPY \(name) \(columns) TO STDOUT" + (format == .binary ? " (FORMAT binary)" : "")) {
            try inspector.inspect($0)
        }
        return inspector
    }

    /// Rows, content hash and vector facts of a table whose structure came from elsewhere, read
    /// as the reference's columns in the reference's order and format: a column the target
    /// widened is cast back to the reference's type, which gives the reference's value exactly.
    static func tableData(_ connection: Connection, sqlName: String, mapping: TableMapping, format: CopyRowInspector.Format) throws
        -> CopyRowInspector
    {
        let expressions = try mapping.columns.map { column in
            let name = try connection.quoteIdentifier(column.source.name)
            return column.handling == .converted ? "\(name)::\(column.source.type)" : name
        }
        let inspector = try CopyRowInspector(format: format, vectorColumns: TablePlanner.vectorColumns(mapping.setTable))
        try connection.copyOut("COPY (SELECT \(expressions.joined(separator: ", ")) FROM \(sqlName)) TO STDOUT"
                               + (format == .binary ? " (FORMAT binary)" : "")) { try inspector.inspect($0) }
        return inspector
    }

    /// Constraints that are not validated (unless the source's were NOT VALID too), indexes that
    /// are not valid, foreign keys with orphans (a real anti-join, not the catalog's word),
    /// unique keys with duplicates.
    static func integrity(_ connection: Connection, schemas: [String], expectedNotValid: Set<String>) throws -> [VerifyReport.Check] {
        var checks: [VerifyReport.Check] = []
        let notValid = try connection.query("""
            SELECT format('%I.%I.%I', n.nspname, c.relname, k.conname) AS name
            FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ANY($1::text[]) AND NOT k.convalidated ORDER BY 1
            """, [schemas]).rows
        for row in notValid where !expectedNotValid.contains(row["name"] ?? "") {
            checks.append(.init(object: row["name"] ?? "?", check: "constraint validated", expected: "validated", actual: "NOT VALID"))
        }
        let invalidIndexes = try connection.query("""
            SELECT format('%I.%I', n.nspname, c.relname) AS name
            FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ANY($1::text[]) AND NOT (i.indisvalid AND i.indisready) ORDER BY 1
            """, [schemas]).rows
        for row in invalidIndexes {
            checks.append(.init(object: row["name"] ?? "?", check: "index valid", expected: "valid", actual: "invalid"))
        }
        checks += try keyChecks(connection, filter: "n.nspname = ANY($1::text[])", [schemas], kinds: ["f", "u", "p"])
        return checks
    }

    /// Foreign keys of some tables (`format('%I.%I')` names), each proven with a real anti-join:
    /// what a data-only load checks before it commits, and what its verification re-checks.
    static func foreignKeys(_ connection: Connection, ofTables tables: [String]) throws -> [VerifyReport.Check] {
        try keyChecks(connection, filter: "format('%I.%I', n.nspname, c.relname) = ANY($1::text[])", [tables], kinds: ["f"])
    }

    /// Foreign keys (anti-join: orphaned rows) and unique keys (GROUP BY: duplicated keys) of the
    /// constraints the filter selects.
    private static func keyChecks(_ connection: Connection, filter: String, _ parameters: [(any PostgresTextEncodable)?],
                                  kinds: [String]) throws -> [VerifyReport.Check] {
        var checks: [VerifyReport.Check] = []
        let keys = try connection.query("""
            SELECT k.contype, format('%I.%I.%I', n.nspname, c.relname, k.conname) AS name,
                   format('%I.%I', n.nspname, c.relname) AS child,
                   CASE WHEN p.oid IS NOT NULL THEN format('%I.%I', pn.nspname, p.relname) END AS parent,
                   (SELECT array_agg(quote_ident(a.attname) ORDER BY u.n) FROM unnest(k.conkey) WITH ORDINALITY u(attnum, n)
                      JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum) AS columns,
                   (SELECT array_agg(quote_ident(a.attname) ORDER BY u.n) FROM unnest(k.confkey) WITH ORDINALITY u(attnum, n)
                      JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum) AS referenced
            FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_catalog.pg_class p ON p.oid = k.confrelid LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
            WHERE \(filter) AND k.contype = ANY($2::text[]) AND k.conparentid = 0 ORDER BY 2
            """, parameters + [kinds]).rows
        for key in keys {
            guard let name = key["name"], let child = key["child"], let columnText = key["columns"],
                  let columns = PostgresArrayLiteral.parse(columnText)?.compactMap({ $0 }), !columns.isEmpty else { continue }
            let notNull = columns.map { "c.\($0) IS NOT NULL" }.joined(separator: " AND ")
            if key["contype"] == "f", let parent = key["parent"], let referencedText = key["referenced"],
               let referenced = PostgresArrayLiteral.parse(referencedText)?.compactMap({ $0 }) {
                // MATCH SIMPLE: a row with any NULL in the key references nothing.
                let join = zip(columns, referenced).map { "p.\($1) = c.\($0)" }.joined(separator: " AND ")
                let orphans = try connection.queryRow(
                    "SELECT count(*) AS n FROM \(child) c WHERE \(notNull) AND NOT EXISTS (SELECT 1 FROM \(parent) p WHERE \(join))")
                checks.append(.init(object: name, check: "foreign key holds", expected: "0 orphaned rows",
                                    actual: "\(orphans["n"] ?? "?") orphaned rows"))
            } else {
                let list = columns.map { "c.\($0)" }.joined(separator: ", ")
                let duplicates = try connection.queryRow(
                    "SELECT count(*) AS n FROM (SELECT 1 FROM \(child) c WHERE \(notNull) GROUP BY \(list) HAVING count(*) > 1) d")
                checks.append(.init(object: name, check: "unique holds", expected: "0 duplicated keys",
                                    actual: "\(duplicates["n"] ?? "?") duplicated keys"))
            }
        }
        return checks
    }
}
