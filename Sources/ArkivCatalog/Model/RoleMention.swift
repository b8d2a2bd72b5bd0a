/// A role named in a statement's SQL, and exactly where, so that a restore can put another
/// role in its place (`--role-map`) or check the target has it, without parsing SQL.
public struct RoleMention: Codable, Sendable, Hashable {
    /// The role's name as the source has it (unquoted).
    public var role: String
    /// Where its quoted identifier starts in `sql`, in UTF-8 bytes.
    public var offset: Int
    /// The quoted identifier's length in UTF-8 bytes.
    public var length: Int

    public init(role: String, offset: Int, length: Int) {
        self.role = role
        self.offset = offset
        self.length = length
    }
}

/// SQL text built piece by piece, remembering where each role goes.
struct RoleNamingSQL {
    private(set) var text = ""
    private(set) var mentions: [RoleMention] = []

    init(_ text: String = "") { self.text = text }

    mutating func append(_ piece: String) { text += piece }

    /// Appends a role: its quoted identifier, or `PUBLIC` for "" (which is no role).
    mutating func append(role: String, quoted: String) {
        if !role.isEmpty {
            mentions.append(RoleMention(role: role, offset: text.utf8.count, length: quoted.utf8.count))
        }
        text += quoted
    }
}

extension DDLStatement {
    /// The roles the statement names, each once, sorted.
    public var roleNames: [String] { Array(Set((roles ?? []).map(\.role))).sorted() }

    /// The statement with roles replaced as `map` says (old → new); `quote` makes an identifier.
    /// Roles not in the map stay. Statements without recorded roles are returned as they are.
    public func mappingRoles(_ map: [String: String], quote: (String) throws -> String) rethrows -> DDLStatement {
        guard let roles, roles.contains(where: { map[$0.role] != nil }) else { return self }
        var bytes = Array(sql.utf8)
        var mapped: [RoleMention] = []
        var shift = 0
        for mention in roles.sorted(by: { $0.offset < $1.offset }) {
            let role = map[mention.role] ?? mention.role
            let start = mention.offset + shift
            guard start >= 0, start + mention.length <= bytes.count else { return self }
            let replacement = map[mention.role] == nil
                ? Array(bytes[start..<(start + mention.length)]) : Array(try quote(role).utf8)
            bytes.replaceSubrange(start..<(start + mention.length), with: replacement)
            mapped.append(RoleMention(role: role, offset: start, length: replacement.count))
            shift += replacement.count - mention.length
        }
        var copy = self
        copy.sql = String(decoding: bytes, as: UTF8.self)
        copy.roles = mapped
        return copy
    }
}
