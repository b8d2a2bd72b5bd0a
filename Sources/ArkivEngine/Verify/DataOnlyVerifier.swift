import ArkivArchive
import ArkivCatalog
import ArkivPostgres
import Foundation

/// `verify restored --data-only`: a database whose structure came from elsewhere (the
/// application's migrations) and whose rows came from a set by a data-only load.
///
/// Rows, content hashes and vector facts of every table, re-read with COPY of the set's columns
/// in the set's order and format (a column the load widened is cast back to the set's type,
/// which gives the set's value exactly), and every foreign key of those tables by anti-join.
/// The structure is not judged: the differences the load's compatibility check accepts, and
/// every DDL statement that differs from the set's, are listed in the report's `accepted`.
public struct DataOnlyVerifier {
    public let repository: String
    public let set: String
    public let target: ConnectionTarget
    public var identities: [Identity] = []
    public var passphrase: SecureBytes?
    /// Schemas of the set to check; empty means all.
    public var schemas: [String] = []
    /// `--rename-schema` as given to the load.
    public var renameSchemas: [String: String] = [:]
    /// As given to the load: the set's columns the target lacks are a listed difference, and
    /// those tables' content hashes cannot be compared (their rows still are).
    public var skipMissingColumns = false
    /// Where a warning goes (a repository this run cannot lease in).
    public var reporter = ProgressReporter(mode: .automatic)

    public init(repository: String, set: String, target: ConnectionTarget) {
        self.repository = repository
        self.set = set
        self.target = target
    }

