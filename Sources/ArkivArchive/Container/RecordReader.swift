/// Reads, authenticates and decompresses chunk records of one file. Owns a decompressor, a cipher
/// context and a stored-bytes buffer that it reuses: one per reading thread.
final class RecordReader {
    let file: OpenArchiveFile
    private let decompressor: any ChunkDecompressor
    private let protection: ChunkProtection
    private let headerBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ArchiveFormat.recordHeaderLength, alignment: 8)
    private let storedBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ArchiveFormat.maximumStoredLength, alignment: 64)
    /// Plaintext for `readPayloadIntoScratch`, allocated on first use.
    private var plaintextScratch: UnsafeMutableRawBufferPointer?

    init(file: OpenArchiveFile) throws(ArchiveError) {
        self.file = file
        decompressor = try file.header.codec.makeDecompressor()
        protection = try ChunkProtection(subkey: file.subkey, headerDigest: file.headerDigest)
    }

    deinit {
        headerBuffer.deallocate()
        storedBuffer.deallocate()
        plaintextScratch?.deallocate()
    }

    /// The clear header of the record at `offset`, checked to be well-formed and to end by `limit`.
    /// `memberName` names the member in errors (from the id in the header or the caller's expectation).
    func readHeader(at offset: UInt64, limit: UInt64, memberName: (UInt32) -> String) throws(ArchiveError) -> ChunkRecordHeader {
        let headerEnd = offset + UInt64(ArchiveFormat.recordHeaderLength)
        guard headerEnd <= limit else {
            throw .truncated(file: file.path, offset: offset, detail: "a chunk record header does not fit before offset \(limit)")
        }
        let count = try file.read(into: headerBuffer, at: offset)
        guard count == ArchiveFormat.recordHeaderLength else {
            throw .truncated(file: file.path, offset: offset + UInt64(count), detail: "the file ends inside a chunk record header")
        }
        let header = ChunkRecordHeader(parsing: UnsafeRawBufferPointer(headerBuffer))
        if let problem = header.structuralProblem {
            throw .corruptChunk(file: file.path, member: memberName(header.memberID), offset: offset, detail: problem)
        }
        guard headerEnd + UInt64(header.storedLength) <= limit else {
            throw .corruptChunk(file: file.path, member: memberName(header.memberID), offset: offset,
                                detail: "stored length \(header.storedLength) runs past offset \(limit)")
        }
        return header
    }

    /// The plaintext of the record whose header `readHeader` just returned.
    func readPayload(_ header: ChunkRecordHeader, at offset: UInt64, memberName: String) throws(ArchiveError) -> [UInt8] {
        let payload = try readAndOpen(header, at: offset, memberName: memberName)
        return try [UInt8].uninitialized(count: Int(header.plaintextLength)) { (output) throws(ArchiveError) in
            try decompress(payload, into: output, at: offset, memberName: memberName)
        }
    }

    /// Like `readPayload`, into a buffer this reader reuses: valid until its next call.
    func readPayloadIntoScratch(_ header: ChunkRecordHeader, at offset: UInt64, memberName: String) throws(ArchiveError) -> UnsafeRawBufferPointer {
        let payload = try readAndOpen(header, at: offset, memberName: memberName)
        if plaintextScratch == nil {
            plaintextScratch = UnsafeMutableRawBufferPointer.allocate(byteCount: ArchiveFormat.maximumPlaintextLength, alignment: 64)
        }
        let output = UnsafeMutableRawBufferPointer(rebasing: plaintextScratch![0..<Int(header.plaintextLength)])
        try decompress(payload, into: output, at: offset, memberName: memberName)
        return UnsafeRawBufferPointer(output)
    }

    /// Reads the stored bytes, authenticates and decrypts them in place; returns the payload.
    private func readAndOpen(_ header: ChunkRecordHeader, at offset: UInt64, memberName: String) throws(ArchiveError) -> UnsafeRawBufferPointer {
        let stored = UnsafeMutableRawBufferPointer(rebasing: storedBuffer[0..<Int(header.storedLength)])
        let payloadOffset = offset + UInt64(ArchiveFormat.recordHeaderLength)
        let count = try file.read(into: stored, at: payloadOffset)
        guard count == stored.count else {
            throw .truncated(file: file.path, offset: payloadOffset + UInt64(count), detail: "the file ends inside a chunk of '\(memberName)'")
        }
        guard try protection.open(recordHeader: UnsafeRawBufferPointer(headerBuffer), stored: stored) else {
            throw .authenticationFailed(file: file.path, member: memberName, offset: offset)
        }
        return UnsafeRawBufferPointer(rebasing: stored[0..<stored.count - ArchiveFormat.tagLength])
    }

    private func decompress(_ payload: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
                            at offset: UInt64, memberName: String) throws(ArchiveError) {
        do throws(ArchiveError) {
            try decompressor.decompress(payload, into: output)
        } catch {
            throw .corruptChunk(file: file.path, member: memberName, offset: offset, detail: "\(error)")
        }
    }
}
