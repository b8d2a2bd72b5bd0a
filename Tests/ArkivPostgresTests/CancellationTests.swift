@testable import ArkivPostgres
import ArkivTestSupport
import Foundation
import Testing

@Suite("Cancellation")
struct CancellationTests {
    /// Runs `work` and, once it is under way, `interrupt` from another thread; returns how long
    /// the work took to stop after the interrupt and the error it stopped with.
    private func interrupt(
        after delay: TimeInterval, _ interruptAction: @escaping @Sendable () -> Void, during work: () throws -> Void
    ) -> (seconds: TimeInterval, error: (any Error)?) {
        let fired = LockedDate()
        let thread = Thread {
            Thread.sleep(forTimeInterval: delay)
            fired.set(Date())
            interruptAction()
        }
        thread.start()
        var failure: (any Error)?
        do { try work() } catch { failure = error }
        let end = Date()
        return (end.timeIntervalSince(fired.get() ?? end), failure)
    }

    @Test("cancelling a streaming COPY stops it within a second", arguments: TestServer.allCases)
    func cancelStreamingCopy(server: TestServer) throws {
        let connection = try server.connect()
        let handle = UnsafeSendable(connection)
        var received = 0
        let outcome = interrupt(after: 0.5, { handle.value.cancel() }) {
            // Would stream for many minutes if not cancelled. The set-returning function sits in
            // the select list, where it streams (in FROM it would be materialised first).
            try connection.copyOut("COPY (SELECT repeat('x', 100) || generate_series(1, 1000000000)) TO STDOUT") { chunk in
                received += chunk.count
            }
        }
        let error = try #require(outcome.error as? PostgresError)
        #expect(error.kind == .cancelled)
        #expect(error.sqlState == "57014")
        #expect(received > 0)
        #expect(outcome.seconds < 1.0, "took \(outcome.seconds) s to stop")
        #expect(try connection.queryRow("SELECT 1 AS one")["one"] == "1")
    }

    @Test("cancelling a COPY that is waiting on a silent server stops it within a second", arguments: TestServer.allCases)
    func cancelQuietCopy(server: TestServer) throws {
        let connection = try server.connect()
        let handle = UnsafeSendable(connection)
        let outcome = interrupt(after: 0.3, { handle.value.cancel() }) {
            try connection.copyOut("COPY (SELECT pg_sleep(60)) TO STDOUT") { _ in }
        }
        let error = try #require(outcome.error as? PostgresError)
        #expect(error.kind == .cancelled)
        #expect(outcome.seconds < 1.0, "took \(outcome.seconds) s to stop")
    }

    @Test("an interrupt request (what SIGINT/SIGTERM send) cancels every registered connection", arguments: [TestServer.pg16])
    func interruptionCancelsAll(server: TestServer) throws {
        // A private instance, so other tests running in parallel are not interrupted.
        let interruption = Interruption()
        let first = try server.connect()
        let second = try server.connect()
        interruption.register(first.cancelHandle)
        interruption.register(second.cancelHandle)
        let secondPID = second.backendPID
        let watcher = Thread {
            Thread.sleep(forTimeInterval: 0.3)
            interruption.request(by: -1)
        }
        let finished = DispatchSemaphore(value: 0)
        let secondResult = LockedError()
        let handle = UnsafeSendable(second)
        Thread {
            do { try handle.value.execute("SELECT pg_sleep(60)") } catch { secondResult.set(error) }
            finished.signal()
        }.start()
        watcher.start()
        let start = Date()
        let error = try #require(throws: PostgresError.self) {
            try first.copyOut("COPY (SELECT pg_sleep(60)) TO STDOUT") { _ in }
        }
        #expect(error.kind == .cancelled)
        #expect(finished.wait(timeout: .now() + 5) == .success)
        #expect((secondResult.get() as? PostgresError)?.kind == .cancelled)
        #expect(Date().timeIntervalSince(start) < 2)
        #expect(interruption.isRequested)
        // Nothing is left running on the server for either connection.
        let observer = try server.connect()
        let active = try observer.queryRow(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE pid IN ($1, $2) AND state = 'active'",
            [first.backendPID, secondPID])
        #expect(active["n"] == "0")
    }
}

/// Test plumbing: hands a value to another thread where the test guarantees ordering.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

final class LockedDate: @unchecked Sendable {
    private let lock = NSLock()
    private var date: Date?
    func set(_ value: Date) { lock.withLock { date = value } }
    func get() -> Date? { lock.withLock { date } }
}

final class LockedError: @unchecked Sendable {
    private let lock = NSLock()
    private var error: (any Error)?
    func set(_ value: any Error) { lock.withLock { error = value } }
    func get() -> (any Error)? { lock.withLock { error } }
}
