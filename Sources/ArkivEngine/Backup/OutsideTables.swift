import ArkivPostgres

/// Tables with rows that a backup of some schemas does not take (a `public.feature_flags` the
/// application also uses, Supabase's `auth.users`): said before anything is written, and listed
/// in the manifest, so nobody finds out after the cutover that they stayed behind.
public enum OutsideTables {
    public static let reason = "not empty, in a schema this backup does not take"

    /// `schema.table` of every non-empty table outside `chosen` (extension members and system
    /// schemas aside), in the backup's snapshot. A table this role may not read, or that a lock
    /// keeps from being read, is judged by the statistics' row estimate instead.
    static func find(_ connection: Connection, chosen: [String]) throws -> [String] {
        let candidates = try connection.query("""
            SELECT format('%I.%I', n.nspname, c.relname) AS name, pg_catalog.has_table_privilege(c.oid, 'SELECT') AS readable,
                   (GREATEST(c.reltuples, 0) > 0 OR COALESCE(s.n_live_tup, 0) > 0) AS estimated
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = c.oid
            WHERE c.relkind = 'r' AND n.nspname <> ALL($1::text[])
              AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname !~ '^pg_(toast_)?temp_'
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                              AND d.objid = c.oid AND d.deptype = 'e')
            ORDER BY 1
            """, [chosen]).rows
        guard !candidates.isEmpty else { return [] }
        let lockTimeout = try connection.queryRow("SELECT pg_catalog.current_setting('lock_timeout') AS t").decode(String.self, "t")
        defer { _ = try? connection.query("SELECT pg_catalog.set_config('lock_timeout', $1, true)", [lockTimeout]) }
        try connection.execute("SET LOCAL lock_timeout = '1s'")
        var found: [String] = []
        for row in candidates {
            let name = try row.decode(String.self, "name")
            var hasRows = try row.decode(Bool.self, "estimated")
            if try row.decode(Bool.self, "readable") {
                try connection.execute("SAVEPOINT arkiv_outside")
                do {
                    hasRows = try connection.queryRow("SELECT EXISTS (SELECT 1 FROM \(name)) AS rows").decode(Bool.self, "rows")
                    try connection.execute("RELEASE SAVEPOINT arkiv_outside")
                } catch {
                    try connection.execute("ROLLBACK TO SAVEPOINT arkiv_outside")
                }
            }
            if hasRows { found.append(name) }
        }
        return found
    }
}
