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

    private struct Load {
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

            var accepted: [AcceptedDifference] = []
            var loads: [Load] = []
            for load in selected where present.contains(targetName(load).schema) {
                let name = targetName(load)
                guard let setTable = setTables[QualifiedName(schema: load.schema, name: load.table)], let table = names[name] else {
                    throw RestoreError.missingMember(schema: load.schema, member: "tables (\(load.displayName))")
                }
                let outcome = ColumnCompatibility.check(
                    setTable: setTable, targetName: name, display: table, target: catalog.table(name), defaults: facts[table]?.defaults ?? [],
                    skipMissingColumns: options.skipMissingColumns, renames: renames, quote: { (try? connection.quoteIdentifier($0)) ?? $0 })
                problems += outcome.problems
                accepted += outcome.accepted
                if let fact = facts[table] { problems += fact.problems(table: table, truncate: options.truncate) }
                if let mapping = outcome.mapping { loads.append(Load(plan: load, mapping: mapping, table: table)) }
            }
            let roots = try LoadOrder.roots(connection, of: loads.map(\.table))
            let rootTables = Array(Set(roots.values)).sorted()
            let keys = try LoadOrder.foreignKeys(connection, of: rootTables)
            let order = LoadOrder(tables: loads.map(\.table), roots: roots, keys: keys)
            for key in order.cycleKeys where !key.isDeferrable && facts[key.child]?.owned != true {
                problems.append(DataOnlyProblem(
                    object: key.name, problem: "this foreign key is part of a cycle between tables and is not DEFERRABLE; only the table's owner can set it aside for the load",
                    fix: "load as the owner of \(key.child), or make the key DEFERRABLE (ALTER TABLE … ALTER CONSTRAINT … DEFERRABLE)"))
            }
            guard problems.isEmpty else { throw RestoreError.incompatible(problems.sorted { $0.object < $1.object }) }
            for difference in accepted {
                reporter.log("accepted", difference.description,
                             fields: ["object": difference.object, "difference": difference.difference, "handling": difference.handling])
            }
            endPhase("preflight")
            reporter.log("start", "loading the data of \(set.manifest.backupID) into \(connection.target): \(loads.count) tables, one transaction",
                         fields: ["set": set.manifest.backupID, "database": connection.database])

            let byTable = Dictionary(uniqueKeysWithValues: loads.map { ($0.table, $0) })
            let ordered = order.tables.compactMap { byTable[$0] }
            try prepare(connection, loads: ordered, facts: facts, cycleKeys: order.cycleKeys)
            var rows = 0
            for (index, load) in ordered.enumerated() {
                rows += try self.load(load, staging: "arkiv_stage_\(index)", readers: set.readers, on: connection)
            }
            try finish(connection, facts: facts, cycleKeys: order.cycleKeys)
            endPhase("data")
            try prove(ordered, keysOf: rootTables, on: connection)
            endPhase("checks")
            // Last before COMMIT: setval is not transactional, and moving a sequence forward is
            // harmless should the COMMIT itself fail.
            try moveSequences(of: rootTables, states: plan.sequences, on: connection)
            endPhase("sequences")
            try connection.commit()
            reporter.close()
            return RestoreResult(
                set: set.manifest.backupID, database: connection.database, target: connection.target.description,
                tables: ordered.count, rows: rows, phases: phases, skipped: [], seconds: Date().timeIntervalSince(started))
        } catch {
            try? connection.rollback()
            throw error
        }
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

    /// Locks, TRUNCATE, user INSERT triggers off, cycle keys deferred or set aside.
    private func prepare(_ connection: Connection, loads: [Load], facts: [String: TargetTableFacts], cycleKeys: [LoadOrder.ForeignKey]) throws {
        for load in loads {
            // SHARE ROW EXCLUSIVE keeps other writers out until COMMIT; a role with INSERT alone
            // may only take ROW EXCLUSIVE.
            let mode = facts[load.table]?.canLockExclusively == true ? "SHARE ROW EXCLUSIVE" : "ROW EXCLUSIVE"
            try connection.execute("LOCK TABLE \(load.table) IN \(mode) MODE")
        }
        if options.truncate && !loads.isEmpty {
            try connection.execute("TRUNCATE TABLE " + loads.map(\.table).joined(separator: ", "))
        } else {
            // Emptiness checked again under the lock: nothing slipped in since the check.
            for load in loads where try connection.queryRow("SELECT EXISTS (SELECT 1 FROM \(load.table)) AS rows").decode(Bool.self, "rows") {
                throw RestoreError.incompatible([TargetTableFacts.notEmpty(load.table)])
            }
        }
        for load in loads {
            for trigger in facts[load.table]?.insertTriggers ?? [] {
                try connection.execute("ALTER TABLE \(load.table) DISABLE TRIGGER \(trigger.name)")
            }
        }
        for key in cycleKeys {
            if key.isDeferrable {
                try connection.execute("SET CONSTRAINTS \(key.qualifiedConstraint) DEFERRED")
            } else {
                try connection.execute("ALTER TABLE \(key.child) DROP CONSTRAINT \(key.constraint)")
            }
        }
    }

    /// One table: COPY straight in when the set's columns are all there in the same types,
    /// otherwise COPY into a staging table of the set's types and INSERT … SELECT by name
    /// (binary COPY input must be exactly the column's type, so a converted or left-out column
    /// cannot be fed to the table directly).
    private func load(_ load: Load, staging: String, readers: [String: ArchiveReader], on connection: Connection) throws -> Int {
        guard let reader = readers[load.plan.schema] else { throw RestoreError.missingMember(schema: load.plan.schema, member: "archive") }
        let format = load.plan.format == "binary" ? "binary" : "text"
        let mapping = load.mapping
        let copied: Int
        if !mapping.needsStaging {
            copied = try TableLoader.load(
                member: load.plan.member, of: reader, into: connection,
                copyStatement: "COPY \(load.table) \(load.plan.copyColumnList) FROM STDIN (FORMAT \(format))",
                table: load.plan.displayName, reporter: reporter).rows
        } else {
            let stage = "pg_temp.\(staging)"
            let definitions = try mapping.columns.map { column in
                let type = switch column.handling {
                case .same: column.target?.type ?? column.source.type
                case .converted: column.source.type
                case .skipped: format == "binary" ? "bytea" : "text"  // any bytes: the values are dropped
                }
                return "\(try connection.quoteIdentifier(column.source.name)) \(type)"
            }
            try connection.execute("CREATE TEMPORARY TABLE \(stage) (\(definitions.joined(separator: ", "))) ON COMMIT DROP")
            copied = try TableLoader.load(
                member: load.plan.member, of: reader, into: connection,
                copyStatement: "COPY \(stage) FROM STDIN (FORMAT \(format))", table: load.plan.displayName, reporter: reporter).rows
            let columns = try mapping.loadedColumns.map { try connection.quoteIdentifier($0.source.name) }.joined(separator: ", ")
            let overriding = mapping.overridesIdentity ? " OVERRIDING SYSTEM VALUE" : ""
            try connection.execute("INSERT INTO \(load.table) (\(columns))\(overriding) SELECT \(columns) FROM \(stage); DROP TABLE \(stage)")
        }
        guard UInt64(copied) == load.plan.expectedRows else {
            throw RestoreError.rowCountMismatch(table: load.plan.displayName, expected: load.plan.expectedRows, loaded: copied)
        }
        return copied
    }

    /// Cycle keys back (ADD CONSTRAINT validates every row), triggers back on, deferred checks run.
    private func finish(_ connection: Connection, facts: [String: TargetTableFacts], cycleKeys: [LoadOrder.ForeignKey]) throws {
        for key in cycleKeys where !key.isDeferrable {
            try connection.execute("ALTER TABLE \(key.child) ADD CONSTRAINT \(key.constraint) \(key.definition)")
        }
        for (table, fact) in facts {
            for trigger in fact.insertTriggers {
                try connection.execute("ALTER TABLE \(table) ENABLE \(trigger.alwaysEnabled ? "ALWAYS " : "")TRIGGER \(trigger.name)")
            }
        }
        try connection.execute("SET CONSTRAINTS ALL IMMEDIATE")
    }

    /// Before COMMIT: every table holds exactly the manifest's rows (the load started from
    /// empty tables), and every foreign key of the loaded tables holds by a real anti-join.
    private func prove(_ loads: [Load], keysOf tables: [String], on connection: Connection) throws {
        for load in loads {
            let count = try connection.queryRow("SELECT count(*) AS n FROM \(load.table)").decode(Int.self, "n")
            guard UInt64(count) == load.plan.expectedRows else {
                throw RestoreError.rowCountMismatch(table: load.table, expected: load.plan.expectedRows, loaded: count)
            }
        }
        let broken = try DatabaseChecks.foreignKeys(connection, ofTables: tables).filter { !$0.passed }
        guard broken.isEmpty else { throw RestoreError.foreignKeysBroken(broken.map { "\($0.object): \($0.actual)" }) }
    }

    /// Sequences owned by the loaded tables' columns (serial and identity) move past the loaded
    /// values and at least to where the set's sequence of the same name stood; never backwards.
    private func moveSequences(of tables: [String], states: [SequenceState], on connection: Connection) throws {
        let renames = options.renameSchemas
        let setStates = Dictionary(states.map { (QualifiedName(schema: renames[$0.schema] ?? $0.schema, name: $0.name), $0) }) { first, _ in first }
        let owned = try connection.query("""
            SELECT sn.nspname, s.relname, format('%I.%I', sn.nspname, s.relname) AS sequence,
                   format('%I.%I', tn.nspname, t.relname) AS owner, format('%I', a.attname) AS column_name
            FROM pg_catalog.pg_depend d
            JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S' JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
            JOIN pg_catalog.pg_class t ON t.oid = d.refobjid JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
            JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
            WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
              AND d.deptype IN ('a', 'i') AND format('%I.%I', tn.nspname, t.relname) = ANY($1::text[])
            ORDER BY 3
            """, [tables]).rows
        for row in owned {
            let sequence = try row.decode(String.self, "sequence"), table = try row.decode(String.self, "owner")
            let column = try row.decode(String.self, "column_name")
            let name = QualifiedName(schema: try row.decode(String.self, "nspname"), name: try row.decode(String.self, "relname"))
            let loaded = try connection.queryRow("SELECT max(\(column))::bigint AS m FROM \(table)").decodeIfPresent(Int64.self, "m")
            let fromSet = setStates[name].flatMap { $0.isCalled ? $0.lastValue : nil }
            guard let value = [loaded, fromSet].compactMap({ $0 }).max() else { continue }
            let current = try connection.queryRow("SELECT last_value, is_called FROM \(sequence)")
            if try current.decode(Bool.self, "is_called"), try current.decode(Int64.self, "last_value") >= value { continue }
            try connection.execute("SELECT pg_catalog.setval(\(try connection.quoteLiteral(sequence))::pg_catalog.regclass, \(value), true)")
        }
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
