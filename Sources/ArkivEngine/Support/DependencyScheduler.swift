import ArkivPostgres
import Foundation

/// Runs statements on N connections, each as soon as every statement it depends on has
/// finished: pg_restore's parallel post-data, for index and key builds.
///
/// Only statements whose locks cannot deadlock with each other belong here (CREATE INDEX takes
/// SHARE, ADD PRIMARY KEY/UNIQUE/CHECK one table's ACCESS EXCLUSIVE; at most they wait for
/// each other). Foreign keys, which lock two tables, run afterwards, one at a time.
///
/// Each worker is one busy server process, and a job may need more: a parallel index build
/// brings its own workers. Such a wide job waits until nothing else is running or ready, then
/// has every slot to itself, so the server never runs more processes than the workers given:
/// on a small server, a build's parallel workers competing with the loads cost more CPU than
/// they save (see docs/BENCHMARKS.md).
final class DependencyScheduler: @unchecked Sendable {
    struct Job: Sendable {
        let name: String
        let dependsOn: Set<String>
        /// Server processes it keeps busy: 1, or more for a build with parallel workers, which
        /// is given `width - 1` of them (see `run`).
        var width = 1
        let run: @Sendable (_ connection: Connection, _ parallelWorkers: Int) throws -> Void
    }

    private let condition = NSCondition()
    private var pending: [Job]
    private var running: [String: Int] = [:]
    private var slots = 1
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
        slots = max(workers, 1)
        WorkerThreads.run(count: workers, name: "arkiv-post-data") { [self] in
            do {
                let connection = try connect()
                condition.withLock { connections.append(connection) }
                while let (job, width) = next() {
                    do {
                        try job.run(connection, width - 1)
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
    private func next() -> (Job, width: Int)? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if firstError != nil || Interruption.shared.isRequested || pending.isEmpty { return nil }
            let ready = { (job: Job) in job.dependsOn.intersection(self.names).isSubset(of: self.finished) }
            let free = slots - running.values.reduce(0, +)
            // Wide jobs take every slot, once no narrow job is running or could start.
            let narrowReady = pending.contains { $0.width <= 1 && ready($0) }
            if let index = pending.firstIndex(where: { job in
                ready(job) && (job.width <= 1 ? free >= 1 : free == slots && !narrowReady)
            }) {
                let job = pending.remove(at: index)
                let width = job.width <= 1 ? 1 : slots
                running[job.name] = width
                return (job, width)
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
            running[job.name] = nil
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
