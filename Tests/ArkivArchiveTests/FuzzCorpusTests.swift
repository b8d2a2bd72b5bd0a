@testable import ArkivArchive
import Foundation
import Testing

/// The fuzzing corpus kept in Fuzz/corpus/ is replayed by every `swift test`, so an input the
/// fuzzer once found keeps being checked without libFuzzer. The reading below is what
/// Fuzz/arkiv-fuzz/FuzzEntry.swift does with each input, with the same fixed keys.
@Suite("Fuzz corpus")
struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus").path

    /// The keys of FuzzEntry.swift: the seeds authenticate with them.
    static func dataKey() throws -> DataKey {
        var bytes = (1...32).map { UInt8($0) }
        return try DataKey(SecureBytes(consuming: &bytes))
    }

    static func identity() throws -> Identity {
        var bytes = (101...132).map { UInt8($0) }
        return try Identity(privateKey: SecureBytes(consuming: &bytes))
    }

    static func inputs(_ target: String) -> [String] {
        let folder = corpus + "/" + target
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted().map { folder + "/" + $0 }
    }

    @Test("every archive in the corpus is read to an error or to its end; the seeds read back whole")
    func archives() throws {
        let inputs = Self.inputs("archive")
        #expect(inputs.count >= 4, "the corpus is kept in the repository: \(Self.corpus)")
        let key = try Self.dataKey()
        for input in inputs {
            var readWhole = false
            for dataKey in [key, nil] {
                do throws(ArchiveError) {
                    let reader = try ArchiveReader(path: input, dataKey: dataKey)
                    _ = try reader.verify()
                    for member in reader.members { _ = try reader.contents(of: member.id, limit: 8 << 20) }
                    readWhole = true
                } catch {
                    #expect(!error.description.isEmpty)
                }
            }
            if (input as NSString).lastPathComponent.hasPrefix("seed-") {
                #expect(readWhole, "seed \(input) no longer reads: regenerate the seeds (ARKIV_FUZZ_WRITE_SEEDS=1) if the format changed")
            }
        }
    }

    @Test("every manifest in the corpus parses and opens or fails with an error; the seeds open")
    func manifests() throws {
        let inputs = Self.inputs("manifest")
        #expect(inputs.count >= 2, "the corpus is kept in the repository: \(Self.corpus)")
        let identity = try Self.identity()
        for input in inputs {
            let data = try Data(contentsOf: URL(fileURLWithPath: input))
            var opened = false
            do throws(ArchiveError) {
                let sealed = try ManifestCodec.decode(data, file: input)
                _ = try sealed.open(identities: [identity])
                opened = true
            } catch {
                #expect(!error.description.isEmpty)
            }
            if (input as NSString).lastPathComponent.hasPrefix("seed-") {
                #expect(opened, "seed \(input) no longer opens")
            }
        }
    }

    /// Writes the seeds (valid inputs under the fixed keys) into Fuzz/corpus/: run once with
    /// ARKIV_FUZZ_WRITE_SEEDS=1 when the format changes; otherwise it checks nothing is missing.
    @Test("the seed inputs exist (ARKIV_FUZZ_WRITE_SEEDS=1 rewrites them)")
    func seeds() throws {
        let write = ProcessInfo.processInfo.environment["ARKIV_FUZZ_WRITE_SEEDS"] == "1"
        let directory = TemporaryDirectory()
        var generator = SeededGenerator(seed: 9)
        let setID = try BackupSetID(bytes: (0..<16).map { UInt8($0) })
        let members = [
            MemberFixture(kind: .preData, name: "pre-data", bytes: Array(#"[{"kind":"table","name":"vault.t","sql":"CREATE TABLE vault.t (id int)"}]"#.utf8)),
            MemberFixture(kind: .data, name: "data \"vault\".\"t\"", bytes: Array((1...200).map { "\($0)\tname \($0)\n" }.joined().utf8)),
            MemberFixture(kind: .postData, name: "post-data", bytes: Array("[]".utf8)),
        ]
        var archives: [String: [UInt8]] = [:]
        for (name, encryption, codec) in [("seed-encrypted-zstd", Encryption.aes256GCM(try Self.dataKey()), Codec.zstd(level: 3)),
                                          ("seed-plain-gzip", .none, .gzip(level: 6)), ("seed-plain-none", .none, .none)] {
            let path = directory.file(name)
            _ = try writeArchive(at: path, fileName: "01-vault.arkiv", setID: setID, encryption: encryption, codec: codec,
                                 chunkSize: 512, members: members, interleave: true, generator: &generator)
            archives[name] = fileBytes(path)
        }
        let emptyPath = directory.file("seed-empty")
        _ = try writeArchive(at: emptyPath, fileName: "01-empty.arkiv", setID: setID, encryption: .none, codec: .none, chunkSize: 512,
                             members: [], generator: &generator)
        archives["seed-empty"] = fileBytes(emptyPath)

        let manifest = Manifest(
            tool: "arkiv fuzz seed", backupID: "20261125T000000Z-000000", setID: setID, createdAt: Date(timeIntervalSince1970: 1_795_000_000),
            label: "seed", pinned: false,
            source: .init(target: "postgres@h:5432/db", database: "db", serverVersion: "16.14", serverVersionNumber: 160014),
            encryption: .init(cipher: "aes-256-gcm", keys: [try KeyWrap.wrap(try Self.dataKey(), for: try Self.identity().recipient)]),
            codec: .init(name: "zstd", level: 3),
            tables: [.init(schema: "vault", name: "t", file: "01-vault.arkiv", copyFormat: "text", rows: 200,
                           plaintextBytes: 2000, storedBytes: 900, contentHash: ContentHash.zero.description, parts: [])])
        var plain = manifest
        plain.encryption = .unencrypted
        let manifests = [
            "seed-encrypted.json": [UInt8](try ManifestCodec.encode(manifest, dataKey: try Self.dataKey())),
            "seed-plain.json": [UInt8](try ManifestCodec.encode(plain, dataKey: nil)),
        ]
        for (target, files) in [("archive", archives), ("manifest", manifests)] {
            for (name, bytes) in files {
                let path = Self.corpus + "/" + target + "/" + name
                if write {
                    try FileManager.default.createDirectory(atPath: Self.corpus + "/" + target, withIntermediateDirectories: true)
                    try Data(bytes).write(to: URL(fileURLWithPath: path))
                } else {
                    #expect(FileManager.default.fileExists(atPath: path), "missing seed \(path): run this test with ARKIV_FUZZ_WRITE_SEEDS=1")
                }
            }
        }
    }
}
