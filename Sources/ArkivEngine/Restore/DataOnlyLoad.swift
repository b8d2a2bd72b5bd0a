import ArkivArchive
import ArkivCatalog
import ArkivPostgres

/// The steps of a data-only load after its check, all inside its one transaction.
extension DataOnlyRestore {
    /// Locks, TRUNCATE, user INSERT triggers off, cycle keys deferred or set aside.
    func prepare(_ connection: Connection, loads: [Load], facts: [String: TargetTableFacts], cycleKeys: [LoadOrder.ForeignKey]) throws {
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
    func load(_ load: Load, staging: String, readers: [String: ArchiveReader], on connection: Connection) throws -> Int {
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
    func finish(_ connection: Connection, facts: [String: TargetTableFacts], cycleKeys: [LoadOrder.ForeignKey]) throws {
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
    func prove(_ loads: [Load], keysOf tables: [String], on connection: Connection) throws {
        for load in loads {
            let count = try connection.queryRow("SELECT count(*) AS n FROM \(load.table)").decode(Int.self, "n")
            guard UInt64(count) == load.plan.expectedRows else {
                throw RestoreError.rowCountMismatch(table: load.table, expected: load.plan.expectedRows, loaded: count)
            }
        }
        let broken = try DatabaseChecks.foreignKeys(connection, ofTables: tables).filter { !$0.passed }
        guard broken.isEmpty else { throw RestoreError.foreignKeysBroken(broken.map { "\($0.object): \($0.actual)" }) }
    }

    /// A materialized view of a loaded schema, computed again from the loaded rows (or emptied).
    struct Refresh {
        let view: MaterializedViews.View
        /// false: `WITH NO DATA`, as the source had it.
        let withData: Bool
    }

    /// The materialized views of the loaded schemas, each refreshed after the load (its rows were
    /// computed from the empty tables, or it was never populated): populated as the set's view
    /// was, or as the target's own view is when the set has none of that name. One the loading
    /// role may not refresh is a problem found before anything is loaded.
    func refreshes(of schemas: [String], plan: RestorePlan, on connection: Connection) throws -> (refreshes: [Refresh], problems: [DataOnlyProblem]) {
        let views = try MaterializedViews.list(connection, schemas: schemas)
        let back = Dictionary(options.renameSchemas.map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let setName = { (view: MaterializedViews.View) in QualifiedName(schema: back[view.name.schema] ?? view.name.schema, name: view.name.name) }
        let spelled = try Self.sqlNames(connection, views.map(setName))
        let inSet = Set(plan.preData.filter { $0.kind == "materialized-view" }.map(\.name))
        let populatedInSet = Set(plan.postData.filter { $0.kind == "refresh" }.map(\.name))
        var refreshes: [Refresh] = [], problems: [DataOnlyProblem] = []
        for view in views {
            let name = spelled[setName(view)] ?? view.sqlName
            let populate = inSet.contains(name) ? populatedInSet.contains(name) : view.populated
            guard populate || view.populated else { continue }
            guard view.refreshable else {
                problems.append(DataOnlyProblem(
                    object: view.sqlName, problem: "materialized view must be refreshed after the load, and the loading role may not",
                    fix: "load as its owner (or a member of the owner's role)"
                        + (connection.serverVersionNumber >= 170000 ? ", or GRANT MAINTAIN ON \(view.sqlName) TO the loading role" : "")))
                continue
            }
            refreshes.append(Refresh(view: view, withData: populate))
        }
        return (refreshes, problems)
    }

    /// Inside the load's transaction, after the proof: REFRESH takes the view's lock and commits
    /// or rolls back with the rows.
    func refresh(_ refreshes: [Refresh], on connection: Connection) throws {
        for refresh in refreshes {
            try connection.execute("REFRESH MATERIALIZED VIEW \(refresh.view.sqlName)\(refresh.withData ? "" : " WITH NO DATA")")
            reporter.log("refresh", "materialized view \(refresh.view.sqlName) " + (refresh.withData ? "refreshed from the loaded rows" : "left unpopulated, as the source had it"),
                         fields: ["object": refresh.view.sqlName])
        }
    }

    /// Sequences owned by the loaded tables' columns (serial and identity) move past the loaded
    /// values and at least to where the set's sequence of the same name stood; every other
    /// sequence of the set (an invoice number no column owns, one a default names without
    /// OWNED BY) moves at least to where the source's stood, as pg_dump --data-only sets them.
    /// None ever moves backwards.
    func moveSequences(of tables: [String], states: [SequenceState], on connection: Connection) throws {
        let moved = try moveOwnedSequences(of: tables, states: states, on: connection)
        for state in states {
            let schema = options.renameSchemas[state.schema] ?? state.schema
            guard !moved.contains(QualifiedName(schema: schema, name: state.name)) else { continue }
            let sequence = try connection.quoteQualified(schema, state.name)
            let found = try connection.queryRow(
                "SELECT pg_catalog.to_regclass($1) IS NOT NULL AS found", [sequence]).decode(Bool.self, "found")
            guard found else {
                reporter.log("warning", "sequence \(schema).\(state.name) of the set does not exist in the target, so it was not moved; "
                             + "create it and set it with SELECT setval('\(sequence)', \(state.lastValue), \(state.isCalled))",
                             fields: ["sequence": "\(schema).\(state.name)"])
                continue
            }
            let current = try connection.queryRow(
                "SELECT s.last_value, s.is_called, q.seqincrement FROM \(sequence) s, pg_catalog.pg_sequence q WHERE q.seqrelid = $1::pg_catalog.regclass",
                [sequence])
            let target = SequencePosition(lastValue: try current.decode(Int64.self, "last_value"), isCalled: try current.decode(Bool.self, "is_called"),
                                          increment: try current.decode(Int64.self, "seqincrement"))
            let source = SequencePosition(lastValue: state.lastValue, isCalled: state.isCalled, increment: target.increment)
            guard target.isBehind(source) else { continue }
            try connection.execute("SELECT pg_catalog.setval(\(try connection.quoteLiteral(sequence))::pg_catalog.regclass, \(state.lastValue), \(state.isCalled))")
        }
    }

    /// Returns the sequences it looked at.
    private func moveOwnedSequences(of tables: [String], states: [SequenceState], on connection: Connection) throws -> Set<QualifiedName> {
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
        var seen: Set<QualifiedName> = []
        for row in owned {
            let sequence = try row.decode(String.self, "sequence"), table = try row.decode(String.self, "owner")
            let column = try row.decode(String.self, "column_name")
            let name = QualifiedName(schema: try row.decode(String.self, "nspname"), name: try row.decode(String.self, "relname"))
            seen.insert(name)
            let loaded = try connection.queryRow("SELECT max(\(column))::bigint AS m FROM \(table)").decodeIfPresent(Int64.self, "m")
            let fromSet = setStates[name].flatMap { $0.isCalled ? $0.lastValue : nil }
            guard let value = [loaded, fromSet].compactMap({ $0 }).max() else { continue }
            let current = try connection.queryRow("SELECT last_value, is_called FROM \(sequence)")
            if try current.decode(Bool.self, "is_called"), try current.decode(Int64.self, "last_value") >= value { continue }
            try connection.execute("SELECT pg_catalog.setval(\(try connection.quoteLiteral(sequence))::pg_catalog.regclass, \(value), true)")
        }
        return seen
    }
}
