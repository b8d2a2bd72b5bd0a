import ArkivCatalog
import ArkivPostgres

/// An extension the target already has in another schema than the set recorded: pgvector in
/// `public` on a plain Docker server, in `extensions` on Supabase. Its members are then named
/// with the target's schema (`public.vector(1536)` → `extensions.vector(1536)`), in the SQL and
/// the names of the statements.
struct ExtensionRelocation: Sendable, Equatable {
    let extensionName: String
    let from: String
    let to: String
    /// Names of the extension's types, functions, operators, operator classes and families.
    let members: Set<String>

    /// Extensions of `wanted` (name → schema as recorded) that `connection`'s database has
    /// elsewhere.
    static func find(on connection: Connection, wanted: [String: String]) throws -> [ExtensionRelocation] {
        guard !wanted.isEmpty else { return [] }
        let rows = try connection.query("""
            SELECT e.oid::text AS oid, e.extname, n.nspname FROM pg_catalog.pg_extension e
            JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = ANY($1::text[])
            """, [Array(wanted.keys)]).rows
        var relocations: [ExtensionRelocation] = []
        for row in rows {
            let name = try row.decode(String.self, "extname"), schema = try row.decode(String.self, "nspname")
            guard let recorded = wanted[name], recorded != schema else { continue }
            let members = try connection.query("""
                SELECT t.typname::text AS name FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_type t ON t.oid = d.objid
                 WHERE d.classid = 'pg_catalog.pg_type'::regclass AND d.refobjid = $1::oid AND d.deptype = 'e'
                UNION SELECT p.proname::text FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_proc p ON p.oid = d.objid
                 WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.refobjid = $1::oid AND d.deptype = 'e'
                UNION SELECT o.oprname::text FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_operator o ON o.oid = d.objid
                 WHERE d.classid = 'pg_catalog.pg_operator'::regclass AND d.refobjid = $1::oid AND d.deptype = 'e'
                UNION SELECT c.opcname::text FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_opclass c ON c.oid = d.objid
                 WHERE d.classid = 'pg_catalog.pg_opclass'::regclass AND d.refobjid = $1::oid AND d.deptype = 'e'
                UNION SELECT f.opfname::text FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_opfamily f ON f.oid = d.objid
                 WHERE d.classid = 'pg_catalog.pg_opfamily'::regclass AND d.refobjid = $1::oid AND d.deptype = 'e'
                """, [try row.decode(String.self, "oid")]).rows.compactMap { $0["name"] }
            relocations.append(ExtensionRelocation(extensionName: name, from: recorded, to: schema, members: Set(members)))
        }
        return relocations.sorted { $0.extensionName < $1.extensionName }
    }

    /// The other way round: the target's names back to the source's (for comparing).
    var reversed: ExtensionRelocation {
        ExtensionRelocation(extensionName: extensionName, from: to, to: from, members: members)
    }

    func apply(_ statement: DDLStatement) -> DDLStatement {
        var copy = statement
        copy.sql = rename(statement.sql)
        copy.name = rename(statement.name)
        copy.dependsOn = statement.dependsOn?.map(rename)
        // Role mentions keep their byte offsets only where nothing before them changed length.
        if copy.sql.utf8.count != statement.sql.utf8.count, copy.roles != nil { copy.roles = relocatedMentions(statement) }
        return copy
    }

    private func relocatedMentions(_ statement: DDLStatement) -> [RoleMention]? {
        guard let roles = statement.roles else { return nil }
        let bytes = Array(statement.sql.utf8)
        return roles.map { mention in
            let before = String(decoding: bytes[..<min(mention.offset, bytes.count)], as: UTF8.self)
            return RoleMention(role: mention.role, offset: rename(before).utf8.count, length: mention.length)
        }
    }

    /// `from.member` → `to.member` wherever `from.` starts a qualified name whose next part is
    /// a member: not inside a longer identifier, not followed by more of a name.
    func rename(_ text: String) -> String {
        let prefix = Array((Self.quoteIfNeeded(from) + ".").unicodeScalars)
        let replacement = Self.quoteIfNeeded(to) + "."
        let scalars = Array(text.unicodeScalars)
        var result = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            if scalars[index] == prefix[0], index + prefix.count <= scalars.count, Array(scalars[index..<(index + prefix.count)]) == prefix,
               index == 0 || !Self.isNameCharacter(scalars[index - 1]),
               let length = memberLength(scalars, at: index + prefix.count)
            {
                result.append(contentsOf: replacement.unicodeScalars)
                result.append(contentsOf: scalars[(index + prefix.count)..<(index + prefix.count + length)])
                index += prefix.count + length
                continue
            }
            result.append(scalars[index])
            index += 1
        }
        return String(result)
    }

    /// The length of the member name starting at `start`, if one does (longest match).
    private func memberLength(_ scalars: [Unicode.Scalar], at start: Int) -> Int? {
        guard start < scalars.count else { return nil }
        let operatorCharacters = Set("+-*/<>=~!@#%^&|`?".unicodeScalars)
        let isOperator = operatorCharacters.contains(scalars[start])
        func continues(_ scalar: Unicode.Scalar) -> Bool {
            isOperator ? operatorCharacters.contains(scalar)
                : scalar == "_" || scalar == "$" || scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
        }
        var end = start
        while end < scalars.count, continues(scalars[end]) { end += 1 }
        let candidate = String(String.UnicodeScalarView(scalars[start..<end]))
        return members.contains(candidate) ? end - start : nil
    }

    private static func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar == "$" || scalar == "\"" || scalar == "." || scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
    }

    private static func quoteIfNeeded(_ name: String) -> String {
        let simple = name.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
        return simple ? name : "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
