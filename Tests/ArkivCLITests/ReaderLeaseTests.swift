import ArkivPostgres
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

/// Restore, drill and verify hold the set they read (a lease), so prune never removes a set
/// while it is being read; readers never take the repository lock, and a repository they cannot
/// write does not stop them.
@Suite("Reader leases")
struct ReaderLeaseTests {
    private static let server = TestServer.pg16

    private func backUp(_ target: ConnectionTarget, to repo: String) throws {
        let backup = try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption", "--schema", "big", "--level", "1"],
                                       environment: ["SOURCE_URL": try Self.server.url(database: target.databaseName)])
        try #require(backup.status == 0, "\(backup.stderr)")
    }

    private func prune(_ repo: String, _ extra: [String] = []) throws -> (outcome: ProcessOutcome, sets: [String: [String: Any]]) {
        let outcome = try runExecutable("arkiv-prune", ["--repo", repo, "--keep-last", "1", "--json"] + extra)
        let json = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
        let sets = (json?["sets"] as? [[String: Any]] ?? []).reduce(into: [String: [String: Any]]()) { $0[$1["id"] as? String ?? ""] = $1 }
        return (outcome, sets)
    }

    @Test("prune keeps a set a paused drill reads, naming the drill, and the drill still passes; a reader killed with -9 blocks nothing")
    func pruneKeepsWhatIsRead() throws {
        try withScratchDatabase(on: Self.server) { target in
            try Fault.createBigTable(try Connection(target), rows: 150_000)
            let repo = Fault.temporaryPath("repo")
            defer { try? FileManager.default.removeItem(atPath: repo) }
            try backUp(target, to: repo)
            try backUp(target, to: repo)
            let sets = try LocalRepository(path: repo).sets()
            try #require(sets.count == 2)
            let old = sets[0].id.rawValue
            let environment = ["TARGET_URL": try Self.server.url()]
            let server = try Self.server.connect()
            let drillPrefix = String(("arkiv_drill_" + old.lowercased().replacingOccurrences(of: "-", with: "_")).prefix(55)) + "_"
            let restoreScratch = "arkiv_lease_\(UInt32.random(in: 0...UInt32.max))"
            var drillScratch = "arkiv_drill_none"
            defer {
                for name in [drillScratch, restoreScratch] { try? server.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
            }

            // A drill of the older set, stopped mid-restore: it holds the set and does nothing.
            let drill = try BackgroundProcess("arkiv-drill", ["--repo", repo, "--set", old, "--target-env", "TARGET_URL", "--jobs", "1"],
                                              environment: environment)
            _ = waitUntil(timeout: 60) {
                drillScratch = (try? server.query("SELECT datname FROM pg_catalog.pg_database WHERE starts_with(datname, $1)", [drillPrefix]))?
                    .rows.first?["datname"] ?? drillScratch
                return drillScratch != "arkiv_drill_none" || !drill.isRunning
            }
            try #require(try Fault.waitForCopy(server, database: drillScratch, application: "arkiv-restore worker", process: drill),
                         "the drill never started loading: \(drill.stderr)")
            drill.send(SIGSTOP)
            let holder = "in use by arkiv-drill (pid \(drill.pid) on "
            let plan = try runExecutable("arkiv-prune", ["--repo", repo, "--keep-last", "1", "--dry-run"])
            #expect(plan.status == 0 && plan.stdout.contains(holder) && plan.stdout.contains("otherwise removed: no rule keeps it")
                    && plan.stdout.contains("2 kept (1 in use by a reader), 0 would be removed"),
                    "the plan shows the reader: \(plan.stdout) \(plan.stderr)")
            let kept = try prune(repo)
            #expect(kept.outcome.status == 0, "a set in use is no failure: \(kept.outcome.stderr)")
            #expect(kept.sets[old]?["action"] as? String == "keep" && kept.sets[old]?["inUse"] as? Bool == true
                    && kept.sets[old]?["removed"] as? Bool == false, "\(kept.outcome.stdout)")
            #expect((kept.sets[old]?["reasons"] as? [String])?.first?.hasPrefix(holder) == true, "\(kept.outcome.stdout)")
            #expect(try LocalRepository(path: repo).sets().count == 2, "both sets are whole")
            drill.send(SIGCONT)
            let drilled = drill.wait(timeout: 300)
            #expect(drilled.status == 0, "the drill was not disturbed: \(drilled.stdout) \(drilled.stderr)")

            // A restore of the same set killed with -9 mid-load: the kernel drops its lease.
            let restore = try BackgroundProcess(
                "arkiv-restore", [old, "--repo", repo, "--target-env", "TARGET_URL", "--scratch", "--scratch-name", restoreScratch, "--jobs", "1"],
                environment: environment)
            try #require(try Fault.waitForCopy(server, database: restoreScratch, application: "arkiv-restore worker", process: restore),
                         "the restore never started loading: \(restore.stderr)")
            restore.send(SIGKILL)
            restore.wait()
            #expect(restore.wasKilled)
            let removed = try prune(repo)
            #expect(removed.outcome.status == 0, "\(removed.outcome.stderr)")
            #expect(removed.sets[old]?["removed"] as? Bool == true, "the killed reader's set is removed by the next prune: \(removed.outcome.stdout)")
            #expect(try LocalRepository(path: repo).sets().map(\.id.rawValue) == [sets[1].id.rawValue])
            #expect(!FileManager.default.fileExists(atPath: repo + "/leases/" + old), "its lease file went with it")
        }
    }

    /// As root, a read-only folder is writable; the reader runs without CAP_DAC_OVERRIDE (setpriv
    /// drops it from the bounding set), which makes the 0500 repository refuse it like another
    /// user's or a read-only mount.
    @Test("a repository the reader cannot write still restores and verifies, saying once that prune cannot see it")
    func readOnlyRepository() throws {
        try withScratchDatabase(on: Self.server) { target in
            try Fault.createBigTable(try Connection(target), rows: 100)
            let repo = Fault.temporaryPath("repo")
            defer {
                _ = try? runProgram("/bin/chmod", ["-R", "u+w", repo])
                try? FileManager.default.removeItem(atPath: repo)
            }
            try backUp(target, to: repo)
            let server = try Self.server.connect()
            let scratch = "arkiv_lease_ro_\(UInt32.random(in: 0...UInt32.max))"
            defer { try? server.execute("DROP DATABASE IF EXISTS \(scratch) WITH (FORCE)") }
            try #require(try runProgram("/bin/chmod", ["-R", "a-w", repo]).status == 0)
            let unprivileged = { (name: String, arguments: [String]) in
                try runProgram("/usr/bin/setpriv", ["--bounding-set=-dac_override,-dac_read_search,-fowner", try executableURL(name).path] + arguments,
                               environment: ["TARGET_URL": try Self.server.url()])
            }
            let probe = try runProgram("/usr/bin/setpriv", ["--bounding-set=-dac_override,-dac_read_search,-fowner", "/bin/mkdir", repo + "/probe"])
            try #require(probe.status != 0, "the setup failed: the reader could still write the repository")

            let restore = try unprivileged("arkiv-restore", ["latest", "--repo", repo, "--target-env", "TARGET_URL", "--scratch", "--scratch-name", scratch])
            #expect(restore.status == 0, "\(restore.stderr)")
            #expect(restore.stderr.components(separatedBy: "prune cannot see this reader").count == 2, "one line says so: \(restore.stderr)")
            let rows = try Self.server.connect(database: scratch).queryRow("SELECT count(*) AS n FROM big.rows").decode(Int.self, "n")
            #expect(rows == 100)
            let verify = try unprivileged("arkiv-verify", ["archive", "latest", "--repo", repo, "--quick"])
            #expect(verify.status == 0 && verify.stderr.contains("prune cannot see this reader"), "\(verify.stdout) \(verify.stderr)")
            #expect(!FileManager.default.fileExists(atPath: repo + "/leases"), "nothing was written")
        }
    }
}
