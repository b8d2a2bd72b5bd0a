import ArkivPostgres

/// Why a catalog read failed.
public enum CatalogError: Error, Sendable, CustomStringConvertible {
    /// A catalog query failed; `reading` says what was being read.
    case query(PostgresError, reading: String)
    /// A catalog value could not be read as expected.
    case unexpectedValue(String)
    case schemasNotFound([String])
    /// The objects form a dependency cycle that no statement order can satisfy.
    case dependencyCycle([String])
    /// A table name given by the user could not be parsed as `schema.name`.
    case invalidName(String)

    public var description: String {
        switch self {
        case .query(let error, let reading):
            return "reading the catalogs (\(reading)) failed: \(error)"
        case .unexpectedValue(let message):
            return "unexpected catalog contents: \(message)"
        case .schemasNotFound(let names):
            return "schema(s) not found: \(names.joined(separator: ", ")); check the names (they are case-sensitive)"
        case .dependencyCycle(let names):
            return "the objects \(names.joined(separator: ", ")) depend on each other in a cycle; arkiv cannot order them"
        case .invalidName(let text):
            return "\(text.debugDescription) is not a schema-qualified name (schema.table; quote parts with \"\")"
        }
    }
}
