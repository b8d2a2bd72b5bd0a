@testable import ArkivArchive
import Foundation

/// SplitMix64: a tiny seeded generator, so every property and fuzz case can be replayed from its seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var index = 0
        while index < count {
            let word = next()
            for shift in 0..<8 where index < count {
                out[index] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(shift)))
                index += 1
            }
        }
        return out
    }

    /// Text that compresses like COPY output: tab-separated rows from a small vocabulary.
    mutating func copyLikeText(_ count: Int) -> [UInt8] {
        let words = ["alpha", "1234", "\\N", "2024-05-01 12:00:00+00", "t", "f", "Lorem ipsum", "0.125", "{1,2,3}"]
        var out: [UInt8] = []
        out.reserveCapacity(count + 32)
        while out.count < count {
            out.append(contentsOf: words[Int(next() % UInt64(words.count))].utf8)
            out.append(next() % 6 == 0 ? 0x0A : 0x09)
        }
        return Array(out.prefix(count))
    }
}

func hex(_ string: String) -> [UInt8] {
    Hex.decode(string) ?? []
}

func secure(_ bytes: [UInt8]) -> SecureBytes {
    bytes.withBytes { SecureBytes($0) }
}

/// A fresh private folder for one test, removed when the value goes.
final class TemporaryDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "arkiv-archive-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String { path + "/" + name }
}

/// One member to write: its kind, name and plaintext.
struct MemberFixture {
    var kind: MemberKind = .data
    var name: String
    var bytes: [UInt8]
}

/// Writes `members` into a new archive at `path`. With `interleave`, every member is opened first and
/// fed in random-sized slices round-robin, so their chunks interleave in the file.
@discardableResult
func writeArchive(
    at path: String, fileName: String = "vault.arkiv", setID: BackupSetID, encryption: Encryption,
    codec: Codec = .default, chunkSize: Int, members: [MemberFixture], interleave: Bool = false,
    generator: inout SeededGenerator
) throws -> ArchiveFileSummary {
    let writer = try ArchiveWriter(
        creatingFileAt: path, fileName: fileName, setID: setID, codec: codec, encryption: encryption, chunkSize: chunkSize)
    if interleave {
        let ids = try members.map { try writer.beginMember(kind: $0.kind, name: $0.name) }
        var positions = [Int](repeating: 0, count: members.count)
        while positions.indices.contains(where: { positions[$0] < members[$0].bytes.count }) {
            for index in members.indices where positions[index] < members[index].bytes.count {
                let count = min(Int(generator.next() % UInt64(2 * chunkSize + 2)), members[index].bytes.count - positions[index])
                try writer.append(ids[index], Array(members[index].bytes[positions[index]..<positions[index] + count]))
                positions[index] += count
            }
        }
        for id in ids { _ = try writer.finishMember(id) }
    } else {
        for member in members {
            let id = try writer.beginMember(kind: member.kind, name: member.name)
            try writer.append(id, member.bytes)
            _ = try writer.finishMember(id)
        }
    }
    return try writer.finish()
}

/// Every member's plaintext, read through the index one member at a time.
func readMembers(_ reader: ArchiveReader) throws(ArchiveError) -> [String: [UInt8]] {
    var result: [String: [UInt8]] = [:]
    for member in reader.members {
        let chunks = try reader.chunks(of: member.id)
        var bytes: [UInt8] = []
        while let chunk = try chunks.next() { bytes += chunk }
        result[member.name] = bytes
    }
    return result
}

/// Every member's plaintext, from a sequential scan of the whole file.
func scanMembers(_ reader: ArchiveReader) throws(ArchiveError) -> [String: [UInt8]] {
    var result: [String: [UInt8]] = [:]
    for member in reader.members { result[member.name] = [] }
    let scanner = try reader.scan()
    while let chunk = try scanner.next() { result[chunk.member.name, default: []] += chunk.bytes }
    return result
}

func fileBytes(_ path: String) -> [UInt8] {
    (try? Array(Data(contentsOf: URL(fileURLWithPath: path)))) ?? []
}

func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Offsets and lengths of the chunk records between the header and the index, walking the clear headers.
func recordSpans(_ bytes: [UInt8]) -> [(offset: Int, length: Int, memberID: UInt32, sequence: UInt64)] {
    let headerLength = 12 + Int(UInt16(bytes[10]) << 8 | UInt16(bytes[11]))
    var reader = ByteReader(bytes, position: bytes.count - 16)
    let indexOffset = Int(reader.readUInt64() ?? 0)
    var spans: [(Int, Int, UInt32, UInt64)] = []
    var offset = headerLength
    while offset < indexOffset {
        let header = bytes.withBytes { ChunkRecordHeader(parsing: UnsafeRawBufferPointer(rebasing: $0[offset...])) }
        let length = 21 + Int(header.storedLength)
        spans.append((offset, length, header.memberID, header.sequence))
        offset += length
    }
    return spans
}
