/// Every chunk record of a file in file order. Each record is authenticated and must continue its
/// member's sequence at the offset the index gives; after the last record every member must be
/// complete, and its length, stored size and SHA-256 must match the index.
public final class ArchiveScanner {
    public struct Chunk: Sendable {
        public let member: MemberSummary
        public let sequence: UInt64
        public let bytes: [UInt8]
    }

    private struct Progress {
        var nextSequence: UInt64 = 0
        var plaintextBytes: UInt64 = 0
        var storedBytes: UInt64 = 0
        var hasher: SHA256
    }

    private let archive: ArchiveReader
    private let records: RecordReader
    private var offset: UInt64
    private var progress: [UInt32: Progress] = [:]
    private var isDone = false

    init(archive: ArchiveReader) throws(ArchiveError) {
        self.archive = archive
        records = try RecordReader(file: archive.file)
        offset = archive.file.headerLength
    }

    /// The next chunk in file order, or nil once the whole file has been checked.
    public func next() throws(ArchiveError) -> Chunk? {
        guard let record = try nextRecord() else { return nil }
        let bytes = try records.readPayload(record.header, at: record.offset, memberName: record.member.name)
        try bytes.withBytes { (plaintext) throws(ArchiveError) in try account(record, plaintext: plaintext) }
        return Chunk(member: record.member, sequence: record.header.sequence, bytes: bytes)
    }

    /// The same checks as `next()`, with the plaintext decoded into a reused buffer and dropped: for
    /// `verify()`, which has no use for a fresh array per chunk. False once the whole file is checked.
    func skip() throws(ArchiveError) -> Bool {
        guard let record = try nextRecord() else { return false }
        let plaintext = try records.readPayloadIntoScratch(record.header, at: record.offset, memberName: record.member.name)
        try account(record, plaintext: plaintext)
        return true
    }

    private struct Record {
        let header: ChunkRecordHeader
        let offset: UInt64
        let member: MemberSummary
        var state: Progress
    }

    /// Reads and checks the next record's header against the index and its member's progress; nil
    /// (after the completeness check) at the index.
    private func nextRecord() throws(ArchiveError) -> Record? {
        guard !isDone else { return nil }
        guard offset < archive.indexOffset else {
            try checkComplete()
            isDone = true
            return nil
        }
        let path = archive.path
        let recordOffset = offset
        let header = try records.readHeader(at: recordOffset, limit: archive.indexOffset) { archive.memberName($0) }
        guard let entry = archive.entry(for: header.memberID) else {
            throw .indexMismatch(file: path, member: archive.memberName(header.memberID),
                                 detail: "a chunk record at offset \(recordOffset) belongs to a member the index does not list")
        }
        let member = entry.summary
        var state: Progress
        if let existing = progress[header.memberID] { state = existing } else { state = Progress(hasher: try SHA256()) }
        guard header.sequence == state.nextSequence else {
            throw .corruptChunk(file: path, member: member.name, offset: recordOffset,
                                detail: state.nextSequence == entry.chunkOffsets.count
                                    ? "chunk \(header.sequence) follows the member's last chunk"
                                    : "expected chunk \(state.nextSequence), found chunk \(header.sequence): chunks were dropped, duplicated or reordered")
        }
        guard header.sequence < UInt64(entry.chunkOffsets.count), entry.chunkOffsets[Int(header.sequence)] == recordOffset else {
            throw .indexMismatch(file: path, member: member.name,
                                 detail: "chunk \(header.sequence) is at offset \(recordOffset), which the index does not list for it")
        }
        guard header.isLast == (header.sequence == UInt64(entry.chunkOffsets.count - 1)) else {
            throw .corruptChunk(file: path, member: member.name, offset: recordOffset, detail: "the last-chunk flag disagrees with the index")
        }
        return Record(header: header, offset: recordOffset, member: member, state: state)
    }

    /// After a record authenticated and decompressed: hash its plaintext and advance.
    private func account(_ record: Record, plaintext: UnsafeRawBufferPointer) throws(ArchiveError) {
        var state = record.state
        let recordLength = UInt64(ArchiveFormat.recordHeaderLength) + UInt64(record.header.storedLength)
        try state.hasher.update(plaintext)
        state.nextSequence += 1
        state.plaintextBytes += UInt64(plaintext.count)
        state.storedBytes += recordLength
        progress[record.header.memberID] = state
        offset += recordLength
    }

    private func checkComplete() throws(ArchiveError) {
        for entry in archive.entries {
            let member = entry.summary
            guard let state = progress[member.id.rawValue], state.nextSequence == member.chunkCount else {
                let seen = progress[member.id.rawValue]?.nextSequence ?? 0
                throw .indexMismatch(file: archive.path, member: member.name,
                                     detail: "the file holds \(seen) of its \(member.chunkCount) chunks: the member is incomplete")
            }
            let digest = try state.hasher.finalize()
            guard state.plaintextBytes == member.plaintextBytes, state.storedBytes == member.storedBytes,
                  digest == member.plaintextSHA256
            else {
                throw .indexMismatch(file: archive.path, member: member.name,
                                     detail: "scanned \(state.plaintextBytes) plaintext / \(state.storedBytes) stored bytes with SHA-256 \(Hex.encode(digest)); the index states \(member.plaintextBytes) / \(member.storedBytes) with \(Hex.encode(member.plaintextSHA256))")
            }
        }
    }
}
