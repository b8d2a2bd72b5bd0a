import ArkivPostgres
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

/// A SeaweedFS of one test's own (`scripts/s3-test-server` in its own folder), so the test may
/// kill it without taking the shared server from every other test. Purged on deinit.
final class PrivateS3Server {
    let directory: String
    /// The `ARKIV_TEST_S3_*` exports of `start`.
    private(set) var exports: [String: String] = [:]

    init(tls: Bool = false) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-s3-private-\(UUID().uuidString.prefix(8))").path
        try script("start", tls: tls)
    }

    deinit { try? script("purge") }

    var bucket: String { exports["ARKIV_TEST_S3_BUCKET"] ?? "" }
    var endpoint: String { exports["ARKIV_TEST_S3_ENDPOINT"] ?? "" }

    /// What arkiv needs to reach it, from the environment only.
    var awsEnvironment: [String: String] {
        ["AWS_ACCESS_KEY_ID": exports["ARKIV_TEST_S3_ACCESS_KEY_ID"] ?? "", "AWS_SECRET_ACCESS_KEY": exports["ARKIV_TEST_S3_SECRET_ACCESS_KEY"] ?? "",
         "AWS_ENDPOINT_URL_S3": endpoint, "AWS_REGION": exports["ARKIV_TEST_S3_REGION"] ?? ""]
    }

    func storage(prefix: String, caBundle: String? = nil) throws -> S3Storage {
        var environment = awsEnvironment
        environment["AWS_CA_BUNDLE"] = caBundle
        let storage = S3Storage(bucket: bucket, prefix: prefix, configuration: try S3Configuration.resolve(environment: environment))
        storage.retry.attempts = 2
        return storage
    }

    /// kill -9 of the whole server (master, volume, filer and gateway are one process).
    func kill() throws {
        let text = try String(contentsOfFile: directory + "/weed.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = try #require(Int32(text))
        Glibc.kill(pid, SIGKILL)
        _ = waitUntil(timeout: 10) { Glibc.kill(pid, 0) != 0 }
    }

    func restart() throws { try script("restart") }

    private func script(_ action: String, tls: Bool = false) throws {
        let process = Process()
        process.executableURL = packageRoot.appendingPathComponent("scripts/s3-test-server")
        process.arguments = [action]
        var environment = ProcessInfo.processInfo.environment
        environment["ARKIV_S3_DIR"] = directory
        environment["ARKIV_S3_TLS"] = tls ? "1" : nil
        process.environment = environment
        // Files, not pipes: the server the script leaves running inherits the descriptors, and a
        // pipe it holds would never reach its end.
        let outPath = directory + "-\(action).out", errPath = directory + "-\(action).err"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { for path in [outPath, errPath] { try? FileManager.default.removeItem(atPath: path) } }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try process.run()
        process.waitUntilExit()
        let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        try #require(process.terminationStatus == 0, "scripts/s3-test-server \(action): \(errors)")
        for line in output.split(separator: "\n") where line.hasPrefix("export ") {
            let pair = line.dropFirst("export ".count).split(separator: "=", maxSplits: 1)
            if pair.count == 2 { exports[String(pair[0])] = String(pair[1]).trimmingCharacters(in: CharacterSet(charactersIn: "'")) }
        }
    }
}

/// The S3 server killed in the middle of a backup, a restore and a copy; a TLS endpoint with the
/// right and a wrong CA. Each: a clear error, a non-zero exit, nothing that looks complete,
/// nothing lost, and the next run succeeds. No secret in any output.
@Suite("S3 faults", .serialized)
struct S3FaultTests {
    private static let server = TestServer.pg16

    private func environment(_ s3: PrivateS3Server, _ target: ConnectionTarget) throws -> [String: String] {
        var environment = s3.awsEnvironment
        environment["SOURCE_URL"] = try Self.server.url(database: target.databaseName)
        environment["TARGET_URL"] = try Self.server.url()
        // Two attempts: the dead server is not waited for across the whole backoff.
        environment["ARKIV_S3_ATTEMPTS"] = "2"
        return environment
    }

    /// `big.rows`: random hex that compresses only about twofold, so an archive spans several
    /// 8 MiB parts and a restore reads it in many windows.
    private func createRandomTable(_ target: ConnectionTarget, rows: Int) throws {
        try Connection(target).execute("""
            CREATE SCHEMA big;
            CREATE UNLOGGED TABLE big.rows (id int PRIMARY KEY, payload text);
            INSERT INTO big.rows SELECT i, md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text)
                || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text)
              FROM generate_series(1, \(rows)) i;
            """)
    }

    private func expectNoSecret(_ outcome: ProcessOutcome, _ s3: PrivateS3Server, _ what: String) {
        let secret = s3.exports["ARKIV_TEST_S3_SECRET_ACCESS_KEY"] ?? "-"
        #expect(!outcome.stdout.contains(secret) && !outcome.stderr.contains(secret), "\(what) printed the secret")
    }

