import ArkivPostgres
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

/// Secrets go in, never come out: every byte a whole backup → verify → restore → verify → drill
/// cycle writes (stdout, stderr, JSON reports, the drill's history and metrics, the manifest,
/// every archive file, the lock file) is searched for the password, the passphrase and the
/// identity's private key.
@Suite("Secrets")
struct SecretLeakTests {
    @Test("no password, passphrase or private key in any output, report, manifest or archive")
    func noSecretAnywhere() throws {
        // A copy of the fixture: backing up `workspace` itself would block other tests cloning it.
        let server = TestServer.pg16
        try withScratchDatabase(on: server, template: "workspace") { source in
            let work = Fault.temporaryPath("secrets")
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: work) }
            let repo = work + "/repo", identity = work + "/identity", passphraseFile = work + "/passphrase"
            let passphrase = "pass-\(UUID().uuidString)"
            try (passphrase + "\n").write(toFile: passphraseFile, atomically: true, encoding: .utf8)
            chmod(passphraseFile, 0o600)
            let keygen = try runExecutable("arkiv", ["keygen", "-o", identity])
            try #require(keygen.status == 0, "\(keygen.stderr)")
            let recipient = keygen.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let privateKey = try #require(try String(contentsOfFile: identity, encoding: .utf8)
                .split(separator: "\n").first { $0.hasPrefix("ARKIV-IDENTITY-") }.map(String.init))
            let sourceURL = try server.url(database: source.databaseName)
            let password = try #require(URLComponents(string: sourceURL)?.password)
            let wrongPassword = "wrong-\(UUID().uuidString)"
            var wrongURL = try #require(URLComponents(string: sourceURL))
            wrongURL.password = wrongPassword
            let scratch = "arkiv_secrets_\(UInt32.random(in: 0...UInt32.max))"
            let admin = try server.connect()
            defer { try? admin.execute("DROP DATABASE IF EXISTS \(scratch) WITH (FORCE)") }

            let bucket = "s3://\(try OffsiteCopyTests.variable("BUCKET"))/secrets-\(UUID().uuidString.prefix(8).lowercased())"
            let s3Secret = try OffsiteCopyTests.variable("SECRET_ACCESS_KEY"), wrongS3Secret = "wrongS3-\(UUID().uuidString)"
            let environment = [
                "SOURCE_URL": sourceURL, "TARGET_URL": try server.url(), "RESTORED_URL": try server.url(database: scratch),
                "WRONG_URL": try #require(wrongURL.string),
            ].merging(try OffsiteCopyTests.awsEnvironment()) { $1 }
            var outcomes: [String: BackgroundProcess] = [:]
            func run(_ step: String, _ name: String, _ arguments: [String], expect status: Int32 = 0, environment extra: [String: String] = [:]) throws {
                let process = try BackgroundProcess(name, arguments, environment: environment.merging(extra) { $1 }, logFolder: work + "/logs")
                let outcome = process.wait(timeout: 300)
                #expect(outcome.status == status, "\(step): \(outcome.stderr)")
                outcomes[step] = process
            }
            let keys = ["--identity", identity]
            // The URL with its password in argv: warned about, still never printed.
            // (Into a repository of its own: two sets of one second have no defined "latest".)
            try run("backup-argv", "arkiv-backup", ["--source", sourceURL, "--repo", work + "/repo-argv", "--recipient", recipient, "--schema", "shared"])
            try run("backup", "arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--recipient", recipient,
                                               "--passphrase-file", passphraseFile, "--schema", "billy", "--schema", "shared", "--json"])
            try run("backup-wrong-password", "arkiv-backup", ["--source-env", "WRONG_URL", "--repo", repo, "--recipient", recipient], expect: 1)
            try run("ping", "arkiv", ["ping", sourceURL, "--json"])
            try run("verify-quick", "arkiv-verify", ["archive", "latest", "--repo", repo, "--quick", "--report", work + "/quick.json"])
            try run("verify-passphrase", "arkiv-verify", ["archive", "latest", "--repo", repo, "--passphrase-file", passphraseFile,
                                                          "--report", work + "/archive.json"])
            try run("restore", "arkiv-restore", ["latest", "--repo", repo, "--target-env", "TARGET_URL", "--scratch", "--scratch-name", scratch] + keys)
            try run("verify-restored", "arkiv-verify", ["restored", "latest", "--repo", repo, "--target-env", "RESTORED_URL", "--json",
                                                        "--report", work + "/restored.json"] + keys)
            try run("compare", "arkiv-verify", ["compare", "--source-env", "SOURCE_URL", "--target-env", "RESTORED_URL", "--schema", "shared",
                                                "--report", work + "/compare.json"])
            try run("drill", "arkiv-drill", ["--repo", repo, "--target-env", "TARGET_URL", "--passphrase-file", passphraseFile,
                                             "--metrics-file", work + "/arkiv.prom", "--json"])
            // The offsite copy and a bucket read with the right S3 secret, and with a wrong one.
            try run("copy-to-bucket", "arkiv", ["copy", "--from", repo, "--to", bucket, "--json"])
            try run("verify-bucket", "arkiv-verify", ["archive", "latest", "--repo", bucket, "--passphrase-file", passphraseFile])
            try run("copy-back", "arkiv", ["copy", "--from", bucket, "--to", work + "/repo-back"])
            try run("ping-wrong-s3-secret", "arkiv", ["ping", bucket], expect: 1, environment: ["AWS_SECRET_ACCESS_KEY": wrongS3Secret])
            try run("backup-wrong-s3-secret", "arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", bucket, "--recipient", recipient, "--schema", "shared"],
                    expect: 1, environment: ["AWS_SECRET_ACCESS_KEY": wrongS3Secret])
            #expect(outcomes["backup-argv"]?.stderr.contains("password") == true, "a password in argv is warned about")

            // Everything written: logs, reports, metrics, and every file of the repository.
            let files = try FileManager.default.subpathsOfDirectory(atPath: work).map { work + "/" + $0 }
                .filter { !FileSystemCheck.isDirectory($0) && $0 != identity && $0 != passphraseFile }
            #expect(files.contains { $0.hasSuffix("manifest.json") } && files.contains { $0.hasSuffix(".arkiv") } && files.contains { $0.contains("/drills/") }
                    && files.contains { $0.hasSuffix(".prom") } && files.filter { $0.hasSuffix(".stderr") }.count == outcomes.count,
                    "the search covers every kind of file: \(files)")
            let secrets = ["database password": password, "wrong password": wrongPassword, "passphrase": passphrase, "private key": privateKey,
                           "private key body": String(privateKey.dropFirst("ARKIV-IDENTITY-1-".count)),
                           "S3 secret key": s3Secret, "wrong S3 secret key": wrongS3Secret]
            for file in files {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
                for (what, secret) in secrets {
                    #expect(bytes.range(of: Data(secret.utf8)) == nil, "the \(what) appears in \(file)")
                }
            }
            // And every object the bucket holds.
            let storage = S3Storage(bucket: try OffsiteCopyTests.variable("BUCKET"), prefix: String(bucket.split(separator: "/").last ?? ""),
                                    configuration: try S3Configuration.resolve(environment: try OffsiteCopyTests.awsEnvironment()))
            let objects = try storage.list(prefix: "")
            #expect(objects.contains { $0.name.hasSuffix("manifest.json") } && objects.contains { $0.name.contains("/verifications/") || $0.name.hasPrefix("verifications/") })
            for object in objects {
                let bytes = try storage.read(object.name)
                for (what, secret) in secrets {
                    #expect(bytes.range(of: Data(secret.utf8)) == nil, "the \(what) appears in \(bucket)/\(object.name)")
                }
            }
        }
    }

    @Test("an identity readable by others is refused by restore, verify and drill, naming the fix")
    func insecureIdentity() throws {
        let work = Fault.temporaryPath("identity")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let identity = work + "/identity"
        #expect(try runExecutable("arkiv", ["keygen", "-o", identity]).status == 0)
        chmod(identity, 0o644)
        let environment = ["TARGET_URL": try TestServer.pg16.url()]
        for arguments in [
            ["arkiv-restore", "latest", "--repo", work, "--target-env", "TARGET_URL", "--scratch", "--identity", identity],
            ["arkiv-verify", "archive", "latest", "--repo", work, "--identity", identity],
            ["arkiv-drill", "--repo", work, "--target-env", "TARGET_URL", "--identity", identity],
        ] {
            let outcome = try runExecutable(arguments[0], Array(arguments.dropFirst()), environment: environment)
            #expect(outcome.status == 1, "\(arguments[0]): \(outcome.stderr)")
            #expect(outcome.stderr.contains("chmod 600 \(identity)"), "\(arguments[0]): \(outcome.stderr)")
        }
    }
}

