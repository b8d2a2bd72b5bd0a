/// Turns one plaintext chunk into a complete chunk record (clear header, compressed and sealed payload,
/// tag) in a buffer it reuses. Owns a compressor and a cipher context: one per concurrent worker.
final class ChunkSealer {
    private let compressor: any ChunkCompressor
    private let protection: ChunkProtection
    private let buffer: UnsafeMutableRawBufferPointer

    init(codec: Codec, subkey: SecureBytes?, headerDigest: [UInt8], chunkSize: Int) throws(ArchiveError) {
        compressor = try codec.makeCompressor()
        protection = try ChunkProtection(subkey: subkey, headerDigest: headerDigest)
        let payloadCapacity = max(compressor.maximumCompressedSize(for: chunkSize), chunkSize)
        buffer = UnsafeMutableRawBufferPointer.allocate(
            byteCount: ArchiveFormat.recordHeaderLength + payloadCapacity + ArchiveFormat.tagLength, alignment: 64)
    }

    deinit {
        buffer.deallocate()
    }

    /// The record for `plaintext`, valid until the next call.
    func seal(memberID: UInt32, sequence: UInt64, isLast: Bool, plaintext: UnsafeRawBufferPointer, favorSpeed: Bool = false)
        throws(ArchiveError) -> UnsafeRawBufferPointer {
        let headerLength = ArchiveFormat.recordHeaderLength
        let payloadArea = UnsafeMutableRawBufferPointer(rebasing: buffer[headerLength..<buffer.count - ArchiveFormat.tagLength])
        let payloadLength = try compressor.compress(plaintext, into: payloadArea, favorSpeed: favorSpeed)
        let storedLength = payloadLength + ArchiveFormat.tagLength
        guard storedLength <= ArchiveFormat.maximumStoredLength else {
            throw .compression(detail: "chunk of \(plaintext.count) bytes compressed to \(payloadLength) bytes, above the format's limit")
        }
        let header = ChunkRecordHeader(
            memberID: memberID, sequence: sequence, isLast: isLast,
            plaintextLength: UInt32(plaintext.count), storedLength: UInt32(storedLength))
        header.write(to: buffer)
        let record = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<headerLength + storedLength])
        try protection.seal(record: record, payloadLength: payloadLength)
        return UnsafeRawBufferPointer(record)
    }
}
