@testable import ArkivArchive
import Dispatch
import Foundation
import Testing

@Suite("Archive round trips")
struct RoundTripTests {
    static let codecs: [Codec] = [.none, .zstd(level: 3), .zstd(level: 19), .gzip(level: 6)]

    @Test("sizes around chunk boundaries, every codec, with and without encryption", arguments: codecs, [true, false])
    func boundarySizes(codec: Codec, encrypted: Bool) throws {
        let directory = TemporaryDirectory()
        var generator = SeededGenerator(seed: 42)
        let chunk = 4096
        let sizes = [0, 1, chunk - 1, chunk, chunk + 1, 2 * chunk, 3 * chunk + 17]
        let members = sizes.enumerated().map { index, size in
            MemberFixture(kind: index == 0 ? .preData : .data, name: "public.t\(index)",
                          bytes: index.isMultiple(of: 2) ? generator.copyLikeText(size) : generator.bytes(size))
        }
        let key = try DataKey.generate()
        let path = directory.file("a.arkiv")
        let summary = try writeArchive(
            at: path, setID: .generate(), encryption: encrypted ? .aes256GCM(key) : .none, codec: codec,
            chunkSize: chunk, members: members, interleave: true, generator: &generator)

        let reader = try ArchiveReader(path: path, dataKey: encrypted ? key : nil)
        let expected = Dictionary(uniqueKeysWithValues: members.map { ($0.name, $0.bytes) })
        #expect(try readMembers(reader) == expected)
        #expect(try scanMembers(reader) == expected)
        #expect(reader.members == summary.members)
        #expect(reader.isEncrypted == encrypted)
        for (member, fixture) in zip(reader.members, members) {
            #expect(member.plaintextBytes == UInt64(fixture.bytes.count))
            #expect(member.plaintextSHA256 == (try SHA256.hash(fixture.bytes)))
            #expect(member.chunkCount == UInt64(max(1, (fixture.bytes.count + chunk - 1) / chunk)))
        }
        let bytes = fileBytes(path)
        let order = recordSpans(bytes).map(\.memberID)
        #expect(order != order.sorted(), "members were fed round-robin, so their chunks interleave")
        #expect(summary.size == UInt64(bytes.count))
        #expect(summary.sha256 == (try SHA256.hash(bytes)))
    }

    @Test("default 1 MiB chunks: sizes around the boundary")
    func fullSizeChunks() throws {
        let directory = TemporaryDirectory()
        var generator = SeededGenerator(seed: 9)
        let chunk = 1 << 20
        let members = [0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk + 17].map {
            MemberFixture(name: "m\($0)", bytes: generator.copyLikeText($0))
        }
        let key = try DataKey.generate()
        let path = directory.file("big.arkiv")
        try writeArchive(at: path, setID: .generate(), encryption: .aes256GCM(key), chunkSize: chunk,
                         members: members, generator: &generator)
        let reader = try ArchiveReader(path: path, dataKey: key)
        #expect(try readMembers(reader) == Dictionary(uniqueKeysWithValues: members.map { ($0.name, $0.bytes) }))
        #expect(try reader.verify().count == members.count)
    }

    @Test("random sizes and interleavings (seeded property test)", arguments: 1...12)
    func randomArchives(seed: UInt64) throws {
        let directory = TemporaryDirectory()
        var generator = SeededGenerator(seed: seed)
        let chunk = [1, 7, 512, 4096][Int(generator.next() % 4)]
        let members = (0..<Int(generator.next() % 6)).map { index in
            MemberFixture(kind: MemberKind(rawValue: UInt8(generator.next() % 8)), name: "member-\(index)-ü",
                          bytes: generator.copyLikeText(Int(generator.next() % UInt64(5 * chunk + 3))))
        }
        let codec = Self.codecs[Int(generator.next() % UInt64(Self.codecs.count))]
        let key = try DataKey.generate()
        let path = directory.file("r.arkiv")
        try writeArchive(at: path, setID: .generate(), encryption: .aes256GCM(key), codec: codec, chunkSize: chunk,
                         members: members, interleave: seed.isMultiple(of: 2), generator: &generator)
        let reader = try ArchiveReader(path: path, dataKey: key)
        let expected = Dictionary(uniqueKeysWithValues: members.map { ($0.name, $0.bytes) })
        #expect(try readMembers(reader) == expected)
        #expect(try scanMembers(reader) == expected)
        #expect(reader.members.map(\.kind) == members.map(\.kind))
    }

