/// One member's plaintext, chunk by chunk, read through the index (seeking past other members).
/// At the last chunk it checks the member's length and SHA-256 against the index.
public final class MemberChunkReader {
    public let member: MemberSummary
    private let archive: ArchiveReader
    private let entry: IndexEntry
    private let records: RecordReader
    private let hasher: SHA256
    private var sequence = 0
    private var plaintextBytes: UInt64 = 0

    init(archive: ArchiveReader, entry: IndexEntry) throws(ArchiveError) {
        self.archive = archive
        self.entry = entry
        member = entry.summary
        records = try RecordReader(file: archive.file)
        hasher = try SHA256()
    }

    /// The next chunk of plaintext, or nil after the last one.
    public func next() throws(ArchiveError) -> [UInt8]? {
        guard sequence < entry.chunkOffsets.count else { return nil }
        let offset = entry.chunkOffsets[sequence]
        let path = archive.path
        let header = try records.readHeader(at: offset, limit: archive.indexOffset) { [member] _ in member.name }
        guard header.memberID == member.id.rawValue, header.sequence == UInt64(sequence) else {
            throw .corruptChunk(file: path, member: member.name, offset: offset,
                                detail: "the index points to chunk \(sequence) here, but the record is chunk \(header.sequence) of \(archive.memberName(header.memberID))")
        }
        let isLast = sequence == entry.chunkOffsets.count - 1
        guard header.isLast == isLast else {
            throw .corruptChunk(file: path, member: member.name, offset: offset,
                                detail: isLast ? "the member's final chunk lacks the last-chunk flag" : "chunk \(sequence) is flagged last, but the member has more")
        }
        let chunk = try records.readPayload(header, at: offset, memberName: member.name)
        try hasher.update(chunk)
        plaintextBytes += UInt64(chunk.count)
        sequence += 1
        if isLast {
            let digest = try hasher.finalize()
            guard plaintextBytes == member.plaintextBytes, digest == member.plaintextSHA256 else {
                throw .indexMismatch(file: path, member: member.name,
                                     detail: "read \(plaintextBytes) bytes with SHA-256 \(Hex.encode(digest)), the index states \(member.plaintextBytes) bytes with \(Hex.encode(member.plaintextSHA256))")
            }
        }
        return chunk
    }
}
