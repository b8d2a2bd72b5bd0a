@testable import ArkivArchive
import Foundation
import Testing

@Suite("Manifest")
struct ManifestTests {
    static func sample(encrypted: Bool, recipients: [Recipient] = []) throws -> (Manifest, DataKey?) {
        let dataKey = encrypted ? try DataKey.generate() : nil
        let keys = try dataKey.map { try KeyWrap.wrap($0, for: recipients, passphrase: recipients.isEmpty ? SecureBytes(utf8: "pw") : nil,
                                                      scrypt: .init(logN: 10)) } ?? []
        let vector = Manifest.VectorColumn(name: "embedding", declaredDimension: 1536, nullCount: 10, minDimension: 1536, maxDimension: 1536)
        let part = Manifest.Part(member: "data vault.embeddings", rows: 200, plaintextBytes: 1_234_567, storedBytes: 400_000,
                                 plaintextSHA256: String(repeating: "ab", count: 32), contentHash: String(repeating: "cd", count: 16))
        let table = Manifest.TableEntry(
            schema: "vault", name: "embeddings", file: "vault.arkiv", copyFormat: "binary", rows: 200,
            plaintextBytes: 1_234_567, storedBytes: 400_000, contentHash: part.contentHash, parts: [part], vectorColumns: [vector])
        let manifest = Manifest(
            tool: "arkiv 0.1.0", backupID: "20261125T031500Z-4f9a1c-nightly", setID: try BackupSetID.generate(),
            createdAt: Date(timeIntervalSince1970: 1_795_000_000), label: "nightly", pinned: false,
            source: .init(target: "postgres@127.0.0.1:5432/tekup_db", database: "tekup_db", serverVersion: "16.14",
                          serverVersionNumber: 160014, systemIdentifier: "7400000000000000001",
                          snapshotTime: Date(timeIntervalSince1970: 1_795_000_000), walLSN: "0/1A2B3C4D"),
            encryption: encrypted ? .init(cipher: "aes-256-gcm", keys: keys) : .unencrypted,
            codec: .init(name: "zstd", level: 3),
            files: [.init(name: "vault.arkiv", schema: "vault", bytes: 401_000, sha256: String(repeating: "ef", count: 32))],
            tables: [table],
            excluded: [.init(kind: "table", name: "vault.secrets", reason: "member of extension supabase_vault")])
        return (manifest, dataKey)
    }

    @Test("encodes, parses and verifies, encrypted and not", arguments: [true, false])
    func roundTrip(encrypted: Bool) throws {
        let (manifest, dataKey) = try Self.sample(encrypted: encrypted)
        let data = try ManifestCodec.encode(manifest, dataKey: dataKey)
        #expect(data.starts(with: Data(#"{"mac":""#.utf8)))
        #expect(try JSONSerialization.jsonObject(with: data) is [String: Any], "manifest.json is plain JSON")
        let sealed = try ManifestCodec.decode(data, file: "manifest.json")
        #expect(sealed.manifest == manifest)
        try sealed.verify(dataKey: dataKey)
        if encrypted {
            #expect(try sealed.open(identities: [], passphrase: SecureBytes(utf8: "pw")) != nil)
        }
    }

    @Test("a changed count, a changed byte anywhere, or another set's key fails authentication", arguments: [true, false])
    func tamper(encrypted: Bool) throws {
        let (manifest, dataKey) = try Self.sample(encrypted: encrypted)
        let data = try ManifestCodec.encode(manifest, dataKey: dataKey)
        let text = String(decoding: data, as: UTF8.self)
        let edited = Data(text.replacingOccurrences(of: "\"rows\" : 200", with: "\"rows\" : 201").utf8)
        #expect(edited != data)
        let sealed = try ManifestCodec.decode(edited, file: "m.json")
        #expect(sealed.manifest.tables.first?.rows == 201, "parsing alone does not prove anything")
        #expect(throws: ArchiveError.manifestAuthenticationFailed(file: "m.json")) { try sealed.verify(dataKey: dataKey) }
        // Every byte after the MAC is covered.
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<200 {
            var bytes = [UInt8](data)
            let index = 72 + Int(generator.next() % UInt64(bytes.count - 72))
            bytes[index] ^= UInt8(1 << (generator.next() % 8))
            if let sealed = try? ManifestCodec.decode(Data(bytes), file: "m.json") {
                #expect(throws: ArchiveError.self) { try sealed.verify(dataKey: dataKey) }
            }
        }
        if encrypted {
            let other = try DataKey.generate()
            #expect(throws: ArchiveError.manifestAuthenticationFailed(file: "manifest.json")) {
                try ManifestCodec.decode(data, file: "manifest.json").verify(dataKey: other)
            }
            #expect(throws: ArchiveError.dataKeyRequired(file: "manifest.json")) {
                try ManifestCodec.decode(data, file: "manifest.json").verify(dataKey: nil)
            }
        }
    }

    @Test("the wrong identity is told whom the set is encrypted to")
    func wrongIdentity() throws {
        let owner = try Identity.generate()
        let stranger = try Identity.generate()
        let (manifest, dataKey) = try Self.sample(encrypted: true, recipients: [owner.recipient])
        let sealed = try ManifestCodec.decode(try ManifestCodec.encode(manifest, dataKey: dataKey), file: "manifest.json")
        let error = try #require(throws: ArchiveError.self) { try sealed.open(identities: [stranger]) }
        #expect(error.description.contains(owner.keyID.description))
        #expect(error.description.contains(stranger.keyID.description))
        #expect(try sealed.open(identities: [stranger, owner]) != nil)
    }

    @Test("malformed manifests are refused with the reason", arguments: [
        ("", "must start with"),
        ("{}", "must start with"),
        (#"{"mac":"zz"}"#, "must start with"),
        (#"{"mac":"0000000000000000000000000000000000000000000000000000000000000000","formatVersion":1}"#, "missing field"),
    ])
    func malformed(text: String, complaint: String) throws {
        let error = try #require(throws: ArchiveError.self) { try ManifestCodec.decode(Data(text.utf8), file: "x.json") }
        #expect(error.description.contains(complaint), "\(error)")
    }

    @Test("a manifest from a newer format is refused with the fix")
    func newerVersion() throws {
        var (manifest, _) = try Self.sample(encrypted: false)
        manifest.formatVersion = Manifest.formatVersion + 1
        let data = try ManifestCodec.encode(manifest, dataKey: nil)
        let error = try #require(throws: ArchiveError.self) { try ManifestCodec.decode(data, file: "m.json") }
        #expect(error.description.contains("use a newer arkiv"))
    }

    @Test("2000 seeded mutations: the parser throws or yields a manifest that fails verification, never crashes")
    func fuzz() throws {
        let (manifest, dataKey) = try Self.sample(encrypted: true)
        let original = [UInt8](try ManifestCodec.encode(manifest, dataKey: dataKey))
        var generator = SeededGenerator(seed: 99)
        var parsed = 0
        for _ in 0..<2000 {
            let mutated = FuzzTests.mutate(original, &generator)
            guard mutated != original, let sealed = try? ManifestCodec.decode(Data(mutated), file: "m.json") else { continue }
            parsed += 1
            // Whitespace-only or key-order changes still fail: the MAC covers bytes, not meaning.
            #expect(throws: ArchiveError.self) { try sealed.verify(dataKey: dataKey) }
        }
        #expect(parsed < 2000)
    }
}
