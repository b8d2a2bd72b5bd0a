import ArkivArchive
import ArkivCatalog
import ArkivPostgres
import ArkivRepository
import Foundation

/// What a finished restore did.
public struct RestoreResult: Sendable {
    public let set: String
    public let database: String
    /// The restored database as `user@host:port/db` (no password).
    public let target: String
    public let tables: Int
    public let rows: Int
    /// Seconds per phase, in order: open, preflight, pre-data, data, sequences, post-data, analyze.
    public let phases: [(name: String, seconds: Double)]
    public let skipped: [String]
    public let seconds: Double
}

/// Restores a backup set: proves it, checks the target, then extensions → pre-data → data
/// (parallel COPY FREEZE straight from the archive) → sequences → post-data → ANALYZE.
/// The database is marked incomplete until the last step succeeds.
public final class RestoreRunner {
    private let options: RestoreOptions
    private let reporter: ProgressReporter
    private var phases: [(name: String, seconds: Double)] = []
    private var phaseStart = Date()

    public init(options: RestoreOptions, reporter: ProgressReporter) {
        self.options = options
        self.reporter = reporter
    }

    public func run() throws -> RestoreResult {
        let started = Date()
        phaseStart = started
        let set = try OpenedBackupSet.open(
            repository: options.repository, set: options.set, identities: options.identities, passphrase: options.passphrase,
            command: "arkiv-restore", reporter: reporter)
        defer { set.release() }
        var plan = try RestorePlan(set: set, schemas: options.schemas, renames: options.renameSchemas, includeOwners: options.includeOwners,
                                   includePrivileges: options.includePrivileges)
        endPhase("open")

        if options.dataOnly || !options.tables.isEmpty {
            guard case .existing(clean: false) = options.destination else {
                throw RestoreError.preflight(["--data-only and --table load into the existing tables of the target URL's database: not with --scratch or --clean"])
            }
            return try DataOnlyRestore(options: options, reporter: reporter).run(set: set, plan: plan, started: started)
        }
        let admin = try Connection(options.target, applicationName: "arkiv-restore")
        let leftOut = try adjust(&plan, manifest: set.manifest, on: admin)
        var shared: [String: [String]] = [:], leftOutStatements: [String] = []
        if case .existing = options.destination {
            (shared, leftOutStatements) = try placeIntoExisting(&plan, manifest: set.manifest, on: admin)
        }
        let databaseTarget: ConnectionTarget
        let outcome: RestorePreflight.Outcome
        switch options.destination {
        case .scratch(let name):
            let database = name ?? Self.scratchName(for: set.manifest.backupID)
            outcome = try RestorePreflight.check(admin, manifest: set.manifest, plan: plan, creating: database, options: options,
                                                 leftOutExtensions: leftOut)
            let locale = options.targetLocale ? nil : set.manifest.source.locale
            if locale == nil {
                reporter.log("locale", options.targetLocale
                             ? "database \(database) takes the target server's default locale (--target-locale), not the source's"
                             : "set \(set.manifest.backupID) records no database locale (made by an older arkiv): database \(database) takes the target server's default")
            }
            try admin.execute(try ScratchDatabase.createStatement(database, locale: locale, on: admin))
            databaseTarget = try options.target.database(database)
        case .existing(let clean):
            outcome = try RestorePreflight.check(admin, manifest: set.manifest, plan: plan, existingWithClean: clean, options: options,
                                                 leftOutExtensions: leftOut, sharedSchemas: shared)
            databaseTarget = options.target
        }
        plan.leaveOut(statements: Set(outcome.unmetRequirements.keys))
        let connection = try Connection(databaseTarget, applicationName: "arkiv-restore")
        let database = connection.database
        if case .existing = options.destination, let source = set.manifest.source.locale,
           let difference = ScratchDatabase.difference(source, from: try SourceFacts.locale(connection)) {
            reporter.log("warning", "\(difference)", fields: ["database": database])
        }
        let leftOutKeys = leftOut.sorted().map { "extension \($0)" } + leftOutStatements + plan.unmet.map { "\($0.kind) \($0.name)" }
        let marker = { (state: RestoreMarker.State) in
            RestoreMarker(set: set.manifest.backupID, state: state, at: Date(), leftOut: leftOutKeys.isEmpty ? nil : leftOutKeys,
                          roleMap: self.options.roleMap.isEmpty ? nil : self.options.roleMap,
                          owners: self.options.includeOwners, privileges: self.options.includePrivileges, drill: self.options.drillOwner)
        }
        try marker(.incomplete).write(on: connection)
        do {
            try prepareSession(connection)
            try warnAboutVectorIndexMemory(plan: plan, manifest: set.manifest, on: connection)
            endPhase("preflight")
            reporter.log("start", "restoring \(set.manifest.backupID) into \(connection.target): \(plan.schemas.count) schemas, \(plan.loads.count) tables",
                         fields: ["set": set.manifest.backupID, "database": database])

            if case .existing(clean: true) = options.destination {
                for schema in plan.schemas {
                    let final = options.renameSchemas[schema] ?? schema
                    try connection.execute("DROP SCHEMA IF EXISTS \(try connection.quoteIdentifier(final)) CASCADE")
                }
            }
            // A set with its own `auth` schema creates it in pre-data; the compat functions it
            // lacks are added to that schema afterwards, never in its way.
            let setHasAuth = plan.schemas.contains("auth")
            try createRoles(connection, outcome: outcome)
            if !setHasAuth { try createCompatAuth(connection, plan: plan) }
            try createExtensions(connection, manifest: set.manifest, plan: plan)
            try execute(plan.preData, on: connection)
            if setHasAuth { try createCompatAuth(connection, plan: plan) }
            endPhase("pre-data")

            for sequence in plan.sequences {
                try connection.execute(try sequence.setvalStatement(on: connection))
            }
            let reporter = self.reporter
            let pipeline = RestorePipeline(plan: plan, load: { load, worker in
                try Self.loadTable(load, readers: set.readers, into: worker, reporter: reporter)
            }, warning: { statement, text in
                reporter.log("warning", "\(statement): \(text)", fields: ["statement": statement])
            })
            try DependencyScheduler(jobs: pipeline.jobs).run(workers: options.jobs) { [options] in
                try Self.workerConnection(options.target.database(database), maintenanceWorkMemory: options.maintenanceWorkMemory)
            }
            let rows = pipeline.loadedRows
            // Before the owners change in post-data: the restoring role made the objects and may write them.
            if let objects = plan.largeObjects {
                _ = try LargeObjectLoader.load(objects, readers: set.readers, into: connection, reporter: reporter)
            }
            endPhase("data+indexes")
            try execute(pipeline.sequential, on: connection)
            // The set's event triggers exist now: what the restore still does (ANALYZE, renames, the
            // marker) must not fire them. Only a superuser got this far with event triggers.
            if plan.postData.contains(where: { $0.kind == "event-trigger" }) {
                try connection.execute("SET session_replication_role = replica")
            }
            // Partitioned parents hold no rows of their own (their statistics cover the partitions);
            // materialized views get their rows from the refresh in post-data.
            let refreshed = plan.postData.filter { $0.kind == "refresh" }.compactMap { try? QualifiedName(parsing: $0.name) }
            for relation in plan.partitionedTables + refreshed {
                try connection.execute("ANALYZE \(try connection.quoteQualified(relation.schema, relation.name))")
            }
            endPhase("post-data")
            try renameSchemas(connection, plan: plan)
            try marker(.complete).write(on: connection)
            for statement in plan.unmet {
                let needs = outcome.unmetRequirements["\(statement.kind) \(statement.name)"].map { "needs \($0), which is neither in the set nor on the target" }
                    ?? "depends on a statement left out"
                reporter.log("skipped", "not restored: \(statement.kind) \(statement.name) \(needs)",
                             fields: ["kind": statement.kind, "name": statement.name])
            }
            for statement in plan.skipped {
                reporter.log("skipped", "not restored: \(statement.kind) \(statement.name) needs a schema that was not restored",
                             fields: ["kind": statement.kind, "name": statement.name])
            }
            reporter.close()
            return RestoreResult(
                set: set.manifest.backupID, database: database, target: connection.target.description, tables: plan.loads.count,
                rows: rows, phases: phases, skipped: (plan.skipped + plan.unmet).map { "\($0.kind) \($0.name)" }, seconds: Date().timeIntervalSince(started))
        } catch where Interruption.shared.isRequested {
            // Said where it cannot be missed: the database stays, marked, until someone drops it.
            throw RestoreError.interrupted(signal: Interruption.shared.signalName, database: database)
        }
    }

