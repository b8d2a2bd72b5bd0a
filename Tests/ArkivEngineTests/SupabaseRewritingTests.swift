import ArkivCatalog
import Foundation
@testable import ArkivEngine
import Testing

/// The two rewrites between platforms, without a server: roles at their recorded places, and
/// extension members named in another schema.
@Suite("Supabase rewriting")
struct SupabaseRewritingTests {
    static func quote(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    @Test("--role-map replaces a role exactly where it is named, whatever the names and the SQL around them hold")
    func roleMapping() throws {
        // A policy whose name, table and expression all spell the role, and a role that needs quoting.
        let prefix = #"CREATE POLICY "anon TO anon" ON "s"."anon" AS PERMISSIVE FOR SELECT TO "#
        let roles = ["anon", "Ünïcode \"role\""]
        var sql = prefix, mentions: [RoleMention] = []
        for (index, role) in roles.enumerated() {
            if index > 0 { sql += ", " }
            mentions.append(RoleMention(role: role, offset: sql.utf8.count, length: Self.quote(role).utf8.count))
            sql += Self.quote(role)
        }
        sql += #" USING (current_user = 'anon');"#
        let statement = DDLStatement(kind: "policy", name: "s.anon.anon TO anon", sql: sql, roles: mentions)
        let mapped = statement.mappingRoles(["anon": "web_reader", "Ünïcode \"role\"": "x"], quote: Self.quote)
        #expect(mapped.sql == #"CREATE POLICY "anon TO anon" ON "s"."anon" AS PERMISSIVE FOR SELECT TO "web_reader", "x" USING (current_user = 'anon');"#)
        #expect(mapped.roleNames == ["web_reader", "x"])
        // Mapping again from the new names works on the new offsets.
        #expect(mapped.mappingRoles(["x": "y"], quote: Self.quote).sql.contains(#"TO "web_reader", "y" USING"#))
        // A statement of an older set (no `roles` in its JSON) reads, and is left as it is.
        let json = #"{"kind": "acl", "name": "s.t", "sql": "GRANT SELECT ON TABLE \"s\".\"t\" TO \"anon\";", "position": 3}"#
        let old = try JSONDecoder().decode(DDLStatement.self, from: Data(json.utf8))
        #expect(old.roles == nil && old.roleNames.isEmpty)
        #expect(old.mappingRoles(["anon": "b"], quote: Self.quote) == old)
    }

    @Test("extension members move schema in types, operators, operator classes and names; nothing else does")
    func relocation() {
        let relocation = ExtensionRelocation(extensionName: "vector", from: "public", to: "extensions",
                                             members: ["vector", "<=>", "vector_cosine_ops", "l2_distance"])
        // Inside quotes too: a function body is a string literal, and its references must move.
        let sql = """
            CREATE INDEX i ON vault.embeddings USING hnsw (embedding public.vector_cosine_ops); \
            SELECT e.embedding OPERATOR(public.<=>) q, public.l2_distance(a, b), public.vectors, mypublic.vector, \
            public.vector(1536), public.vector[], x.public.vector, 'public.vector'
            """
        #expect(relocation.rename(sql) == """
            CREATE INDEX i ON vault.embeddings USING hnsw (embedding extensions.vector_cosine_ops); \
            SELECT e.embedding OPERATOR(extensions.<=>) q, extensions.l2_distance(a, b), public.vectors, mypublic.vector, \
            extensions.vector(1536), extensions.vector[], x.public.vector, 'extensions.vector'
            """)
        let statement = DDLStatement(kind: "function", name: "vault.match(q public.vector)", sql: "CREATE FUNCTION vault.match(q public.vector) …",
                                     dependsOn: ["vault.match(q public.vector)"])
        let moved = relocation.apply(statement)
        #expect(moved.name == "vault.match(q extensions.vector)")
        #expect(moved.dependsOn == ["vault.match(q extensions.vector)"])
        #expect(relocation.reversed.apply(moved) == statement)
    }
}
