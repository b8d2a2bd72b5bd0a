@testable import ArkivArchive
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

private func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-cli-\(UUID().uuidString)-\(name)").path
}

@Suite("arkiv keygen, recipient and list")
struct KeyAndListCommandTests {
    @Test("keygen writes a private identity and prints its recipient; recipient prints it again")
    func keygen() throws {
        let path = temporaryPath("identity")
        let created = try runExecutable("arkiv", ["keygen", "--output", path])
        #expect(created.status == 0, "\(created.stderr)")
        let recipient = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(recipient.hasPrefix("arkiv1pub-"))
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        // The private key never reaches stdout or stderr.
        let privateLine = try #require(try String(contentsOfFile: path, encoding: .utf8)
            .split(separator: "\n").first { $0.hasPrefix("ARKIV-IDENTITY-1-") })
        #expect(!created.stdout.contains(privateLine) && !created.stderr.contains(privateLine))

        let again = try runExecutable("arkiv", ["recipient", path, "--key-id"])
        #expect(again.status == 0)
        let lines = again.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == recipient)
        #expect(lines.count == 2 && lines[1].count == 16)

        let overwrite = try runExecutable("arkiv", ["keygen", "--output", path])
        #expect(overwrite.status == 1, "an existing identity is never overwritten")
        #expect(overwrite.stderr.contains(path))
    }

    @Test("an identity readable by others is refused with the fix")
    func insecureIdentity() throws {
        let path = temporaryPath("identity")
        #expect(try runExecutable("arkiv", ["keygen", "-o", path]).status == 0)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let outcome = try runExecutable("arkiv", ["recipient", path])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("chmod 600 \(path)"))
    }

    @Test("list shows complete sets, hides incomplete ones unless --all, and has a stable JSON form")
    func list() throws {
        let repository = try LocalRepository(path: temporaryPath("repo"), create: true)
        let complete = try BackupID(date: Date(timeIntervalSince1970: 1_795_000_000), label: "nightly")
        let writer = try repository.createSet(complete)
        let manifest = Manifest(
            tool: "arkiv test", backupID: complete.rawValue, setID: try BackupSetID.generate(), createdAt: complete.createdAt,
            label: "nightly", pinned: true,
            source: .init(target: "postgres@h:5432/tekup_db", database: "tekup_db", serverVersion: "16.14", serverVersionNumber: 160014),
            encryption: .unencrypted, codec: .init(name: "zstd", level: 3),
            tables: [.init(schema: "vault", name: "documents", file: "vault.arkiv", copyFormat: "text", rows: 42,
                           plaintextBytes: 1000, storedBytes: 300, contentHash: ContentHash.zero.description, parts: [])])
        try writer.finish(manifest: ManifestCodec.encode(manifest, dataKey: nil))
        let incomplete = try BackupID(date: Date(timeIntervalSince1970: 1_795_086_400))
        _ = try repository.createSet(incomplete)

        let text = try runExecutable("arkiv", ["list", "--repo", repository.path])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains(complete.rawValue))
        #expect(!text.stdout.contains(incomplete.rawValue))
        #expect(text.stdout.contains("complete"))

        let all = try runExecutable("arkiv", ["list", "--repo", repository.path, "--all", "--json"])
        #expect(all.status == 0)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 2)
        #expect(rows[0]["id"] as? String == complete.rawValue)
        #expect(rows[0]["complete"] as? Bool == true)
        #expect(rows[0]["pinned"] as? Bool == true)
        #expect(rows[0]["rows"] as? Int == 42)
        #expect(rows[0]["label"] as? String == "nightly")
        #expect(rows[0]["createdAt"] as? String == "2026-11-18T11:06:40Z")
        #expect(rows[1]["id"] as? String == incomplete.rawValue)
        #expect(rows[1]["complete"] as? Bool == false)
    }

    @Test("list before the first backup says the backup will create the repository (exit 0); a repository whose folder is missing too is a mistake, named (exit 1); neither creates anything")
    func missingRepository() throws {
        let path = temporaryPath("nope")
        let outcome = try runExecutable("arkiv", ["list", "--repo", path])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("no repository at \(path) yet: the first backup creates it"), "\(outcome.stdout)")
        #expect(try runExecutable("arkiv", ["list", "--repo", path, "--json"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
        #expect(!FileManager.default.fileExists(atPath: path))

        let typo = temporaryPath("no-such-folder") + "/repo"
        let wrong = try runExecutable("arkiv", ["list", "--repo", typo])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains(typo) && wrong.stderr.contains("does not exist either"), "\(wrong.stderr)")
        #expect(!FileManager.default.fileExists(atPath: typo))
    }
}
