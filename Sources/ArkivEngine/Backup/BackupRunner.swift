import ArkivArchive
import ArkivCatalog
import ArkivPostgres
import ArkivRepository
import Foundation

/// What a finished backup produced.
public struct BackupResult: Sendable {
    public let id: BackupID
    public let path: String
    public let manifest: Manifest
    public let seconds: Double
}

/// The nightly job: one snapshot, every selected schema, one set.
///
/// Order of work: lock the repository; open the coordinator's REPEATABLE READ transaction and
/// export its snapshot; read the catalogs and take ACCESS SHARE locks on every table inside it;
/// workers import the snapshot and stream tables (largest first) into the schemas' archive
/// files; DDL, sequences and the manifest follow. Anything that fails removes the set folder:
/// an unfinished backup never looks like one.
public final class BackupRunner {
    private let options: BackupOptions
    private let reporter: ProgressReporter

    public init(options: BackupOptions, reporter: ProgressReporter) {
        self.options = options
        self.reporter = reporter
    }

    public func run() throws -> BackupResult {
        let started = Date()
        let keys = try SetKeys(options: options)
        let repository = try options.openRepository()
        let lock = try repository.lock(command: "arkiv-backup")
        defer { lock.release() }
        if let stale = lock.staleHolder {
            reporter.log("stale-lock", "taking over the lock left by \(stale) (it is no longer running)")
        }

        let coordinator = try Connection(options.source, applicationName: "arkiv-backup")
        // Every setting is local to the one transaction each connection reads in, never the
        // session's: correct behind a transaction-mode pooler (docs/OPERATIONS.md, "Moving
        // between Supabase and Docker"), and nothing leaks to the pooler's other clients.
        let snapshot = try exportSnapshot(coordinator)
        try coordinator.detectClientLoss()
        let source = try SourceFacts.read(coordinator)
        let schemas = try SchemaSelection.resolve(coordinator, include: options.schemas, exclude: options.excludeSchemas)
        // Locks first (as pg_dump does): the catalog functions lock what they read, and a table
        // whose lock cannot be had should be named, not surface as a catalog read failure.
        try lockTables(in: schemas, coordinator)
        let catalogReader = CatalogReader(connection: coordinator)
        let catalog = try catalogReader.read(schemas: schemas, options: try catalogOptions())
        for name in try catalogOptions().excludeTableData where catalog.table(name) == nil {
            throw BackupError.unknownTable(name.description)
        }
        if catalog.tables.isEmpty && catalog.largeObjectCount == 0 && !options.allowEmpty {
            throw BackupError.emptySource(database: source.database, schemas: schemas)
        }
        let others = Set(try repository.setSources().filter { $0.identity != source.identity }.map(\.summary))
        if !others.isEmpty {
            reporter.log("warning", "repository \(repository.location) also holds sets of \(others.sorted().joined(separator: ", ")); this backup is of "
                         + "\(source.summary). Retention keeps each source's sets by its own rules", fields: ["sources": others.sorted()])
        }
        guard catalog.unsupported.isEmpty else {
            throw BackupError.unsupportedObjects(catalog.unsupported.map { "\($0)" })
        }
        for omission in catalog.omissions {
            reporter.log("warning", "\(omission.kind) \(omission.name) is not backed up: \(omission.reason)",
                         fields: ["object": omission.name])
        }
        for dependency in catalog.externalDependencies {
            reporter.log("warning", "\(dependency); a restore needs it in the target", fields: ["object": dependency.object, "needs": dependency.needs])
        }
        // Not transactional: a sequence can only be ahead of the snapshot's rows, never behind.
        let sequences = try catalogReader.readSequenceStates(catalog.sequences)
        let outside = try OutsideTables.find(coordinator, chosen: schemas)
        if !outside.isEmpty {
            reporter.log("warning", "not taking \(outside.count) non-empty table\(outside.count == 1 ? "" : "s") outside the chosen schemas: "
                         + outside.prefix(12).joined(separator: ", ") + (outside.count > 12 ? ", … (all in the manifest)" : "")
                         + "; add their schema with --schema, or decide they stay behind (docs/OPERATIONS.md)",
                         fields: ["tables": outside])
        }
        let materializedViews = try MaterializedViews.record(coordinator, schemas: schemas) { object, message in
            reporter.log("warning", message, fields: ["object": object])
        }
        if catalog.largeObjectCount > 0 && !options.takesLargeObjects {
            reporter.log("warning", "the database holds \(catalog.largeObjectCount) large objects, which a backup of some schemas "
                         + "does not take; add --large-objects to take them", fields: ["largeObjects": catalog.largeObjectCount])
        }

        let id = try BackupID(label: options.label)
        let set = try repository.createSet(id)
        reporter.log("start", "backup \(id) of \(source.target): \(schemas.count) schemas, \(catalog.tables.filter(\.isDataDumped).count) tables",
                     fields: ["id": id.rawValue, "schemas": schemas, "source": source.target])
        do {
            let fileNames = ArchiveFileNames.names(forSchemas: schemas)
            let files = try SetFiles(set: set, fileNames: fileNames, setID: keys.setID, codec: options.codec, encryption: keys.encryption)
            defer { files.discardUnfinished() }
            try files.writeSchemaMembers(catalog: catalog, sequences: sequences, phase: .preData)
            var plans = try TablePlanner.plans(catalog: catalog, fileNames: fileNames, connection: coordinator)
            if options.takesLargeObjects && catalog.largeObjectCount > 0, let first = schemas.first, let file = fileNames[first] {
                plans.append(.largeObjects(count: catalog.largeObjectCount, fileName: file, schema: first))
            }
            let pool = WorkerPool<TablePlan, TableCopyResult>(jobs: plans.sorted { $0.estimatedBytes > $1.estimatedBytes })
            let target = options.source, lockTimeout = options.lockTimeout, reporter = self.reporter
            let results = try pool.run(
                workers: min(options.jobs, max(plans.count, 1)),
                connect: {
                    let connection = try Connection(target, applicationName: "arkiv-backup worker")
                    do {
                        try connection.beginTransaction(importing: snapshot, settings: .dump(lockTimeout: lockTimeout))
                        try connection.detectClientLoss()
                    } catch {
                        // A transaction-mode pooler hands the worker another server session,
                        // where the coordinator's snapshot does not exist.
                        throw BackupError.snapshotUnavailable(reason: (error as? PostgresError)?.message ?? "\(error)")
                    }
                    return connection
                },
                perform: { plan, connection in
                    guard let writer = files.writer(for: plan.fileName) else { throw BackupError.noTables }
                    return try TableCopier.copy(plan, from: connection, into: writer, reporter: reporter)
                },
                finish: { try $0.commit() })
            try files.writeSchemaMembers(catalog: catalog, sequences: sequences, phase: .postData)
            let fileEntries = try files.finish(schemasByFile: Dictionary(uniqueKeysWithValues: fileNames.map { ($1, $0) }))
            let manifest = ManifestBuilder.build(
                id: id, setID: keys.setID, started: started, options: options, source: source, keys: keys,
                schemas: schemas, fileNames: fileNames, catalog: catalog, files: fileEntries, results: results, outside: outside,
                materializedViews: materializedViews)
            try set.finish(manifest: ManifestCodec.encode(manifest, dataKey: keys.dataKey))
            try? coordinator.commit()
            let seconds = Date().timeIntervalSince(started)
            reporter.log("summary", "backup \(id) complete", fields: [
                "id": id.rawValue, "tables": manifest.tables.count, "rows": Int(manifest.tables.reduce(0) { $0 + $1.rows }),
                "storedBytes": Int(fileEntries.reduce(0) { $0 + $1.bytes }), "seconds": (seconds * 1000).rounded() / 1000,
                "encrypted": manifest.encryption.isEncrypted, "largeObjects": manifest.largeObjects?.count ?? 0,
                "largeObjectsNotBackedUp": manifest.largeObjects == nil ? catalog.largeObjectCount : 0,
            ])
            reporter.close()
            return BackupResult(id: id, path: set.location, manifest: manifest, seconds: seconds)
        } catch {
            set.discard()
            reporter.close()
            if Interruption.shared.isRequested { throw BackupError.interrupted(Interruption.shared.signalName) }
            throw error
        }
    }

