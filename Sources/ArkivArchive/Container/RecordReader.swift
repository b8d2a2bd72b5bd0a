/// Reads, authenticates and decompresses chunk records of one file. Owns a decompressor, a cipher
/// context and a stored-bytes buffer that it reuses: one per reading thread.
final class RecordReader {
    let file: OpenArchiveFile
    private let decompressor: any ChunkDecompressor
    private let protection: ChunkProtection
    private let headerBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ArchiveFormat.recordHeaderLength, alignment: 8)
    private let storedBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ArchiveFormat.maximumStoredLength, alignment: 64)

    init(file: OpenArchiveFile) throws(ArchiveError) {
        self.file = file
        decompressor = try file.header.codec.makeDecompressor()
        protection = try ChunkProtection(subkey: file.subkey, headerDigest: file.headerDigest)
    }

    deinit {
        headerBuffer.deallocate()
        storedBuffer.deallocate()
    }

    /// The clear header of the record at `offset`, checked to be well-formed and to end by `limit`.
    /// `memberName` names the member in errors (from the id in the header or the caller's expectation).
    func readHeader(at offset: UInt64, limit: UInt64, memberName: (UInt32) -> String) throws(ArchiveError) -> ChunkRecordHeader {
        let headerEnd = offset + UInt64(ArchiveFormat.recordHeaderLength)
        guard headerEnd <= limit else {
            throw .truncated(file: file.path, offset: offset, detail: "a chunk record header does not fit before offset \(limit)")
        }
        let count = try FileIO.read(file.descriptor, into: headerBuffer, at: offset, path: file.path)
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
        let stored = UnsafeMutableRawBufferPointer(rebasing: storedBuffer[0..<Int(header.storedLength)])
        let payloadOffset = offset + UInt64(ArchiveFormat.recordHeaderLength)
        let count = try FileIO.read(file.descriptor, into: stored, at: payloadOffset, path: file.path)
        guard count == stored.count else {
            throw .truncated(file: file.path, offset: payloadOffset + UInt64(count), detail: "the file ends inside a chunk of '\(memberName)'")
        }
        guard try protection.open(recordHeader: UnsafeRawBufferPointer(headerBuffer), stored: stored) else {
            throw .authenticationFailed(file: file.path, member: memberName, offset: offset)
        }
        let payload = UnsafeRawBufferPointer(rebasing: stored[0..<stored.count - ArchiveFormat.tagLength])
        do throws(ArchiveError) {
            return try [UInt8].uninitialized(count: Int(header.plaintextLength)) { (output) throws(ArchiveError) in
                try decompressor.decompress(payload, into: output)
            }
        } catch {
            throw .corruptChunk(file: file.path, member: memberName, offset: offset, detail: "\(error)")
        }
    }
}
