import ArkivArchive
import ArkivCatalog
import ArkivPostgres
import Foundation

/// `--data-only` (and `--table`): the set's rows into tables that already exist in the target,
/// deployed by another tool (e.g. the application's migrations), whose structure may differ in
/// small ways.
///
/// One transaction, on one connection: the target's structure is read and every table checked
/// (columns by name, types, NOT NULL columns the set cannot fill, vector dimensions, emptiness,
/// privileges) and every problem reported at once before a byte is loaded; then the tables are
/// locked, emptied if asked, loaded parents first, counted, their foreign keys proven with
/// anti-joins, sequences moved, and only then committed. Any failure rolls back: the target is
/// unchanged.
struct DataOnlyRestore {
    let options: RestoreOptions
    let reporter: ProgressReporter

    struct Load {
        let plan: RestorePlan.TableLoad
        let mapping: TableMapping
        /// `format('%I.%I')` of the target table, valid SQL and the catalog's spelling.
        let table: String
    }

    func run(set: OpenedBackupSet, plan: RestorePlan, started: Date) throws -> RestoreResult {
        var phases: [(name: String, seconds: Double)] = []
        var phaseStart = started
        func endPhase(_ name: String) {
            phases.append((name, Date().timeIntervalSince(phaseStart)))
            phaseStart = Date()
        }
        endPhase("open")
        var problems: [DataOnlyProblem] = []
        let selected = selectLoads(plan, set: set.manifest.backupID, problems: &problems)
        var setTables: [QualifiedName: TableInfo] = [:]
        for schema in Set(selected.map(\.schema)) {
            for table in try set.json([TableInfo].self, schema: schema, member: SetFiles.tablesMember) {
                setTables[table.qualifiedName] = table
            }
        }

        let connection = try Connection(options.target, applicationName: "arkiv-restore")
        try connection.apply(.dump(lockTimeout: "30s"))
        try connection.execute("SET client_min_messages = warning")
        try connection.execute("BEGIN")
        do {
            // The set's large objects come along unless only some tables were asked for.
            let objects = options.tables.isEmpty ? plan.largeObjects : nil
            if objects != nil { problems += try largeObjectProblems(plan, on: connection) }
            let checked = try check(selected, setTables: setTables, plan: plan,
                                    recordedExtensions: Dictionary(set.manifest.extensions.map { ($0.name, $0.schema) }, uniquingKeysWith: { first, _ in first }),
                                    on: connection, problems: problems)
            endPhase("preflight")
            reporter.log("start", "loading the data of \(set.manifest.backupID) into \(connection.target): \(checked.loads.count) tables, one transaction",
                         fields: ["set": set.manifest.backupID, "database": connection.database])
            try prepare(connection, loads: checked.loads, facts: checked.facts, cycleKeys: checked.cycleKeys)
            var rows = 0
            for (index, load) in checked.loads.enumerated() {
                rows += try self.load(load, staging: "arkiv_stage_\(index)", readers: set.readers, on: connection)
            }
            if let objects {
                _ = try LargeObjectLoader.load(objects, readers: set.readers, into: connection, reporter: reporter,
                                               createObjects: true, inTransaction: true)
                reporter.log("accepted", "large objects: created with their OIDs and owned by the loading role; their owners, grants "
                             + "and comments are structure, which a data-only load does not set", fields: ["object": "large objects"])
            }
            try finish(connection, facts: checked.facts, cycleKeys: checked.cycleKeys)
            endPhase("data")
            try prove(checked.loads, keysOf: checked.roots, on: connection)
            endPhase("checks")
            try refresh(checked.refreshes, on: connection)
            endPhase("materialized views")
            // Last before COMMIT: setval is not transactional, and moving a sequence forward is
            // harmless should the COMMIT itself fail.
            try moveSequences(of: checked.roots, states: plan.sequences, on: connection)
            endPhase("sequences")
            try connection.commit()
            reporter.close()
            return RestoreResult(
                set: set.manifest.backupID, database: connection.database, target: connection.target.description,
                tables: checked.loads.count, rows: rows, phases: phases, skipped: [], seconds: Date().timeIntervalSince(started))
        } catch {
            try? connection.rollback()
            throw error
        }
    }

    /// What the compatibility check found the target can take.
    private struct Checked {
        /// In load order.
        let loads: [Load]
        let facts: [String: TargetTableFacts]
        /// The loaded tables' partition roots (the tables themselves when not partitions).
        let roots: [String]
        let cycleKeys: [LoadOrder.ForeignKey]
        /// The loaded schemas' materialized views, in dependency order.
        let refreshes: [Refresh]
    }

    /// Large objects keep their OIDs, which the set's oid columns point at: one the target
    /// already has is in the way.
    private func largeObjectProblems(_ plan: RestorePlan, on connection: Connection) throws -> [DataOnlyProblem] {
        try TargetChecks.existingLargeObjects(connection, of: plan.preData).map {
                DataOnlyProblem(object: "large object \($0)", problem: "the set holds a large object with this OID and the target already has one",
                                fix: "remove the target's (SELECT lo_unlink(\($0))) if the set's should replace it, or load only tables with --table")
            }
    }

