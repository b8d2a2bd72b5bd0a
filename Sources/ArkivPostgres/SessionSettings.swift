/// Session settings that make the server's output reproducible and complete.
///
/// Dumps must not depend on who runs them or from where: the same rows must come out as the
/// same bytes. These are the settings pg_dump chooses for the same reasons, plus
/// `row_security = off`, so a table whose policies would hide rows fails loudly instead of
/// being dumped short.
public struct SessionSettings: Sendable, Equatable {
    public var settings: [(name: String, value: String)]

    public static func == (lhs: SessionSettings, rhs: SessionSettings) -> Bool {
        lhs.settings.map(\.name) == rhs.settings.map(\.name) && lhs.settings.map(\.value) == rhs.settings.map(\.value)
    }

    /// The preset for reading data and catalogs.
    /// - Parameter lockTimeout: how long to wait for a table lock before failing, e.g. "30s".
    public static func dump(lockTimeout: String = "30s") -> SessionSettings {
        SessionSettings(settings: [
            ("client_encoding", "UTF8"),
            ("DateStyle", "ISO"),
            ("IntervalStyle", "postgres"),
            ("extra_float_digits", "3"),
            ("TimeZone", "UTC"),
            ("bytea_output", "hex"),
            ("search_path", ""),
            ("statement_timeout", "0"),
            ("idle_in_transaction_session_timeout", "0"),
            ("lock_timeout", lockTimeout),
            ("row_security", "off"),
        ])
    }

    /// Where a setting lives: the session, or only the current transaction (`SET LOCAL`), which
    /// is what survives a transaction-mode pooler.
    public enum Scope: Sendable { case session, transaction }

    /// The settings as `SET` statements; values go through `set_config` so nothing is spliced
    /// into SQL unquoted.
    public func statement(scope: Scope) -> String {
        let isLocal = scope == .transaction ? "true" : "false"
        let calls = settings.map { setting in
            "set_config('\(setting.name)', '\(setting.value.replacingOccurrences(of: "'", with: "''"))', \(isLocal))"
        }
        return "SELECT " + calls.joined(separator: ", ")
    }
}

extension Connection {
    /// Applies settings to this connection (or, with `.transaction`, to the open transaction).
    public func apply(_ settings: SessionSettings, scope: SessionSettings.Scope = .session) throws(PostgresError) {
        try execute(settings.statement(scope: scope))
    }
}

extension Connection {
    /// Asks the server (14 and later) to check every `interval` that the client is still there
    /// while a statement runs. Without it a killed client's session waiting for a lock waits on,
    /// holding its snapshot and its place in the lock queue, until the lock is granted.
    /// Transaction-local, like every backup setting (a transaction-mode pooler shares sessions):
    /// call it inside the transaction.
    public func detectClientLoss(every interval: String = "1s") throws(PostgresError) {
        guard serverVersionNumber >= 140000 else { return }
        try execute("SELECT pg_catalog.set_config('client_connection_check_interval', \(try quoteLiteral(interval)), true)")
    }
}
