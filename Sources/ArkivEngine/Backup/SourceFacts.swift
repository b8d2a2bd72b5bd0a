import ArkivArchive
import ArkivPostgres
import Foundation

/// What the manifest records about the source, read inside the backup's snapshot transaction.
enum SourceFacts {
    /// Reads server version, system identifier, snapshot time and WAL position. The last three
    /// need privileges a managed service may not grant, or do not exist on a standby: each is
    /// tried under a savepoint and left out when refused, instead of failing the backup.
    static func read(_ connection: Connection) throws -> Manifest.Source {
        let snapshotTime = try optional(connection, "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS v")
        return Manifest.Source(
            target: connection.target.description,
            database: connection.database,
            serverVersion: connection.serverVersion,
            serverVersionNumber: connection.serverVersionNumber,
            systemIdentifier: try optional(connection, "SELECT system_identifier::text AS v FROM pg_control_system()"),
            snapshotTime: snapshotTime.flatMap { ISO8601DateFormatter().date(from: $0) },
            walLSN: try optional(connection, "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END::text AS v"))
    }

    private static func optional(_ connection: Connection, _ sql: String) throws -> String? {
        try connection.execute("SAVEPOINT arkiv_fact")
        do {
            let value = try connection.queryRow(sql)["v"]
            try connection.execute("RELEASE SAVEPOINT arkiv_fact")
            return value
        } catch {
            // Only a refusal of this one statement is tolerated; a lost connection is not.
            guard error.kind == .query else { throw error }
            try connection.execute("ROLLBACK TO SAVEPOINT arkiv_fact")
            return nil
        }
    }
}
