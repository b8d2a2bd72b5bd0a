import ArkivPostgres
import ArkivTestSupport
import Foundation
import Testing

@Suite("arkiv-restore --data-only command")
struct DataOnlyCommandTests {
    @Test("non-empty tables are refused with a table of problems and fixes (exit 1), --truncate needs --yes (exit 2), then the load and verify --data-only pass",
          arguments: [TestServer.pg16])
    func dataOnly(server: TestServer) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-data-only-cli-\(UUID().uuidString)").path
        let identity = base + "-identity", repo = base + "-repo"
        let recipient = try runExecutable("arkiv", ["keygen", "-o", identity]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let backup = try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--recipient", recipient, "--schema", "crm"],
                                       environment: ["SOURCE_URL": try server.url(database: "workspace")])
        #expect(backup.status == 0, "\(backup.stderr)")
        try withScratchDatabase(on: server, template: "workspace") { target in
            let environment = ["TARGET_URL": try server.url(database: target.databaseName)]
            let restore = ["latest", "--repo", repo, "--target-env", "TARGET_URL", "--data-only", "--schema", "crm", "--identity", identity]
            let connection = try Connection(target)
            let count = { try connection.queryRow(#"SELECT count(*) AS n FROM crm."CrmDeal""#).decode(Int.self, "n") }
            let before = try count()

            let refused = try runExecutable("arkiv-restore", restore, environment: environment)
            #expect(refused.status == 1, "\(refused.stderr)")
            #expect(refused.stderr.contains("PROBLEM") && refused.stderr.contains("FIX"), "\(refused.stderr)")
            #expect(refused.stderr.contains(#"crm."CrmDeal""#) && refused.stderr.contains("not empty") && refused.stderr.contains("--truncate --yes"))
            #expect(try count() == before)

            let unconfirmed = try runExecutable("arkiv-restore", restore + ["--truncate"], environment: environment)
            #expect(unconfirmed.status == 2, "\(unconfirmed.stderr)")

            let loaded = try runExecutable("arkiv-restore", restore + ["--truncate", "--yes", "--json"], environment: environment)
            #expect(loaded.status == 0, "\(loaded.stderr)")
            #expect(try count() == before)

            let verify = try runExecutable("arkiv-verify", ["restored", "latest", "--repo", repo, "--target-env", "TARGET_URL", "--data-only",
                                                            "--identity", identity], environment: environment)
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
            #expect(verify.stdout.contains("OK"))
        }
    }
}