extension SecretLeakTests {
    @Test("malformed connection strings (a bad % escape, an unclosed [, a bad key=value) never echo the password, on the command line or through --source-env")
    func malformedURLs() throws {
        let secret = "Sup3rS3cretPw"
        let urls = ["postgresql://app:\(secret)@db.internal:5432/tekup?%zz", "postgresql://app:\(secret)@[::1/tekup",
                    "postgresql://app:\(secret)%zz@db.internal/tekup", "host=db.internal password=\(secret) port=abc =",
                    "postgresql://app@db.internal/tekup?password=\(secret)&sslmode=%zz"]
        for url in urls {
            for arguments in [["arkiv-backup", "--repo", Fault.temporaryPath("repo"), "--no-encryption", "--source-env", "SOURCE_URL"],
                              ["arkiv", "ping", "--url-env", "SOURCE_URL"]] {
                let outcome = try runExecutable(arguments[0], Array(arguments.dropFirst()), environment: ["SOURCE_URL": url])
                #expect(outcome.status != 0, "\(url)")
                #expect(outcome.stderr.contains("invalid connection string") || outcome.stderr.contains("error"), "\(url): \(outcome.stderr)")
                for piece in [secret, "Sup3r", "S3cret"] {
                    #expect(!outcome.stderr.contains(piece) && !outcome.stdout.contains(piece), "\(arguments[0]) echoed the password of \(url): \(outcome.stderr)")
                }
            }
        }
    }

    @Test("--recipients-file pointed at an identity says so and echoes no byte of the private key; nothing is written")
    func identityAsRecipients() throws {
        let work = Fault.temporaryPath("keys")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let identity = work + "/identity"
        #expect(try runExecutable("arkiv", ["keygen", "-o", identity]).status == 0)
        let keyLine = try #require(try String(contentsOfFile: identity, encoding: .utf8).split(separator: "\n").first { $0.hasPrefix("ARKIV-IDENTITY-1-") })
        let key = String(keyLine.dropFirst("ARKIV-IDENTITY-1-".count))
        let repo = work + "/repo"
        let outcome = try runExecutable("arkiv-backup", ["--repo", repo, "--recipients-file", identity, "--source", "postgresql://127.0.0.1:1/none"])
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains("\(identity):") && outcome.stderr.contains("this is an identity (a private key), not a recipient"), "\(outcome.stderr)")
        for start in stride(from: 0, to: key.count - 6, by: 3) {
            let piece = String(key.dropFirst(start).prefix(6))
            #expect(!outcome.stderr.contains(piece), "a piece of the private key in: \(outcome.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: repo))
    }
}

private enum FileSystemCheck {
    static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }
}
