import ArkivPostgres

/// What a data-only load needs to know about one existing target table besides its columns:
/// rows already there, the loading role's rights, column defaults, and INSERT triggers.
struct TargetTableFacts: Sendable {
    struct Trigger: Sendable {
        /// Quoted trigger name.
        let name: String
        /// `ENABLE ALWAYS` (fires even for replication) rather than plain `ENABLE`.
        let alwaysEnabled: Bool
    }

    let hasRows: Bool
    /// The role is the owner (or a member of the owning role): it may disable triggers and
    /// drop and re-add constraints.
    let owned: Bool
    let canInsert: Bool
    let canSelect: Bool
    let canTruncate: Bool
    /// UPDATE, DELETE or TRUNCATE (or ownership) allow the SHARE ROW EXCLUSIVE lock.
    let canLockExclusively: Bool
    /// Names of the columns that have a default.
    let defaults: Set<String>
    /// Enabled user triggers that fire on INSERT: a data-only load carries rows those triggers
    /// already processed on the source, so they are disabled for the load (as pg_restore's
    /// --disable-triggers does, but only the user's: foreign key checks stay on).
    let insertTriggers: [Trigger]

    /// Keyed by `format('%I.%I')`; tables that do not exist are absent.
    static func read(_ connection: Connection, tables: [String]) throws -> [String: TargetTableFacts] {
        var triggers: [String: [Trigger]] = [:]
        for row in try connection.query("""
            SELECT format('%I.%I', n.nspname, c.relname) AS name, format('%I', t.tgname) AS trigger, t.tgenabled::text AS enabled
            FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE NOT t.tgisinternal AND t.tgenabled IN ('O', 'A') AND (t.tgtype::integer & 4) <> 0
              AND format('%I.%I', n.nspname, c.relname) = ANY($1::text[])
            ORDER BY 1, 2
            """, [tables]).rows {
            triggers[try row.decode(String.self, "name"), default: []].append(
                Trigger(name: try row.decode(String.self, "trigger"), alwaysEnabled: try row.decode(String.self, "enabled") == "A"))
        }
        var facts: [String: TargetTableFacts] = [:]
        for row in try connection.query("""
            SELECT format('%I.%I', n.nspname, c.relname) AS name, c.oid,
                   pg_catalog.pg_has_role(c.relowner, 'USAGE') AS owned,
                   pg_catalog.has_table_privilege(c.oid, 'INSERT') AS can_insert,
                   pg_catalog.has_table_privilege(c.oid, 'SELECT') AS can_select,
                   pg_catalog.has_table_privilege(c.oid, 'TRUNCATE') AS can_truncate,
                   pg_catalog.has_table_privilege(c.oid, 'UPDATE, DELETE, TRUNCATE') AS can_lock,
                   ARRAY(SELECT a.attname FROM pg_catalog.pg_attribute a
                         WHERE a.attrelid = c.oid AND a.atthasdef AND a.attnum > 0 AND NOT a.attisdropped) AS defaults
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND format('%I.%I', n.nspname, c.relname) = ANY($1::text[])
            """, [tables]).rows {
            let name = try row.decode(String.self, "name")
            let canSelect = try row.decode(Bool.self, "can_select")
            let hasRows = canSelect ? try connection.queryRow("SELECT EXISTS (SELECT 1 FROM \(name)) AS rows").decode(Bool.self, "rows") : false
            let owned = try row.decode(Bool.self, "owned"), canLock = try row.decode(Bool.self, "can_lock")
            facts[name] = TargetTableFacts(
                hasRows: hasRows, owned: owned, canInsert: try row.decode(Bool.self, "can_insert"), canSelect: canSelect,
                canTruncate: try row.decode(Bool.self, "can_truncate"), canLockExclusively: owned || canLock,
                defaults: Set((PostgresArrayLiteral.parse(try row.decode(String.self, "defaults")) ?? []).compactMap { $0 }),
                insertTriggers: triggers[name] ?? [])
        }
        return facts
    }

    /// Everything about this table that stops the load.
    func problems(table: String, truncate: Bool) -> [DataOnlyProblem] {
        var problems: [DataOnlyProblem] = []
        if !canInsert || !canSelect {
            problems.append(DataOnlyProblem(
                object: table, problem: "the loading role lacks \([canInsert ? nil : "INSERT", canSelect ? nil : "SELECT"].compactMap { $0 }.joined(separator: " and ")) on the table",
                fix: "GRANT SELECT, INSERT ON \(table) TO the loading role, or load as the table's owner"))
        }
        if hasRows && !truncate {
            problems.append(Self.notEmpty(table))
        }
        if truncate && !canTruncate {
            problems.append(DataOnlyProblem(object: table, problem: "--truncate needs the TRUNCATE privilege on the table",
                                            fix: "GRANT TRUNCATE ON \(table) TO the loading role, or empty it yourself"))
        }
        if !insertTriggers.isEmpty && !owned {
            problems.append(DataOnlyProblem(
                object: table, problem: "INSERT triggers \(insertTriggers.map(\.name).joined(separator: ", ")) would fire on rows the source already processed; only the owner can disable them for the load",
                fix: "load as the table's owner, or disable the triggers yourself for the migration"))
        }
        return problems
    }

    static func notEmpty(_ table: String) -> DataOnlyProblem {
        DataOnlyProblem(object: table, problem: "table is not empty; rows are never mixed into existing ones",
                        fix: "--truncate --yes empties it first (inside the same transaction), or load into an empty target")
    }
}
