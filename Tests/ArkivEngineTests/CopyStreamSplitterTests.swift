@testable import ArkivEngine
import Testing

@Suite("COPY stream splitting")
struct CopyStreamSplitterTests {
    private static let textRows: [[UInt8]] = [
        Array("1\talpha\n".utf8), Array("2\t\\N\n".utf8), Array("3\t\(String(repeating: "long ", count: 400))\n".utf8), Array("4\tω\n".utf8),
    ]

    private static var binaryMessages: [[UInt8]] {
        let header: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 3] + [9, 9, 9]
        func tuple(_ fields: [[UInt8]?]) -> [UInt8] {
            var bytes: [UInt8] = [0, UInt8(fields.count)]
            for field in fields {
                guard let field else { bytes += [0xFF, 0xFF, 0xFF, 0xFF]; continue }
                let count = UInt32(field.count)
                bytes += [UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)] + field
            }
            return bytes
        }
        return [header, tuple([[0, 0, 0, 1], Array("a".utf8)]), tuple([[0, 0, 0, 2], nil]),
                tuple([[0, 0, 0, 3], [UInt8](repeating: 7, count: 3000)]), [0xFF, 0xFF]]
    }

    /// Every message comes out whole and in order however the stream is cut into chunks.
    private func split(_ messages: [[UInt8]], format: CopyRowInspector.Format, chunkSize: Int) throws -> [[UInt8]] {
        let stream = messages.flatMap { $0 }
        var splitter = CopyStreamSplitter(format: format)
        var out: [[UInt8]] = []
        var offset = 0
        while offset < stream.count {
            let end = min(offset + chunkSize, stream.count)
            try splitter.feed(Array(stream[offset..<end])) { out.append(Array($0)) }
            offset = end
        }
        try splitter.finish()
        return out
    }

    @Test("text and binary streams cut at every chunk size give back the same messages",
          arguments: [1, 2, 3, 7, 64, 1000, 5000])
    func anyChunking(chunkSize: Int) throws {
        #expect(try split(Self.textRows, format: .text, chunkSize: chunkSize) == Self.textRows)
        #expect(try split(Self.binaryMessages, format: .binary, chunkSize: chunkSize) == Self.binaryMessages)
    }

    @Test("a stream that ends inside a row, or binary data without its trailer, is refused")
    func truncated() throws {
        var text = CopyStreamSplitter(format: .text)
        try text.feed(Array("1\tcomplete\n2\tcut".utf8)) { _ in }
        #expect(throws: CopyStreamSplitter.SplitError.self) { try text.finish() }
        #expect(throws: CopyStreamSplitter.SplitError.self) { try split(Array(Self.binaryMessages.dropLast()), format: .binary, chunkSize: 100) }
    }
}
