import CLibPQ
import Foundation

/// What COPY OUT and COPY IN share: starting the COPY, ending it, and waiting on the socket.
extension Connection {
    /// Sends a COPY statement and checks that the server entered the expected COPY state.
    func startCopy(_ sql: String, expecting: ExecStatusType) throws(PostgresError) {
        try checkIdle(sql)
        guard PQsendQuery(handle, sql) == 1 else { throw connectionError(operation: sql) }
        guard let start = try waitForResult(operation: sql) else { throw connectionError(operation: sql) }
        defer { PQclear(start) }
        let status = PQresultStatus(start)
        guard status == expecting else {
            let error = status == PGRES_FATAL_ERROR
                ? PostgresError.fromResult(start, kind: .copy, operation: sql, target: target)
                : PostgresError(
                    kind: .misuse,
                    message: expecting == PGRES_COPY_OUT ? "not a COPY … TO STDOUT statement" : "not a COPY … FROM STDIN statement",
                    operation: shortened(sql), target: target.description)
            _ = drainResults(operation: sql, kind: .copy)
            throw error
        }
        isCopying = true
    }

    /// Collects the COPY's final result; returns the row count from its command tag.
    func finishCopy(_ sql: String) throws(PostgresError) -> Int {
        isCopying = false
        guard let end = try waitForResult(operation: sql) else { throw connectionError(operation: sql) }
        defer { PQclear(end) }
        guard PQresultStatus(end) == PGRES_COMMAND_OK else {
            let error = PostgresError.fromResult(end, kind: .copy, operation: sql, target: target)
            _ = drainResults(operation: sql, kind: .copy)
            throw error
        }
        let rows = Int(String(cString: PQcmdTuples(end))) ?? 0
        _ = drainResults(operation: sql, kind: .copy)
        return rows
    }

    /// Waits for a sent query's next result while staying responsive to interrupts.
    func waitForResult(operation: String) throws(PostgresError) -> OpaquePointer? {
        while PQisBusy(handle) == 1 {
            try waitForSocket(operation: operation)
        }
        return PQgetResult(handle)
    }

    /// Blocks until the socket is readable (or a short timeout passes), then lets libpq read.
    func waitForSocket(operation: String) throws(PostgresError) {
        let socket = PQsocket(handle)
        guard socket >= 0 else { throw connectionError(operation: operation) }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        // The timeout only bounds how long an interrupt can go unnoticed here: the cancel
        // request itself was already sent by Interruption, and the server's answer wakes us.
        let ready = poll(&descriptor, 1, 250)
        if ready < 0 && errno != EINTR {
            throw PostgresError(
                kind: .connection, message: "poll failed: \(String(cString: strerror(errno)))",
                operation: shortened(operation), target: target.description)
        }
        guard PQconsumeInput(handle) == 1 else { throw connectionError(operation: operation) }
    }
}
