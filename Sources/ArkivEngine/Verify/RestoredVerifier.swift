import ArkivArchive
import ArkivCatalog
import ArkivPostgres
import Foundation

/// `verify restored`: a restored database against the set it came from: the restore finished,
/// every object the set holds exists and matches, every table's rows and content hash, the
/// vector facts, and constraints that really hold.
public struct RestoredVerifier {
    public let repository: String
    public let set: String
    public let target: ConnectionTarget
    public var identities: [Identity] = []
    public var passphrase: SecureBytes?
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
                                              command: "arkiv-verify restored", reporter: reporter)
        defer { opened.release() }
        let manifest = opened.manifest
        var report = VerifyReport(mode: "restored", set: manifest.backupID, startedAt: started)
        let connection = try Connection(target, applicationName: "arkiv-verify")
        try connection.apply(.dump(lockTimeout: "30s"))

        // A database whose restore did not finish is refused outright: its contents mean nothing.
        let marker = try RestoreMarker.read(on: connection)
        let state = marker.map { "\($0.state.rawValue) restore of \($0.set)" } ?? "no arkiv restore marker"
        report.checks.append(.init(object: connection.database, check: "restore finished",
                                   expected: "complete restore of \(manifest.backupID)", actual: state))
        guard marker?.state == .complete, marker?.set == manifest.backupID else {
            report.seconds = Date().timeIntervalSince(started)
            return report
        }

        try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        defer { try? connection.rollback() }
        let schemas = try connection.query(
            "SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = ANY($1::text[]) ORDER BY 1", [manifest.schemas.map(\.name)])
            .rows.compactMap { $0["nspname"] }
        var expected: [DDLStatement] = []
        var tables: [TableInfo] = [], sequences: [SequenceState] = []
        for schema in manifest.schemas.map(\.name) {
            sequences += try opened.json([SequenceState].self, schema: schema, member: SetFiles.sequencesMember)
            expected += try opened.json([DDLStatement].self, schema: schema, member: SetFiles.preDataMember)
            expected += try opened.json([DDLStatement].self, schema: schema, member: SetFiles.postDataMember)
            tables += try opened.json([TableInfo].self, schema: schema, member: SetFiles.tablesMember)
        }
        // Only the schemas that were restored are judged on their objects; a missing schema is one
        // difference, not hundreds.
        for schema in manifest.schemas.map(\.name) where !schemas.contains(schema) {
            report.checks.append(.init(object: schema, check: "schema", expected: "present", actual: "absent"))
        }
        // What the restore left out on purpose, and the roles it put in others' place.
        let leftOut = Set(marker?.leftOut ?? [])
        expected = try expected.filter { !leftOut.contains("\($0.kind) \($0.name)") }
            .map { try $0.mappingRoles(marker?.roleMap ?? [:], quote: { try connection.quoteIdentifier($0) }) }
        let restoredSet = Set(schemas)
        let objects = manifest.largeObjects.flatMap { restoredSet.contains($0.data.schema) ? $0 : nil }
        let actual = try DatabaseChecks.catalog(connection, schemas: schemas, largeObjects: objects != nil)
        let neutral = try PlatformDifferences(
            actual: actual.preDataInOrder + actual.postDataInOrder, expected: expected,
            sourceExtensions: Dictionary(manifest.extensions.map { ($0.name, $0.schema) }, uniquingKeysWith: { first, _ in first }), target: connection)
        report.checks += DatabaseChecks.compareDDL(
            expected: neutral.expected.filter { QualifiedName.schema(ofDottedName: $0.name).map(restoredSet.contains) ?? true },
            actual: neutral.actual.filter { !leftOut.contains("\($0.kind) \($0.name)") }, owners: marker?.owners ?? false, privileges: marker?.privileges ?? false)

        for entry in manifest.tables where restoredSet.contains(entry.schema) {
            let name = "\(entry.schema).\(entry.name)"
            guard let info = tables.first(where: { $0.schema == entry.schema && $0.name == entry.name }) else { continue }
            // A table that cannot be read is one difference; the savepoint keeps the rest going.
            try connection.execute("SAVEPOINT arkiv_table")
            defer { try? connection.execute("RELEASE SAVEPOINT arkiv_table") }
            do {
                let inspector = try DatabaseChecks.tableData(
                    connection, schema: entry.schema, table: entry.name, columns: info.copyColumnList,
                    format: CopyRowInspector.Format(rawValue: entry.copyFormat) ?? .text, vectorColumns: TablePlanner.vectorColumns(info))
                report.checks += TableDataChecks.compare(name, with: entry, inspector: inspector)
                for column in entry.vectorColumns {
                    let declared = actual.table(QualifiedName(schema: entry.schema, name: entry.name))?
                        .columns.first { $0.name == column.name }?.vectorDimension
                    report.checks.append(.init(object: "\(name).\(column.name)", check: "declared dimension",
                                               expected: column.declaredDimension.map(String.init) ?? "none",
                                               actual: declared.map(String.init) ?? "none"))
                }
            } catch {
                try connection.execute("ROLLBACK TO SAVEPOINT arkiv_table")
                report.checks.append(.failed(name, "data", expected: "\(entry.rows) rows readable", error: "\(error)"))
            }
        }
        if let objects {
            try connection.execute("SAVEPOINT arkiv_table")
            do {
                report.checks += try DatabaseChecks.largeObjects(connection, expected: objects)
                try connection.execute("RELEASE SAVEPOINT arkiv_table")
            } catch {
                try connection.execute("ROLLBACK TO SAVEPOINT arkiv_table")
                report.checks.append(.failed("large objects", "data", expected: "\(objects.count) large objects readable", error: "\(error)"))
            }
        }
        report.checks += try MaterializedViews.verify(connection, expected: manifest.materializedViews ?? [], schemas: schemas)
        report.checks += SequenceChecks.compare(states: sequences, actual: try SequenceChecks.positions(connection, schemas: schemas))
        report.checks += try DatabaseChecks.integrity(connection, schemas: schemas,
                                                      expectedNotValid: DatabaseChecks.notValidConstraints(expected))
        report.seconds = Date().timeIntervalSince(started)
        return report
    }
}
