import ArkivArchive

/// Reads the CopyData messages of one table as they stream past: counts rows, adds them to the
/// content hash (FORMAT.md §8.3), and measures vector columns, without copying a byte.
///
/// Text COPY sends one message per row. Binary COPY prepends its 19-byte header to the first
/// message and sends the trailer (-1 as int16) as a message of its own; neither is a row.
final class CopyRowInspector {
    enum Format: String, Sendable { case text, binary }

    struct VectorStats: Sendable, Equatable {
        let column: String
        let index: Int
        let declaredDimension: Int?
        var nullCount: UInt64 = 0
        var minDimension: Int?
        var maxDimension: Int?

        mutating func record(_ dimension: Int?) {
            guard let dimension else {
                nullCount += 1
                return
            }
            minDimension = min(minDimension ?? dimension, dimension)
            maxDimension = max(maxDimension ?? dimension, dimension)
        }
    }

    enum InspectionError: Error, CustomStringConvertible {
        case malformed(String)
        var description: String {
            switch self { case .malformed(let detail): "unexpected COPY data from the server: \(detail)" }
        }
    }

    private let format: Format
    private let hasher: RowHasher
    private(set) var vectors: [VectorStats]
    private var sawHeader = false
    private(set) var sawTrailer = false

    /// - Parameter vectorColumns: sorted by their position in the COPY column list.
    init(format: Format, vectorColumns: [VectorColumnPlan]) throws {
        self.format = format
        self.hasher = try RowHasher()
        self.vectors = vectorColumns.map { VectorStats(column: $0.name, index: $0.index, declaredDimension: $0.declaredDimension) }
    }

    var rows: UInt64 { hasher.rows }
    var contentHash: ContentHash { hasher.total }

    /// Inspects one CopyData message.
    func inspect(_ message: UnsafeRawBufferPointer) throws {
        switch format {
        case .text:
            try hasher.add(row: message)
            if !vectors.isEmpty { try measureText(message) }
        case .binary:
            var tuple = message
            if !sawHeader {
                tuple = try Self.skipBinaryHeader(message)
                sawHeader = true
            }
            guard !tuple.isEmpty else { return }
            if tuple.count == 2 && tuple[0] == 0xFF && tuple[1] == 0xFF {
                sawTrailer = true
                return
            }
            guard !sawTrailer else { throw InspectionError.malformed("data after the binary trailer") }
            try hasher.add(row: tuple)
            if !vectors.isEmpty { try measureBinary(tuple) }
        }
    }

    /// The binary COPY signature, flags and header extension (PostgreSQL docs, "Binary Format").
    static let binarySignature: [UInt8] = [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00]

    static func skipBinaryHeader(_ message: UnsafeRawBufferPointer) throws -> UnsafeRawBufferPointer {
        guard message.count >= 19, message.prefix(11).elementsEqual(binarySignature) else {
            throw InspectionError.malformed("binary COPY without its signature")
        }
        let extensionLength = Int(readInt32(message, at: 15))
        guard extensionLength >= 0, message.count >= 19 + extensionLength else {
            throw InspectionError.malformed("binary COPY header extension out of bounds")
        }
        return UnsafeRawBufferPointer(rebasing: message[(19 + extensionLength)...])
    }

    /// Text rows: tab-separated fields (a tab inside a value is escaped), `\N` for NULL, and
    /// pgvector prints `[1,2,3]`, so the dimension is the number of commas plus one.
    private func measureText(_ row: UnsafeRawBufferPointer) throws {
        var field = 0, start = 0
        var next = 0  // index into `vectors`, which is sorted by column index
        var index = 0
        let count = row.count
        while index <= count && next < vectors.count {
            let atEnd = index == count || row[index] == 0x09 || row[index] == 0x0A
            if atEnd {
                if field == vectors[next].index {
                    let value = UnsafeRawBufferPointer(rebasing: row[start..<index])
                    vectors[next].record(try Self.textDimension(value))
                    next += 1
                }
                field += 1
                start = index + 1
                if index < count && row[index] == 0x0A { break }
            }
            index += 1
        }
        guard next == vectors.count else { throw InspectionError.malformed("a text row has fewer fields than the table") }
    }

    static func textDimension(_ value: UnsafeRawBufferPointer) throws -> Int? {
        if value.count == 2 && value[0] == 0x5C && value[1] == 0x4E { return nil }  // \N
        guard value.count >= 2, value.first == 0x5B, value.last == 0x5D else {
            throw InspectionError.malformed("a vector value is not [..]")
        }
        if value.count == 2 { return 0 }
        var commas = 0
        for byte in value where byte == 0x2C { commas += 1 }
        return commas + 1
    }

    /// Binary tuples: int16 field count, then per field int32 length (-1 for NULL) and bytes;
    /// pgvector's binary form starts with its dimension as int16.
    private func measureBinary(_ tuple: UnsafeRawBufferPointer) throws {
        guard tuple.count >= 2 else { throw InspectionError.malformed("a binary tuple without its field count") }
        let fields = Int(Self.readInt16(tuple, at: 0))
        var offset = 2, next = 0
        for field in 0..<fields where next < vectors.count {
            guard offset + 4 <= tuple.count else { throw InspectionError.malformed("a binary tuple ends inside a field length") }
            let length = Int(Self.readInt32(tuple, at: offset))
            offset += 4
            if field == vectors[next].index {
                if length < 0 {
                    vectors[next].record(nil)
                } else {
                    guard length >= 4, offset + length <= tuple.count else {
                        throw InspectionError.malformed("a binary vector value is out of bounds")
                    }
                    vectors[next].record(Int(Self.readInt16(tuple, at: offset)))
                }
                next += 1
            }
            if length > 0 {
                guard offset + length <= tuple.count else { throw InspectionError.malformed("a binary field runs past its tuple") }
                offset += length
            }
        }
        guard next == vectors.count else { throw InspectionError.malformed("a binary tuple has fewer fields than the table") }
    }

    static func readInt16(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int16 {
        Int16(bitPattern: UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1]))
    }

    static func readInt32(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int32 {
        var value: UInt32 = 0
        for index in offset..<offset + 4 { value = value << 8 | UInt32(bytes[index]) }
        return Int32(bitPattern: value)
    }
}
