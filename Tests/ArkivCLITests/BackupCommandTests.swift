import ArkivPostgres
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

@Suite("arkiv-backup command")
struct BackupCommandTests {
    private func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-backup-cli-\(UUID().uuidString)-\(name)").path
    }

    @Test("backs up the fixture, logs JSON lines when not on a terminal, and prints a JSON summary", arguments: [TestServer.pg16])
    func backup(server: TestServer) throws {
        let identity = temporaryPath("identity"), repo = temporaryPath("repo")
        let key = try runExecutable("arkiv", ["keygen", "-o", identity])
        let recipient = key.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let outcome = try runExecutable(
            "arkiv-backup",
            ["--source-env", "SOURCE_URL", "--repo", repo, "--recipient", recipient, "--label", "nightly", "--json", "--jobs", "2"],
            environment: ["SOURCE_URL": try server.url(database: "workspace")])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        #expect(summary["tables"] as? Int == 53)
        #expect(summary["encrypted"] as? Bool == true)
        let events = outcome.stderr.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(events.filter { $0["event"] as? String == "table" }.count == 53, "one JSON line per table")
        #expect(events.contains { $0["event"] as? String == "start" })
        let sets = try LocalRepository(path: repo).sets()
        #expect(sets.count == 1)
        #expect(sets.first?.id.label == "nightly")
        // The source's password never reaches the logs.
        let password = try #require(URLComponents(string: try server.url())?.password)
        #expect(!outcome.stderr.contains(password) && !outcome.stdout.contains(password))
    }

    @Test("the start line and the summary count the same tables: a partitioned parent holds no rows of its own and is not counted",
          arguments: [TestServer.pg16])
    func tableCounts(server: TestServer) throws {
        try withScratchDatabase(on: server) { source in
            try Connection(source).execute("""
                CREATE SCHEMA app;
                CREATE TABLE app.events (id int, at date) PARTITION BY RANGE (at);
                CREATE TABLE app.events_2025 PARTITION OF app.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
                CREATE TABLE app.events_2026 PARTITION OF app.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
                CREATE TABLE app.notes (id int);
                INSERT INTO app.events VALUES (1, '2025-05-01'), (2, '2026-05-01');
                """)
            let outcome = try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", temporaryPath("repo"), "--no-encryption",
                                                             "--schema", "app", "--json"],
                                            environment: ["SOURCE_URL": try server.url(database: source.databaseName)])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
            #expect(summary["tables"] as? Int == 3)
            let start = outcome.stderr.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                .first { $0["event"] as? String == "start" }
            #expect((start?["message"] as? String)?.contains(": 1 schemas, 3 tables") == true, "\(start ?? [:])")
        }
    }

    @Test("a second backup while the repository is locked exits 4 and touches nothing", arguments: [TestServer.pg16])
    func locked(server: TestServer) throws {
        let repo = temporaryPath("repo")
        let repository = try LocalRepository(path: repo, create: true)
        let lock = try repository.lock(command: "arkiv-backup (test holder)")
        defer { lock.release() }
        let outcome = try runExecutable(
            "arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption"],
            environment: ["SOURCE_URL": try server.url(database: "workspace")])
        #expect(outcome.status == 4)
        #expect(outcome.stderr.contains("arkiv-backup (test holder)"))
        #expect(try repository.sets(includeIncomplete: true).isEmpty)
    }

    @Test("no recipient and no --no-encryption is a usage error naming the options")
    func encryptionRequired() throws {
        let outcome = try runExecutable("arkiv-backup", ["--repo", temporaryPath("repo")])
        #expect(outcome.status == 1 || outcome.status == 2)
        #expect(outcome.stderr.contains("--recipient") && outcome.stderr.contains("--no-encryption"))
    }

    @Test("an unknown schema fails with exit 1, names it, and leaves no set", arguments: [TestServer.pg16])
    func unknownSchema(server: TestServer) throws {
        let repo = temporaryPath("repo")
        let outcome = try runExecutable(
            "arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption", "--schema", "nope"],
            environment: ["SOURCE_URL": try server.url(database: "workspace")])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("\"nope\""))
        #expect(try LocalRepository(path: repo).sets(includeIncomplete: true).isEmpty)
    }

    @Test("--include-foreign-secrets without encryption is a usage error (exit 2) naming the flag; nothing is written",
          arguments: [TestServer.pg16])
    func foreignSecretsNeedEncryption(server: TestServer) throws {
        let repo = temporaryPath("repo")
        let outcome = try runExecutable(
            "arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption", "--include-foreign-secrets"],
            environment: ["SOURCE_URL": try server.url(database: "workspace")])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("--include-foreign-secrets") && outcome.stderr.contains("--no-encryption"), "\(outcome.stderr)")
        #expect(!FileManager.default.fileExists(atPath: repo))
    }

    @Test("a backup of the whole database takes its large objects (show counts them); --no-large-objects with an oid column pointing at them stops, naming the flag",
          arguments: [TestServer.pg16])
    func largeObjects(server: TestServer) throws {
        try withScratchDatabase(on: server) { source in
            try Connection(source).execute("""
                CREATE SCHEMA docs; CREATE TABLE docs.files (id integer PRIMARY KEY, body oid);
                INSERT INTO docs.files VALUES (1, lo_from_bytea(0, 'hello'));
                """)
            let repo = temporaryPath("repo")
            let environment = ["SOURCE_URL": try server.url(database: try Connection(source).database)]
            let taken = try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption"], environment: environment)
            #expect(taken.status == 0, "\(taken.stderr)")
            let shown = try runExecutable("arkiv", ["show", "latest", "--repo", repo])
            #expect(shown.stdout.contains("large objects 1, "), "\(shown.stdout)")

            let refused = try runExecutable(
                "arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption", "--no-large-objects"], environment: environment)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("docs.files.body") && refused.stderr.contains("--large-objects"), "\(refused.stderr)")
            #expect(try LocalRepository(path: repo).sets(includeIncomplete: true).count == 1)
        }
    }
}
