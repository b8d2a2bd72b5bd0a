import ArkivPostgres
import Foundation

/// Runs jobs on N threads, each with its own database connection, and stops everything at the
/// first failure.
///
/// Threads, not tasks: every job blocks in libpq, and Swift's cooperative pool has only as many
/// threads as cores. On the first error every other worker's running statement is cancelled on
/// the server, so a failed backup stops in milliseconds instead of finishing its other tables.
final class WorkerPool<Job: Sendable, Output: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [Job]
    private var outputs: [Output] = []
    private var firstError: (any Error)?
    private var connections: [Connection] = []

    /// Jobs are taken from the front: put the largest first so the tail is short.
    init(jobs: [Job]) {
        self.pending = jobs
    }

    /// Runs every job on `workers` threads; `connect` opens (and prepares) each worker's
    /// connection, `perform` runs one job, `finish` closes the worker's transaction. Rethrows the
    /// first error after every thread has stopped.
    func run(
        workers: Int,
        connect: @escaping @Sendable () throws -> Connection,
        perform: @escaping @Sendable (Job, Connection) throws -> Output,
        finish: @escaping @Sendable (Connection) throws -> Void = { _ in }
    ) throws -> [Output] {
        WorkerThreads.run(count: workers, name: "arkiv-worker") { [self] in
            do {
                let connection = try connect()
                guard register(connection) else { return }
                while let job = next() {
                    let output = try perform(job, connection)
                    lock.withLock { outputs.append(output) }
                }
                try finish(connection)
            } catch {
                fail(error)
            }
        }
        if let firstError = lock.withLock({ firstError }) { throw firstError }
        return lock.withLock { outputs }
    }

    private func next() -> Job? {
        lock.withLock {
            guard firstError == nil, !Interruption.shared.isRequested, !pending.isEmpty else { return nil }
            return pending.removeFirst()
        }
    }

    /// Keeps the connection for cancellation; false when the pool is already failing.
    private func register(_ connection: Connection) -> Bool {
        lock.withLock {
            connections.append(connection)
            return firstError == nil
        }
    }

    private func fail(_ error: any Error) {
        let others: [Connection] = lock.withLock {
            guard firstError == nil else { return [] }
            firstError = error
            return connections
        }
        for connection in others { connection.cancel() }
    }
}
