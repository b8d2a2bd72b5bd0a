import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

@Suite("arkiv-verify command")
struct VerifyCommandTests {
    @Test("exit 0 for a good set (quick needs no key), exit 3 with the file named for a damaged one", arguments: [TestServer.pg16])
    func exitCodes(server: TestServer) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-verify-cli-\(UUID().uuidString)").path
        let identity = base + "-identity", repo = base + "-repo", report = base + "-report.json"
        let recipient = try runExecutable("arkiv", ["keygen", "-o", identity]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let backup = try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--recipient", recipient, "--schema", "flow"],
                                       environment: ["SOURCE_URL": try server.url(database: "workspace")])
        #expect(backup.status == 0, "\(backup.stderr)")
        let quick = try runExecutable("arkiv-verify", ["archive", "latest", "--repo", repo, "--quick"])
        #expect(quick.status == 0, "\(quick.stdout)\(quick.stderr)")
        #expect(quick.stdout.contains("OK"))
        let full = try runExecutable("arkiv-verify", ["archive", "latest", "--repo", repo, "--identity", identity, "--report", report])
        #expect(full.status == 0, "\(full.stdout)\(full.stderr)")
        let written = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any])
        #expect((written["checks"] as? [[String: Any]])?.isEmpty == false)
        // A report that cannot be written names the path and the reason, never Foundation's error.
        let nowhere = base + "-no-such-folder/report.json"
        let unwritable = try runExecutable("arkiv-verify", ["archive", "latest", "--repo", repo, "--quick", "--report", nowhere])
        #expect(unwritable.status == 1)
        #expect(unwritable.stderr.contains("\(nowhere): no such file or directory") || unwritable.stderr.contains("\(nowhere): No such file"),
                "\(unwritable.stderr)")
        #expect(!unwritable.stderr.contains("NSCocoaErrorDomain"), "\(unwritable.stderr)")

        let set = try #require(try LocalRepository(path: repo).sets().first)
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: set.path).first { $0.hasSuffix(".arkiv") })
        var bytes = try Data(contentsOf: URL(fileURLWithPath: set.filePath(file)))
        bytes[200] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: set.filePath(file)))
        let damaged = try runExecutable("arkiv-verify", ["archive", "latest", "--repo", repo, "--quick"])
        #expect(damaged.status == 3)
        #expect(damaged.stdout.contains(file))
        let noKey = try runExecutable("arkiv-verify", ["archive", "latest", "--repo", repo])
        #expect(noKey.status == 2, "a full check without a key is a usage error")
    }
}
