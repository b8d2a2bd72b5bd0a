import ArkivArchive
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

/// A backup of the wrong database must not replace the history: the manifest says which
/// database a set is of, retention judges each source on its own, and an empty source is refused.
@Suite("Source identity")
struct SourceIdentityTests {
    @Test("an empty database is refused (exit 1, nothing written) unless --allow-empty; a set of another database lands beside, list names both sources and warns; prune --keep-last 1 keeps the newest of each",
          arguments: [TestServer.pg16])
    func wrongDatabase(server: TestServer) throws {
        let repo = Fault.temporaryPath("repo")
        let backup = { (database: String, extra: [String]) in
            try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption"] + extra,
                              environment: ["SOURCE_URL": try server.url(database: database)])
        }
        #expect(try backup("workspace", ["--schema", "crm"]).status == 0)
        #expect(try backup("workspace", ["--schema", "crm"]).status == 0)
        let real = try LocalRepository(path: repo).sets()
        let manifest = try #require(try real.first?.readManifest().manifest)
        #expect(manifest.source.systemIdentifier != nil && manifest.source.databaseOID != nil && manifest.source.database == "workspace")

        try withScratchDatabase(on: server) { empty in
            let refused = try backup(empty.databaseName, [])
            #expect(refused.status == 1, "\(refused.stderr)")
            #expect(refused.stderr.contains("database \(empty.databaseName) has no tables") && refused.stderr.contains("--allow-empty"), "\(refused.stderr)")
            #expect(try LocalRepository(path: repo).sets(includeIncomplete: true).count == 2, "nothing written")

            let allowed = try backup(empty.databaseName, ["--allow-empty"])
            #expect(allowed.status == 0, "\(allowed.stderr)")
            #expect(allowed.stderr.contains("also holds sets of workspace on"), "\(allowed.stderr)")

            let list = try runExecutable("arkiv", ["list", "--repo", repo])
            #expect(list.stdout.contains("SOURCE") && list.stdout.contains("workspace on") && list.stdout.contains("\(empty.databaseName) on"),
                    "\(list.stdout)")
            #expect(list.stderr.contains("holds sets of 2 sources"), "\(list.stderr)")

            let prune = try runExecutable("arkiv-prune", ["--repo", repo, "--keep-last", "1"])
            #expect(prune.status == 0, "\(prune.stdout)\(prune.stderr)")
            let left = try LocalRepository(path: repo).sets().map(\.id)
            #expect(left.count == 2, "the newest set of each source: \(prune.stdout)")
            #expect(left.contains(real[1].id), "the real database's newest set survives the empty one: \(prune.stdout)")
        }
    }
}
