import ArkivArchive
import ArkivCatalog
import ArkivPostgres

/// Writes the set's large-object bytes into the database.
///
/// The stream of `(loid, off, data)` rows goes through `TableLoader` into a temporary table
/// (COPY from decrypt and decompress, memory bounded by one chunk), then each row is written
/// with `lo_put`: the bytes are in whole or not at all. The price is the objects' size once
/// more in the server's temporary space, for the length of the load.
enum LargeObjectLoader {
    /// - Parameters:
    ///   - createObjects: make each object with its OID first (a data-only load; a full
    ///     restore's pre-data has made them, with their owners to follow).
    ///   - inTransaction: run inside the caller's transaction (a data-only load is one) instead
    ///     of one of its own.
    static func load(_ load: RestorePlan.TableLoad, readers: [String: ArchiveReader], into connection: Connection,
                     reporter: ProgressReporter, createObjects: Bool = false, inTransaction: Bool = false) throws -> Int {
        guard let reader = readers[load.schema] else { throw RestoreError.missingMember(schema: load.schema, member: "archive") }
        if !inTransaction { try connection.execute("BEGIN") }
        do {
            try connection.execute("CREATE TEMPORARY TABLE arkiv_large_objects \(LargeObjectData.stagingColumns) ON COMMIT DROP")
            let copied = try TableLoader.load(
                member: load.member, of: reader, into: connection,
                copyStatement: "COPY pg_temp.arkiv_large_objects FROM STDIN (FORMAT binary, FREEZE)", table: "large objects", reporter: reporter)
            guard UInt64(copied.rows) == load.expectedRows else {
                throw RestoreError.rowCountMismatch(table: "large objects", expected: load.expectedRows, loaded: copied.rows)
            }
            // Every object has a row at offset 0, an empty one included.
            if createObjects {
                try connection.execute("SELECT pg_catalog.lo_create(loid) FROM pg_temp.arkiv_large_objects WHERE off = 0")
            }
            let written = try connection.query(
                "SELECT pg_catalog.lo_put(loid, off, data) FROM pg_temp.arkiv_large_objects ORDER BY loid, off").rows.count
            guard written == copied.rows else {
                throw RestoreError.rowCountMismatch(table: "large objects", expected: load.expectedRows, loaded: written)
            }
            if !inTransaction { try connection.commit() }
            return written
        } catch {
            if !inTransaction { try? connection.rollback() }
            throw error
        }
    }
}
