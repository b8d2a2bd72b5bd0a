import ArkivPostgres
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

/// Small slips an operator makes, each caught where it is made, with the flag named.
@Suite("Operator slips")
struct OperatorSlipTests {
    @Test("--lock-timeout abc, --incomplete-grace 1s and an uppercase --label are usage errors (exit 2) naming the flag; nothing is written")
    func usageSlips() throws {
        let repo = Fault.temporaryPath("repo")
        for (arguments, words) in [
            (["arkiv-backup", "--repo", repo, "--no-encryption", "--source", "postgresql://127.0.0.1:1/none", "--lock-timeout", "abc"], "--lock-timeout"),
            (["arkiv-prune", "--repo", repo, "--keep-last", "1", "--incomplete-grace", "1s"], "--incomplete-grace must be at least 1h"),
            (["arkiv-backup", "--repo", repo, "--no-encryption", "--source", "postgresql://127.0.0.1:1/none", "--label", "Pre-Cutover"], "lowercase"),
        ] {
            let outcome = try runExecutable(arguments[0], Array(arguments.dropFirst()))
            #expect(outcome.status == 2, "\(arguments): \(outcome.stderr)")
            #expect(outcome.stderr.contains(words), "\(arguments): \(outcome.stderr)")
            #expect(!FileManager.default.fileExists(atPath: repo), "\(arguments) wrote something")
        }
    }

    @Test("--rename-schema onto public, a system schema or another schema of the set is refused before the scratch database exists",
          arguments: [TestServer.pg16])
    func renameOntoTaken(server: TestServer) throws {
        let repo = Fault.temporaryPath("repo")
        let environment = ["SOURCE_URL": try server.url(database: "workspace"), "TARGET_URL": try server.url()]
        #expect(try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption", "--schema", "crm", "--schema", "flow"],
                                  environment: environment).status == 0)
        let admin = try server.connect()
        for (rename, words) in [("crm=public", "schema public already exists"), ("crm=pg_crm", "system schema"), ("crm=flow", "the set has a schema flow too")] {
            let name = "arkiv_rename_\(UInt32.random(in: 0...UInt32.max))"
            let outcome = try runExecutable("arkiv-restore", ["latest", "--repo", repo, "--target-env", "TARGET_URL", "--scratch", "--scratch-name", name,
                                                              "--rename-schema", rename], environment: environment)
            #expect(outcome.status == 1, "\(rename): \(outcome.stderr)")
            #expect(outcome.stderr.contains(words), "\(rename): \(outcome.stderr)")
            #expect(try admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]).rows.isEmpty, "\(rename): the preflight refused before creating")
        }
    }

    @Test("SIGHUP (a dropped ssh session) stops a backup like SIGTERM: no half set is left looking complete")
    func hangup() throws {
        try withScratchDatabase(on: TestServer.pg16) { target in
            let admin = try Connection(target)
            try Fault.createBigTable(admin, rows: 150_000)
            let repo = Fault.temporaryPath("repo")
            defer { try? FileManager.default.removeItem(atPath: repo) }
            let backup = try BackgroundProcess("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption", "--schema", "big",
                                                                "--level", "19", "--jobs", "1"],
                                               environment: ["SOURCE_URL": try TestServer.pg16.url(database: target.databaseName)])
            try #require(try Fault.waitForCopy(admin, database: target.databaseName, application: "arkiv-backup worker", process: backup),
                         "the backup never started copying: \(backup.stderr)")
            backup.send(SIGHUP)
            let outcome = backup.wait(timeout: 60)
            #expect(outcome.status == 1, "\(outcome.stderr)")
            #expect(outcome.stderr.contains("interrupted by SIGHUP"), "\(outcome.stderr)")
            #expect(try LocalRepository(path: repo).sets(includeIncomplete: true).isEmpty, "the unfinished set was removed")
        }
    }

    @Test("a restore stopped by a signal names the database it left marked incomplete", arguments: [TestServer.pg16])
    func interruptedRestore(server: TestServer) throws {
        try withScratchDatabase(on: server) { source in
            try Fault.createBigTable(try Connection(source), rows: 150_000)
            let repo = Fault.temporaryPath("repo")
            defer { try? FileManager.default.removeItem(atPath: repo) }
            let environment = ["SOURCE_URL": try server.url(database: source.databaseName), "TARGET_URL": try server.url()]
            #expect(try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption", "--schema", "big"],
                                      environment: environment).status == 0)
            let name = "arkiv_interrupted_\(UInt32.random(in: 0...UInt32.max))"
            let admin = try server.connect()
            defer { try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
            let restore = try BackgroundProcess("arkiv-restore", ["latest", "--repo", repo, "--target-env", "TARGET_URL", "--scratch",
                                                                  "--scratch-name", name, "--jobs", "1"], environment: environment)
            try #require(try Fault.waitForCopy(admin, database: name, application: "arkiv-restore worker", process: restore),
                         "the restore never started loading: \(restore.stderr)")
            restore.send(SIGTERM)
            let outcome = restore.wait(timeout: 60)
            #expect(outcome.status == 1)
            #expect(outcome.stderr.contains("interrupted by SIGTERM: database \(name) is left marked incomplete"), "\(outcome.stderr)")
        }
    }
}
