import ArkivArchive
import ArkivCatalog
import ArkivPostgres
import Foundation

/// The data and the parallel part of post-data as one dependency graph, as pg_restore's parallel
/// mode runs them: a table's indexes and keys start as soon as its rows are in, and its ANALYZE as
/// soon as those exist (ANALYZE gathers expression-index statistics only for indexes that exist).
/// The longest chain, the largest table's load and then its HNSW index, so starts at once
/// instead of after every other table's data.
///
/// Only statements that cannot deadlock each other run here (see `DependencyScheduler`); the
/// rest of post-data (foreign keys, triggers, policies, comments, grants) follows in order.
struct RestorePipeline {
    /// Statements kinds built on parallel connections.
    static let parallelKinds: Set<String> = ["index", "constraint"]

    let jobs: [DependencyScheduler.Job]
    /// Post-data statements left for the coordinator's connection, in order.
    let sequential: [DDLStatement]
    private let rows: RowTally

    /// - Parameters:
    ///   - load: loads one table on a worker's connection and returns its row count.
    ///   - warning: what a person should know about a build (statement name, text): what the
    ///     server said while building (pgvector's "hnsw graph no longer fits into
    ///     maintenance_work_mem" is the one that matters, a build going on several times slower,
    ///     which nothing else would show), and a parallel build done again without workers.
    init(plan: RestorePlan, load: @escaping @Sendable (RestorePlan.TableLoad, Connection) throws -> Int,
         warning: @escaping @Sendable (String, String) -> Void = { _, _ in }) {
        // Names are not unique across kinds: a table's comment, grants or row-security statement
        // carries the table's own name. A dependency on such a name means the table (pre-data,
        // already there), so only names no pre-data statement has can hold a build back.
        let created = Set(plan.preData.map(\.name))
        let later = Set(plan.postData.filter { !Self.parallelKinds.contains($0.kind) }.map(\.name)).subtracting(created)
        // A build that needs a statement of the sequential part waits for it there.
        let parallel = plan.postData.filter {
            Self.parallelKinds.contains($0.kind) && Set($0.dependsOn ?? []).isDisjoint(with: later)
        }
        let parallelNames = Set(parallel.map(\.name))
        sequential = plan.postData.filter { !Self.parallelKinds.contains($0.kind) || !parallelNames.contains($0.name) }

        let loaded = Dictionary(plan.loads.map { (QualifiedName(schema: $0.schema, name: $0.table), $0) }, uniquingKeysWith: { first, _ in first })
        func tables(of statement: DDLStatement) -> [QualifiedName] {
            (statement.dependsOn ?? []).compactMap { try? QualifiedName(parsing: $0) }.filter { loaded[$0] != nil }
        }
        var builds: [QualifiedName: [DDLStatement]] = [:]
        var unattached: [DDLStatement] = []
        for statement in parallel {
            let on = tables(of: statement)
            if let first = on.first { builds[first, default: []].append(statement) } else { unattached.append(statement) }
        }

        let rows = RowTally()
        self.rows = rows
        var jobs: [DependencyScheduler.Job] = []
        func job(_ statement: DDLStatement) -> DependencyScheduler.Job {
            let needs = Set(statement.dependsOn ?? []).union(tables(of: statement).map(Self.dataJobName))
            let wide = Self.buildsInParallel(statement)
            return DependencyScheduler.Job(name: statement.name, dependsOn: needs, width: wide ? .max : 1) { connection, parallelWorkers in
                do {
                    _ = connection.takeNotices()
                    if wide {
                        try Self.buildWithParallelWorkers(statement, parallelWorkers, on: connection) { warning(statement.name, $0) }
                    } else {
                        try connection.execute(statement.sql)
                    }
                    for message in connection.takeNotices() { warning(statement.name, "the server said: \(message)") }
                } catch {
                    throw RestoreError.statementFailed(kind: statement.kind, name: statement.name, error: "\(error)")
                }
            }
        }
        // Largest table first; after each load, its builds and its ANALYZE. A worker takes the
        // first job whose dependencies are done, so a finished load's builds go before the next load.
        for table in plan.loads {
            let name = QualifiedName(schema: table.schema, name: table.table)
            jobs.append(DependencyScheduler.Job(name: Self.dataJobName(name), dependsOn: []) { connection, _ in
                rows.add(try load(table, connection))
            })
            let statements = builds[name] ?? []
            jobs += statements.map(job)
            let analyze = Set([Self.dataJobName(name)]).union(statements.map(\.name))
            jobs.append(DependencyScheduler.Job(name: "\u{0}analyze\u{0}\(name.schema)\u{0}\(name.name)", dependsOn: analyze) { connection, _ in
                try connection.execute("ANALYZE \(try connection.quoteQualified(name.schema, name.name))")
            })
        }
        jobs += unattached.map(job)
        self.jobs = jobs
    }

