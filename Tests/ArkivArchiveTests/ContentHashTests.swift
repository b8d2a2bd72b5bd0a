@testable import ArkivArchive
import Testing

@Suite("Content hash")
struct ContentHashTests {
    private func hash(_ rows: [String], _ hasher: RowHasher) throws -> ContentHash {
        hasher.reset()
        for row in rows {
            try Array(row.utf8).withUnsafeBytes { try hasher.add(row: $0) }
        }
        return hasher.total
    }

    @Test("row hashes match the specification's vectors (FORMAT.md §8.3)")
    func vectors() throws {
        let hasher = try RowHasher()
        #expect(try hash(["1\tfoo\n"], hasher).description == "2aba02538ad4787c45cbc557a4159baf")
        #expect(try hash(["2\tbar\n"], hasher).description == "e7f4d5dc92c6d2556642cf7e94d813bc")
        // The sum wraps modulo 2^128 (this pair carries out of the top bit).
        #expect(try hash(["1\tfoo\n", "2\tbar\n"], hasher).description == "12aed8301d9b4ad1ac0e94d638edaf6b")
        #expect(try hash([""], hasher).description == "4b08a03c8ca5a11131c102e76b0798b1")
        #expect(try hash([], hasher) == .zero)
        #expect(ContentHash.zero.description == String(repeating: "0", count: 32))
    }

    @Test("order does not matter, parts add up, duplicates and changes show")
    func properties() throws {
        let hasher = try RowHasher()
        let rows = (0..<500).map { "\($0)\tvalue æøå \($0 * 7)\n" }
        let whole = try hash(rows, hasher)
        var generator = SeededGenerator(seed: 3)
        #expect(try hash(rows.shuffled(using: &generator), hasher) == whole)
        let parts = try hash(Array(rows[..<123]), hasher) + hash(Array(rows[123...]), hasher)
        #expect(parts == whole)
        #expect(try hash(rows + [rows[0]], hasher) != whole)
        var changed = rows
        changed[42] = "42\tvalue æøå 295\n"
        #expect(try hash(changed, hasher) != whole)
        #expect(try hash(Array(rows.dropLast()), hasher) != whole)
        #expect(ContentHash(hex: whole.description) == whole)
        #expect(ContentHash(hex: "xyz") == nil)
        #expect(ContentHash(high: .max, low: .max) + ContentHash(high: 0, low: 1) == .zero)
    }
}
