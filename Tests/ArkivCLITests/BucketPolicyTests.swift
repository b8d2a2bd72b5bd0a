import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

/// A repository in a bucket named where operators name repositories: `[repository] path`,
/// `s3-endpoint` in a policy, or `--s3-endpoint` on any command, with no endpoint in the
/// environment. Every command reaches the same service, and `show` reads the set's pin,
/// verification and drill records from the bucket.
@Suite("Buckets in policies")
struct BucketPolicyTests {
    @Test("a policy names the bucket and its endpoint: backup, list, verify, pin, drill and show reach it with no endpoint in the environment; --s3-endpoint does the same on every command",
          arguments: [TestServer.pg16])
    func policyNamesTheBucket(server: TestServer) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-bucket-policy-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let endpoint = try OffsiteCopyTests.variable("ENDPOINT")
        let bucket = "s3://\(try OffsiteCopyTests.variable("BUCKET"))/policy-\(UUID().uuidString.prefix(8).lowercased())"
        var environment = try OffsiteCopyTests.awsEnvironment()
        // Nothing but the policy or the flag says where the service is (HOME hides any ~/.aws/config).
        environment["HOME"] = base
        environment["SOURCE_URL"] = try server.url(database: "workspace")
        environment["TARGET_URL"] = try server.url()
        let policy = base + "/nightly.toml"
        try "[repository]\npath = \"\(bucket)\"\ns3-endpoint = \"\(endpoint)\"\n".write(toFile: policy, atomically: true, encoding: .utf8)
        let run = { (name: String, arguments: [String]) throws -> ProcessOutcome in
            try runExecutable(name, arguments, environment: environment, unsetting: ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"])
        }

        let backup = try run("arkiv-backup", ["--policy", policy, "--source-env", "SOURCE_URL", "--no-encryption", "--schema", "crm"])
        try #require(backup.status == 0, "\(backup.stderr)")
        #expect(backup.stdout.contains(bucket), "\(backup.stdout)")
        let list = try run("arkiv", ["list", "--policy", policy, "--json"])
        let sets = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []
        try #require(list.status == 0 && sets.count == 1, "\(list.stdout)\(list.stderr)")
        let id = try #require(sets[0]["id"] as? String)
        let verify = try run("arkiv-verify", ["archive", id, "--quick", "--policy", policy])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let pin = try run("arkiv", ["pin", id, "--policy", policy, "--note", "before the cutover"])
        #expect(pin.status == 0, "\(pin.stderr)")
        let drill = try run("arkiv-drill", ["--policy", policy, "--target-env", "TARGET_URL"])
        #expect(drill.status == 0, "\(drill.stdout)\(drill.stderr)")

        let show = try run("arkiv", ["show", "latest", "--policy", policy, "--json"])
        try #require(show.status == 0, "\(show.stderr)")
        let details = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(details["id"] as? String == id && details["pinned"] as? Bool == true, "\(show.stdout)")
        #expect((details["pin"] as? String)?.hasPrefix("yes (by ") == true, "\(show.stdout)")
        #expect((details["verifications"] as? [Any])?.count == 1 && (details["drills"] as? [Any])?.count == 1, "\(show.stdout)")
        #expect((details["bytes"] as? Int ?? 0) > 0 && (details["tables"] as? [Any])?.isEmpty == false)
        let text = try run("arkiv", ["show", id, "--policy", policy])
        #expect(text.status == 0 && text.stdout.contains(id), "\(text.stdout)\(text.stderr)")

        // The flag instead of the policy, on the commands that read.
        for (name, arguments) in [("arkiv", ["list"]), ("arkiv", ["show", id]), ("arkiv-verify", ["archive", id, "--quick"]),
                                  ("arkiv-prune", ["--keep-last", "1", "--dry-run"])] {
            let outcome = try run(name, arguments + ["--repo", bucket, "--s3-endpoint", endpoint])
            #expect(outcome.status == 0, "\(name) \(arguments): \(outcome.stdout)\(outcome.stderr)")
        }
        let restored = "arkiv_bucket_policy_\(UInt32.random(in: 0...UInt32.max))"
        defer { try? server.connect().execute("DROP DATABASE IF EXISTS \(restored) WITH (FORCE)") }
        let restore = try run("arkiv-restore", [id, "--repo", bucket, "--s3-endpoint", endpoint, "--target-env", "TARGET_URL",
                                                "--scratch", "--scratch-name", restored])
        #expect(restore.status == 0, "\(restore.stdout)\(restore.stderr)")

        // A host whose key may only read (get, list) still verifies and restores; it says once
        // that prune cannot see it, and its verification record is a warning, not a failure.
        let readOnly = ["AWS_ACCESS_KEY_ID": try OffsiteCopyTests.variable("READONLY_ACCESS_KEY_ID"),
                        "AWS_SECRET_ACCESS_KEY": try OffsiteCopyTests.variable("READONLY_SECRET_ACCESS_KEY")]
        let readerOnly = try runExecutable("arkiv-verify", ["archive", id, "--quick", "--repo", bucket, "--s3-endpoint", endpoint],
                                           environment: environment.merging(readOnly) { $1 }, unsetting: ["AWS_ENDPOINT_URL_S3"])
        #expect(readerOnly.status == 0 && readerOnly.stderr.contains("prune cannot see this reader"), "\(readerOnly.stdout)\(readerOnly.stderr)")
        let restoredReadOnly = restored + "_ro"
        defer { try? server.connect().execute("DROP DATABASE IF EXISTS \(restoredReadOnly) WITH (FORCE)") }
        let readOnlyRestore = try runExecutable("arkiv-restore", [id, "--repo", bucket, "--s3-endpoint", endpoint, "--target-env", "TARGET_URL",
                                                                  "--scratch", "--scratch-name", restoredReadOnly],
                                                environment: environment.merging(readOnly) { $1 }, unsetting: ["AWS_ENDPOINT_URL_S3"])
        #expect(readOnlyRestore.status == 0, "\(readOnlyRestore.stdout)\(readOnlyRestore.stderr)")

        // A policy whose endpoint is wrong is named, not silently replaced by the environment's.
        try "[repository]\npath = \"\(bucket)\"\ns3-endpoint = \"ftp://\(endpoint.dropFirst(7))\"\n".write(toFile: policy, atomically: true, encoding: .utf8)
        let wrong = try run("arkiv", ["list", "--policy", policy])
        #expect(wrong.status != 0 && wrong.stderr.contains("is not an http(s) URL"), "\(wrong.stdout)\(wrong.stderr)")
    }
}
