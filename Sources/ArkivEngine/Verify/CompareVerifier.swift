import ArkivCatalog
import ArkivPostgres
import Foundation

/// `verify compare`: two live databases (the cutover check), each read in its own snapshot,
/// with the same schema, row, hash, constraint and pgvector checks as `verify restored`.
public struct CompareVerifier {
    public let source: ConnectionTarget
    public let target: ConnectionTarget
    /// Schemas to compare; empty means every non-system, non-extension schema of the source.
    public var schemas: [String] = []
    /// Roles the target has in place of the source's (`--role-map`, as the restore was given).
    public var roleMap: [String: String] = [:]

    public init(source: ConnectionTarget, target: ConnectionTarget) {
        self.source = source
        self.target = target
    }

    public func run() throws -> VerifyReport {
        let started = Date()
        let left = try open(source), right = try open(target)
        defer {
            try? left.rollback()
            try? right.rollback()
        }
        let chosen = try SchemaSelection.resolve(left, include: schemas, exclude: [])
        var report = VerifyReport(mode: "compare", set: "\(source) → \(target)", startedAt: started)
        // Same rows in another collation sort differently: a cutover would change the application's ORDER BY.
        report.checks.append(.init(object: "database", check: "encoding and locale", expected: try SourceFacts.locale(left).summary,
                                   actual: try SourceFacts.locale(right).summary))
        let present = try right.query("SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = ANY($1::text[])", [chosen])
            .rows.compactMap { $0["nspname"] }
        for schema in chosen where !present.contains(schema) {
            report.checks.append(.init(object: schema, check: "schema", expected: "present", actual: "absent"))
        }
        let expected = try DatabaseChecks.catalog(left, schemas: chosen)
        let actual = try DatabaseChecks.catalog(right, schemas: present)
        let expectedDDL = expected.preDataInOrder + expected.postDataInOrder
        var sourceExtensions: [String: String] = [:]
        for row in try left.query("""
            SELECT e.extname, n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
            """).rows {
            if let name = row["extname"], let schema = row["nspname"] { sourceExtensions[name] = schema }
        }
        let neutral = try PlatformDifferences(
            actual: actual.preDataInOrder + actual.postDataInOrder, expected: expectedDDL, sourceExtensions: sourceExtensions, target: right)
        report.checks += DatabaseChecks.compareDDL(
            expected: try neutral.expected.filter { QualifiedName.schema(ofDottedName: $0.name).map(present.contains) ?? true }
                .map { try $0.mappingRoles(roleMap, quote: { try right.quoteIdentifier($0) }) },
            actual: neutral.actual)
        for table in expected.tables where table.isDataDumped && present.contains(table.schema) {
            let name = "\(table.schema).\(table.name)"
            let vectors = TablePlanner.vectorColumns(table)
            let format = TablePlanner.chooseFormat(TablePlanner.copiedColumns(table))
            do {
                let want = try DatabaseChecks.tableData(left, schema: table.schema, table: table.name, columns: table.copyColumnList,
                                                        format: format, vectorColumns: vectors)
                try right.execute("SAVEPOINT arkiv_table")
                do {
                    let have = try DatabaseChecks.tableData(right, schema: table.schema, table: table.name, columns: table.copyColumnList,
                                                            format: format, vectorColumns: vectors)
                    try right.execute("RELEASE SAVEPOINT arkiv_table")
                    report.checks.append(.init(object: name, check: "rows", expected: String(want.rows), actual: String(have.rows)))
                    report.checks.append(.init(object: name, check: "content hash", expected: want.contentHash.description,
                                               actual: have.contentHash.description))
                    for (wanted, had) in zip(want.vectors, have.vectors) {
                        report.checks.append(.init(
                            object: "\(name).\(wanted.column)", check: "vector facts",
                            expected: TableDataChecks.vectorFacts(wanted.nullCount, wanted.minDimension, wanted.maxDimension),
                            actual: TableDataChecks.vectorFacts(had.nullCount, had.minDimension, had.maxDimension)))
                    }
                } catch {
                    try right.execute("ROLLBACK TO SAVEPOINT arkiv_table")
                    throw error
                }
            } catch {
                report.checks.append(.failed(name, "data", expected: "readable on both sides", error: "\(error)"))
            }
        }
        report.checks += try DatabaseChecks.integrity(right, schemas: present, expectedNotValid: DatabaseChecks.notValidConstraints(expectedDDL))
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// One side, in its own REPEATABLE READ snapshot with the dump settings.
    private func open(_ target: ConnectionTarget) throws -> Connection {
        let connection = try Connection(target, applicationName: "arkiv-verify compare")
        try connection.apply(.dump(lockTimeout: "30s"))
        try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return connection
    }
}
