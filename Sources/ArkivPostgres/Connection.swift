import CLibPQ
import Foundation

/// One libpq connection.
///
/// A connection is used by one thread at a time (libpq's rule); parallel work opens one
/// connection per worker and shares a snapshot between them (see `Snapshot.swift`). Every
/// connection registers a cancel handle with `Interruption`, so SIGINT/SIGTERM cancel whatever
/// it is running on the server.
public final class Connection {
    let handle: OpaquePointer
    public let target: ConnectionTarget
    private let canceller: Canceller
    private let notices: NoticeBuffer
    /// Set while a COPY is open: nothing else may be sent until it ends.
    var isCopying = false

    /// Connects, or throws an error that names the target (never its password) and the reason.
    public init(_ target: ConnectionTarget, applicationName: String = "arkiv") throws(PostgresError) {
        // expand_dbname=1: the first `dbname` may be a whole URL or conninfo string; later
        // keywords (our overrides) win over what it expands to.
        var keywords = ["dbname", "fallback_application_name"]
        var values = [target.conninfo, applicationName]
        for (key, value) in target.overrides {
            keywords.append(key)
            values.append(value)
        }
        let conn: OpaquePointer? = withCStrings(keywords) { keywordPointers in
            withCStrings(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let conn, PQstatus(conn) == CONNECTION_OK else {
            var error = PostgresError.fromConnection(conn, kind: .connection, operation: nil, target: target)
            error.hint = Self.hint(forConnectionFailure: error.message, target: target)
            if let conn { PQfinish(conn) }
            throw error
        }
        guard let cancel = PQgetCancel(conn) else {
            PQfinish(conn)
            throw PostgresError(kind: .connection, message: "could not allocate a cancel handle", target: target.description)
        }
        self.handle = conn
        self.target = target
        self.canceller = Canceller(cancel)
        self.notices = NoticeBuffer()
        PQsetNoticeReceiver(conn, noticeReceiver, Unmanaged.passUnretained(notices).toOpaque())
        guard PQsetClientEncoding(conn, "UTF8") == 0 else {
            let error = PostgresError.fromConnection(conn, kind: .connection, operation: "set client_encoding UTF8", target: target)
            PQfinish(conn)
            throw error
        }
        Interruption.shared.register(canceller)
    }

    /// Convenience: connect from a URL or conninfo string.
    public convenience init(_ conninfo: String, applicationName: String = "arkiv") throws(PostgresError) {
        try self.init(ConnectionTarget(conninfo), applicationName: applicationName)
    }

    deinit {
        Interruption.shared.unregister(canceller)
        canceller.invalidate()
        PQfinish(handle)
    }

    // MARK: - Facts about the connection

    /// The server's version as a number, e.g. 160014.
    public var serverVersionNumber: Int { Int(PQserverVersion(handle)) }

    /// The server's version as it reports it, e.g. "16.14".
    public var serverVersion: String { parameterStatus("server_version") ?? String(serverVersionNumber) }

    public func parameterStatus(_ name: String) -> String? {
        PQparameterStatus(handle, name).map { String(cString: $0) }
    }

    /// Whether the connection is encrypted, and with what, e.g. "TLSv1.3 TLS_AES_256_GCM_SHA384".
    public var tls: String? {
        guard PQsslInUse(handle) == 1 else { return nil }
        let protocolName = PQsslAttribute(handle, "protocol").map { String(cString: $0) } ?? "TLS"
        let cipher = PQsslAttribute(handle, "cipher").map { String(cString: $0) }
        return [protocolName, cipher].compactMap { $0 }.joined(separator: " ")
    }

    /// A connection option as libpq resolved it (URL, conninfo, environment, defaults), e.g.
    /// "sslmode"; nil when unset. Never the password: it must not reach output.
    public func option(_ keyword: String) -> String? {
        guard keyword != "password", let options = PQconninfo(handle) else { return nil }
        defer { PQconninfoFree(options) }
        var option = options
        while let key = option.pointee.keyword {
            if String(cString: key) == keyword { return option.pointee.val.map { String(cString: $0) } }
            option += 1
        }
        return nil
    }

    /// The database this connection is on.
    public var database: String { PQdb(handle).map { String(cString: $0) } ?? "" }

    /// The backend's process id, for pg_stat_activity and pg_terminate_backend.
    public var backendPID: Int32 { PQbackendPID(handle) }

    /// NOTICE and WARNING messages the server sent, newest last (bounded).
    public var recentNotices: [String] { notices.snapshot() }

    /// The NOTICE and WARNING messages received since the last call, which are then forgotten.
    public func takeNotices() -> [String] { notices.drain() }

    /// Whether the connection is still usable.
    public var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }

    // MARK: - Statements

    /// Runs one or more statements and discards their results (DDL, SET, BEGIN, ...).
    public func execute(_ sql: String) throws(PostgresError) {
        try checkIdle(sql)
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result, operation: sql, expecting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY])
    }

    /// Runs one statement with `$1…$n` parameters sent apart from the SQL text, and decodes the
    /// rows as text. No prepared statement is kept on the server, so this is safe through a
    /// transaction-mode pooler.
    public func query(_ sql: String, _ parameters: [(any PostgresTextEncodable)?] = []) throws(PostgresError) -> QueryResult {
        try checkIdle(sql)
        let texts = parameters.map { $0?.postgresText }
        let result: OpaquePointer? = withOptionalCStrings(texts) { pointers in
            PQexecParams(handle, sql, Int32(texts.count), nil, pointers, nil, nil, 0)
        }
        defer { PQclear(result) }
        try check(result, operation: sql, expecting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK])
        guard let result else { throw connectionError(operation: sql) }
        return QueryResult(result)
    }

    /// Runs a query expected to return exactly one row.
    public func queryRow(_ sql: String, _ parameters: [(any PostgresTextEncodable)?] = []) throws(PostgresError) -> QueryResult.Row {
        let result = try query(sql, parameters)
        guard result.rows.count == 1, let row = result.rows.first else {
            throw PostgresError(
                kind: .query, message: "expected one row, got \(result.rows.count)",
                operation: shortened(sql), target: target.description)
        }
        return row
    }

    // MARK: - Cancelling

    /// Asks the server to cancel what this connection is running. Safe from any thread.
    @discardableResult
    public func cancel() -> Bool { canceller.cancel() }

    var cancelHandle: Canceller { canceller }

    // MARK: - Internals shared by the COPY and query paths

    func checkIdle(_ operation: String) throws(PostgresError) {
        guard !isCopying else {
            throw PostgresError(
                kind: .misuse, message: "a COPY is still open on this connection",
                operation: shortened(operation), target: target.description)
        }
        if Interruption.shared.isRequested {
            throw PostgresError(
                kind: .cancelled, message: "interrupted by \(Interruption.shared.signalName)",
                sqlState: "57014", operation: shortened(operation), target: target.description)
        }
    }

    func check(_ result: OpaquePointer?, operation: String, expecting: [ExecStatusType], kind: PostgresError.Kind = .query) throws(PostgresError) {
        guard let result else { throw connectionError(operation: operation) }
        let status = PQresultStatus(result)
        guard expecting.contains(status) else {
            if status == PGRES_FATAL_ERROR || status == PGRES_NONFATAL_ERROR {
                throw PostgresError.fromResult(result, kind: isHealthy ? kind : .connection, operation: operation, target: target)
            }
            throw PostgresError(
                kind: kind, message: "unexpected result \(String(cString: PQresStatus(status)))",
                operation: shortened(operation), target: target.description)
        }
    }

    func connectionError(operation: String?) -> PostgresError {
        PostgresError.fromConnection(handle, kind: isHealthy ? .query : .connection, operation: operation, target: target)
    }

    /// Collects every pending result so the connection is idle again; returns the first error.
    func drainResults(operation: String, kind: PostgresError.Kind) -> PostgresError? {
        var firstError: PostgresError?
        while let result = PQgetResult(handle) {
            let status = PQresultStatus(result)
            if firstError == nil, status == PGRES_FATAL_ERROR {
                firstError = PostgresError.fromResult(result, kind: kind, operation: operation, target: target)
            }
            PQclear(result)
            // A COPY state that was not ended by us cannot be drained further: stop, not spin.
            if status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH { break }
        }
        return firstError
    }

    private static func hint(forConnectionFailure message: String, target: ConnectionTarget) -> String? {
        if message.contains("certificate verify failed") {
            let file = target.sslRootCert ?? "~/.postgresql/root.crt (the default; no sslrootcert was given)"
            return "the server's certificate is not signed by the CA in \(file): wrong CA certificate; use this server's CA "
                + "(on Supabase: Project Settings → Database → SSL certificate) as sslrootcert"
        }
        if message.contains("does not match host name") || message.contains("server certificate for") {
            return "the server's certificate does not name the host you connected to: connect by the name in the certificate, or use sslmode=verify-ca"
        }
        if message.contains("password authentication failed") {
            return "check the user and password (URL, PGPASSWORD or ~/.pgpass)"
        }
        if message.contains("Connection refused") || message.contains("could not connect") {
            return "is the server running and accepting TCP connections on that host and port?"
        }
        if message.contains("does not exist") { return "check the database and user names" }
        if message.contains("certificate") || message.contains("SSL") {
            return "check sslmode, sslrootcert and that the CA matches the server's certificate"
        }
        return nil
    }
}

/// Keeps the last NOTICE/WARNING lines instead of letting libpq print them to stderr.
final class NoticeBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        lines.append(line)
        if lines.count > 100 { lines.removeFirst(lines.count - 100) }
    }

    func snapshot() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }

    func drain() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        defer { lines.removeAll() }
        return lines
    }
}

private func noticeReceiver(_ context: UnsafeMutableRawPointer?, _ result: OpaquePointer?) {
    guard let context, let result, let raw = PQresultErrorMessage(result) else { return }
    let buffer = Unmanaged<NoticeBuffer>.fromOpaque(context).takeUnretainedValue()
    buffer.append(String(cString: raw).trimmingTrailingNewlines())
}
