import ArkivPostgres
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

/// kill -9 leaves no chance to clean up: what is on disk and on the server afterwards must still
/// never look like a finished backup or restore, and the next run must simply work.
@Suite("kill -9")
struct KillTests {
    private static let server = TestServer.pg16

    private func sourceEnvironment(_ database: String) throws -> [String: String] {
        ["SOURCE_URL": try Self.server.url(database: database), "TARGET_URL": try Self.server.url()]
    }

    /// After a killed backup: exactly the leftover is listed, as incomplete; the next backup takes
    /// over the stale lock and finishes; the leftover stays incomplete for prune to remove.
    /// A big table (so a COPY of it lasts long enough to be killed) backed up unencrypted into
    /// `repo`; returns the environment naming source and target.
    private func backUpBigTable(in target: ConnectionTarget, to repo: String) throws -> [String: String] {
        try Fault.createBigTable(try Connection(target), rows: 300_000)
        let environment = try sourceEnvironment(target.databaseName)
        let backup = try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption", "--schema", "big", "--level", "1"],
                                       environment: environment)
        try #require(backup.status == 0, "\(backup.stderr)")
        return environment
    }

    private func expectRecovery(repo: String, database: String, leftover: String?) throws {
        let environment = try sourceEnvironment(database)
        let next = try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption", "--schema", "big", "--level", "1"],
                                     environment: environment)
        #expect(next.status == 0, "the next backup runs: \(next.stderr)")
        #expect(next.stderr.contains("taking over the lock left by arkiv-backup"), "the stale lock is reported: \(next.stderr)")
        let listing = try Fault.listing(repo)
        #expect(listing.filter { $0["complete"] as? Bool == true }.count == 1, "\(listing)")
        let incomplete = listing.filter { $0["complete"] as? Bool == false }.compactMap { $0["id"] as? String }
        #expect(incomplete == (leftover.map { [$0] } ?? []), "the killed run's folder is listed as incomplete, nothing else: \(listing)")
        let plain = try runExecutable("arkiv", ["list", "--repo", repo, "--json"])
        let complete = try JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(complete.count == 1 && complete.first?["id"] as? String != leftover, "list without --all never shows the leftover")
        if let leftover {
            let restore = try runExecutable("arkiv-restore", [leftover, "--repo", repo, "--target-env", "TARGET_URL", "--scratch"], environment: environment)
            #expect(restore.status == 1 && restore.stderr.contains("incomplete"), "an incomplete set is not restorable: \(restore.stderr)")
            let verify = try runExecutable("arkiv-verify", ["archive", leftover, "--repo", repo, "--quick"])
            #expect(verify.status == 1 && verify.stderr.contains("incomplete"), "nor verifiable: \(verify.stderr)")
            // Prune leaves a young incomplete set (a backup may still be writing it) and removes
            // it once it is older than the grace.
            let young = try runExecutable("arkiv-prune", ["--repo", repo, "--keep-last", "5"])
            #expect(young.status == 0, "\(young.stderr)")
            #expect(FileManager.default.fileExists(atPath: repo + "/" + leftover))
            // Its age counts from the time in its id: two hours pass (the folder takes an id two
            // hours older), and the shortest grace there is, 1h, lets prune take it.
            let aged = CompactTimestamp.string(from: try BackupID(parsing: leftover).createdAt.addingTimeInterval(-7200)) + String(leftover.dropFirst(16))
            try FileManager.default.moveItem(atPath: repo + "/" + leftover, toPath: repo + "/" + aged)
            let pruned = try runExecutable("arkiv-prune", ["--repo", repo, "--keep-last", "5", "--incomplete-grace", "1h"])
            #expect(pruned.status == 0, "\(pruned.stderr)")
            #expect(!FileManager.default.fileExists(atPath: repo + "/" + aged), "the leftover is gone: \(pruned.stdout)")
            #expect(try LocalRepository(path: repo).sets().count == 1, "the complete set stays")
        }
    }

    @Test("kill -9 while the backup waits for its table locks: no set folder, the lock is taken over, the next backup succeeds")
    func killDuringSnapshotAndLocks() throws {
        try withScratchDatabase(on: Self.server) { target in
            let admin = try Connection(target)
            try Fault.createBigTable(admin, rows: 1000)
            // Someone holds big.rows: the backup has its snapshot and waits in LOCK TABLE.
            let blocker = try Connection(target)
            try blocker.execute("BEGIN; LOCK TABLE big.rows IN ACCESS EXCLUSIVE MODE")
            let repo = Fault.temporaryPath("repo")
            defer { try? FileManager.default.removeItem(atPath: repo) }
            let backup = try BackgroundProcess(
                "arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption", "--schema", "big", "--lock-timeout", "60s"],
                environment: try sourceEnvironment(target.databaseName))
            let waiting = try waitUntil(timeout: 30) {
                try admin.queryRow("""
                    SELECT count(*) AS n FROM pg_catalog.pg_stat_activity
                    WHERE datname = current_database() AND application_name = 'arkiv-backup' AND wait_event_type = 'Lock'
                    """).decode(Int.self, "n") > 0
            }
            try #require(waiting, "the backup never waited for the lock: \(backup.stderr)")
            backup.send(SIGKILL)
            backup.wait()
            #expect(backup.wasKilled)
            #expect(Fault.files(in: repo) == ["lock"], "nothing but the lock file: \(Fault.files(in: repo))")
            #expect(try Fault.listing(repo).isEmpty)
            #expect(try Fault.waitForNoSessions(admin, database: target.databaseName, application: "arkiv-backup"),
                    "the snapshot's session ends with its client")
            try blocker.execute("ROLLBACK")
            try expectRecovery(repo: repo, database: target.databaseName, leftover: nil)
        }
    }

    @Test("kill -9 mid-COPY: the set folder has no manifest and is listed incomplete, the server's COPY ends, the next backup succeeds")
    func killMidCopy() throws {
        try withScratchDatabase(on: Self.server) { target in
            let admin = try Connection(target)
            try Fault.createBigTable(admin, rows: 150_000)
            let repo = Fault.temporaryPath("repo")
            defer { try? FileManager.default.removeItem(atPath: repo) }
            // zstd 19 keeps the COPY running for many seconds.
            let backup = try BackgroundProcess(
                "arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption", "--schema", "big", "--level", "19"],
                environment: try sourceEnvironment(target.databaseName))
            try #require(try Fault.waitForCopy(admin, database: target.databaseName, application: "arkiv-backup worker", process: backup),
                         "the backup never started copying: \(backup.stderr)")
            // Let some chunks reach the file.
            let setFolders = { try LocalRepository(path: repo).sets(includeIncomplete: true) }
            _ = try waitUntil(timeout: 5) { try setFolders().first.map { Fault.files(in: $0.path).contains { $0.hasSuffix(".partial") } } ?? false }
            backup.send(SIGKILL)
            backup.wait()
            #expect(backup.wasKilled)
            let folders = try setFolders()
            try #require(folders.count == 1)
            let files = Fault.files(in: folders[0].path)
            #expect(!files.contains(LocalRepository.manifestName), "\(files)")
            #expect(files.contains { $0.hasPrefix(".") && $0.hasSuffix(".partial") }, "the partial file is what a kill leaves: \(files)")
            #expect(try Fault.waitForNoSessions(admin, database: target.databaseName, application: "arkiv-backup"),
                    "the server ends the COPY when its client is gone")
            try expectRecovery(repo: repo, database: target.databaseName, leftover: folders[0].id.rawValue)
        }
    }

    @Test("kill -9 while the manifest is being written: every archive committed, still no manifest, listed incomplete")
    func killWhileWritingManifest() throws {
        try withScratchDatabase(on: Self.server) { target in
            let admin = try Connection(target)
            try Fault.createBigTable(admin, rows: 150_000)
            let repo = Fault.temporaryPath("repo")
            defer { try? FileManager.default.removeItem(atPath: repo) }
            try FileManager.default.createDirectory(atPath: repo, withIntermediateDirectories: true)
            let backup = try BackgroundProcess(
                "arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption", "--schema", "big", "--level", "3"],
                environment: try sourceEnvironment(target.databaseName))
            // The manifest is written to `.manifest.json.tmp-<pid>` and renamed (FileSystem.writeAtomically).
            // A FIFO put there as soon as the set folder appears makes that open block: the process is
            // then held exactly between "every archive committed" and "manifest renamed into place".
            var folder: String?
            _ = waitUntil(timeout: 60, interval: 0.0005) {
                folder = Fault.files(in: repo).first { $0 != "lock" }.map { repo + "/" + $0 }
                return folder != nil || !backup.isRunning
            }
            let set = try #require(folder, "no set folder appeared: \(backup.stderr)")
            let fifo = set + "/.\(LocalRepository.manifestName).tmp-\(backup.pid)"
            try #require(mkfifo(fifo, 0o600) == 0, "mkfifo \(fifo): errno \(errno)")
            #expect(!Fault.files(in: set).contains { $0.hasSuffix(".arkiv") }, "the FIFO was in place before any archive was committed")
            let held = waitUntil(timeout: 120) {
                let files = Fault.files(in: set)
                return !backup.isRunning || (files.contains { $0.hasSuffix(".arkiv") } && !files.contains { $0.hasSuffix(".partial") })
            }
            try #require(held && backup.isRunning, "the backup did not stop at the manifest: \(backup.stderr)")
            Thread.sleep(forTimeInterval: 0.3)
            try #require(backup.isRunning, "the backup finished without its manifest?: \(backup.stderr)")
            backup.send(SIGKILL)
            backup.wait()
            #expect(backup.wasKilled)
            let files = Fault.files(in: set)
            #expect(!files.contains(LocalRepository.manifestName), "\(files)")
            #expect(files.filter { $0.hasSuffix(".arkiv") }.count == 1, "the archive itself was complete: \(files)")
            try expectRecovery(repo: repo, database: target.databaseName, leftover: (set as NSString).lastPathComponent)
        }
    }

    @Test("kill -9 of arkiv-restore mid-data: the database stays marked incomplete; verify restored refuses it")
    func killRestore() throws {
        try withScratchDatabase(on: Self.server) { target in
            let repo = Fault.temporaryPath("repo")
            defer { try? FileManager.default.removeItem(atPath: repo) }
            let environment = try backUpBigTable(in: target, to: repo)
            let scratch = "arkiv_killed_\(UInt32.random(in: 0...UInt32.max))"
            let server = try Self.server.connect()
            defer { try? server.execute("DROP DATABASE IF EXISTS \(scratch) WITH (FORCE)") }
            let restore = try BackgroundProcess(
                "arkiv-restore", ["latest", "--repo", repo, "--target-env", "TARGET_URL", "--scratch", "--scratch-name", scratch, "--jobs", "1"],
                environment: environment)
            try #require(try Fault.waitForCopy(server, database: scratch, application: "arkiv-restore worker", process: restore),
                         "the restore never started loading: \(restore.stderr)")
            restore.send(SIGKILL)
            restore.wait()
            #expect(restore.wasKilled)
            #expect(try Fault.waitForNoSessions(server, database: scratch, application: "arkiv-restore"))
            let restored = try Self.server.connect(database: scratch)
            let comment = try restored.queryRow(
                "SELECT pg_catalog.shobj_description(oid, 'pg_database') AS c FROM pg_catalog.pg_database WHERE datname = current_database()")["c"]
            #expect(comment?.hasPrefix("arkiv-restore ") == true && comment?.contains("\"state\":\"incomplete\"") == true, "\(comment ?? "no comment")")
            #expect(try restored.queryRow("SELECT count(*) AS n FROM big.rows").decode(Int.self, "n") == 0,
                    "the table being loaded shows nothing of its interrupted COPY")

            let verify = try runExecutable("arkiv-verify", ["restored", "latest", "--repo", repo, "--target-env", "RESTORED_URL"],
                                           environment: ["RESTORED_URL": try Self.server.url(database: scratch)])
            #expect(verify.status == 3, "verify restored never passes an interrupted restore")
            #expect(verify.stdout.contains("incomplete restore of"), "the marker is the difference named: \(verify.stdout)")
        }
    }

    @Test("kill -9 of arkiv-drill mid-restore: its scratch is marked incomplete and refused; the next drill clears it and passes")
    func killDrill() throws {
        try withScratchDatabase(on: Self.server) { target in
            let repo = Fault.temporaryPath("repo")
            defer { try? FileManager.default.removeItem(atPath: repo) }
            let environment = try backUpBigTable(in: target, to: repo)
            let id = try #require(try LocalRepository(path: repo).sets().first).id.rawValue
            // Every drill names its scratch database afresh: the set's name and a random suffix.
            let prefix = String(("arkiv_drill_" + id.lowercased().replacingOccurrences(of: "-", with: "_")).prefix(55)) + "_"
            let server = try Self.server.connect()
            let drill = try BackgroundProcess("arkiv-drill", ["--repo", repo, "--target-env", "TARGET_URL", "--jobs", "1"], environment: environment)
            var found: String?
            _ = waitUntil(timeout: 60) {
                found = (try? server.query("SELECT datname FROM pg_catalog.pg_database WHERE starts_with(datname, $1)", [prefix]))?.rows.first?["datname"]
                return found != nil || !drill.isRunning
            }
            let scratch = try #require(found, "the drill made no scratch database: \(drill.stderr)")
            defer { try? server.execute("DROP DATABASE IF EXISTS \(try server.quoteIdentifier(scratch)) WITH (FORCE)") }
            try #require(try Fault.waitForCopy(server, database: scratch, application: "arkiv-restore worker", process: drill),
                         "the drill never started loading into \(scratch): \(drill.stderr)")
            drill.send(SIGKILL)
            drill.wait()
            #expect(drill.wasKilled)
            #expect(try Fault.waitForNoSessions(server, database: scratch, application: "arkiv-restore"))

            let verify = try runExecutable("arkiv-verify", ["restored", "latest", "--repo", repo, "--target-env", "RESTORED_URL"],
                                           environment: ["RESTORED_URL": try Self.server.url(database: scratch)])
            #expect(verify.status == 3 && verify.stdout.contains("incomplete restore of"), "\(verify.stdout)")

            let next = try runExecutable("arkiv-drill", ["--repo", repo, "--target-env", "TARGET_URL", "--json"], environment: environment)
            #expect(next.status == 0, "the next drill passes: \(next.stdout) \(next.stderr)")
            let exists = try server.queryRow("SELECT count(*) AS n FROM pg_catalog.pg_database WHERE datname = $1", [scratch]).decode(Int.self, "n")
            #expect(exists == 0, "and drops its scratch")
        }
    }
}