    /// The compatibility check, inside the load's transaction: the target's structure read with
    /// the backup's catalog reader, every table of the set checked, every problem collected and
    /// reported at once (nothing is loaded), every accepted difference logged.
    private func check(_ selected: [RestorePlan.TableLoad], setTables: [QualifiedName: TableInfo], plan: RestorePlan,
                       recordedExtensions: [String: String], on connection: Connection,
                       problems found: [DataOnlyProblem]) throws -> Checked {
        var problems = found
        let renames = options.renameSchemas
        let targetName = { (load: RestorePlan.TableLoad) in QualifiedName(schema: renames[load.schema] ?? load.schema, name: load.table) }
        let targetSchemas = Array(Set(selected.map { targetName($0).schema })).sorted()
        let present = try Self.existingSchemas(connection, targetSchemas)
        for schema in targetSchemas where !present.contains(schema) {
            problems.append(DataOnlyProblem(
                object: schema, problem: "schema does not exist in the target",
                fix: "deploy the structure first (the application's migrations), or load it into another schema with --rename-schema old=new"))
        }
        let catalog = try CatalogReader(connection: connection).read(schemas: present)
        let names = try Self.sqlNames(connection, selected.map(targetName))
        let facts = try TargetTableFacts.read(connection, tables: Array(names.values))
        let relocations = try ExtensionRelocation.find(
            on: connection, wanted: recordedExtensions)

        var accepted: [AcceptedDifference] = []
        var loads: [Load] = []
        for load in selected where present.contains(targetName(load).schema) {
            let name = targetName(load)
            guard let setTable = setTables[QualifiedName(schema: load.schema, name: load.table)], let table = names[name] else {
                throw RestoreError.missingMember(schema: load.schema, member: "tables (\(load.displayName))")
            }
            let outcome = ColumnCompatibility.check(
                setTable: setTable, targetName: name, display: table, target: catalog.table(name), defaults: facts[table]?.defaults ?? [],
                skipMissingColumns: options.skipMissingColumns, renames: renames, relocations: relocations, quote: { (try? connection.quoteIdentifier($0)) ?? $0 })
            problems += outcome.problems
            accepted += outcome.accepted
            if let fact = facts[table] { problems += fact.problems(table: table, truncate: options.truncate) }
            if let mapping = outcome.mapping { loads.append(Load(plan: load, mapping: mapping, table: table)) }
        }
        let roots = try LoadOrder.roots(connection, of: loads.map(\.table))
        let rootTables = Array(Set(roots.values)).sorted()
        let order = LoadOrder(tables: loads.map(\.table), roots: roots, keys: try LoadOrder.foreignKeys(connection, of: rootTables))
        for key in order.cycleKeys where !key.isDeferrable && facts[key.child]?.owned != true {
            problems.append(DataOnlyProblem(
                object: key.name, problem: "this foreign key is part of a cycle between tables and is not DEFERRABLE; only the table's owner can set it aside for the load",
                fix: "load as the owner of \(key.child), or make the key DEFERRABLE (ALTER TABLE … ALTER CONSTRAINT … DEFERRABLE)"))
        }
        // Every chosen schema's views (a view may read tables of another schema); with --table,
        // those of the loaded tables' schemas.
        let loadedSchemas = options.tables.isEmpty ? try Self.existingSchemas(connection, plan.schemas.map { renames[$0] ?? $0 })
            : Array(Set(loads.map { targetName($0.plan).schema })).sorted()
        let refreshes = try self.refreshes(of: loadedSchemas, plan: plan, on: connection)
        problems += refreshes.problems
        guard problems.isEmpty else { throw RestoreError.incompatible(problems.sorted { $0.object < $1.object }) }
        for difference in accepted {
            reporter.log("accepted", difference.description,
                         fields: ["object": difference.object, "difference": difference.difference, "handling": difference.handling])
        }
        let byTable = Dictionary(uniqueKeysWithValues: loads.map { ($0.table, $0) })
        return Checked(loads: order.tables.compactMap { byTable[$0] }, facts: facts, roots: rootTables, cycleKeys: order.cycleKeys,
                       refreshes: refreshes.refreshes)
    }

    /// The set's tables to load: every table of the chosen schemas, or the `--table` ones.
    private func selectLoads(_ plan: RestorePlan, set: String, problems: inout [DataOnlyProblem]) -> [RestorePlan.TableLoad] {
        guard !options.tables.isEmpty else { return plan.loads }
        var selected: [RestorePlan.TableLoad] = []
        for name in options.tables {
            let wanted = try? QualifiedName(parsing: name)
            guard let load = plan.loads.first(where: { $0.schema == wanted?.schema && $0.table == wanted?.name }) else {
                problems.append(DataOnlyProblem(object: name, problem: "table \(name) has no data in backup set \(set)",
                                                fix: "name a table of the set as schema.table (arkiv list / the manifest)"))
                continue
            }
            selected.append(load)
        }
        return selected
    }

    /// The schemas of these that exist in the connection's database.
    static func existingSchemas(_ connection: Connection, _ schemas: [String]) throws -> [String] {
        try connection.query("SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = ANY($1::text[]) ORDER BY 1", [schemas])
            .rows.compactMap { $0["nspname"] }
    }

    /// `format('%I.%I')` of each name: the catalog's spelling, quoted only where needed.
    static func sqlNames(_ connection: Connection, _ names: [QualifiedName]) throws -> [QualifiedName: String] {
        var result: [QualifiedName: String] = [:]
        let rows = try connection.query("SELECT s, t, format('%I.%I', s, t) AS name FROM unnest($1::text[], $2::text[]) AS u(s, t)",
                                        [names.map(\.schema), names.map(\.name)]).rows
        for row in rows {
            result[QualifiedName(schema: try row.decode(String.self, "s"), name: try row.decode(String.self, "t"))] = try row.decode(String.self, "name")
        }
        return result
    }
}
