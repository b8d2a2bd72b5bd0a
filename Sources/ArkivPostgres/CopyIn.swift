import CLibPQ

/// Feeds a running `COPY … FROM STDIN`. Handed out by `Connection.copyIn`; only valid inside it.
public struct CopyInWriter: ~Copyable {
    fileprivate let connection: Connection
    fileprivate let operation: String
    /// Set when the server refused the data and its error was already collected.
    fileprivate var refusal: PostgresError?

    /// Sends bytes. Rows may span calls: the server reassembles the stream.
    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws(PostgresError) {
        if let refusal { throw refusal }
        guard !bytes.isEmpty, let base = bytes.baseAddress else { return }
        // libpq does not look at what the server sends while a COPY IN is open, so a rejected
        // row is reported when the COPY ends, not here; the server discards the rest meanwhile.
        guard PQputCopyData(connection.handle, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count)) == 1 else {
            let error = connection.collectRefusal(operation: operation)
            refusal = error
            throw error
        }
    }

    public mutating func write(_ bytes: [UInt8]) throws(PostgresError) {
        // Array's withUnsafeBytes rethrows untyped errors; carry ours out by hand.
        var failure: PostgresError?
        bytes.withUnsafeBytes { buffer in
            do throws(PostgresError) { try write(buffer) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    public mutating func write(_ text: String) throws(PostgresError) {
        try write(Array(text.utf8))
    }
}

extension Connection {
    /// Runs `COPY … FROM STDIN` and lets `body` stream the data into it.
    ///
    /// When `body` returns, the COPY is ended and the server's verdict awaited; a rejected row
    /// comes back as the server's error (SQLSTATE, table, constraint, and the input line in
    /// `copyLine`). When `body` throws, the COPY is aborted, so nothing it sent is kept, and
    /// that error is rethrown.
    ///
    /// - Returns: the number of rows the server loaded.
    @discardableResult
    public func copyIn(_ sql: String, _ body: (inout CopyInWriter) throws -> Void) throws -> Int {
        try startCopy(sql, expecting: PGRES_COPY_IN)
        defer { isCopying = false }
        var writer = CopyInWriter(connection: self, operation: sql)
        do {
            try body(&writer)
        } catch {
            if writer.refusal == nil {
                _ = PQputCopyEnd(handle, "aborted by the client")
                isCopying = false
                _ = drainResults(operation: sql, kind: .copy)
            }
            throw error
        }
        if let refusal = writer.refusal { throw refusal }
        guard PQputCopyEnd(handle, nil) == 1 else {
            let error = connectionError(operation: sql)
            isCopying = false
            _ = drainResults(operation: sql, kind: .copy)
            throw error
        }
        return try finishCopy(sql)
    }

    /// After a refused PQputCopyData: end our side and collect the server's own error.
    fileprivate func collectRefusal(operation: String) -> PostgresError {
        _ = PQputCopyEnd(handle, nil)
        isCopying = false
        return drainResults(operation: operation, kind: .copy) ?? connectionError(operation: operation)
    }
}
