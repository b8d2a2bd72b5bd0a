/// Appends fixed-width big-endian integers and length-prefixed strings: the encoding of every
/// binary structure in the format.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 64) {
        bytes.reserveCapacity(capacity)
    }

    mutating func append(_ value: UInt8) { bytes.append(value) }
    mutating func append(_ value: UInt16) { appendBigEndian(value) }
    mutating func append(_ value: UInt32) { appendBigEndian(value) }
    mutating func append(_ value: UInt64) { appendBigEndian(value) }
    mutating func append(_ other: [UInt8]) { bytes.append(contentsOf: other) }

    /// u16 length + UTF-8. Callers validate the length first (names are checked where they enter).
    mutating func appendShortString(_ string: String) {
        let utf8 = Array(string.utf8)
        append(UInt16(truncatingIfNeeded: utf8.count))
        append(utf8)
    }

    private mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}

/// Bounds-checked big-endian reads over untrusted bytes: every read either succeeds or returns nil,
/// so parsers turn a short buffer into an error instead of a trap.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var position: Int

    init(_ bytes: [UInt8], position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    var remaining: Int { bytes.count - position }

    mutating func readUInt8() -> UInt8? { readBigEndian() }
    mutating func readUInt16() -> UInt16? { readBigEndian() }
    mutating func readUInt32() -> UInt32? { readBigEndian() }
    mutating func readUInt64() -> UInt64? { readBigEndian() }

    mutating func readBytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, count <= remaining else { return nil }
        defer { position += count }
        return Array(bytes[position..<position + count])
    }

    /// u16 length + UTF-8; nil if short or not valid UTF-8.
    mutating func readShortString() -> String? {
        guard let length = readUInt16(), let utf8 = readBytes(Int(length)) else { return nil }
        return String(validating: utf8, as: UTF8.self)
    }

    private mutating func readBigEndian<T: FixedWidthInteger>() -> T? {
        let size = MemoryLayout<T>.size
        guard size <= remaining else { return nil }
        var value: T = 0
        for index in position..<position + size {
            value = value << 8 | T(bytes[index])
        }
        position += size
        return value
    }
}

extension UnsafeRawBufferPointer {
    /// Big-endian integer at `offset`; the caller has checked the bounds (fixed-size record headers).
    func loadBigEndian<T: FixedWidthInteger>(fromByteOffset offset: Int, as type: T.Type) -> T {
        T(bigEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

extension UnsafeMutableRawBufferPointer {
    func storeBigEndian<T: FixedWidthInteger>(_ value: T, toByteOffset offset: Int) {
        storeBytes(of: value.bigEndian, toByteOffset: offset, as: T.self)
    }
}
