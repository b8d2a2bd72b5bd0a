import CLibPQ

/// The rows of a query, copied out of libpq as text so they outlive the PGresult and can cross
/// threads. Meant for catalog and control queries; table data goes through COPY instead.
public struct QueryResult: Sendable {
    public struct Column: Sendable {
        public let name: String
        public let typeOID: UInt32
    }

    public struct Row: Sendable {
        public let columns: [Column]
        public let values: [String?]

        /// The raw text of a column, or nil for SQL NULL.
        public subscript(_ index: Int) -> String? { values[index] }

        public subscript(_ name: String) -> String? {
            guard let index = columns.firstIndex(where: { $0.name == name }) else { return nil }
            return values[index]
        }

        /// Decodes a non-NULL column; throws if it is NULL, missing or not of that type.
        public func decode<T: PostgresTextDecodable>(_ type: T.Type, _ name: String) throws(PostgresError) -> T {
            guard let value = try decodeIfPresent(type, name) else {
                throw PostgresError(kind: .decoding, message: "column \(name) is NULL, expected \(T.self)")
            }
            return value
        }

        /// Decodes a column that may be NULL.
        public func decodeIfPresent<T: PostgresTextDecodable>(_ type: T.Type, _ name: String) throws(PostgresError) -> T? {
            guard let index = columns.firstIndex(where: { $0.name == name }) else {
                throw PostgresError(kind: .decoding, message: "the result has no column \(name)")
            }
            guard let text = values[index] else { return nil }
            guard let value = T(postgresText: text) else {
                throw PostgresError(kind: .decoding, message: "column \(name): cannot read \(text.debugDescription.prefix(40)) as \(T.self)")
            }
            return value
        }
    }

    public let columns: [Column]
    public let rows: [Row]
    /// The command tag's row count (INSERT/UPDATE/DELETE/COPY), where there is one.
    public let affectedRows: Int?

    init(_ result: OpaquePointer) {
        let columnCount = Int(PQnfields(result))
        let columns = (0..<columnCount).map { index in
            Column(name: String(cString: PQfname(result, Int32(index))), typeOID: PQftype(result, Int32(index)))
        }
        self.columns = columns
        self.rows = (0..<Int(PQntuples(result))).map { row in
            let values: [String?] = (0..<columnCount).map { column in
                if PQgetisnull(result, Int32(row), Int32(column)) == 1 { return nil }
                return String(cString: PQgetvalue(result, Int32(row), Int32(column)))
            }
            return Row(columns: columns, values: values)
        }
        self.affectedRows = Int(String(cString: PQcmdTuples(result)))
    }
}
