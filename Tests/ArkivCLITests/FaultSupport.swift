import ArkivPostgres
import ArkivTestSupport
import Foundation
import Testing

/// What the fault tests (kill, server loss, overlap, secrets) share: a source with one table big
/// enough that a backup or restore of it is still running when the fault strikes, and looks at
/// the repository and the server from outside, the way an operator would.
enum Fault {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-fault-\(UUID().uuidString)-\(name)").path
    }

    /// `big.rows`: `rows` rows of about 500 bytes (compressible, so the archive stays small).
    static func createBigTable(_ connection: Connection, rows: Int) throws {
        try connection.execute("""
            CREATE SCHEMA big;
            CREATE UNLOGGED TABLE big.rows (id int PRIMARY KEY, payload text);
            INSERT INTO big.rows SELECT i, repeat(md5(i::text), 16) FROM generate_series(1, \(rows)) i;
            CREATE TABLE big.small (id int PRIMARY KEY);
            INSERT INTO big.small SELECT generate_series(1, 10);
            """)
    }

    /// `arkiv list --all --json`, as rows.
    static func listing(_ repo: String) throws -> [[String: Any]] {
        let outcome = try runExecutable("arkiv", ["list", "--repo", repo, "--all", "--json"])
        #expect(outcome.status == 0, "arkiv list failed: \(outcome.stderr)")
        return try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [[String: Any]] ?? []
    }

    /// Sessions of `database` whose application_name starts with `application` (optionally only COPYs).
    static func sessions(_ admin: Connection, database: String, application: String, copying: Bool = false) throws -> Int {
        try admin.queryRow("""
            SELECT count(*) AS n FROM pg_catalog.pg_stat_activity
            WHERE datname = $1 AND application_name LIKE $2 || '%' \(copying ? "AND query LIKE 'COPY %' AND state = 'active'" : "")
            """, [database, application]).decode(Int.self, "n")
    }

    /// Waits until a COPY of `application` runs on the server.
    static func waitForCopy(_ admin: Connection, database: String, application: String, process: BackgroundProcess) throws -> Bool {
        try waitUntil(timeout: 60) {
            guard process.isRunning else { return true }
            return try sessions(admin, database: database, application: application, copying: true) > 0
        } && process.isRunning
    }

    /// Waits (a backend ends a moment after its client is gone) until no session of `application` is left.
    static func waitForNoSessions(_ admin: Connection, database: String, application: String) throws -> Bool {
        try waitUntil(timeout: 10, interval: 0.05) { try sessions(admin, database: database, application: application) == 0 }
    }

    /// The names in a set folder (hidden ones included).
    static func files(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }
}