    private func catalogOptions() throws -> CatalogOptions {
        var catalogOptions = CatalogOptions()
        catalogOptions.includeOwners = options.includeOwners
        catalogOptions.includePrivileges = options.includePrivileges
        catalogOptions.includeForeignSecrets = options.includeForeignSecrets && options.encrypt
        catalogOptions.includeLargeObjects = options.takesLargeObjects
        catalogOptions.excludeTableData = Set(try options.excludeTableData.map { try QualifiedName(parsing: $0) })
        return catalogOptions
    }

    private func exportSnapshot(_ coordinator: Connection) throws -> SnapshotID {
        do {
            return try coordinator.beginExportedSnapshot(settings: .dump(lockTimeout: options.lockTimeout))
        } catch {
            // A transaction-mode pooler or a standby without hot_standby_feedback ends up here.
            throw BackupError.snapshotUnavailable(reason: error.message)
        }
    }

    /// ACCESS SHARE on every table of the schemas (LOCK TABLE refuses views), one at a time so a
    /// lock that cannot be had names its table. Held until the backup ends: no DDL meanwhile.
    private func lockTables(in schemas: [String], _ coordinator: Connection) throws {
        let tables = try coordinator.query("""
            SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p') ORDER BY 1, 2
            """, [schemas]).rows
        for table in tables {
            let schema = try table.decode(String.self, "nspname"), relation = try table.decode(String.self, "relname")
            let name = try coordinator.quoteQualified(schema, relation)
            do {
                try coordinator.execute("LOCK TABLE \(name) IN ACCESS SHARE MODE")
            } catch {
                guard error.sqlState == "55P03" else { throw error }
                throw BackupError.lockTimeout(table: "\(schema).\(relation)", lockTimeout: options.lockTimeout)
            }
        }
    }
}
