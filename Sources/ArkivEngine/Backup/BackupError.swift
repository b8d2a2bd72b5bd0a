/// Backup failures that are not the server's, the archive's or the repository's own errors.
public enum BackupError: Error, Sendable, CustomStringConvertible {
    case unknownSchema(String, available: [String])
    case unknownTable(String)
    case unsupportedObjects([String])
    case rowCountMismatch(table: String, server: Int, counted: UInt64)
    case lockTimeout(table: String, lockTimeout: String)
    case snapshotUnavailable(reason: String)
    case noTables
    case emptySource(database: String, schemas: [String])
    case interrupted(String)

    public var description: String {
        switch self {
        case .unknownSchema(let schema, let available):
            "schema \(schema.debugDescription) does not exist in the source (schemas there: \(available.joined(separator: ", ")))"
        case .unknownTable(let table):
            "table \(table) (from --exclude-table-data) is not in the schemas being backed up; check the name (schema.table, quoted where needed)"
        case .unsupportedObjects(let objects):
            "the source holds objects arkiv cannot back up yet, so the backup stopped rather than leave them out:\n  "
                + objects.joined(separator: "\n  ") + "\nexclude their schema (--exclude-schema) or remove them"
        case .rowCountMismatch(let table, let server, let counted):
            "\(table): the server sent \(server) rows but \(counted) were received; the backup is not trustworthy and was discarded"
        case .lockTimeout(let table, let lockTimeout):
            "could not lock \(table) within lock_timeout \(lockTimeout): another session holds a conflicting lock "
                + "(see pg_locks / pg_stat_activity); retry later or raise --lock-timeout"
        case .snapshotUnavailable(let reason):
            "the source cannot share one snapshot between connections (\(reason)); connect directly or through a "
                + "session-mode pooler (on Supabase: port 5432, not the transaction pooler on 6543)"
        case .noTables:
            "nothing to back up: the selected schemas hold no tables"
        case .emptySource(let database, let schemas):
            "database \(database) has no tables" + (schemas.isEmpty ? "" : " in \(schemas.joined(separator: ", "))")
                + ": a backup of it would look like a good set beside the real ones. Check that the connection points at the right "
                + "database; give --allow-empty if an empty backup is what you want"
        case .interrupted(let signal):
            "interrupted by \(signal); the unfinished set was removed"
        }
    }
}