    /// `arkiv_scratch_20261125t031500z_4f9a1c`: lower case, and within PostgreSQL's 63 bytes.
    static func scratchName(for backupID: String, prefix: String = "arkiv_scratch_") -> String {
        String((prefix + backupID.lowercased().replacingOccurrences(of: "-", with: "_")).prefix(63))
    }

    private func endPhase(_ name: String) {
        let now = Date()
        phases.append((name, now.timeIntervalSince(phaseStart)))
        phaseStart = now
    }

    /// The dump preset (ISO dates, UTC, UTF8, empty search_path), no lock or statement timeouts,
    /// and function bodies unchecked while their tables may not exist yet (as pg_restore does).
    private func prepareSession(_ connection: Connection) throws {
        try connection.apply(.dump(lockTimeout: "0"))
        try connection.execute("SET check_function_bodies = false; SET client_min_messages = warning")
    }

    /// Before a byte is loaded: each HNSW graph that will not fit in the maintenance_work_mem
    /// its build gets (`--maintenance-work-mem`, else the server's), with the size that would.
    private func warnAboutVectorIndexMemory(plan: RestorePlan, manifest: Manifest, on connection: Connection) throws {
        let estimates = VectorIndexMemory.estimates(plan.postData, tables: manifest.tables)
        guard !estimates.isEmpty else { return }
        let available = try connection.queryRow(
            "SELECT pg_catalog.pg_size_bytes(COALESCE($1, pg_catalog.current_setting('maintenance_work_mem')))::text AS bytes",
            [options.maintenanceWorkMemory]).decode(String.self, "bytes")
        guard let bytes = UInt64(available) else { return }
        for estimate in estimates {
            guard let text = estimate.warning(available: bytes) else { continue }
            reporter.log("warning", "\(estimate.index): \(text)", fields: ["statement": estimate.index, "graphBytes": "\(estimate.bytes)"])
        }
    }

