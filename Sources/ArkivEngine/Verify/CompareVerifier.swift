import ArkivCatalog
import ArkivPostgres
import Foundation

/// `verify compare`: two live databases (the cutover check), each read in its own snapshot,
/// with the same schema, row, hash, constraint, pgvector, sequence and materialized view
/// checks as `verify restored`.
///
/// `--data-only` is the gate after a data-only load into a structure deployed by other means:
/// rows, content hashes, vector facts, foreign and unique keys, sequence states and
/// materialized views are judged; structural differences (the platform's own objects,
/// policies, keys to schemas the target lacks, renamed constraints) are listed, not judged.
public struct CompareVerifier {
    public let source: ConnectionTarget
    public let target: ConnectionTarget
    /// Schemas to compare; empty means every non-system, non-extension schema of the source.
    public var schemas: [String] = []
    /// Roles the target has in place of the source's (`--role-map`, as the restore was given).
    public var roleMap: [String: String] = [:]
    public var dataOnly = false

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
        var report = VerifyReport(mode: dataOnly ? "compare --data-only" : "compare", set: "\(source) → \(target)", startedAt: started)
        var structural: [VerifyReport.Check] = []
        // Same rows in another collation sort differently: a cutover would change the application's ORDER BY.
        structural.append(.init(object: "database", check: "encoding and locale", expected: try SourceFacts.locale(left).summary,
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
        structural += DatabaseChecks.compareDDL(
            expected: try neutral.expected.filter { QualifiedName.schema(ofDottedName: $0.name).map(present.contains) ?? true }
                .map { try $0.mappingRoles(roleMap, quote: { try right.quoteIdentifier($0) }) },
            actual: neutral.actual)
        for table in expected.tables where table.isDataDumped && present.contains(table.schema) {
            report.checks += try compareData(table, target: actual.table(table.qualifiedName), left: left, right: right)
        }
        report.checks += try MaterializedViews.verify(
            right, expected: try MaterializedViews.list(left, schemas: chosen).map { try MaterializedViews.expectation(left, view: $0) },
            schemas: present)
        report.checks += SequenceChecks.compare(expected: try SequenceChecks.positions(left, schemas: chosen),
                                                actual: try SequenceChecks.positions(right, schemas: present))
        let integrity = try DatabaseChecks.integrity(right, schemas: present, expectedNotValid: DatabaseChecks.notValidConstraints(expectedDDL))
        if dataOnly {
            // The keys are judged by what the rows do, not by how the constraints were declared.
            report.checks += integrity.filter { ["foreign key holds", "unique holds"].contains($0.check) }
            structural += integrity.filter { !["foreign key holds", "unique holds"].contains($0.check) }
            report.accepted = AcceptedDifference.listing(structural.filter { !$0.passed }, handling: "structure is not judged by compare --data-only")
        } else {
            report.checks += structural + integrity
        }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// One table's rows, content hash and vector facts on both sides. In full mode both sides
    /// are read with the source's column list; in data-only mode the target's table is matched
    /// to the source's as a data-only load matches it (by name, widened columns cast back).
    private func compareData(_ table: TableInfo, target: TableInfo?, left: Connection, right: Connection) throws -> [VerifyReport.Check] {
        let name = "\(table.schema).\(table.name)"
        let vectors = TablePlanner.vectorColumns(table)
        let format = TablePlanner.chooseFormat(TablePlanner.copiedColumns(table))
        var checks: [VerifyReport.Check] = []
        var mapping: TableMapping?
        if dataOnly {
            guard let target else { return [.init(object: name, check: "table", expected: "present", actual: "absent")] }
            let outcome = ColumnCompatibility.check(
                setTable: table, targetName: table.qualifiedName, display: name, target: target,
                defaults: Set(target.columns.map(\.name)), skipMissingColumns: false, renames: [:],
                quote: { (try? right.quoteIdentifier($0)) ?? $0 })
            guard let found = outcome.mapping else {
                return outcome.problems.map { .init(object: $0.object, check: "data comparable", expected: "comparable", actual: $0.problem) }
            }
            mapping = found
        }
        do {
            let want = try DatabaseChecks.tableData(left, schema: table.schema, table: table.name, columns: table.copyColumnList,
                                                    format: format, vectorColumns: vectors)
            try right.execute("SAVEPOINT arkiv_table")
            do {
                let have = try mapping.map { try DatabaseChecks.tableData(right, sqlName: try right.quoteQualified(table.schema, table.name),
                                                                           mapping: $0, format: format) }
                    ?? DatabaseChecks.tableData(right, schema: table.schema, table: table.name, columns: table.copyColumnList,
                                                format: format, vectorColumns: vectors)
                try right.execute("RELEASE SAVEPOINT arkiv_table")
                checks.append(.init(object: name, check: "rows", expected: String(want.rows), actual: String(have.rows)))
                checks.append(.init(object: name, check: "content hash", expected: want.contentHash.description,
                                    actual: have.contentHash.description))
                for (wanted, had) in zip(want.vectors, have.vectors) {
                    checks.append(.init(
                        object: "\(name).\(wanted.column)", check: "vector facts",
                        expected: TableDataChecks.vectorFacts(wanted.nullCount, wanted.minDimension, wanted.maxDimension),
                        actual: TableDataChecks.vectorFacts(had.nullCount, had.minDimension, had.maxDimension)))
                }
            } catch {
                try right.execute("ROLLBACK TO SAVEPOINT arkiv_table")
                throw error
            }
        } catch {
            checks.append(.failed(name, "data", expected: "readable on both sides", error: "\(error)"))
        }
        return checks
    }

    /// One side, in its own REPEATABLE READ snapshot with the dump settings.
    private func open(_ target: ConnectionTarget) throws -> Connection {
        let connection = try Connection(target, applicationName: "arkiv-verify compare")
        try connection.apply(.dump(lockTimeout: "30s"))
        try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return connection
    }
}
