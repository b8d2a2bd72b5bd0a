import ArkivPostgres

/// Reads the definitions of some schemas from the catalogs and turns them into pre-data and
/// post-data DDL in dependency order, with no pg_dump: one binary for PostgreSQL 13–18.
///
/// Run it inside the backup's snapshot transaction, on a connection with the dump session
/// settings (`SessionSettings.dump`): the empty search_path makes every `pg_get_*def` and
/// `format_type` result schema-qualified, which the DDL relies on.
///
/// Functions nothing else in pre-data needs are placed after every table and view, so SQL
/// bodies that read tables validate. A function that a table or view needs and whose body
/// reads a table created later can only be created with `check_function_bodies = off`, which
/// a restore should set (as pg_restore does).
public struct CatalogReader {
    public let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// Reads the schemas (in the order given, duplicates ignored).
    public func read(schemas: [String], options: CatalogOptions = CatalogOptions()) throws(CatalogError) -> CatalogSnapshot {
        var unique: [String] = []
        for schema in schemas where !unique.contains(schema) { unique.append(schema) }
        let builder = CatalogBuilder(session: CatalogSession(connection: connection, schemas: unique), options: options)
        try builder.readSchemas()
        try builder.readExtensions()
        try builder.buildCollations()
        try builder.readTypes()
        try builder.buildTextSearch()
        try builder.readRelations()
        try builder.readSequences()
        try builder.buildTables()
        try builder.buildLargeObjects()
        try builder.buildForeignData()
        try builder.buildViews()
        try builder.buildFunctions()
        try builder.buildOperators()
        try builder.readRules()
        try builder.buildConstraints()
        try builder.buildIndexes()
        try builder.buildTriggers()
        try builder.buildRowSecurity()
        try builder.buildStatistics()
        try builder.buildEventTriggers()
        try builder.readDependencies()
        try builder.buildComments()
        try builder.buildOwners()
        try builder.buildPrivileges()
        try builder.buildDefaultPrivileges()
        try builder.scanUnsupported()
        return try builder.finish()
    }

    /// Where each sequence stands, read with the caller's snapshot (`last_value`, `is_called`).
    public func readSequenceStates(_ sequences: [SequenceInfo]) throws(CatalogError) -> [SequenceState] {
        var states: [SequenceState] = []
        for sequence in sequences {
            let name: String
            let row: QueryResult.Row
            do {
                name = try connection.quoteQualified(sequence.schema, sequence.name)
                row = try connection.queryRow("SELECT last_value, is_called FROM \(name)")
            } catch {
                throw .query(error, reading: "the state of sequence \(sequence.qualifiedName)")
            }
            states.append(SequenceState(
                schema: sequence.schema, name: sequence.name, lastValue: try row.int64("last_value"),
                isCalled: try row.bool("is_called")))
        }
        return states
    }
}

extension SequenceState {
    /// `SELECT pg_catalog.setval(…)` that puts a restored sequence where the source's was.
    public func setvalStatement(on connection: Connection) throws(PostgresError) -> String {
        let name = try connection.quoteQualified(schema, self.name)
        return "SELECT pg_catalog.setval(\(try connection.quoteLiteral(name))::pg_catalog.regclass, \(lastValue), \(isCalled));"
    }
}
