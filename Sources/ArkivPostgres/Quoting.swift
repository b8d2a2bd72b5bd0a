import CLibPQ

extension Connection {
    /// Quotes an identifier the way the server will read it back (libpq's PQescapeIdentifier),
    /// whatever it holds: quotes, spaces, unicode, reserved words.
    public func quoteIdentifier(_ name: String) throws(PostgresError) -> String {
        try escape(name, PQescapeIdentifier)
    }

    /// Quotes a string literal (libpq's PQescapeLiteral, which also handles backslashes with
    /// the `E''` form when needed).
    public func quoteLiteral(_ value: String) throws(PostgresError) -> String {
        try escape(value, PQescapeLiteral)
    }

    /// `schema.name`, each part quoted.
    public func quoteQualified(_ schema: String, _ name: String) throws(PostgresError) -> String {
        try quoteIdentifier(schema) + "." + quoteIdentifier(name)
    }

    private func escape(
        _ text: String, _ function: (OpaquePointer?, UnsafePointer<CChar>?, Int) -> UnsafeMutablePointer<CChar>?
    ) throws(PostgresError) -> String {
        let utf8 = Array(text.utf8)
        guard !utf8.contains(0) else {
            throw PostgresError(kind: .misuse, message: "a name or value contains a NUL byte, which PostgreSQL cannot store")
        }
        let escaped = utf8.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { function(handle, $0.baseAddress, $0.count) }
        }
        guard let escaped else { throw connectionError(operation: "quoting a name") }
        defer { PQfreemem(escaped) }
        return String(cString: escaped)
    }
}
