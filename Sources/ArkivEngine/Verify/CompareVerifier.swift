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
        let present = try right.query("SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = ANY($1::text[])", [chosen])
            .rows.compactMap { $0["nspname"] }
        for schema in chosen where !present.contains(schema) {
            report.checks.append(.init(object: schema, check: "schema", expected: "present", actual: "absent"))
        }
        let expected = try DatabaseChecks.catalog(left, schemas: chosen)
        let actual = try DatabaseChecks.catalog(right, schemas: present)
        let expectedDDL = expected.preDataInOrder + expected.postDataInOrder
        let neutral = try platformNeutral(actual.preDataInOrder + actual.postDataInOrder, left: left, right: right, expected: expectedDDL)
        report.checks += DatabaseChecks.compareDDL(
            expected: try expectedDDL.filter {
                (QualifiedName.schema(ofDottedName: $0.name).map(present.contains) ?? true)
                    && !($0.kind == "comment" && neutral.ignoredComments.contains($0.name))
            }.map { try $0.mappingRoles(roleMap, quote: { try right.quoteIdentifier($0) }) },
            actual: neutral.statements)
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
                            expected: RestoredVerifier.vectorFacts(wanted.nullCount, wanted.minDimension, wanted.maxDimension),
                            actual: RestoredVerifier.vectorFacts(had.nullCount, had.minDimension, had.maxDimension)))
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

    /// The target's statements as they would read on the source's platform (Docker ↔ Supabase):
    /// extension members named in the source's extension schema (`extensions.vector` →
    /// `public.vector`), and Supabase's own extensions in a schema the application shares
    /// with them (with that schema's comment, which only the platform may set) not counted.
    private func platformNeutral(_ statements: [DDLStatement], left: Connection, right: Connection,
                                 expected: [DDLStatement]) throws -> (statements: [DDLStatement], ignoredComments: Set<String>) {
        let sourceExtensions = try left.query("""
            SELECT e.extname, n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
            """).rows
        var wanted: [String: String] = [:]
        for row in sourceExtensions {
            if let name = row["extname"], let schema = row["nspname"] { wanted[name] = schema }
        }
        var result = statements
        for relocation in try ExtensionRelocation.find(on: right, wanted: wanted) {
            result = result.map(relocation.reversed.apply)
        }
        let expectedKeys = Set(expected.map { "\($0.kind) \($0.name)" })
        let platform = result.filter { $0.kind == "extension" && SupabaseCompat.platformExtensions.contains($0.name) && !expectedKeys.contains("extension \($0.name)") }
        let platformSchemas = Set(try right.query("""
            SELECT n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = ANY($1::text[])
            """, [platform.map(\.name)]).rows.compactMap { $0["nspname"] })
        let schemaComments = Set(result.filter { statement in
            statement.kind == "comment" && platformSchemas.contains { SharedSchemas.isSchemaLevel(statement, schema: $0) }
        }.map(\.name))
        let ignoredComments = schemaComments.union(expected.filter { statement in
            statement.kind == "comment" && platformSchemas.contains { SharedSchemas.isSchemaLevel(statement, schema: $0) }
        }.map(\.name))
        return (result.filter { !platform.contains($0) && !($0.kind == "comment" && ignoredComments.contains($0.name)) }, ignoredComments)
    }

    /// One side, in its own REPEATABLE READ snapshot with the dump settings.
    private func open(_ target: ConnectionTarget) throws -> Connection {
        let connection = try Connection(target, applicationName: "arkiv-verify compare")
        try connection.apply(.dump(lockTimeout: "30s"))
        try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return connection
    }
}
