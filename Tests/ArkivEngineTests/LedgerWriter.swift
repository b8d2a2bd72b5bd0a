import ArkivPostgres
import Foundation

/// Two tables in two schemas that one writer keeps in step, transaction by transaction: the
/// ledgers hold the same ids and their amounts sum to zero. A backup whose tables come from
/// different snapshots breaks that, which `brokenRows` counts.
final class LedgerWriter: @unchecked Sendable {
    static let schemas = ["left_side", "right_side"]

    private let lock = NSLock()
    private var stopped = false
    private var thread: Thread?

    /// Creates the two ledgers with `rows` rows each.
    static func create(on connection: Connection, rows: Int) throws {
        try connection.execute("""
            CREATE SCHEMA left_side; CREATE SCHEMA right_side;
            CREATE TABLE left_side.ledger (id bigint PRIMARY KEY, amount int NOT NULL, payload text);
            CREATE TABLE right_side.ledger (id bigint PRIMARY KEY, amount int NOT NULL, payload text);
            INSERT INTO left_side.ledger SELECT i, i % 100, repeat('x', 200) FROM generate_series(1, \(rows)) i;
            INSERT INTO right_side.ledger SELECT id, -amount, payload FROM left_side.ledger;
            """)
    }

    /// Starts writing through `target` on a thread of its own until `stop()`.
    func start(through target: ConnectionTarget) {
        let thread = Thread { [self] in
            guard let connection = try? Connection(target) else { return }
            var next: Int64 = 1_000_000
            while !isStopped {
                next += 1
                _ = try? connection.execute("""
                    BEGIN;
                    INSERT INTO left_side.ledger VALUES (\(next), 7, 'w');
                    INSERT INTO right_side.ledger VALUES (\(next), -7, 'w');
                    DELETE FROM left_side.ledger WHERE id = \(next - 1000000);
                    DELETE FROM right_side.ledger WHERE id = \(next - 1000000);
                    COMMIT;
                    """)
            }
        }
        self.thread = thread
        thread.start()
    }

    func stop() { lock.withLock { stopped = true } }

    private var isStopped: Bool { lock.withLock { stopped } }

    /// Rows that break the invariant in a copy of the ledgers.
    static func brokenRows(in connection: Connection) throws -> Int {
        try connection.queryRow("""
            SELECT count(*) AS n FROM left_side.ledger l FULL JOIN right_side.ledger r USING (id)
            WHERE l.id IS NULL OR r.id IS NULL OR l.amount <> -r.amount
            """).decode(Int.self, "n")
    }
}
