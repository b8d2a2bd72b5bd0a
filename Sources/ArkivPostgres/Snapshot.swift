/// The name of an exported snapshot (`pg_export_snapshot()`), valid while the exporting
/// transaction stays open.
public struct SnapshotID: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}

extension Connection {
    /// Opens a REPEATABLE READ READ ONLY transaction and exports its snapshot, so other
    /// connections can see exactly the same data. Keep this transaction open until every
    /// importer has started.
    ///
    /// `settings` are applied to the transaction itself (`SET LOCAL`): through a
    /// transaction-mode pooler, a session-level setting may have gone to another server
    /// session, and would leak to the pooler's other clients.
    public func beginExportedSnapshot(settings: SessionSettings? = nil) throws(PostgresError) -> SnapshotID {
        try execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        if let settings { try apply(settings, scope: .transaction) }
        let row = try queryRow("SELECT pg_export_snapshot() AS snapshot")
        return SnapshotID(try row.decode(String.self, "snapshot"))
    }

    /// Opens a REPEATABLE READ READ ONLY transaction that sees the exported snapshot, with
    /// `settings` local to it (applied after the import, which must come first).
    public func beginTransaction(importing snapshot: SnapshotID, settings: SessionSettings? = nil) throws(PostgresError) {
        try execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        do {
            // SET TRANSACTION SNAPSHOT takes no parameters; the literal is quoted by libpq.
            try execute("SET TRANSACTION SNAPSHOT \(try quoteLiteral(snapshot.rawValue))")
            if let settings { try apply(settings, scope: .transaction) }
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    public func commit() throws(PostgresError) { try execute("COMMIT") }

    public func rollback() throws(PostgresError) { try execute("ROLLBACK") }
}
