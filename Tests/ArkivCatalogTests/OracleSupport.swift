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

func schemaDump(_ server: TestServer, database: String, schemas: [String]) throws -> [String] {
    try SchemaDump.normalized(server: server, database: database, schemas: schemas)
}

func difference(_ source: [String], _ target: [String]) -> String {
    SchemaDump.difference(source, target)
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
    setup: (Connection) throws -> Void, restored: (Connection) throws -> Void = { _ in }
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
            try restored(Connection(target, applicationName: "arkiv-catalog-tests"))
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