    /// `--rename-schema old=new`, applied last: references between objects are by OID and
    /// follow the rename; only function bodies (text) still say the old name, and are named.
    private func renameSchemas(_ connection: Connection, plan: RestorePlan) throws {
        for schema in plan.schemas {
            guard let new = options.renameSchemas[schema], new != schema else { continue }
            try connection.execute("ALTER SCHEMA \(try connection.quoteIdentifier(schema)) RENAME TO \(try connection.quoteIdentifier(new))")
            let functions = try connection.query("""
                SELECT format('%I.%I', n.nspname, p.proname) AS name FROM pg_catalog.pg_proc p
                JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                WHERE p.prosrc LIKE '%' || $1 || '.%' OR p.prosrc LIKE '%' || quote_ident($1) || '.%'
                ORDER BY 1
                """, [schema]).rows.compactMap { $0["name"] }
            for function in functions {
                reporter.log("warning", "function \(function) mentions schema \(schema) in its body; after the rename to \(new) it may need editing",
                             fields: ["function": function, "schema": schema, "renamedTo": new])
            }
        }
    }

    /// Into an existing database: schemas the target shares with an extension keep their own
    /// statements (returned, as "kind name"), and extension members are named where the target
    /// has the extension.
    private func placeIntoExisting(_ plan: inout RestorePlan, manifest: Manifest, on connection: Connection) throws
        -> (shared: [String: [String]], leftOut: [String])
    {
        let shared = try SharedSchemas.find(on: connection, among: plan.schemas)
        // The schema itself is there as the set has it; its comment, owner and grants are not.
        let leftOut = plan.join(sharedSchemas: Set(shared.keys)).filter { $0.kind != "schema" }.map { "\($0.kind) \($0.name)" }
        for (schema, extensions) in shared.sorted(by: { $0.key < $1.key }) {
            reporter.log("shared-schema", "schema \(schema) exists with extension \(extensions.joined(separator: ", ")); the set's objects go beside "
                         + "them, the schema's own comment, owner and grants stay", fields: ["schema": schema, "extensions": extensions])
        }
        let recorded = Dictionary(manifest.extensions.map { ($0.name, $0.schema) }, uniquingKeysWith: { first, _ in first })
        let relocations = try ExtensionRelocation.find(on: connection, wanted: recorded)
        plan.relocate(relocations)
        for relocation in relocations {
            reporter.log("relocated", "extension \(relocation.extensionName) is in schema \(relocation.to) on the target (\(relocation.from) on the source): its objects are named there",
                         fields: ["extension": relocation.extensionName, "from": relocation.from, "to": relocation.to])
        }
        return (shared, leftOut)
    }

    /// `--role-map` applied to the statements, and (with `--supabase-compat`) Supabase's own
    /// extensions the target cannot install left out; returns those extensions.
    private func adjust(_ plan: inout RestorePlan, manifest: Manifest, on connection: Connection) throws -> Set<String> {
        try plan.mapRoles(options.roleMap, quote: { try connection.quoteIdentifier($0) })
        guard options.supabaseCompat || options.leaveOutPlatformExtensions else { return [] }
        let available = try RestorePreflight.availableVersions(connection)
        let leftOut = Set(manifest.extensions.map(\.name).filter { SupabaseCompat.platformExtensions.contains($0) && available[$0] == nil })
        plan.leaveOut(extensions: leftOut)
        for name in leftOut.sorted() {
            reporter.log("compat", "extension \(name) is Supabase's and not available on the target: left out (its objects were never in the set)",
                         fields: ["extension": name])
        }
        return leftOut
    }

