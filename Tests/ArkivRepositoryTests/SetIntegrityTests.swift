import ArkivArchive
@testable import ArkivRepository
import Foundation
import Testing

@Suite("Set integrity against the manifest")
struct SetIntegrityTests {
    /// A complete set with two real archive files and its manifest.
    private func makeSet() throws -> (SetEntry, Manifest) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-integrity-\(UUID().uuidString)").path
        let repository = try LocalRepository(path: path, create: true)
        let id = try BackupID()
        let writer = try repository.createSet(id)
        let setID = try BackupSetID.generate()
        let dataKey = try DataKey.generate()
        var files: [Manifest.FileEntry] = []
        for schema in ["vault", "billy"] {
            let staged = try writer.stageFile(named: "\(schema).arkiv")
            let archive = try ArchiveWriter(
                fileDescriptor: staged.fileDescriptor, path: staged.temporaryPath, fileName: "\(schema).arkiv",
                setID: setID, encryption: .aes256GCM(dataKey))
            let member = try archive.beginMember(kind: .data, name: "\(schema).t")
            try archive.append(member, Array(repeating: UInt8(ascii: "x"), count: 300_000))
            _ = try archive.finishMember(member)
            let summary = try archive.finish()
            try staged.commit()
            files.append(.init(name: "\(schema).arkiv", schema: schema, bytes: summary.size, sha256: Hex.encode(summary.sha256)))
        }
        let manifest = Manifest(
            tool: "test", backupID: id.rawValue, setID: setID, createdAt: id.createdAt, label: nil, pinned: false,
            source: .init(target: "t", database: "d", serverVersion: "16", serverVersionNumber: 160000),
            encryption: .init(cipher: "aes-256-gcm", keys: try KeyWrap.wrap(dataKey, for: [try Identity.generate().recipient])),
            codec: .init(name: "zstd", level: 3), files: files)
        try writer.finish(manifest: ManifestCodec.encode(manifest, dataKey: dataKey))
        return (try repository.set(id.rawValue), manifest)
    }

    @Test("an intact set has no problems")
    func intact() throws {
        let (entry, manifest) = try makeSet()
        #expect(entry.storedCheck(manifest).isEmpty)
        #expect(try entry.readManifest().manifest == manifest)
    }

    @Test("a deleted, an extra, a truncated and a flipped file are each named")
    func damaged() throws {
        let (entry, manifest) = try makeSet()
        try FileManager.default.removeItem(atPath: entry.filePath("billy.arkiv"))
        try Data("stray".utf8).write(to: URL(fileURLWithPath: entry.filePath("other.arkiv")))
        var bytes = try Data(contentsOf: URL(fileURLWithPath: entry.filePath("vault.arkiv")))
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: entry.filePath("vault.arkiv")))
        let problems = entry.storedCheck(manifest)
        #expect(problems.map(\.kind) == [.unexpectedFile, .checksumMismatch, .missingFile])
        #expect(problems[0].file.hasSuffix("other.arkiv"))
        #expect(problems[1].file.hasSuffix("vault.arkiv"))
        #expect(problems[2].file.hasSuffix("billy.arkiv"))

        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: entry.filePath("vault.arkiv")))
        let afterTruncation = entry.storedCheck(manifest)
        #expect(afterTruncation.contains { $0.kind == .sizeMismatch && $0.file.hasSuffix("vault.arkiv") }, "\(afterTruncation)")
    }

    @Test("a manifest naming a path outside the set is reported, not followed")
    func hostileManifest() throws {
        var (entry, manifest) = try makeSet()
        manifest.files.append(.init(name: "../../etc/passwd", schema: "x", bytes: 1, sha256: ""))
        #expect(entry.storedCheck(manifest).contains { $0.kind == .unreadable && $0.file == "../../etc/passwd" })
        _ = entry
    }
}

extension SetEntry {
    /// `verify archive --quick` of this set, as every repository does it.
    func storedCheck(_ manifest: Manifest) -> [IntegrityProblem] {
        StoredSets(storage: LocalStorage(root: (path as NSString).deletingLastPathComponent)).checkFiles(id, against: manifest)
    }
}
