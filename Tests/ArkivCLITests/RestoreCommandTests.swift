import ArkivPostgres
import ArkivTestSupport
import Foundation
import Testing

@Suite("arkiv-restore command")
struct RestoreCommandTests {
    private func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-restore-cli-\(UUID().uuidString)-\(name)").path
    }

    @Test("backup then restore into a scratch database, from the command line", arguments: [TestServer.pg16])
    func restoreScratch(server: TestServer) throws {
        let identity = temporaryPath("identity"), repo = temporaryPath("repo")
        let recipient = try runExecutable("arkiv", ["keygen", "-o", identity]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let environment = ["SOURCE_URL": try server.url(database: "workspace"), "TARGET_URL": try server.url()]
        let backup = try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--recipient", recipient,
                                                        "--schema", "billy", "--schema", "shared"], environment: environment)
        #expect(backup.status == 0, "\(backup.stderr)")
        let name = "arkiv_cli_\(UInt32.random(in: 0...UInt32.max))"
        let restore = try runExecutable(
            "arkiv-restore", ["latest", "--repo", repo, "--target-env", "TARGET_URL", "--scratch", "--scratch-name", name,
                              "--identity", identity, "--maintenance-work-mem", "300MB", "--json"], environment: environment)
        let admin = try server.connect()
        defer { try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        #expect(restore.status == 0, "\(restore.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(restore.stdout.utf8)) as? [String: Any])
        #expect(summary["database"] as? String == name)
        #expect(summary["tables"] as? Int == 10)
        let restored = try server.connect(database: name)
        #expect(try restored.queryRow("SELECT count(*) AS n FROM billy.organizations").decode(Int.self, "n") > 0)
    }

    @Test("destination flags are checked before anything happens", arguments: [
        (["latest", "--repo", "/nonexistent"], "choose --scratch"),
        (["latest", "--repo", "/nonexistent", "--scratch", "--into-existing"], "choose --scratch"),
        (["latest", "--repo", "/nonexistent", "--into-existing", "--clean"], "--yes"),
        (["latest", "--repo", "/nonexistent", "--scratch", "--maintenance-work-mem", "lots"], "--maintenance-work-mem takes a size"),
    ])
    func usage(arguments: [String], complaint: String) throws {
        let outcome = try runExecutable("arkiv-restore", arguments)
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains(complaint), "\(outcome.stderr)")
    }
}
