/// The 21-byte clear header in front of every sealed chunk.
struct ChunkRecordHeader: Equatable {
    var memberID: UInt32
    var sequence: UInt64
    var flags: UInt8
    var plaintextLength: UInt32
    var storedLength: UInt32

    var isLast: Bool { flags & ArchiveFormat.lastChunkFlag != 0 }

    func write(to buffer: UnsafeMutableRawBufferPointer) {
        buffer.storeBigEndian(memberID, toByteOffset: 0)
        buffer.storeBigEndian(sequence, toByteOffset: 4)
        buffer.storeBytes(of: flags, toByteOffset: 12, as: UInt8.self)
        buffer.storeBigEndian(plaintextLength, toByteOffset: 13)
        buffer.storeBigEndian(storedLength, toByteOffset: 17)
    }

    /// `bytes` holds at least `ArchiveFormat.recordHeaderLength` bytes.
    init(parsing bytes: UnsafeRawBufferPointer) {
        memberID = bytes.loadBigEndian(fromByteOffset: 0, as: UInt32.self)
        sequence = bytes.loadBigEndian(fromByteOffset: 4, as: UInt64.self)
        flags = bytes.load(fromByteOffset: 12, as: UInt8.self)
        plaintextLength = bytes.loadBigEndian(fromByteOffset: 13, as: UInt32.self)
        storedLength = bytes.loadBigEndian(fromByteOffset: 17, as: UInt32.self)
    }

    init(memberID: UInt32, sequence: UInt64, isLast: Bool, plaintextLength: UInt32, storedLength: UInt32) {
        self.memberID = memberID
        self.sequence = sequence
        flags = isLast ? ArchiveFormat.lastChunkFlag : 0
        self.plaintextLength = plaintextLength
        self.storedLength = storedLength
    }

    /// Why a header cannot be valid on its own, before any byte of its payload is read.
    var structuralProblem: String? {
        if flags & ~ArchiveFormat.lastChunkFlag != 0 { return "unknown flag bits 0x\(String(flags, radix: 16))" }
        if plaintextLength > ArchiveFormat.maximumPlaintextLength {
            return "plaintext length \(plaintextLength) exceeds the maximum \(ArchiveFormat.maximumPlaintextLength)"
        }
        if storedLength > ArchiveFormat.maximumStoredLength {
            return "stored length \(storedLength) exceeds the maximum \(ArchiveFormat.maximumStoredLength)"
        }
        if storedLength < ArchiveFormat.tagLength { return "stored length \(storedLength) is shorter than the tag" }
        return nil
    }
}