    /// Placeholder roles (`--create-missing-roles`, `--supabase-compat`), before the first
    /// statement that needs them.
    private func createRoles(_ connection: Connection, outcome: RestorePreflight.Outcome) throws {
        try TargetChecks.createRoles(outcome.rolesToCreate, on: connection, restorer: outcome.restorer)
        for role in outcome.rolesToCreate {
            reporter.log("role-created", "created role \(role) (NOLOGIN placeholder)", fields: ["role": role])
        }
    }

    /// `--supabase-compat`'s auth functions that neither the target nor the set has.
    private func createCompatAuth(_ connection: Connection, plan: RestorePlan) throws {
        guard options.supabaseCompat else { return }
        let defined = SupabaseCompat.authFunctionsDefined(by: plan.preData)
        for object in try SupabaseCompat.createAuth(on: connection, definedBySet: defined) {
            reporter.log("compat", "created \(object) as Supabase defines it", fields: ["object": object])
        }
    }

    private func createExtensions(_ connection: Connection, manifest: Manifest, plan: RestorePlan) throws {
        let available = try RestorePreflight.availableVersions(connection)
        // Installed already (on Supabase: in `extensions`, by the platform): nothing to create.
        let installed = Set(try connection.query("SELECT extname FROM pg_catalog.pg_extension").rows.compactMap { $0["extname"] })
        for ext in manifest.extensions where !plan.schemas.contains(ext.schema) && ext.name != "plpgsql" && !installed.contains(ext.name) {
            let schema = try connection.quoteIdentifier(ext.schema)
            try connection.execute("CREATE SCHEMA IF NOT EXISTS \(schema)")
            var sql = "CREATE EXTENSION IF NOT EXISTS \(try connection.quoteIdentifier(ext.name)) WITH SCHEMA \(schema)"
            if available[ext.name]?.contains(ext.version) == true {
                sql += " VERSION \(try connection.quoteLiteral(ext.version))"
            } else {
                reporter.log("warning", "extension \(ext.name) \(ext.version) is not available on the target; using its default version")
            }
            try connection.execute(sql)
        }
    }

    private func execute(_ statements: [DDLStatement], on connection: Connection) throws {
        for statement in statements {
            do {
                try connection.execute(statement.sql)
            } catch {
                throw RestoreError.statementFailed(kind: statement.kind, name: statement.name, error: error.description)
            }
        }
    }

    /// Each table in its own transaction: TRUNCATE (cheap on an empty table, and it makes the
    /// table new in this transaction) then COPY … FREEZE, so rows are written frozen once
    /// instead of being rewritten by the first VACUUM.
    static func loadTable(
        _ load: RestorePlan.TableLoad, readers: [String: ArchiveReader], into connection: Connection, reporter: ProgressReporter
    ) throws -> Int {
        guard let reader = readers[load.schema] else { throw RestoreError.missingMember(schema: load.schema, member: "archive") }
        let table = try connection.quoteQualified(load.schema, load.table)
        let format = load.format == "binary" ? "binary" : "text"
        try connection.execute("BEGIN; TRUNCATE \(table)")
        do {
            let result = try TableLoader.load(
                member: load.member, of: reader, into: connection,
                copyStatement: "COPY \(table) \(load.copyColumnList) FROM STDIN (FORMAT \(format), FREEZE)",
                table: load.displayName, reporter: reporter)
            guard UInt64(result.rows) == load.expectedRows else {
                throw RestoreError.rowCountMismatch(table: load.displayName, expected: load.expectedRows, loaded: result.rows)
            }
            try connection.commit()
            return result.rows
        } catch {
            try? connection.rollback()
            throw error
        }
    }

    /// A worker's connection: the dump preset, no lock timeout, and room for index builds.
    /// An HNSW build whose graph outgrows maintenance_work_mem goes on on disk, several times
    /// slower; the setting is per session, so the server's own default is untouched. Builds
    /// get no parallel workers unless the pipeline gives them the server to themselves.
    static func workerConnection(_ target: ConnectionTarget, maintenanceWorkMemory: String?) throws -> Connection {
        let connection = try Connection(target, applicationName: "arkiv-restore worker")
        try connection.apply(.dump(lockTimeout: "0"))
        try RestorePipeline.allowParallelWorkers(0, on: connection)
        if let maintenanceWorkMemory {
            try connection.execute("SELECT pg_catalog.set_config('maintenance_work_mem', \(try connection.quoteLiteral(maintenanceWorkMemory)), false)")
        }
        return connection
    }
}
