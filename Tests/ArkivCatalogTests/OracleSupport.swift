import ArkivCatalog
import ArkivPostgres
import ArkivTestSupport
import Foundation

/// The six application schemas of the workspace fixture.
let workspaceSchemas = ["vault", "billy", "renos", "crm", "flow", "shared"]

/// Reads a database's catalog the way a backup does: dump session settings, one snapshot.
func readCatalog(_ target: ConnectionTarget, schemas: [String], options: CatalogOptions = CatalogOptions()) throws -> CatalogSnapshot {
    let connection = try Connection(target, applicationName: "arkiv-catalog-tests")
    try connection.apply(.dump())
    try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    defer { try? connection.rollback() }
    return try CatalogReader(connection: connection).read(schemas: schemas, options: options)
}

/// A statement that failed while applying DDL, with the statement that did it.
struct ApplyFailure: Error, CustomStringConvertible {
    let statement: DDLStatement
    let error: PostgresError
    var description: String { "\(statement.kind) \(statement.name) failed: \(error)\n\(statement.sql)" }
}

/// Applies a snapshot's DDL to an empty database the way a restore does: the extensions it
/// lists (those not created by pre-data), then every schema's pre-data, then every schema's
/// post-data, each phase in its global order.
func apply(_ snapshot: CatalogSnapshot, to target: ConnectionTarget) throws {
    let connection = try Connection(target, applicationName: "arkiv-catalog-tests")
    try connection.apply(.dump())
    for ext in snapshot.extensions where !ext.isCreatedByPreData {
        try connection.execute("CREATE EXTENSION IF NOT EXISTS \(try connection.quoteIdentifier(ext.name)) WITH SCHEMA \(try connection.quoteIdentifier(ext.schema))")
    }
    for statement in snapshot.preDataInOrder + snapshot.postDataInOrder {
        do {
            try connection.execute(statement.sql)
        } catch {
            throw ApplyFailure(statement: statement, error: error)
        }
    }
}

/// `pg_dump --schema-only` (PostgreSQL 16's, which reads 15 too) of some schemas, normalised:
/// no comments, blank lines, SET lines or the random-keyed `\restrict` lines.
func schemaDump(_ server: TestServer, database: String, schemas: [String]) throws -> [String] {
    guard let url = URLComponents(string: try server.url()) else { throw TestSetupError("unparseable server URL") }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try TestServer.pg16.binDirectory() + "/pg_dump")
    process.arguments = ["--schema-only", "--no-sync"] + schemas.flatMap { ["--schema", escapePattern($0)] }
    // The password goes through the environment, never argv.
    var environment = ProcessInfo.processInfo.environment
    environment["PGHOST"] = url.host
    environment["PGPORT"] = url.port.map(String.init)
    environment["PGUSER"] = url.user?.removingPercentEncoding
    environment["PGPASSWORD"] = url.password?.removingPercentEncoding
    environment["PGDATABASE"] = database
    process.environment = environment
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errors = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw TestSetupError("pg_dump failed (\(process.terminationStatus)): \(String(decoding: errors, as: UTF8.self))")
    }
    return normalise(String(decoding: data, as: UTF8.self))
}

/// pg_dump's -n takes a pattern: quote the name so it matches itself exactly.
private func escapePattern(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

func normalise(_ dump: String) -> [String] {
    dump.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { line in
        !(line.hasPrefix("--") || line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("SET ")
            || line.hasPrefix("SELECT pg_catalog.set_config") || line.hasPrefix("\\restrict") || line.hasPrefix("\\unrestrict"))
    }
}

/// A short account of where two dumps differ, for a failing expectation.
func difference(_ source: [String], _ target: [String]) -> String {
    let firstDifference = zip(source, target).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        ?? min(source.count, target.count)
    let context = { (lines: [String]) in lines[max(0, firstDifference - 3)..<min(lines.count, firstDifference + 12)].joined(separator: "\n") }
    var onlySource = source, onlyTarget: [String] = []
    for line in target {
        if let index = onlySource.firstIndex(of: line) { onlySource.remove(at: index) } else { onlyTarget.append(line) }
    }
    return """
        dumps differ (source \(source.count) lines, target \(target.count)); first at line \(firstDifference)
        --- source:
        \(context(source))
        --- target:
        \(context(target))
        --- only in source (\(onlySource.count)): \(onlySource.prefix(30).joined(separator: "\n"))
        --- only in target (\(onlyTarget.count)): \(onlyTarget.prefix(30).joined(separator: "\n"))
        """
}

/// The database part of a target, for pg_dump.
func databaseName(_ target: ConnectionTarget) throws -> String {
    let connection = try Connection(target, applicationName: "arkiv-catalog-tests")
    return connection.database
}

/// Builds a source database with `setup`, reads the schemas' catalog, applies the DDL to a
/// second empty database and checks that pg_dump sees no difference. Returns the snapshot for
/// further checks.
@discardableResult
func roundTrip(
    _ server: TestServer, schemas: [String], options: CatalogOptions = CatalogOptions(),
    setup: (Connection) throws -> Void
) throws -> CatalogSnapshot {
    try withScratchDatabase(on: server) { sourceTarget in
        let source = try Connection(sourceTarget, applicationName: "arkiv-catalog-tests")
        try setup(source)
        let snapshot = try readCatalog(sourceTarget, schemas: schemas, options: options)
        let before = try schemaDump(server, database: source.database, schemas: schemas)
        try withScratchDatabase(on: server) { target in
            try apply(snapshot, to: target)
            let after = try schemaDump(server, database: try databaseName(target), schemas: schemas)
            if before != after { throw OracleMismatch(description: difference(before, after)) }
        }
        return snapshot
    }
}

struct OracleMismatch: Error, CustomStringConvertible {
    let description: String
}

extension CatalogSnapshot {
    /// Every statement of both phases, in order.
    var allStatements: [DDLStatement] { preDataInOrder + postDataInOrder }
}