    /// Rows loaded so far, across workers.
    var loadedRows: Int { rows.total }

    /// Vector index builds (pgvector's HNSW and IVFFlat): minutes of CPU on large tables, and
    /// built in parallel by the server. Other builds run without parallel workers, beside the loads.
    static func buildsInParallel(_ statement: DDLStatement) -> Bool {
        statement.kind == "index" && statement.sql.range(of: #" USING (hnsw|ivfflat) \("#, options: .regularExpression) != nil
    }

    /// A vector index build with `workers` parallel workers. Their shared graph is a dynamic
    /// shared memory segment as large as maintenance_work_mem, which Docker's default 64 MB
    /// /dev/shm cannot hold ("could not resize shared memory segment", SQLSTATE 53100 or 53200):
    /// the failed statement has changed nothing, so the build is run again by this session alone,
    /// in its own memory, and the fix for next time is named.
    static func buildWithParallelWorkers(
        _ statement: DDLStatement, _ workers: Int, on connection: Connection, warning: (String) -> Void
    ) throws {
        try allowParallelWorkers(workers, on: connection)
        do {
            try connection.execute(statement.sql)
        } catch {
            guard workers > 0, isSharedMemoryShortage(error) else { throw error }
            warning("""
                the parallel build found too little shared memory on the server (\(error.message)); \
                built again without parallel workers, which takes longer. In Docker, give the container \
                a /dev/shm larger than maintenance_work_mem (docker run --shm-size, compose shm_size)
                """)
            try allowParallelWorkers(0, on: connection)
            try connection.execute(statement.sql)
        }
        try allowParallelWorkers(0, on: connection)
    }

    /// The server could not allocate a parallel operation's dynamic shared memory.
    static func isSharedMemoryShortage(_ error: PostgresError) -> Bool {
        (error.sqlState == "53100" || error.sqlState == "53200") && error.message.contains("shared memory segment")
    }

    /// Parallel workers for this session's next builds: `count`, but never more than the server
    /// allows by itself (`max_parallel_maintenance_workers` as configured, before arkiv's SET).
    static func allowParallelWorkers(_ count: Int, on connection: Connection) throws {
        try connection.execute("""
            SELECT pg_catalog.set_config('max_parallel_maintenance_workers', least(\(max(count, 0)), reset_val::int)::text, false)
            FROM pg_catalog.pg_settings WHERE name = 'max_parallel_maintenance_workers'
            """)
    }

    /// NUL-separated, so no DDL statement's name (nor another table's) can collide with it.
    private static func dataJobName(_ table: QualifiedName) -> String { "\u{0}data\u{0}\(table.schema)\u{0}\(table.name)" }
}

/// A sum that worker threads add to.
private final class RowTally: @unchecked Sendable {
    private let lock = NSLock()
    private var sum = 0
    func add(_ rows: Int) { lock.withLock { sum += rows } }
    var total: Int { lock.withLock { sum } }
}