    /// Stops `process` at its first sign of life in the bucket, kills the server, lets it go on.
    private func killServer(under process: BackgroundProcess, _ s3: PrivateS3Server, when started: () throws -> Bool) throws {
        let seen = waitUntil(timeout: 60, interval: 0.01) { !process.isRunning || ((try? started()) ?? false) }
        try #require(seen, "\(process.stderr)")
        try #require(process.isRunning, "finished before the server could be killed: \(process.stderr)")
        process.send(SIGSTOP)
        try s3.kill()
        process.send(SIGCONT)
    }

    @Test("the server killed mid-backup: the backup fails naming the service, no complete set; after a restart the next backup succeeds and prune names the leftover")
    func killedMidBackup() throws {
        try withScratchDatabase(on: Self.server) { target in
            try createRandomTable(target, rows: 200_000)
            let s3 = try PrivateS3Server()
            let prefix = "backup-\(UUID().uuidString.prefix(8).lowercased())"
            let repo = "s3://\(s3.bucket)/\(prefix)"
            let environment = try environment(s3, target)
            let storage = try s3.storage(prefix: prefix)

            let backup = try BackgroundProcess("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption", "--schema", "big"],
                                               environment: environment)
            // Killed while a multipart upload is open: the leftover prune must clear.
            try killServer(under: backup, s3) { try !storage.abandonedUploads().isEmpty }
            let failed = backup.wait()
            #expect(failed.status != 0, "\(failed.stdout)")
            #expect(failed.stderr.contains("could not be reached") && failed.stderr.contains(s3.endpoint), "\(failed.stderr)")
            expectNoSecret(failed, s3, "the failed backup")

            try s3.restart()
            let sets = try StoredSets(storage: storage).sets()
            let complete = sets.filter { $0.complete }
            #expect(complete.isEmpty, "a set looks complete after the server died under its backup: \(sets)")
            // The dead backup's lock is stale only after 15 minutes (it names its holder when the
            // server kept the object's bytes through kill -9); the operator, who knows that
            // backup is gone, removes it as the message says.
            let locked = try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption", "--schema", "big"],
                                           environment: environment)
            #expect(locked.status == 4 && locked.stderr.contains("locked by") && locked.stderr.contains("/lock"), "\(locked.stderr)")
            try storage.delete("lock")
            let next = try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption", "--schema", "big"],
                                         environment: environment)
            #expect(next.status == 0, "\(next.stderr)")
            let quick = try runExecutable("arkiv-verify", ["archive", "latest", "--quick", "--repo", repo], environment: environment)
            #expect(quick.status == 0, "\(quick.stdout)\(quick.stderr)")
            #expect(try !storage.abandonedUploads().isEmpty, "the killed backup's open upload is still there")
            let prune = try runExecutable("arkiv-prune", ["--repo", repo, "--keep-last", "1"], environment: environment)
            #expect(prune.status == 0 && prune.stdout.contains("aborted an abandoned upload"), "\(prune.stdout)\(prune.stderr)")
            #expect(try storage.abandonedUploads().isEmpty, "prune cleared the killed backup's upload")
            let after = try StoredSets(storage: storage).sets()
            #expect(after.filter(\.complete).count == 1, "\(after)")
        }
    }

    @Test("the server killed mid-restore: the restore fails naming the service and its database; after a restart the set verifies and restores")
    func killedMidRestore() throws {
        try withScratchDatabase(on: Self.server) { target in
            try createRandomTable(target, rows: 200_000)
            let s3 = try PrivateS3Server()
            let prefix = "restore-\(UUID().uuidString.prefix(8).lowercased())"
            let repo = "s3://\(s3.bucket)/\(prefix)"
            let environment = try environment(s3, target)
            let backup = try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption", "--schema", "big",
                                                            "--level", "1"], environment: environment)
            try #require(backup.status == 0, "\(backup.stderr)")
            let admin = try Self.server.connect()
            let first = "arkiv_s3_fault_\(UInt32.random(in: 0...UInt32.max))", second = first + "_again"
            defer { for name in [first, second] { try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") } }

            let restore = try BackgroundProcess("arkiv-restore", ["latest", "--repo", repo, "--target-env", "TARGET_URL", "--scratch",
                                                                  "--scratch-name", first, "--jobs", "1"], environment: environment)
            try killServer(under: restore, s3) {
                try Fault.sessions(admin, database: first, application: "arkiv-restore worker", copying: true) > 0
            }
            let failed = restore.wait()
            #expect(failed.status != 0, "\(failed.stdout)")
            #expect(failed.stderr.contains("could not be reached") && failed.stderr.contains(first), "\(failed.stderr)")
            expectNoSecret(failed, s3, "the failed restore")

            try s3.restart()
            let quick = try runExecutable("arkiv-verify", ["archive", "latest", "--quick", "--repo", repo], environment: environment)
            #expect(quick.status == 0, "the set is whole after the server came back: \(quick.stdout)\(quick.stderr)")
            let again = try runExecutable("arkiv-restore", ["latest", "--repo", repo, "--target-env", "TARGET_URL", "--scratch",
                                                            "--scratch-name", second], environment: environment)
            #expect(again.status == 0, "\(again.stderr)")
            let rows = try Connection(try Self.server.target(database: second)).query("SELECT count(*) AS n FROM big.rows").rows.first?["n"]
            #expect(rows == "200000")
        }
    }

    @Test("the server killed mid-copy: the copy fails naming the service, the bucket holds no complete set; run again, it resumes and the copy verifies")
    func killedMidCopy() throws {
        try withScratchDatabase(on: Self.server) { target in
            try createRandomTable(target, rows: 200_000)
            let s3 = try PrivateS3Server()
            let local = Fault.temporaryPath("copy-source")
            defer { try? FileManager.default.removeItem(atPath: local) }
            let prefix = "copy-\(UUID().uuidString.prefix(8).lowercased())"
            let repo = "s3://\(s3.bucket)/\(prefix)"
            let environment = try environment(s3, target)
            let backup = try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", local, "--no-encryption", "--schema", "big",
                                                            "--level", "1"], environment: environment)
            try #require(backup.status == 0, "\(backup.stderr)")
            let storage = try s3.storage(prefix: prefix)

            let copy = try BackgroundProcess("arkiv", ["copy", "--from", local, "--to", repo], environment: environment)
            try killServer(under: copy, s3) { try !storage.abandonedUploads().isEmpty }
            let failed = copy.wait()
            #expect(failed.status != 0, "\(failed.stdout)")
            #expect((failed.stdout + failed.stderr).contains("could not be reached") && failed.stderr.contains("run the copy again"),
                    "\(failed.stdout)\(failed.stderr)")
            expectNoSecret(failed, s3, "the failed copy")

            try s3.restart()
            let complete = try StoredSets(storage: storage).sets().filter { $0.complete }
            #expect(complete.isEmpty, "a set looks complete after the server died under its copy")
            try storage.delete("lock")
            let prune = try runExecutable("arkiv-prune", ["--repo", repo, "--keep-last", "1"], environment: environment)
            #expect(prune.status == 0 && prune.stdout.contains("aborted an abandoned upload"), "\(prune.stdout)\(prune.stderr)")
            let resumed = try runExecutable("arkiv", ["copy", "--from", local, "--to", repo], environment: environment)
            #expect(resumed.status == 0 && resumed.stdout.contains("copied"), "\(resumed.stdout)\(resumed.stderr)")
            let quick = try runExecutable("arkiv-verify", ["archive", "latest", "--quick", "--repo", repo], environment: environment)
            #expect(quick.status == 0, "\(quick.stdout)\(quick.stderr)")
        }
    }

    @Test("an https endpoint: its own CA in AWS_CA_BUNDLE works for ping, backup and list; a wrong CA, or none, is named with the fix")
    func tls() throws {
        try withScratchDatabase(on: Self.server) { target in
            try createRandomTable(target, rows: 1_000)
            let s3 = try PrivateS3Server(tls: true)
            #expect(s3.endpoint.hasPrefix("https://"))
            let repo = "s3://\(s3.bucket)/tls"
            var environment = try environment(s3, target)
            let ca = try #require(s3.exports["ARKIV_TEST_S3_CA_FILE"]), wrongCA = try #require(s3.exports["ARKIV_TEST_S3_WRONG_CA_FILE"])

            for (bundle, label) in [(wrongCA, "a wrong CA"), (nil, "the system CAs")] as [(String?, String)] {
                environment["AWS_CA_BUNDLE"] = bundle
                let ping = try runExecutable("arkiv", ["ping", repo], environment: environment, unsetting: bundle == nil ? ["AWS_CA_BUNDLE"] : [])
                #expect(ping.status != 0 && ping.stderr.contains("TLS certificate is not trusted") && ping.stderr.contains("AWS_CA_BUNDLE"),
                        "\(label): \(ping.stdout)\(ping.stderr)")
                expectNoSecret(ping, s3, "ping with \(label)")
                let backup = try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption", "--schema", "big"],
                                               environment: environment, unsetting: bundle == nil ? ["AWS_CA_BUNDLE"] : [])
                #expect(backup.status != 0 && backup.stderr.contains("AWS_CA_BUNDLE"), "\(label): \(backup.stderr)")
            }
            #expect(try StoredSets(storage: try s3.storage(prefix: "tls", caBundle: ca)).sets().isEmpty, "a refused backup wrote nothing")

            environment["AWS_CA_BUNDLE"] = ca
            let ping = try runExecutable("arkiv", ["ping", repo], environment: environment)
            #expect(ping.status == 0, "\(ping.stdout)\(ping.stderr)")
            let backup = try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption", "--schema", "big"],
                                           environment: environment)
            #expect(backup.status == 0, "\(backup.stderr)")
            let list = try runExecutable("arkiv", ["list", "--repo", repo], environment: environment)
            #expect(list.status == 0 && list.stdout.contains("complete"), "\(list.stdout)\(list.stderr)")
        }
    }
}
