import ArkivArchive
@testable import ArkivEngine
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

@Suite("verify archive")
struct ArchiveVerifierTests {
    private func verify(_ fixture: BackupFixture, _ backup: BackupResult, quick: Bool) throws -> VerifyReport {
        var verifier = ArchiveVerifier(repository: fixture.repository, set: backup.id.rawValue, quick: quick)
        verifier.identities = [fixture.identity]
        return try verifier.run()
    }

    @Test("a fresh backup passes both the quick and the full check", arguments: TestServer.allCases)
    func passes(server: TestServer) throws {
        try withScratchDatabase(on: server, template: "workspace") { source in
            let fixture = try BackupFixture()
            let backup = try fixture.backup(fixture.options(source: source))
            let quick = try verify(fixture, backup, quick: true)
            #expect(quick.passed, "\(quick.differences)")
            #expect(quick.checks.count == backup.manifest.files.count)
            let full = try verify(fixture, backup, quick: false)
            #expect(full.passed, "\(full.differences)")
            #expect(full.checks.filter { $0.check == "content hash" }.count == 53)
            if server.hasPgvector {
                #expect(full.checks.contains { $0.object == "vault.embeddings.embedding" && $0.check == "vector facts" && $0.passed })
            }
        }
    }

    @Test("a flipped bit, a deleted file and an extra file are each named; a re-sealed false count is caught by the full check",
          arguments: [TestServer.pg16])
    func faults(server: TestServer) throws {
        try withScratchDatabase(on: server, template: "workspace") { source in
            let fixture = try BackupFixture()
            var options = fixture.options(source: source)
            options.schemas = ["vault", "shared"]
            let backup = try fixture.backup(options)
            let opened = try fixture.open(backup)

            // Someone holding the key rewrites the manifest: 1 row more in shared.users, MAC redone.
            var forged = opened.manifest
            let index = try #require(forged.tables.firstIndex { $0.schema == "shared" && $0.name == "users" })
            forged.tables[index].rows += 1
            try ManifestCodec.encode(forged, dataKey: opened.dataKey).write(to: URL(fileURLWithPath: opened.entry.manifestPath))
            let recount = try verify(fixture, backup, quick: false)
            #expect(recount.differences.map { "\($0.object) \($0.check)" } == ["shared.users rows"], "\(recount.differences)")

            // A flipped bit in a stored file.
            let vault = opened.entry.filePath(try #require(opened.manifest.schemas.first { $0.name == "vault" }).file)
            var bytes = try Data(contentsOf: URL(fileURLWithPath: vault))
            bytes[bytes.count / 3] ^= 0x08
            try bytes.write(to: URL(fileURLWithPath: vault))
            try Data("x".utf8).write(to: URL(fileURLWithPath: opened.entry.filePath("stray.arkiv")))
            let shared = opened.entry.filePath(try #require(opened.manifest.schemas.first { $0.name == "shared" }).file)
            try FileManager.default.removeItem(atPath: shared)
            let quick = try verify(fixture, backup, quick: true)
            let named = Set(quick.differences.map(\.object))
            #expect(named == Set([(vault as NSString).lastPathComponent, (shared as NSString).lastPathComponent, "stray.arkiv"]), "\(quick.differences)")
            let full = try verify(fixture, backup, quick: false)
            #expect(full.differences.contains { $0.check == "archive" && $0.actual.contains("authentication") }, "\(full.differences)")
        }
    }

    @Test("an edited manifest fails authentication in the full check", arguments: [TestServer.pg16])
    func editedManifest(server: TestServer) throws {
        try withScratchDatabase(on: server, template: "workspace") { source in
            let fixture = try BackupFixture()
            var options = fixture.options(source: source)
            options.schemas = ["crm"]
            let backup = try fixture.backup(options)
            let path = try fixture.open(backup).entry.manifestPath
            let text = try String(contentsOfFile: path, encoding: .utf8)
            try text.replacingOccurrences(of: "\"rows\" : ", with: "\"rows\" : 1").write(toFile: path, atomically: true, encoding: .utf8)
            let report = try verify(fixture, backup, quick: false)
            #expect(report.differences.map(\.check) == ["authentication"], "\(report.differences)")
        }
    }
}
