import ArkivPostgres
import Foundation

/// Runs statements on N connections, each as soon as every statement it depends on has
/// finished: pg_restore's parallel post-data, for index and key builds.
///
/// Only statements whose locks cannot deadlock with each other belong here (CREATE INDEX takes
/// SHARE, ADD PRIMARY KEY/UNIQUE/CHECK one table's ACCESS EXCLUSIVE; at most they wait for
/// each other). Foreign keys, which lock two tables, run afterwards, one at a time.
final class DependencyScheduler: @unchecked Sendable {
    struct Job: Sendable {
        let name: String
        let dependsOn: Set<String>
        let run: @Sendable (Connection) throws -> Void
    }

    private let condition = NSCondition()
    private var pending: [Job]
    private var running = Set<String>()
    private var finished = Set<String>()
    private let names: Set<String>
    private var firstError: (any Error)?
    private var connections: [Connection] = []

    /// Jobs in the order they would run one at a time; that order must satisfy their dependencies.
    init(jobs: [Job]) {
        self.pending = jobs
        self.names = Set(jobs.map(\.name))
    }

    func run(workers: Int, connect: @escaping @Sendable () throws -> Connection) throws {
        WorkerThreads.run(count: workers, name: "arkiv-post-data") { [self] in
            do {
                let connection = try connect()
                condition.withLock { connections.append(connection) }
                while let job = next() {
                    do {
                        try job.run(connection)
                        complete(job, error: nil)
                    } catch {
                        complete(job, error: error)
                    }
                }
            } catch {
                fail(error)
            }
        }
        if let firstError = condition.withLock({ firstError }) { throw firstError }
    }

    /// The first pending job whose dependencies (among these jobs) are finished; waits while
    /// others run; nil when nothing is left or something failed.
    private func next() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if firstError != nil || Interruption.shared.isRequested || pending.isEmpty { return nil }
            if let index = pending.firstIndex(where: { $0.dependsOn.intersection(names).isSubset(of: finished) }) {
                let job = pending.remove(at: index)
                running.insert(job.name)
                return job
            }
            guard !running.isEmpty else {
                // Nothing runs and nothing can start: a dependency outside the order given.
                firstError = firstError ?? RestoreError.statementFailed(
                    kind: "post-data", name: pending.first?.name ?? "?", error: "its dependencies can never be satisfied")
                return nil
            }
            condition.wait()
        }
    }

    private func complete(_ job: Job, error: (any Error)?) {
        if let error { fail(error) }
        condition.withLock {
            running.remove(job.name)
            finished.insert(job.name)
            condition.broadcast()
        }
    }

    private func fail(_ error: any Error) {
        let others: [Connection] = condition.withLock {
            guard firstError == nil else { return [] }
            firstError = error
            condition.broadcast()
            return connections
        }
        for connection in others { connection.cancel() }
    }
}
