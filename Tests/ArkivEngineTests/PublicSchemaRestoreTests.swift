@testable import ArkivEngine
import ArkivPostgres
import ArkivTestSupport
import Foundation
import Testing

/// `public` is the one schema every target already has, with initdb's comment: what the source
/// had on it (that comment, another, or none) comes back exactly.
@Suite("The public schema")
struct PublicSchemaRestoreTests {
    static func comment(_ target: ConnectionTarget) throws -> String? {
        try Connection(target).queryRow("SELECT obj_description('public'::regnamespace, 'pg_namespace') AS c")["c"]
    }

    @Test("--into-existing --clean keeps public's standard comment; a source without one restores without one", arguments: [TestServer.pg16])
    func comment(server: TestServer) throws {
        try withScratchDatabase(on: server) { source in
            try Connection(source).execute("CREATE TABLE public.notes (id integer PRIMARY KEY, body text); INSERT INTO public.notes VALUES (1, 'a')")
            let standard = try Self.comment(source)
            #expect(standard != nil)
            let fixture = try BackupFixture()
            var options = fixture.options(source: source)
            options.schemas = ["public"]
            let withComment = try fixture.backup(options)
            try withScratchDatabase(on: server) { target in
                var restore = try fixture.restoreOptions(set: withComment.id.rawValue, server: server, destination: .existing(clean: true))
                    .withTarget(target)
                restore.includeOwners = true
                _ = try fixture.restore(restore)
                #expect(try Self.comment(target) == standard)
            }

            try Connection(source).execute("COMMENT ON SCHEMA public IS NULL")
            let without = try fixture.backup(options)
            let restored = try fixture.restore(try fixture.restoreOptions(set: without.id.rawValue, server: server))
            defer { BackupFixture.drop(restored.database, on: server) }
            #expect(try Self.comment(server.target(database: restored.database)) == nil)
        }
    }
}
