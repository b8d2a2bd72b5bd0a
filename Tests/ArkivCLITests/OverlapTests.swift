import ArkivPostgres
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

/// Two runs that write one repository never overlap: the second is refused at once with exit 4,
/// naming the holder, and changes nothing.
@Suite("Overlap")
struct OverlapTests {
    @Test("a second backup while one is copying exits 4 naming the first; the first finishes untouched")
    func concurrentBackups() throws {
        let server = TestServer.pg16
        try withScratchDatabase(on: server) { target in
            let admin = try Connection(target)
            try Fault.createBigTable(admin, rows: 60_000)
            let repo = Fault.temporaryPath("repo")
            defer { try? FileManager.default.removeItem(atPath: repo) }
            let environment = ["SOURCE_URL": try server.url(database: target.databaseName)]
            let arguments = ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption", "--schema", "big"]
            let first = try BackgroundProcess("arkiv-backup", arguments + ["--level", "19", "--jobs", "1"], environment: environment)
            try #require(try Fault.waitForCopy(admin, database: target.databaseName, application: "arkiv-backup worker", process: first),
                         "the first backup never started copying: \(first.stderr)")
            let second = try runExecutable("arkiv-backup", arguments, environment: environment)
            #expect(second.status == 4, "\(second.stderr)")
            #expect(second.stderr.contains("arkiv-backup (pid \(first.pid)"), "the holder is named: \(second.stderr)")
            #expect(try LocalRepository(path: repo).sets(includeIncomplete: true).count == 1, "the refused run created nothing")
            let prune = try runExecutable("arkiv-prune", ["--repo", repo, "--keep-last", "1", "--incomplete-grace", "1h"])
            #expect(prune.status == 4, "prune during a backup waits for nobody: \(prune.stderr)")
            #expect(try LocalRepository(path: repo).sets(includeIncomplete: true).count == 1, "and removes nothing, not even the running set")
            let outcome = first.wait(timeout: 180)
            #expect(outcome.status == 0, "the first backup is not disturbed: \(outcome.stderr)")
            #expect(try LocalRepository(path: repo).sets().count == 1)
        }
    }
}
