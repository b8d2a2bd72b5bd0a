/// A schema-qualified object name, kept as the two raw parts (never pre-quoted), so names with
/// dots, quotes or spaces stay unambiguous.
public struct QualifiedName: Hashable, Codable, Sendable, Comparable, CustomStringConvertible {
    public var schema: String
    public var name: String

    public init(schema: String, name: String) {
        self.schema = schema
        self.name = name
    }

    /// Parses `schema.name` the way psql reads it: unquoted parts fold to lower case, quoted
    /// parts (`"My Schema"."a.b"`, with `""` for a quote) are taken as written.
    public init(parsing text: String) throws(CatalogError) {
        guard let parts = Self.parts(of: text), parts.count == 2, parts.allSatisfy({ !$0.isEmpty }) else {
            throw CatalogError.invalidName(text)
        }
        self.init(schema: parts[0], name: parts[1])
    }

    /// The schema of a dotted name such as a DDL statement's (`renos.invoices.invoices_pkey`,
    /// `"My Schema"."t"`): its first part, or nil when the name has no dot.
    public static func schema(ofDottedName text: String) -> String? {
        guard let parts = parts(of: text), parts.count >= 2 else { return nil }
        return parts[0]
    }

    /// Splits a dotted name into its identifiers, psql's way; nil on an unterminated quote.
    public static func parts(of text: String) -> [String]? {
        var parts: [String] = []
        var current = ""
        var inQuotes = false, wasQuoted = false
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            if inQuotes {
                if character == "\"" {
                    if characters.first == "\"" {
                        current.append("\"")
                        characters.removeFirst()
                    } else {
                        inQuotes = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"" {
                inQuotes = true
                wasQuoted = true
            } else if character == "." {
                parts.append(current)
                current = ""
                wasQuoted = false
            } else {
                current.append(wasQuoted ? character : Character(character.lowercased()))
            }
        }
        guard !inQuotes else { return nil }
        parts.append(current)
        return parts
    }

    public var description: String { "\(schema).\(name)" }

    public static func < (lhs: QualifiedName, rhs: QualifiedName) -> Bool {
        (lhs.schema, lhs.name) < (rhs.schema, rhs.name)
    }
}
