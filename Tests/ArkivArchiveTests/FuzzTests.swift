@testable import ArkivArchive
import Foundation
import Testing

@Suite("Mutation fuzzing of the reader")
struct FuzzTests {
    /// Seeded random mutations of valid archives. The reader must throw an `ArchiveError` (the type
    /// system guarantees which error; the test proves it returns and does not trap) or return exactly
    /// the original data.
    @Test("1000 seeded mutations per cipher: an error or the exact original data, never a crash", arguments: [true, false])
    func mutations(encrypted: Bool) throws {
        let sample = try TamperTests.Sample(encrypted: encrypted, codec: encrypted ? .zstd(level: 3) : .gzip(level: 6))
        var generator = SeededGenerator(seed: encrypted ? 2024 : 2025)
        var outcomes = [String: Int]()
        for _ in 0..<1000 {
            let mutated = Self.mutate(sample.bytes, &generator)
            let outcome: String
            if let error = try sample.readError(mutated, encrypted: encrypted) {
                outcome = "\(error)".split(separator: ":").dropFirst().first.map(String.init) ?? "error"
            } else {
                outcome = mutated == sample.bytes ? "unchanged" : "same data"
            }
            outcomes[outcome, default: 0] += 1
        }
        // Every byte of the file is covered by a check (header digest in every AAD, records, index,
        // footer fields, file length), so a real change never reads back successfully.
        #expect(outcomes["same data"] == nil, "mutations read back without an error: \(outcomes)")
        #expect(outcomes.values.reduce(0, +) == 1000)
        #expect(outcomes.count > 3, "mutations should reach several different checks: \(outcomes)")
    }

    static func mutate(_ original: [UInt8], _ generator: inout SeededGenerator) -> [UInt8] {
        var bytes = original
        func position() -> Int { Int(generator.next() % UInt64(max(bytes.count, 1))) }
        for _ in 0...Int(generator.next() % 3) {
            guard !bytes.isEmpty else { break }
            switch generator.next() % 8 {
            case 0:
                let bit = position() * 8 + Int(generator.next() % 8)
                bytes[bit / 8] ^= UInt8(1 << (bit % 8))
            case 1:
                bytes[position()] = UInt8(truncatingIfNeeded: generator.next())
            case 2:
                bytes.removeLast(min(bytes.count, Int(generator.next() % 300) + 1))
            case 3:
                bytes.insert(contentsOf: generator.bytes(Int(generator.next() % 40) + 1), at: position())
            case 4:
                let start = position()
                bytes.removeSubrange(start..<min(bytes.count, start + Int(generator.next() % 64) + 1))
            case 5:
                let start = position()
                let slice = bytes[start..<min(bytes.count, start + Int(generator.next() % 300) + 1)]
                bytes.insert(contentsOf: slice, at: position())
            case 6:
                // A big-endian length-sized field set to an extreme value.
                let start = position()
                let extreme: [UInt8] = [[0xFF, 0xFF, 0xFF, 0xFF], [0x7F, 0xFF, 0xFF, 0xFF], [0, 0, 0, 0], [0, 0x10, 0, 0x01]][Int(generator.next() % 4)]
                for (index, byte) in extreme.enumerated() where start + index < bytes.count { bytes[start + index] = byte }
            default:
                let start = position()
                let length = min(bytes.count - start, Int(generator.next() % 32) + 1)
                bytes.replaceSubrange(start..<start + length, with: generator.bytes(length))
            }
        }
        return bytes
    }
}
