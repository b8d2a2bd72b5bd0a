/// Writer-side state of one open member: its pending partial chunk, sequence, hasher and the offsets
/// of the records written so far. Guarded by its own lock, so members fed by different workers
/// compress and seal in parallel.
final class MemberStream {
    let lock = Lock()
    let id: UInt32
    let kind: MemberKind
    let name: String
    /// Compress this member with the codec's fastest setting.
    let favorSpeed: Bool
    let hasher: SHA256
    /// The pending partial chunk (a full one is held back until more bytes or `finish` say whether
    /// it is the last).
    let pending: UnsafeMutableRawBufferPointer
    var pendingCount = 0
    var sequence: UInt64 = 0
    var plaintextBytes: UInt64 = 0
    var storedBytes: UInt64 = 0
    var chunkOffsets: [UInt64] = []
    var isFinished = false

    init(id: UInt32, kind: MemberKind, name: String, chunkSize: Int, favorSpeed: Bool = false) throws(ArchiveError) {
        self.id = id
        self.favorSpeed = favorSpeed
        self.kind = kind
        self.name = name
        hasher = try SHA256()
        pending = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
    }

    deinit {
        pending.deallocate()
    }

    func recordWritten(at offset: UInt64, length: Int) {
        chunkOffsets.append(offset)
        sequence += 1
        storedBytes += UInt64(length)
    }

    func indexEntry(digest: [UInt8]) -> IndexEntry {
        IndexEntry(
            summary: MemberSummary(
                id: MemberID(rawValue: id), kind: kind, name: name, plaintextBytes: plaintextBytes, storedBytes: storedBytes,
                chunkCount: UInt64(chunkOffsets.count), plaintextSHA256: digest),
            chunkOffsets: chunkOffsets)
    }
}
