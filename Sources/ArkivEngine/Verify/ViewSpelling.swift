import ArkivCatalog
import ArkivPostgres

/// A view's query as the target server prints it. pg_get_viewdef's spelling changes between
/// major versions (15 qualifies every column with its relation's alias, 16 leaves a lone
/// relation's off), so a set from one version verified on another would differ in text while
/// the view is the same. Where an expected view differs from the target's, its query is created
/// as a temporary view on the target (in a transaction that is rolled back) and printed by the
/// target: equal then means the same view, a real difference stays one.
enum ViewSpelling {
    static func respell(_ expected: [DDLStatement], actual: [DDLStatement], target: Connection) -> [DDLStatement] {
        let actualSQL = Dictionary(actual.map { ("\($0.kind) \($0.name)", $0.sql) }, uniquingKeysWith: { first, _ in first })
        let differing = expected.indices.filter { index in
            let statement = expected[index]
            guard ["view", "materialized-view", "view-definition"].contains(statement.kind),
                  let have = actualSQL["\(statement.kind) \(statement.name)"] else { return false }
            return have != statement.sql
        }
        guard !differing.isEmpty, let helper = try? Connection(target.target, applicationName: "arkiv-verify views") else { return expected }
        var result = expected
        do {
            try helper.apply(.dump(lockTimeout: "30s"))
            try helper.execute("BEGIN")
            defer { try? helper.rollback() }
            for (number, index) in differing.enumerated() {
                let statement = expected[index]
                guard let parts = split(statement.sql), let have = actualSQL["\(statement.kind) \(statement.name)"] else { continue }
                try helper.execute("SAVEPOINT arkiv_view")
                do {
                    let name = "pg_temp.arkiv_view_\(number)"
                    try helper.execute("CREATE TEMPORARY VIEW \(name) AS\n\(parts.query)")
                    var printed = try helper.queryRow("SELECT pg_catalog.pg_get_viewdef($1::pg_catalog.regclass, true) AS q", [name])
                        .decode(String.self, "q")
                    while let last = printed.last, last == ";" || last.isWhitespace { printed.removeLast() }
                    if parts.prefix + printed + parts.suffix == have { result[index].sql = have }
                    try helper.execute("RELEASE SAVEPOINT arkiv_view")
                } catch {
                    // The query does not even run on the target: the difference stands as it is.
                    try helper.execute("ROLLBACK TO SAVEPOINT arkiv_view")
                }
            }
        } catch {
            return result
        }
        return result
    }

    /// `CREATE … AS\n` + query + `;` (or `\nWITH NO DATA;`), cut into those three parts.
    private static func split(_ sql: String) -> (prefix: String, query: String, suffix: String)? {
        guard let start = sql.range(of: " AS\n") else { return nil }
        let suffix = sql.hasSuffix("\nWITH NO DATA;") ? "\nWITH NO DATA;" : ";"
        guard sql.hasSuffix(suffix), start.upperBound <= sql.index(sql.endIndex, offsetBy: -suffix.count) else { return nil }
        let query = String(sql[start.upperBound..<sql.index(sql.endIndex, offsetBy: -suffix.count)])
        return (String(sql[..<start.upperBound]), query, suffix)
    }
}
