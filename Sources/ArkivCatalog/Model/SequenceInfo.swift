/// A sequence in a dumped schema.
public struct SequenceInfo: Codable, Sendable, Hashable {
    public var schema: String
    public var name: String
    public var oid: UInt32
    /// The column it belongs to (`OWNED BY`, serial, or identity).
    public var ownedBy: ColumnReference?
    /// An identity column's sequence: created with its column, never by DDL of its own.
    public var isIdentity: Bool
    public var dataType: String
    public var start: Int64
    public var increment: Int64
    public var minValue: Int64
    public var maxValue: Int64
    public var cache: Int64
    public var cycles: Bool

    public var qualifiedName: QualifiedName { QualifiedName(schema: schema, name: name) }
}

public struct ColumnReference: Codable, Sendable, Hashable, CustomStringConvertible {
    public var schema: String
    public var table: String
    public var column: String

    public var description: String { "\(schema).\(table).\(column)" }
}

/// Where a sequence stood in the snapshot, for `setval` after the data is loaded.
public struct SequenceState: Codable, Sendable, Hashable {
    public var schema: String
    public var name: String
    public var lastValue: Int64
    public var isCalled: Bool

    public init(schema: String, name: String, lastValue: Int64, isCalled: Bool) {
        self.schema = schema
        self.name = name
        self.lastValue = lastValue
        self.isCalled = isCalled
    }

    public var qualifiedName: QualifiedName { QualifiedName(schema: schema, name: name) }
}
