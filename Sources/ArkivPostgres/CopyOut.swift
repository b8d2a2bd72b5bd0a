import CLibPQ

extension Connection {
    /// Streams `COPY … TO STDOUT`, handing each CopyData message to `onData` as it arrives.
    ///
    /// The server sends one message per row (plus, in binary format, a header and a trailer),
    /// so `onData` sees row boundaries and no more than one row is ever held here. The buffer
    /// is only valid during the call. libpq runs in async mode and we wait on the socket with
    /// a timeout, so a cancel request or a signal is noticed even when the server is quiet.
    ///
    /// If `onData` throws, the COPY is cancelled on the server, the connection is brought back
    /// to idle, and that error is rethrown.
    ///
    /// - Returns: the number of rows the server reports having sent.
    @discardableResult
    public func copyOut(_ sql: String, onData: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        try startCopy(sql, expecting: PGRES_COPY_OUT)
        defer { isCopying = false }
        var buffer: UnsafeMutablePointer<CChar>?
        while true {
            let length = PQgetCopyData(handle, &buffer, 1)
            if length > 0, let bytes = buffer {
                defer { PQfreemem(bytes) }
                do {
                    try onData(UnsafeRawBufferPointer(start: bytes, count: Int(length)))
                } catch {
                    abandonCopyOut(operation: sql)
                    throw error
                }
            } else if length == 0 {
                try waitForSocket(operation: sql)
            } else if length == -1 {
                return try finishCopy(sql)
            } else {
                let error = connectionError(operation: sql)
                isCopying = false
                _ = drainResults(operation: sql, kind: .copy)
                throw error
            }
        }
    }

    /// Stops a COPY OUT we no longer want: cancel it on the server, then read and discard what
    /// is still in flight so the connection can be reused (or closed cleanly).
    private func abandonCopyOut(operation: String) {
        cancel()
        var buffer: UnsafeMutablePointer<CChar>?
        while true {
            let length = PQgetCopyData(handle, &buffer, 0)
            guard length > 0, let bytes = buffer else { break }
            PQfreemem(bytes)
        }
        isCopying = false
        _ = drainResults(operation: operation, kind: .copy)
    }
}
