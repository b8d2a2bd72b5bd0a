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
            walLSN: try optional(connection, "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END::text AS v"),
            locale: try locale(connection),
            databaseOID: try optional(connection, "SELECT oid::text AS v FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()")
                .flatMap(UInt32.init))
    }

    /// The database's encoding and locale, named as `CREATE DATABASE` takes them. pg_database is
    /// readable by every role, managed services included.
    static func locale(_ connection: Connection) throws -> Manifest.DatabaseLocale {
        let version = connection.serverVersionNumber
        let provider = version >= 150000
            ? "CASE datlocprovider WHEN 'i' THEN 'icu' WHEN 'b' THEN 'builtin' ELSE 'libc' END" : "'libc'"
        let providerLocale = version >= 170000 ? "datlocale" : version >= 150000 ? "daticulocale" : "NULL::text"
        let rules = version >= 160000 ? "daticurules" : "NULL::text"
        let row = try connection.queryRow("""
            SELECT pg_catalog.pg_encoding_to_char(encoding) AS encoding, \(provider) AS provider, datcollate AS collate,
                   datctype AS ctype, \(providerLocale) AS provider_locale, \(rules) AS rules
            FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()
            """)
        return Manifest.DatabaseLocale(
            encoding: try row.decode(String.self, "encoding"), provider: try row.decode(String.self, "provider"),
            collate: try row.decode(String.self, "collate"), ctype: try row.decode(String.self, "ctype"),
            providerLocale: row["provider_locale"], icuRules: row["rules"])
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
