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

    @Test("two chunks swapped in place are caught by the full check, naming the file", arguments: [TestServer.pg16])
    func reorderedChunks(server: TestServer) throws {
        try withScratchDatabase(on: server, template: "workspace") { source in
            let fixture = try BackupFixture()
            var options = fixture.options(source: source)
            options.schemas = ["vault"]
            options.encrypt = false
            options.recipients = []
            options.codec = .none
            options.jobs = 1  // one member at a time, so a member's chunks lie side by side
            let backup = try fixture.backup(options)
            let opened = try fixture.open(backup)
            let file = try #require(opened.manifest.schemas.first).file
            let path = opened.entry.filePath(file)
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            // Walk the records (FORMAT.md §2.2) to two consecutive ones of the same member, and swap them.
            func be(_ range: Range<Int>) -> Int { bytes[range].reduce(0) { $0 << 8 | Int($1) } }
            var offset = 12 + be(10..<12)
            var swapped = false
            while offset + 21 <= bytes.count, !swapped {
                let length = 21 + be(offset + 17..<offset + 21)
                let next = offset + length
                guard next + 21 <= bytes.count else { break }
                let nextLength = 21 + be(next + 17..<next + 21)
                if bytes[offset..<offset + 4] == bytes[next..<next + 4], next + nextLength <= bytes.count {
                    let a = Array(bytes[offset..<next]), b = Array(bytes[next..<next + nextLength])
                    bytes.replaceSubrange(offset..<next + nextLength, with: b + a)
                    swapped = true
                }
                offset = next
            }
            try #require(swapped, "no two consecutive chunks of one member")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            // The whole-file checksum is fixed up too, as a forger would: only the chunk order is wrong.
            var manifest = opened.manifest
            let index = try #require(manifest.files.firstIndex { $0.name == file })
            manifest.files[index].sha256 = Hex.encode(try SHA256.hash(bytes))
            try ManifestCodec.encode(manifest, dataKey: nil).write(to: URL(fileURLWithPath: opened.entry.manifestPath))
            let report = try verify(fixture, backup, quick: false)
            #expect(report.differences.contains { $0.object == file && $0.check == "archive" }, "\(report.differences)")
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
