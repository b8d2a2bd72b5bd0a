import CLibPQ

/// An error from the server or from libpq, with everything a person needs to act on it.
///
/// Modelled on the server's own error report: the SQLSTATE and the diagnostic fields are kept
/// apart so callers can branch on them, and `description` puts them together for a person.
/// Nothing in here ever holds a password: messages are redacted against the connection's
/// secrets before they are stored (see `ConnectionTarget.redact`).
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The connection could not be made or was lost.
        case connection
        /// The server rejected a statement.
        case query
        /// A COPY failed on either side.
        case copy
        /// The statement was cancelled (SQLSTATE 57014), by a signal or by `cancel()`.
        case cancelled
        /// A value from the server could not be decoded as the type asked for.
        case decoding
        /// The caller used the API out of order (e.g. a query while a COPY is open).
        case misuse
    }

    public var kind: Kind
    /// The five-character SQLSTATE, where the server gave one.
    public var sqlState: String?
    public var message: String
    public var detail: String?
    public var hint: String?
    /// The server's CONTEXT, e.g. `COPY t, line 3, column id: "x"`.
    public var context: String?
    public var schema: String?
    public var table: String?
    public var column: String?
    public var constraint: String?
    /// What we were doing: a statement (shortened) or an operation such as `COPY vault.documents`.
    public var operation: String?
    /// The redacted connection target, e.g. `postgres@127.0.0.1:5432/app`.
    public var target: String?

    public init(
        kind: Kind, message: String, sqlState: String? = nil, detail: String? = nil,
        hint: String? = nil, context: String? = nil, operation: String? = nil, target: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.context = context
        self.operation = operation
        self.target = target
    }

    /// The line of COPY input the server was reading when it failed, from the CONTEXT field.
    public var copyLine: Int? {
        guard let context, let range = context.range(of: ", line ") else { return nil }
        let digits = context[range.upperBound...].prefix { $0.isNumber }
        return Int(digits)
    }

    /// The table the error is about, qualified when the server named a schema.
    public var qualifiedTable: String? {
        guard let table else { return nil }
        if let schema { return "\(schema).\(table)" }
        return table
    }

    public var description: String {
        var text = ""
        if let sqlState { text += "[\(sqlState)] " }
        text += message
        if let object = qualifiedTable, !message.contains(object) {
            text += " (table \(object)"
            if let constraint { text += ", constraint \(constraint)" }
            text += ")"
        }
        if let detail { text += "\n  detail: \(detail)" }
        if let context { text += "\n  context: \(context)" }
        if let hint { text += "\n  hint: \(hint)" }
        if let operation { text += "\n  while: \(operation)" }
        if let target { text += "\n  server: \(target)" }
        return text
    }
}

extension PostgresError {
    /// Builds an error from a failed result, keeping every diagnostic field the server sent.
    static func fromResult(
        _ result: OpaquePointer, kind: Kind, operation: String?, target: ConnectionTarget
    ) -> PostgresError {
        // The PG_DIAG_* codes are C character macros, which Swift does not import.
        func field(_ code: Unicode.Scalar) -> String? {
            guard let raw = PQresultErrorField(result, Int32(code.value)) else { return nil }
            return target.redact(String(cString: raw))
        }
        let state = field("C")
        var message = field("M")
        if message == nil, let raw = PQresultErrorMessage(result) {
            message = target.redact(String(cString: raw)).trimmingTrailingNewlines()
        }
        var error = PostgresError(
            kind: state == "57014" ? .cancelled : kind,
            message: message ?? "unknown error",
            sqlState: state,
            detail: field("D"),
            hint: field("H"),
            context: field("W"),
            operation: operation.map(shortened),
            target: target.description
        )
        error.schema = field("s")
        error.table = field("t")
        error.column = field("c")
        error.constraint = field("n")
        return error
    }

    /// Builds an error from the connection's last message (libpq-side failures, lost connections).
    static func fromConnection(
        _ conn: OpaquePointer?, kind: Kind, operation: String?, target: ConnectionTarget
    ) -> PostgresError {
        let raw = conn.flatMap { PQerrorMessage($0) }.map { String(cString: $0) } ?? "out of memory"
        let message = target.redact(raw).trimmingTrailingNewlines()
        return PostgresError(
            kind: kind, message: message.isEmpty ? "connection failed" : message,
            operation: operation.map(shortened), target: target.description)
    }
}

/// Statements can be long (a whole DDL script); errors keep the start, which names the object.
func shortened(_ statement: String) -> String {
    let oneLine = statement.split(whereSeparator: \.isNewline).joined(separator: " ")
    return oneLine.count > 160 ? String(oneLine.prefix(157)) + "..." : oneLine
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = self
        while let last = text.last, last.isNewline || last == " " { text.removeLast() }
        return text
    }
}
