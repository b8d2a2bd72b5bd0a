import ArkivPostgres
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

/// `arkiv copy` and `arkiv ping s3://` against the real S3 server (SeaweedFS, from
/// `scripts/s3-test-server`): the offsite copy of 3-2-1, as an operator runs it.
@Suite("Offsite copies")
struct OffsiteCopyTests {
    static func variable(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment["ARKIV_TEST_S3_" + name], !value.isEmpty else {
            throw TestSetupError("ARKIV_TEST_S3_\(name) is not set: start the S3 test server with `eval \"$(scripts/s3-test-server start)\"` or run scripts/test")
        }
        return value
    }

    /// What the AWS tools read, pointed at the test server.
    static func awsEnvironment(readOnly: Bool = false) throws -> [String: String] {
        ["AWS_ACCESS_KEY_ID": try variable(readOnly ? "READONLY_ACCESS_KEY_ID" : "ACCESS_KEY_ID"),
         "AWS_SECRET_ACCESS_KEY": try variable(readOnly ? "READONLY_SECRET_ACCESS_KEY" : "SECRET_ACCESS_KEY"),
         "AWS_ENDPOINT_URL_S3": try variable("ENDPOINT"), "AWS_REGION": try variable("REGION")]
    }

    @Test("disk → bucket → disk: every file checked, a second copy skips, the copy back verifies, restores and equals the source; an interrupted copy resumes; a damaged object is refused (exit 3) and leaves no complete set; no secret in any output",
          arguments: [TestServer.pg16])
    func roundTrip(server: TestServer) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-offsite-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let identity = base + "/identity", local = base + "/local", back = base + "/back"
        let bucket = "s3://\(try Self.variable("BUCKET"))/offsite-\(UUID().uuidString.prefix(8).lowercased())"
        let recipient = try runExecutable("arkiv", ["keygen", "-o", identity]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        var environment = try Self.awsEnvironment()
        environment["SOURCE_URL"] = try server.url(database: "workspace")
        environment["TARGET_URL"] = try server.url()
        #expect(try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", local, "--recipient", recipient, "--schema", "crm"],
                                  environment: environment).status == 0)
        let id = try #require(try LocalRepository(path: local).sets().last).id.rawValue
        var outputs: [String] = []
        let run = { (arguments: [String]) throws -> ProcessOutcome in
            let outcome = try runExecutable("arkiv", arguments, environment: environment)
            outputs.append(outcome.stdout + outcome.stderr)
            return outcome
        }

        let ping = try run(["ping", bucket])
        #expect(ping.status == 0 && ping.stdout.contains("write    ok") && ping.stdout.contains("delete   ok"), "\(ping.stdout)\(ping.stderr)")

        let up = try run(["copy", "--from", local, "--to", bucket])
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        #expect(up.stdout.contains("\(id): copied:"), "\(up.stdout)")
        let again = try run(["copy", "--from", local, "--to", bucket])
        #expect(again.stdout.contains("\(id): present"), "\(again.stdout)")
        let listed = try run(["list", "--repo", bucket])
        #expect(listed.status == 0 && listed.stdout.contains(id) && listed.stdout.contains("complete") && listed.stdout.contains("workspace on"),
                "\(listed.stdout)\(listed.stderr)")
        let quick = try runExecutable("arkiv-verify", ["archive", "latest", "--quick", "--repo", bucket], environment: environment)
        #expect(quick.status == 0 && quick.stdout.contains("OK"), "every object of the copy hashes right: \(quick.stdout)\(quick.stderr)")

        let down = try run(["copy", "--all", "--from", bucket, "--to", back])
        #expect(down.status == 0, "\(down.stdout)\(down.stderr)")
        let verify = try runExecutable("arkiv-verify", ["archive", "latest", "--repo", back, "--identity", identity])
        #expect(verify.status == 0, "the copy back is the set, byte for byte: \(verify.stdout)\(verify.stderr)")
        let scratch = "arkiv_offsite_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try server.connect()
        defer { try? admin.execute("DROP DATABASE IF EXISTS \(scratch) WITH (FORCE)") }
        let restore = try runExecutable("arkiv-restore", ["latest", "--repo", back, "--target-env", "TARGET_URL", "--scratch", "--scratch-name", scratch,
                                                          "--identity", identity], environment: environment)
        #expect(restore.status == 0, "\(restore.stderr)")
        let compare = try runExecutable("arkiv-verify", ["compare", "--source-env", "SOURCE_URL", "--target-env", "RESTORED_URL", "--schema", "crm"],
                                        environment: environment.merging(["RESTORED_URL": try server.url(database: scratch)]) { $1 })
        #expect(compare.status == 0, "restored from the offsite copy, the data equals the source: \(compare.stdout)")

        // An interrupted copy back: no manifest, one file cut short. Run again: resumed and whole.
        let set = back + "/" + id
        let archive = try #require(try FileManager.default.contentsOfDirectory(atPath: set).first { $0.hasSuffix(".arkiv") })
        try FileManager.default.removeItem(atPath: set + "/manifest.json")
        try Data(try Data(contentsOf: URL(fileURLWithPath: set + "/" + archive)).prefix(100)).write(to: URL(fileURLWithPath: set + "/" + archive))
        let resumed = try run(["copy", id, "--from", bucket, "--to", back])
        #expect(resumed.status == 0 && resumed.stdout.contains("\(id): copied:"), "\(resumed.stdout)\(resumed.stderr)")
        #expect(try runExecutable("arkiv-verify", ["archive", id, "--repo", back, "--identity", identity]).status == 0)

        // A damaged object in the bucket: refused by name, nothing that looks complete.
        guard case .s3(let name, let prefix) = try RepositoryLocation(bucket) else { throw TestSetupError("not an s3 location") }
        let storage = S3Storage(bucket: name, prefix: prefix, configuration: try S3Configuration.resolve(environment: environment))
        var bytes = try storage.read(id + "/" + archive)
        bytes[bytes.count / 2] ^= 0x01
        try storage.save(id + "/" + archive, data: bytes, ifAbsent: false)
        let caught = try runExecutable("arkiv-verify", ["archive", id, "--quick", "--repo", bucket], environment: environment)
        #expect(caught.status == 3 && caught.stdout.contains("checksum mismatch"), "verify names the damaged object: \(caught.stdout)")
        let damaged = try run(["copy", id, "--from", bucket, "--to", base + "/third"])
        #expect(damaged.status == 3, "\(damaged.stdout)\(damaged.stderr)")
        #expect(damaged.stderr.contains("\(id)/\(archive): SHA-256") && damaged.stderr.contains("damaged"), "\(damaged.stderr)")
        #expect(!FileManager.default.fileExists(atPath: base + "/third/\(id)/manifest.json"))

        let secret = try Self.variable("SECRET_ACCESS_KEY")
        for output in outputs { #expect(!output.contains(secret), "the S3 secret appeared in an output") }
    }

    @Test("ping with a read-only key says what it may not do (exit 1); wrong credentials and a missing bucket are named with their fix")
    func accessProblems() throws {
        let bucket = "s3://\(try Self.variable("BUCKET"))/ping"
        let readOnly = try runExecutable("arkiv", ["ping", bucket], environment: try Self.awsEnvironment(readOnly: true))
        #expect(readOnly.status == 1)
        #expect(readOnly.stdout.contains("list     ok") && readOnly.stdout.contains("write    FAILED"), "\(readOnly.stdout)")
        #expect(readOnly.stderr.contains("may not write (needed by backup"), "\(readOnly.stderr)")

        var wrong = try Self.awsEnvironment()
        wrong["AWS_SECRET_ACCESS_KEY"] = "not-the-secret-0123456789"
        let denied = try runExecutable("arkiv", ["ping", bucket], environment: wrong)
        #expect(denied.status == 1 && denied.stdout.contains("SignatureDoesNotMatch: the access key or its secret is wrong"), "\(denied.stdout)")
        #expect(!(denied.stdout + denied.stderr).contains("not-the-secret-0123456789"))

        let missing = try runExecutable("arkiv", ["copy", "--from", "s3://arkiv-no-such-bucket/x", "--to", FileManager.default.temporaryDirectory.path + "/nowhere-\(UUID())"],
                                        environment: try Self.awsEnvironment())
        #expect(missing.status == 1 && missing.stderr.contains("bucket arkiv-no-such-bucket does not exist"), "\(missing.stderr)")
        let noCredentials = try runExecutable("arkiv", ["ping", bucket], environment: ["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "HOME": "/nonexistent"])
        #expect(noCredentials.status == 1 && noCredentials.stderr.contains("no S3 credentials"), "\(noCredentials.stderr)")
    }
}

/// `arkiv-backup --repo s3://…`: straight into the bucket, no local staging.
@Suite("Backups into a bucket")
struct BucketBackupTests {
    @Test("backup (encrypted) → list → verify --quick on the bucket → copy back → full verify and restore equal the source; a second backup while one holds the lock exits 4; a stale lock is taken over; an interrupted backup leaves no complete set and no open upload",
          arguments: [TestServer.pg16])
    func backupIntoBucket(server: TestServer) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-bucket-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let identity = base + "/identity"
        let bucketName = try OffsiteCopyTests.variable("BUCKET"), prefix = "direct-\(UUID().uuidString.prefix(8).lowercased())"
        let bucket = "s3://\(bucketName)/\(prefix)"
        let recipient = try runExecutable("arkiv", ["keygen", "-o", identity]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        var environment = try OffsiteCopyTests.awsEnvironment()
        environment["SOURCE_URL"] = try server.url(database: "workspace")
        environment["TARGET_URL"] = try server.url()
        let storage = S3Storage(bucket: bucketName, prefix: prefix, configuration: try S3Configuration.resolve(environment: environment))

        let backup = try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", bucket, "--recipient", recipient,
                                                        "--schema", "crm", "--schema", "flow"], environment: environment)
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(backup.stdout.contains("complete") && backup.stdout.contains(bucket), "\(backup.stdout)")
        #expect(try storage.stat("lock") == nil, "the lock object is gone after the backup")
        let list = try runExecutable("arkiv", ["list", "--repo", bucket], environment: environment)
        #expect(list.stdout.contains("complete") && list.stdout.contains("workspace on"), "\(list.stdout)")
        let quick = try runExecutable("arkiv-verify", ["archive", "latest", "--quick", "--repo", bucket], environment: environment)
        #expect(quick.status == 0, "\(quick.stdout)\(quick.stderr)")
        let fullInBucket = try runExecutable("arkiv-verify", ["archive", "latest", "--repo", bucket, "--identity", identity], environment: environment)
        #expect(fullInBucket.status == 0 && fullInBucket.stdout.contains("OK"), "decrypted and recounted in the bucket: \(fullInBucket.stdout)\(fullInBucket.stderr)")
        #expect(try storage.list(prefix: "verifications/").count == 2, "both verifications leave their record in the bucket")
        // Both archive files at once, each read by its own ranges: the same checks, in the same order.
        let serial = try runExecutable("arkiv-verify", ["archive", "latest", "--repo", bucket, "--identity", identity, "--json"], environment: environment)
        let parallel = try runExecutable("arkiv-verify", ["archive", "latest", "--repo", bucket, "--identity", identity, "--json", "--jobs", "2"],
                                         environment: environment)
        let checks = { (text: String) throws -> [String] in
            ((try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?["checks"] as? [[String: Any]] ?? [])
                .map { "\($0["object"] ?? "") \($0["check"] ?? "") \($0["actual"] ?? "")" }
        }
        #expect(parallel.status == 0 && serial.status == 0, "\(parallel.stderr)")
        #expect(try checks(parallel.stdout) == checks(serial.stdout) && !(try checks(serial.stdout)).isEmpty)

        let local = base + "/local"
        #expect(try runExecutable("arkiv", ["copy", "--from", bucket, "--to", local], environment: environment).status == 0)
        let full = try runExecutable("arkiv-verify", ["archive", "latest", "--repo", local, "--identity", identity])
        #expect(full.status == 0, "decrypts and recounts: \(full.stdout)\(full.stderr)")
        let scratch = "arkiv_bucket_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try server.connect()
        defer { try? admin.execute("DROP DATABASE IF EXISTS \(scratch) WITH (FORCE)") }
        #expect(try runExecutable("arkiv-restore", ["latest", "--repo", local, "--target-env", "TARGET_URL", "--scratch", "--scratch-name", scratch,
                                                    "--identity", identity], environment: environment).status == 0)
        let compare = try runExecutable("arkiv-verify", ["compare", "--source-env", "SOURCE_URL", "--target-env", "RESTORED_URL", "--schema", "crm", "--schema", "flow"],
                                        environment: environment.merging(["RESTORED_URL": try server.url(database: scratch)]) { $1 })
        #expect(compare.status == 0, "\(compare.stdout)")

        // Straight from the bucket, by range: restore, verify restored, and a drill.
        let direct = "arkiv_direct_\(UInt32.random(in: 0...UInt32.max))"
        defer { try? admin.execute("DROP DATABASE IF EXISTS \(direct) WITH (FORCE)") }
        let fromBucket = try runExecutable("arkiv-restore", ["latest", "--repo", bucket, "--target-env", "TARGET_URL", "--scratch", "--scratch-name", direct,
                                                             "--identity", identity], environment: environment)
        #expect(fromBucket.status == 0, "\(fromBucket.stderr)")
        let restoredEnvironment = environment.merging(["RESTORED_URL": try server.url(database: direct)]) { $1 }
        let proven = try runExecutable("arkiv-verify", ["restored", "latest", "--repo", bucket, "--target-env", "RESTORED_URL", "--identity", identity],
                                       environment: restoredEnvironment)
        #expect(proven.status == 0, "\(proven.stdout)\(proven.stderr)")
        let drill = try runExecutable("arkiv-drill", ["--repo", bucket, "--target-env", "TARGET_URL", "--identity", identity], environment: environment)
        #expect(drill.status == 0 && drill.stdout.contains("PASSED"), "\(drill.stdout)\(drill.stderr)")
        #expect(try storage.list(prefix: "drills/").count == 1, "the drill's report is kept in the bucket")
        #expect(try storage.list(prefix: "leases/").isEmpty, "every reader released its lease")
        // A damaged object is caught before anything is restored.
        let archiveName = try #require(try storage.list(prefix: "").first { $0.name.hasSuffix(".arkiv") }).name
        let original = try storage.read(archiveName)
        try storage.save(archiveName, data: original.prefix(original.count - 10), ifAbsent: false)
        let refused = try runExecutable("arkiv-restore", ["latest", "--repo", bucket, "--target-env", "TARGET_URL", "--scratch", "--scratch-name", direct + "_x",
                                                          "--identity", identity], environment: environment)
        #expect(refused.status == 1 && refused.stderr.contains(archiveName), "\(refused.stderr)")
        try storage.save(archiveName, data: original, ifAbsent: false)

        // Someone holds the lock (fresh): exit 4 naming them, nothing written.
        let held = try StorageLock(storage: storage, command: "arkiv prune (test)")
        let blocked = try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", bucket, "--recipient", recipient, "--schema", "crm"],
                                        environment: environment)
        #expect(blocked.status == 4 && blocked.stderr.contains("arkiv prune (test)"), "\(blocked.stderr)")
        held.release()
        #expect(try StoredSets(storage: storage).sets().count == 1)

        // A lock its holder stopped refreshing long ago is taken over, and said so.
        let stale = #"{"holder":{"command":"arkiv-backup","host":"gone-host","pid":1,"startedAt":"2026-01-01T00:00:00Z"},"refreshedAt":"2026-01-01T00:00:00Z"}"#
        try storage.save("lock", data: Data(stale.utf8), ifAbsent: false)
        let takeover = try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", bucket, "--recipient", recipient, "--schema", "crm"],
                                         environment: environment)
        #expect(takeover.status == 0 && takeover.stderr.contains("gone-host"), "\(takeover.stderr)")

        // Interrupted mid-upload: no manifest, nothing left open.
        try withScratchDatabase(on: server) { big in
            try Fault.createBigTable(try Connection(big), rows: 150_000)
            let running = try BackgroundProcess("arkiv-backup", ["--source-env", "BIG_URL", "--repo", bucket, "--no-encryption", "--schema", "big",
                                                                 "--level", "19", "--jobs", "1"],
                                                environment: environment.merging(["BIG_URL": try server.url(database: big.databaseName)]) { $1 })
            try #require(try Fault.waitForCopy(admin, database: big.databaseName, application: "arkiv-backup worker", process: running),
                         "the backup never started copying: \(running.stderr)")
            running.send(SIGTERM)
            let outcome = running.wait(timeout: 60)
            #expect(outcome.status == 1, "\(outcome.stderr)")
            let sets = try StoredSets(storage: storage).sets()
            #expect(sets.filter(\.complete).count == 2 && sets.count == 2, "the interrupted set left nothing: \(sets)")
            #expect(try storage.abandonedUploads().isEmpty, "no multipart upload left open")
            #expect(try storage.stat("lock") == nil)
        }

        // Prune in the bucket: the plan as on disk, a planted doubtful set kept and counted for nothing.
        let planted = try BackupID(date: Date()).rawValue
        try storage.save(planted + "/manifest.json", data: Data("{}".utf8), ifAbsent: true)
        let sets = try StoredSets(storage: storage).sets().filter(\.complete).map(\.id.rawValue)
        // A reader holds the older set: kept this run, naming the reader.
        let older = try BackupID(parsing: try #require(sets.filter { $0 != planted }.min()))
        let reader = try StorageLease(storage: storage, set: older, command: "arkiv-drill (paused)")
        let readerHeld = try runExecutable("arkiv-prune", ["--repo", bucket, "--keep-last", "1"], environment: environment)
        #expect(readerHeld.status == 0 && readerHeld.stdout.contains("in use by arkiv-drill (paused)"), "\(readerHeld.stdout)\(readerHeld.stderr)")
        #expect(try StoredSets(storage: storage).sets().contains { $0.id == older && $0.complete })
        reader.release()
        let prune = try runExecutable("arkiv-prune", ["--repo", bucket, "--keep-last", "1"], environment: environment)
        #expect(prune.status == 0, "\(prune.stdout)\(prune.stderr)")
        #expect(prune.stdout.contains("counted by no rule"), "\(prune.stdout)")
        let left = try StoredSets(storage: storage).sets().map(\.id.rawValue)
        #expect(Set(left) == Set([sets.filter { $0 != planted }.max() ?? "", planted]), "the newest real set and the doubtful one: \(prune.stdout)")
        #expect(try storage.list(prefix: "drills/").isEmpty, "the pruned set's drill report went with it")
        #expect(try storage.stat("lock") == nil)

        // A pin in the bucket is a record prune honours.
        let real = try #require(left.filter { $0 != planted }.first)
        let pin = try runExecutable("arkiv", ["pin", real, "--repo", bucket, "--note", "before the cutover"], environment: environment)
        let pinRecord = try storage.stat("pins/\(real).json")
        #expect(pin.status == 0 && pinRecord != nil, "\(pin.stdout)\(pin.stderr)")
        let pinnedPlan = try runExecutable("arkiv-prune", ["--repo", bucket, "--keep-last", "1", "--dry-run"], environment: environment)
        #expect(pinnedPlan.stdout.split(separator: "\n").first { $0.hasPrefix(real) }?.contains("pinned") == true, "\(pinnedPlan.stdout)")
    }
}
