import ArkivPostgres
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

/// The server goes away in the middle of a COPY: the backup fails naming the table, exits 1, and
/// leaves no set behind.
@Suite("Server loss", .serialized)
struct ServerLossTests {
    private func expectCleanFailure(_ outcome: ProcessOutcome, repo: String) throws {
        #expect(outcome.status == 1, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("COPY \"big\".\"rows\""), "the error names the table being copied: \(outcome.stderr)")
        #expect(try Fault.listing(repo).isEmpty, "no set, complete or not")
        #expect(Fault.files(in: repo) == ["lock"], "\(Fault.files(in: repo))")
    }

    @Test("pg_terminate_backend of the backup's worker mid-COPY: exit 1 naming the table, no set; the next backup works")
    func terminatedWorker() throws {
        let server = TestServer.pg16
        try withScratchDatabase(on: server) { target in
            let admin = try Connection(target)
            try Fault.createBigTable(admin, rows: 150_000)
            let repo = Fault.temporaryPath("repo")
            defer { try? FileManager.default.removeItem(atPath: repo) }
            let environment = ["SOURCE_URL": try server.url(database: target.databaseName)]
            let backup = try BackgroundProcess(
                "arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption", "--schema", "big", "--level", "19", "--jobs", "1"],
                environment: environment)
            try #require(try Fault.waitForCopy(admin, database: target.databaseName, application: "arkiv-backup worker", process: backup),
                         "the backup never started copying: \(backup.stderr)")
            let terminated = try admin.queryRow("""
                SELECT count(pg_catalog.pg_terminate_backend(pid)) AS n FROM pg_catalog.pg_stat_activity
                WHERE datname = current_database() AND application_name = 'arkiv-backup worker' AND query LIKE 'COPY %'
                """).decode(Int.self, "n")
            #expect(terminated == 1)
            let outcome = backup.wait(timeout: 60)
            try expectCleanFailure(outcome, repo: repo)
            #expect(outcome.stderr.contains("57P01") || outcome.stderr.contains("terminat"), "the server's reason is passed on: \(outcome.stderr)")
            #expect(try Fault.waitForNoSessions(admin, database: target.databaseName, application: "arkiv-backup"),
                    "the coordinator's snapshot ends too")
            let next = try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption", "--schema", "big", "--level", "1"],
                                         environment: environment)
            #expect(next.status == 0, "\(next.stderr)")
            #expect(try LocalRepository(path: repo).sets().count == 1)
        }
    }

    /// A server of this test's own (it is stopped with -m immediate, which the shared ones must
    /// never be), started by scripts/pg-test-server in its own folder and removed afterwards.
    @Test("the server stopped with -m immediate mid-COPY: exit 1 naming the table, no set")
    func serverCrash() throws {
        let server = try OwnTestServer(folder: "/tmp/arkiv-faults-servers", options: ["--no-fixture"])
        defer { server.stop() }
        let url = server.url
        let bin = try TestServer.pg16.binDirectory()
        let admin = try Connection(url, applicationName: "arkiv-tests")
        try Fault.createBigTable(admin, rows: 150_000)
        let repo = Fault.temporaryPath("repo")
        defer { try? FileManager.default.removeItem(atPath: repo) }
        let backup = try BackgroundProcess(
            "arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption", "--schema", "big", "--level", "19", "--jobs", "1"],
            environment: ["SOURCE_URL": url])
        try #require(try Fault.waitForCopy(admin, database: "postgres", application: "arkiv-backup worker", process: backup),
                     "the backup never started copying: \(backup.stderr)")
        // PostgreSQL refuses to run as root: pg_ctl runs as the server's user, as the script does.
        let pgCtl = [bin + "/pg_ctl", "-D", server.folder + "/pg16/data", "stop", "-m", "immediate"]
        let stop = getuid() == 0 ? try runProgram("/usr/sbin/runuser", ["-u", "postgres", "--"] + pgCtl) : try runProgram(pgCtl[0], Array(pgCtl.dropFirst()))
        try #require(stop.status == 0, "pg_ctl stop -m immediate: \(stop.stderr)")
        let outcome = backup.wait(timeout: 60)
        try expectCleanFailure(outcome, repo: repo)
    }
}