    public func run() throws -> VerifyReport {
        let started = Date()
        let opened = try OpenedBackupSet.open(repository: repository, set: set, identities: identities, passphrase: passphrase,
                                              command: "arkiv-verify restored --data-only", reporter: reporter)
        defer { opened.release() }
        let manifest = opened.manifest
        let inSet = manifest.schemas.map(\.name)
        for schema in schemas + Array(renameSchemas.keys) where !inSet.contains(schema) {
            throw RestoreError.unknownSchema(schema, inSet: inSet)
        }
        let chosen = schemas.isEmpty ? inSet : inSet.filter(schemas.contains)
        var report = VerifyReport(mode: "restored --data-only", set: manifest.backupID, startedAt: started)
        var accepted: [AcceptedDifference] = []
        let connection = try Connection(target, applicationName: "arkiv-verify")
        try connection.apply(.dump(lockTimeout: "30s"))
        try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        defer { try? connection.rollback() }

        var setTables: [TableInfo] = [], setDDL: [DDLStatement] = [], sequences: [SequenceState] = []
        for schema in chosen {
            sequences += try opened.json([SequenceState].self, schema: schema, member: SetFiles.sequencesMember)
            setTables += try opened.json([TableInfo].self, schema: schema, member: SetFiles.tablesMember)
            setDDL += try opened.json([DDLStatement].self, schema: schema, member: SetFiles.preDataMember)
            setDDL += try opened.json([DDLStatement].self, schema: schema, member: SetFiles.postDataMember)
        }
        let targetName = { (table: TableInfo) in QualifiedName(schema: renameSchemas[table.schema] ?? table.schema, name: table.name) }
        let targetSchemas = chosen.map { renameSchemas[$0] ?? $0 }
        let present = try DataOnlyRestore.existingSchemas(connection, targetSchemas)
        for schema in targetSchemas where !present.contains(schema) {
            report.checks.append(.init(object: schema, check: "schema", expected: "present", actual: "absent"))
        }
        let catalog = try DatabaseChecks.catalog(connection, schemas: present, largeObjects: manifest.largeObjects != nil)
        let dumped = setTables.filter { $0.isDataDumped && present.contains(targetName($0).schema) }
        let names = try DataOnlyRestore.sqlNames(connection, dumped.map(targetName))
        let facts = try TargetTableFacts.read(connection, tables: Array(names.values))

        var loaded: [String] = []
        for table in dumped {
            guard let entry = manifest.tables.first(where: { $0.schema == table.schema && $0.name == table.name }),
                  let sqlName = names[targetName(table)] else { continue }
            let outcome = ColumnCompatibility.check(
                setTable: table, targetName: targetName(table), display: sqlName, target: catalog.table(targetName(table)),
                defaults: facts[sqlName]?.defaults ?? [], skipMissingColumns: skipMissingColumns, renames: renameSchemas,
                quote: { (try? connection.quoteIdentifier($0)) ?? $0 })
            accepted += outcome.accepted
            for problem in outcome.problems {
                report.checks.append(.init(object: problem.object, check: "data-only compatible", expected: "loadable", actual: problem.problem))
            }
            guard let mapping = outcome.mapping else { continue }
            loaded.append(sqlName)
            try connection.execute("SAVEPOINT arkiv_table")
            do {
                try check(entry: entry, table: table, mapping: mapping, sqlName: sqlName, catalog: catalog, on: connection,
                          into: &report, accepted: &accepted)
                try connection.execute("RELEASE SAVEPOINT arkiv_table")
            } catch {
                try connection.execute("ROLLBACK TO SAVEPOINT arkiv_table")
                report.checks.append(.failed(sqlName, "data", expected: "\(entry.rows) rows readable", error: "\(error)"))
            }
        }
        // The set's large objects, beside any the target has of its own.
        if let objects = manifest.largeObjects, chosen.contains(objects.data.schema) {
            try connection.execute("SAVEPOINT arkiv_table")
            do {
                report.checks += try DatabaseChecks.largeObjects(connection, expected: objects, only: LargeObjectData.oids(createdBy: setDDL))
                try connection.execute("RELEASE SAVEPOINT arkiv_table")
            } catch {
                try connection.execute("ROLLBACK TO SAVEPOINT arkiv_table")
                report.checks.append(.failed("large objects", "data", expected: "\(objects.count) large objects readable", error: "\(error)"))
            }
        }
        // A partition's keys are its root's.
        let roots = Array(Set(try LoadOrder.roots(connection, of: loaded).values)).sorted()
        report.checks += try DatabaseChecks.foreignKeys(connection, ofTables: roots)
        let positions = try SequenceChecks.positions(connection, schemas: present)
        let renamed = { (name: QualifiedName) in QualifiedName(schema: renameSchemas[name.schema] ?? name.schema, name: name.name) }
        report.checks += SequenceChecks.compare(states: sequences, actual: positions, targetName: renamed)
        report.checks += try MaterializedViews.verify(connection, expected: (manifest.materializedViews ?? []).filter { chosen.contains($0.schema) },
                                                      schemas: present, targetName: renamed)
        for state in sequences where positions[renamed(state.qualifiedName)] == nil && present.contains(renamed(state.qualifiedName).schema) {
            accepted.append(AcceptedDifference(
                object: renamed(state.qualifiedName).description, difference: "sequence of the set, not in the target",
                handling: "its state (last_value \(state.lastValue)) is not compared; if the application uses it under another name, set that one"))
        }
        // Statement by statement, for the record: the names only compare when no schema was renamed.
        if renameSchemas.isEmpty {
            let neutral = try PlatformDifferences(
                actual: catalog.preDataInOrder + catalog.postDataInOrder, expected: setDDL,
                sourceExtensions: Dictionary(manifest.extensions.map { ($0.name, $0.schema) }, uniquingKeysWith: { first, _ in first }),
                target: connection)
            accepted += AcceptedDifference.listing(DatabaseChecks.compareDDL(expected: neutral.expected, actual: neutral.actual),
                                                   handling: "structure is not compared in a data-only check")
        }
        var seen: Set<AcceptedDifference> = []
        report.accepted = accepted.filter { seen.insert($0).inserted }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    private func check(entry: Manifest.TableEntry, table: TableInfo, mapping: TableMapping, sqlName: String, catalog: CatalogSnapshot,
                       on connection: Connection, into report: inout VerifyReport, accepted: inout [AcceptedDifference]) throws {
        guard mapping.skippedColumns.isEmpty else {
            let count = try connection.queryRow("SELECT count(*) AS n FROM \(sqlName)").decode(Int.self, "n")
            report.checks.append(.init(object: sqlName, check: "rows", expected: String(entry.rows), actual: String(count)))
            accepted.append(AcceptedDifference(
                object: sqlName, difference: "columns \(mapping.skippedColumns.joined(separator: ", ")) were not loaded",
                handling: "content hash not comparable; rows counted"))
            return
        }
        let inspector = try DatabaseChecks.tableData(connection, sqlName: sqlName, mapping: mapping,
                                                     format: CopyRowInspector.Format(rawValue: entry.copyFormat) ?? .text)
        report.checks += TableDataChecks.compare(sqlName, with: entry, inspector: inspector)
    }
}
