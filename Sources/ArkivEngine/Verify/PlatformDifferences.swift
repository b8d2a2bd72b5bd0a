import ArkivCatalog
import ArkivPostgres

/// A target's statements as they would read on the source's platform (Docker ↔ Supabase), so
/// that verification counts only real differences: extension members named in the source's
/// extension schema (`extensions.vector` → `public.vector`); Supabase's own extensions in a
/// schema the application shares with them not counted, nor that schema's comment (which only
/// the platform may set), on either side.
struct PlatformDifferences {
    let actual: [DDLStatement]
    let expected: [DDLStatement]

    /// - Parameter sourceExtensions: extension name → schema, as the source has them.
    init(actual statements: [DDLStatement], expected: [DDLStatement], sourceExtensions: [String: String], target: Connection) throws {
        var actual = statements
        for relocation in try ExtensionRelocation.find(on: target, wanted: sourceExtensions) {
            actual = actual.map(relocation.reversed.apply)
        }
        let expectedKeys = Set(expected.map { "\($0.kind) \($0.name)" })
        let platform = actual.filter {
            $0.kind == "extension" && SupabaseCompat.platformExtensions.contains($0.name) && !expectedKeys.contains("extension \($0.name)")
        }
        let platformSchemas = Set(try target.query("""
            SELECT n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = ANY($1::text[])
            """, [platform.map(\.name)]).rows.compactMap { $0["nspname"] })
        let isPlatformComment = { (statement: DDLStatement) in
            statement.kind == "comment" && platformSchemas.contains { SharedSchemas.isSchemaLevel(statement, schema: $0) }
        }
        self.actual = actual.filter { !platform.contains($0) && !isPlatformComment($0) }
        self.expected = ViewSpelling.respell(expected.filter { !isPlatformComment($0) }, actual: self.actual, target: target)
    }
}