    @Test("several threads feed one file; chunks interleave and everything reads back")
    func concurrentWriters() throws {
        let directory = TemporaryDirectory()
        let key = try DataKey.generate()
        let path = directory.file("parallel.arkiv")
        let writer = try ArchiveWriter(creatingFileAt: path, fileName: "vault.arkiv", setID: .generate(),
                                       encryption: .aes256GCM(key), chunkSize: 1000)
        let workers = 8
        let contents = (0..<workers).map { worker -> [UInt8] in
            var generator = SeededGenerator(seed: UInt64(worker))
            return generator.copyLikeText(50_000 + worker * 1_234)
        }
        let ids = try (0..<workers).map { try writer.beginMember(kind: .data, name: "t\($0)") }
        let failures = Failures()
        let group = DispatchGroup()
        for worker in 0..<workers {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                var offset = 0
                while offset < contents[worker].count {
                    let end = min(offset + 777, contents[worker].count)
                    try writer.append(ids[worker], Array(contents[worker][offset..<end]))
                    offset = end
                }
                _ = try writer.finishMember(ids[worker])
                } catch {
                    failures.add(error)
                }
            }.start()
        }
        group.wait()
        #expect(failures.all.isEmpty)
        _ = try writer.finish()

        let reader = try ArchiveReader(path: path, dataKey: key)
        let expected = Dictionary(uniqueKeysWithValues: (0..<workers).map { ("t\($0)", contents[$0]) })
        #expect(try scanMembers(reader) == expected)
        #expect(try readMembers(reader) == expected)
    }

    @Test("an archive with no members, and misuse of the writer")
    func emptyArchiveAndMisuse() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("empty.arkiv")
        let writer = try ArchiveWriter(creatingFileAt: path, fileName: "shared.arkiv", setID: .generate(), encryption: .none)
        let open = try writer.beginMember(kind: .postData, name: "post")
        #expect(throws: ArchiveError.self) { _ = try writer.finish() }   // a member is still open
        _ = try writer.finishMember(open)
        #expect(throws: ArchiveError.self) { try writer.append(open, [1]) }
        #expect(throws: ArchiveError.self) { try writer.append(MemberID(rawValue: 99), [1]) }
        _ = try writer.finish()
        #expect(throws: ArchiveError.self) { _ = try writer.beginMember(kind: .data, name: "late") }

        let reader = try ArchiveReader(path: path, dataKey: nil)
        #expect(reader.fileName == "shared.arkiv")
        #expect(reader.members.count == 1)
        #expect(try reader.contents(of: open).isEmpty)
        #expect(throws: ArchiveError.self) {
            _ = try ArchiveWriter(creatingFileAt: path, fileName: "x", setID: .generate(), encryption: .none)
        }
    }

    @Test("decompressors refuse output beyond the stated length (decompression bombs)")
    func boundedDecompression() throws {
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        for codec in [Codec.zstd(level: 3), .gzip(level: 6)] {
            let compressor = try codec.makeCompressor()
            var compressed = [UInt8](repeating: 0, count: compressor.maximumCompressedSize(for: zeros.count))
            let count = try zeros.withBytes { (input) throws(ArchiveError) -> Int in
                try compressed.withMutableBytes { (output) throws(ArchiveError) -> Int in try compressor.compress(input, into: output, favorSpeed: false) }
            }
            let payload = Array(compressed.prefix(count))
            let decompressor = try codec.id.makeDecompressor()
            var small = [UInt8](repeating: 0, count: 10)
            #expect(throws: ArchiveError.self) {
                try payload.withBytes { (input) throws(ArchiveError) in
                    try small.withMutableBytes { (output) throws(ArchiveError) in try decompressor.decompress(input, into: output) }
                }
            }
            var exact = [UInt8](repeating: 1, count: zeros.count)
            try payload.withBytes { (input) throws(ArchiveError) in
                try exact.withMutableBytes { (output) throws(ArchiveError) in try decompressor.decompress(input, into: output) }
            }
            #expect(exact == zeros)
        }
    }
}

final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [any Error] = []
    func add(_ error: any Error) { lock.lock(); errors.append(error); lock.unlock() }
    var all: [any Error] { lock.lock(); defer { lock.unlock() }; return errors }
}
