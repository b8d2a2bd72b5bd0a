import ArkivPostgres

/// The connection and the dumped schemas, with queries and quoting that fail as `CatalogError`.
struct CatalogSession {
    let connection: Connection
    /// The dumped schemas, in the order asked for.
    let schemas: [String]
    let version: Int

    init(connection: Connection, schemas: [String]) {
        self.connection = connection
        self.schemas = schemas
        self.version = connection.serverVersionNumber
    }

    /// Runs a catalog query; `$1` is always the dumped schemas as `text[]`.
    func rows(_ sql: String, reading: String, _ more: [(any PostgresTextEncodable)?] = []) throws(CatalogError) -> [QueryResult.Row] {
        do {
            return try connection.query(sql, [schemas] + more).rows
        } catch {
            throw .query(error, reading: reading)
        }
    }

    /// Runs a query without the schema parameter.
    func plainRows(_ sql: String, reading: String, _ parameters: [(any PostgresTextEncodable)?] = []) throws(CatalogError) -> [QueryResult.Row] {
        do {
            return try connection.query(sql, parameters).rows
        } catch {
            throw .query(error, reading: reading)
        }
    }

    func quote(_ name: String) throws(CatalogError) -> String {
        do { return try connection.quoteIdentifier(name) } catch { throw .query(error, reading: "quoting \(name)") }
    }

    func quote(_ schema: String, _ name: String) throws(CatalogError) -> String {
        try quote(schema) + "." + quote(name)
    }

    func quote(_ name: QualifiedName) throws(CatalogError) -> String {
        try quote(name.schema, name.name)
    }

    func literal(_ value: String) throws(CatalogError) -> String {
        do { return try connection.quoteLiteral(value) } catch { throw .query(error, reading: "quoting a literal") }
    }

    /// A role for `TO`/`FROM`/`OWNER TO`: the empty string stands for PUBLIC.
    func role(_ name: String) throws(CatalogError) -> String {
        name.isEmpty ? "PUBLIC" : try quote(name)
    }

    /// SQL: true when the object is not a member of any extension.
    static func notExtensionMember(_ catalog: String, _ oid: String) -> String {
        "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend x WHERE x.classid = 'pg_catalog.\(catalog)'::pg_catalog.regclass AND x.objid = \(oid) AND x.deptype = 'e')"
    }
}

extension QueryResult.Row {
    func text(_ name: String) throws(CatalogError) -> String {
        do { return try decode(String.self, name) } catch { throw .unexpectedValue(error.message) }
    }

    func optionalText(_ name: String) throws(CatalogError) -> String? {
        do { return try decodeIfPresent(String.self, name) } catch { throw .unexpectedValue(error.message) }
    }

    /// A non-empty string, or nil for NULL and ''.
    func nonEmptyText(_ name: String) throws(CatalogError) -> String? {
        guard let value = try optionalText(name), !value.isEmpty else { return nil }
        return value
    }

    func oid(_ name: String) throws(CatalogError) -> UInt32 {
        do { return try decode(UInt32.self, name) } catch { throw .unexpectedValue(error.message) }
    }

    func int(_ name: String) throws(CatalogError) -> Int {
        do { return try decode(Int.self, name) } catch { throw .unexpectedValue(error.message) }
    }

    func optionalInt(_ name: String) throws(CatalogError) -> Int? {
        do { return try decodeIfPresent(Int.self, name) } catch { throw .unexpectedValue(error.message) }
    }

    func int64(_ name: String) throws(CatalogError) -> Int64 {
        do { return try decode(Int64.self, name) } catch { throw .unexpectedValue(error.message) }
    }

    func double(_ name: String) throws(CatalogError) -> Double {
        do { return try decode(Double.self, name) } catch { throw .unexpectedValue(error.message) }
    }

    func bool(_ name: String) throws(CatalogError) -> Bool {
        do { return try decode(Bool.self, name) } catch { throw .unexpectedValue(error.message) }
    }

    /// A `text[]`/`name[]` column; NULL reads as empty.
    func texts(_ name: String) throws(CatalogError) -> [String] {
        do { return try decodeIfPresent([String].self, name) ?? [] } catch { throw .unexpectedValue(error.message) }
    }
}
