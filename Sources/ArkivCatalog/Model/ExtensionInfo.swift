/// An extension the dumped objects use (a column type, an operator class, a language, ...).
public struct ExtensionInfo: Codable, Sendable, Hashable {
    public var name: String
    public var version: String
    /// The schema its objects live in.
    public var schema: String
    /// The dumped schemas whose objects need it.
    public var neededBy: [String]
    /// Whether its schema is dumped, so the pre-data of that schema creates it.
    public var isCreatedByPreData: Bool
}

/// An object in a dumped schema that belongs to an extension (`pg_depend.deptype = 'e'`): the
/// extension creates it, so the dump leaves it out.
public struct ExcludedObject: Codable, Sendable, Hashable, CustomStringConvertible {
    public var extensionName: String
    /// `pg_identify_object(...).type`, e.g. "function", "type", "operator class".
    public var objectType: String
    public var schema: String
    /// `pg_identify_object(...).identity`, e.g. `ext.vector_in(cstring,oid,integer)`.
    public var identity: String

    public var description: String { "\(objectType) \(identity) (extension \(extensionName))" }
}

/// A dumped object that needs an object outside the dumped schemas.
public struct ExternalDependency: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The statement's name, e.g. `billy.users.users_default_org_fkey`.
    public var object: String
    /// What it needs, e.g. `table shared.users`.
    public var needs: String

    public var description: String { "\(object) needs \(needs), which is outside the backed-up schemas" }
}

/// Something in (or reached from) the dumped schemas that arkiv cannot reproduce.
public struct UnsupportedObject: Codable, Sendable, Hashable, CustomStringConvertible {
    /// e.g. "rule", "foreign table", "event trigger", "aggregate", "large objects".
    public var kind: String
    /// Schema-qualified where the object has a schema.
    public var name: String
    public var reason: String

    public var description: String { "\(kind) \(name): \(reason)" }
}
